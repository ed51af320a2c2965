"""The get_request and get_requests actions, called as an automation calls them, after real posts."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.json import json_bytes
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN
from custom_components.media_request_tracker.schema_library import vol

from . import (
    ARRIVAL_ENTITY,
    ENTRY_DATA,
    NO_RECONCILING,
    load_fixture,
    post_webhook,
    request_data,
    sensor,
    setup_integration,
)
from .helpers.season_pack import PACK_HASH, SHOW_ENTITY, mock_pack

# A second stack: its own webhooks, the same services.
OTHER_WEBHOOK_IDS = {
    service: f"{index:x}" * 64 for index, service in enumerate(ENTRY_DATA["webhook_ids"], 1)
}
OTHER_ENTITY = "sensor.other_stack_arrival_2016"


async def call(hass: HomeAssistant, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """Call one of the integration's actions and return its response."""
    response = await hass.services.async_call(
        DOMAIN, action, data, blocking=True, return_response=True
    )
    assert response is not None
    # What an automation gets is JSON: every value must serialise.
    assert json_bytes(response)
    return dict(response)


async def failure(hass: HomeAssistant, action: str, data: dict[str, Any]) -> ServiceValidationError:
    """Call an action that must fail; return its (translated) error."""
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, action, data, blocking=True, return_response=True)
    assert caught.value.translation_domain == DOMAIN
    return caught.value


@pytest.fixture
async def stack(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> MockConfigEntry:
    """A stack following Arrival (requested) and the Breaking Bad pack (grabbed, one episode stuck)."""
    client = await hass_client_no_auth()
    assert (await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_pending.json")))[
        0
    ] == 200
    assert (await post_webhook(client, "jellyseerr", load_fixture("seerr_tv_approved.json")))[
        0
    ] == 200
    mock_pack(aioclient_mock, None, state="metaDL")
    grab = load_fixture("sonarr_grab_season_pack.json")
    assert (await post_webhook(client, "sonarr", grab))[0] == 200
    attention = grab | {
        "eventType": "ManualInteractionRequired",
        "episodes": grab["episodes"][6:7],
        "downloadStatusMessages": [
            {"title": "Breaking.Bad.S02E07.1080p", "messages": ["Not an upgrade"]}
        ],
    }
    assert (await post_webhook(client, "sonarr", attention))[0] == 200
    await hass.async_block_till_done()
    assert sensor(hass, ARRIVAL_ENTITY).state == "requested"
    assert sensor(hass, SHOW_ENTITY).state == "grabbing"
    return setup_entry


@pytest.fixture
async def other_stack(
    hass: HomeAssistant, stack: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> AsyncGenerator[MockConfigEntry]:
    """A second loaded stack, following its own Arrival request."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Other stack",
        data=ENTRY_DATA | {"webhook_ids": OTHER_WEBHOOK_IDS},
        options=NO_RECONCILING,
    )
    await setup_integration(hass, entry)
    client = await hass_client_no_auth()
    response = await client.post(
        f"/api/webhook/{OTHER_WEBHOOK_IDS['jellyseerr']}",
        json=load_fixture("seerr_movie_pending.json"),
    )
    assert response.status == 200
    await hass.async_block_till_done()
    assert sensor(hass, OTHER_ENTITY).state == "requested"
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def test_get_request_returns_every_field_and_episode(
    hass: HomeAssistant, stack: MockConfigEntry
) -> None:
    request = (await call(hass, "get_request", {"entity_id": SHOW_ENTITY}))["request"]
    assert request["entity_id"] == SHOW_ENTITY
    assert request["config_entry_id"] == stack.entry_id
    assert request["title"] == "Breaking Bad"
    assert request["state"] == "grabbing"
    assert request["qbit_hash"] == PACK_HASH
    assert request["requested_seasons"] == [2]
    # Tracker bookkeeping is left out; progress is in %, as on the sensor.
    assert "verify_attempts" not in request
    assert "next_verify_at" not in request
    assert request["progress"] == 0.0
    assert [entry["state"] for entry in request["history"]] == ["approved", "grabbing"]
    episodes = request["episodes"]
    assert [(item["season_number"], item["episode_number"]) for item in episodes] == [
        (2, number) for number in range(1, 14)
    ]
    assert episodes[0]["episode_title"] == "Seven Thirty-Seven"
    assert episodes[0]["sonarr_episode_id"] == 201
    assert {item["state"] for item in episodes} == {"grabbing"}
    assert [item["episode_number"] for item in episodes if item["stuck"]] == [7]
    assert episodes[6]["stuck_code"] == "not_upgrade"


async def test_get_request_by_stack_and_request_id(
    hass: HomeAssistant, stack: MockConfigEntry
) -> None:
    by_sensor = await request_data(hass, ARRIVAL_ENTITY)
    assert by_sensor["media_type"] == "movie"
    assert by_sensor["episodes"] == []
    by_id = await call(
        hass,
        "get_request",
        {"config_entry_id": stack.entry_id, "request_id": by_sensor["request_id"]},
    )
    assert by_id["request"] == by_sensor
    # `target: entity_id:` hands the action a list of one.
    as_target = await hass.services.async_call(
        DOMAIN,
        "get_request",
        target={"entity_id": [ARRIVAL_ENTITY]},
        blocking=True,
        return_response=True,
    )
    assert as_target == {"request": by_sensor}


async def test_get_requests_lists_every_loaded_stack(
    hass: HomeAssistant, stack: MockConfigEntry, other_stack: MockConfigEntry
) -> None:
    requests = (await call(hass, "get_requests", {}))["requests"]
    assert [(item["entity_id"], item["config_entry_id"]) for item in requests] == [
        (ARRIVAL_ENTITY, stack.entry_id),
        (SHOW_ENTITY, stack.entry_id),
        (OTHER_ENTITY, other_stack.entry_id),
    ]
    movie, show, _ = requests
    # Each request's fields; a TV request's episodes in short, never every episode.
    assert movie["title"] == "Arrival"
    assert movie["requested_by"] == "carol"
    assert "episodes" not in movie
    assert "seasons" not in movie
    assert "episodes" not in show
    assert show["episodes_total"] == 13
    assert show["episode_states"] == {"grabbing": 13}
    assert show["seasons"] == [
        {"season": 2, "episodes": 13, "available": 0, "states": {"grabbing": "1-13"}}
    ]
    assert len(show["unfinished_episodes"]) == 13
    assert show["unfinished_episodes_folded"] == 0
    assert show["stuck_episodes"] == [
        {
            "season": 2,
            "episode": 7,
            "state": "grabbing",
            "stuck_code": "not_upgrade",
            "stuck_reason": "Breaking.Bad.S02E07.1080p; Not an upgrade",
        }
    ]

    only_other = await call(hass, "get_requests", {"config_entry_id": other_stack.entry_id})
    assert [item["entity_id"] for item in only_other["requests"]] == [OTHER_ENTITY]

    # An unloaded stack is left out, and cannot be named.
    await hass.config_entries.async_unload(other_stack.entry_id)
    await hass.async_block_till_done()
    requests = (await call(hass, "get_requests", {}))["requests"]
    assert [item["entity_id"] for item in requests] == [ARRIVAL_ENTITY, SHOW_ENTITY]
    error = await failure(hass, "get_requests", {"config_entry_id": other_stack.entry_id})
    assert error.translation_key == "entry_not_loaded"
    assert error.translation_placeholders == {"title": "Other stack"}
    error = await failure(hass, "get_request", {"entity_id": OTHER_ENTITY})
    assert error.translation_key == "entry_not_loaded"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"state": ["requested"]}, [ARRIVAL_ENTITY]),
        ({"state": "grabbing"}, [SHOW_ENTITY]),
        ({"state": ["requested", "grabbing"]}, [ARRIVAL_ENTITY, SHOW_ENTITY]),
        ({"state": ["available"]}, []),
        ({"media_type": "movie"}, [ARRIVAL_ENTITY]),
        ({"media_type": "tv"}, [SHOW_ENTITY]),
        ({"stuck_only": True}, [SHOW_ENTITY]),
        ({"stuck_only": False}, [ARRIVAL_ENTITY, SHOW_ENTITY]),
        ({"media_type": "movie", "stuck_only": True}, []),
    ],
)
async def test_get_requests_filters(
    hass: HomeAssistant, stack: MockConfigEntry, filters: dict[str, Any], expected: list[str]
) -> None:
    requests = (await call(hass, "get_requests", filters))["requests"]
    assert [item["entity_id"] for item in requests] == expected


@pytest.mark.parametrize(
    "data",
    [
        {"state": ["lost"]},
        {"media_type": "music"},
        {"stuck_only": "perhaps"},
        {"unknown": 1},
    ],
)
async def test_get_requests_refuses_bad_filters(
    hass: HomeAssistant, stack: MockConfigEntry, data: dict[str, Any]
) -> None:
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN, "get_requests", data, blocking=True, return_response=True
        )


async def test_get_request_names_exactly_one_request(
    hass: HomeAssistant, stack: MockConfigEntry
) -> None:
    for data in (
        {},
        {"request_id": "1"},
        {"config_entry_id": stack.entry_id},
        {"entity_id": [ARRIVAL_ENTITY, SHOW_ENTITY]},
        {"entity_id": ARRIVAL_ENTITY, "request_id": "1"},
        {"entity_id": ARRIVAL_ENTITY, "config_entry_id": stack.entry_id},
    ):
        error = await failure(hass, "get_request", data)
        assert error.translation_key == "name_one_request", data
    assert "Name one request" in str(error)


async def test_get_request_errors_say_what_is_unknown(
    hass: HomeAssistant, stack: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    error = await failure(hass, "get_request", {"entity_id": "sensor.nothing_here"})
    assert error.translation_key == "not_a_request_sensor"
    assert error.translation_placeholders == {"entity_id": "sensor.nothing_here"}
    assert "sensor.nothing_here is not the sensor of a tracked media request" in str(error)

    # Another integration's sensor, and one of ours that is not a request's.
    other = entity_registry.async_get_or_create(Platform.SENSOR, "demo", "temperature")
    ours = entity_registry.async_get_or_create(Platform.SENSOR, DOMAIN, "stray", config_entry=stack)
    for entity_id in (other.entity_id, ours.entity_id):
        error = await failure(hass, "get_request", {"entity_id": entity_id})
        assert error.translation_key == "not_a_request_sensor"

    error = await failure(
        hass, "get_request", {"config_entry_id": stack.entry_id, "request_id": "99\n"}
    )
    assert error.translation_key == "request_not_found"
    # What the caller typed is shown escaped.
    assert error.translation_placeholders == {"request_id": "99\\n", "title": stack.title}

    for action, data in (
        ("get_request", {"config_entry_id": "no-such-entry", "request_id": "1"}),
        ("get_requests", {"config_entry_id": "no-such-entry"}),
    ):
        error = await failure(hass, action, data)
        assert error.translation_key == "entry_not_found"
        assert error.translation_placeholders == {"config_entry_id": "no-such-entry"}

    # A config entry of another integration is no stack of ours.
    foreign = MockConfigEntry(domain="demo", title="Demo")
    foreign.add_to_hass(hass)
    error = await failure(hass, "get_requests", {"config_entry_id": foreign.entry_id})
    assert error.translation_key == "entry_not_found"


async def test_actions_exist_without_any_stack(hass: HomeAssistant) -> None:
    """The actions are registered when the integration loads (action-setup), not per stack."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert hass.services.has_service(DOMAIN, "get_request")
    assert await call(hass, "get_requests", {}) == {"requests": []}
    error = await failure(hass, "get_request", {"entity_id": ARRIVAL_ENTITY})
    assert error.translation_key == "not_a_request_sensor"
