"""The entry's event entity: one event per outcome, with the request it is about.

Driven through the webhooks (Seerr's notifications, Radarr's Grab) and the stuck limits.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.media_request_tracker.const import DOMAIN

from . import (
    ARRIVAL_ENTITY,
    ENTRY_DATA,
    NO_RECONCILING,
    advance,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    setup_integration,
    torrent,
)

OUTCOME_ENTITY = "event.media_request_tracker_request_outcome"


def seerr(notification: str, **request: Any) -> dict[str, Any]:
    """Return Seerr's notification of Arrival's request 12 of this type."""
    payload: dict[str, Any] = load_fixture("seerr_movie_pending.json")
    payload["request"] |= request
    return payload | {"notification_type": notification}


def outcome(hass: HomeAssistant) -> tuple[str | None, dict[str, Any]]:
    """Return the last event type and the data the event entity shows."""
    state = hass.states.get(OUTCOME_ENTITY)
    assert state is not None
    data = {key: value for key, value in state.attributes.items() if key != "event_types"}
    return data.pop("event_type"), data


async def test_the_entity_offers_each_outcome_and_starts_without_one(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    state = hass.states.get(OUTCOME_ENTITY)
    assert state is not None
    assert state.state == STATE_UNKNOWN
    assert state.attributes["event_types"] == ["available", "failed", "declined", "stuck"]
    assert state.attributes["friendly_name"] == "Media Request Tracker Request outcome"
    entry = er.async_get(hass).async_get(OUTCOME_ENTITY)
    assert entry is not None
    assert entry.unique_id == f"{setup_entry.entry_id}-outcome"
    assert entry.translation_key == "outcome"


@pytest.mark.parametrize(
    ("notifications", "expected", "reason"),
    [
        (["MEDIA_PENDING", "MEDIA_DECLINED"], "declined", None),
        (["MEDIA_PENDING", "MEDIA_APPROVED", "MEDIA_AVAILABLE"], "available", None),
        (
            ["MEDIA_APPROVED", "MEDIA_FAILED"],
            "failed",
            "Jellyseerr reports that processing the request failed",
        ),
    ],
)
async def test_each_end_of_a_request_is_one_event(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    notifications: list[str],
    expected: str,
    reason: str | None,
) -> None:
    mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))
    client = await hass_client_no_auth()
    changes: list[str] = []
    for notification in notifications:
        assert (await post_webhook(client, "jellyseerr", seerr(notification)))[0] == 200
        await hass.async_block_till_done()
        changes.append(str(hass.states.get(OUTCOME_ENTITY).state))  # type: ignore[union-attr]
    # Only the last notification is an outcome: the state (the event's time) changed once.
    assert changes[:-1] == [STATE_UNKNOWN] * (len(notifications) - 1)
    assert changes[-1] != STATE_UNKNOWN
    event_type, data = outcome(hass)
    assert event_type == expected
    assert data.pop("reason", None) == reason
    assert {key: data.get(key) for key in ("title", "media_type", "requested_by", "entity_id")} == {
        "title": "Arrival",
        "media_type": "movie",
        "requested_by": "carol",
        "entity_id": ARRIVAL_ENTITY,
    }
    assert data["request_id"]


async def test_a_stuck_request_is_an_event_with_its_reason(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Media Request Tracker",
        data=ENTRY_DATA,
        options=NO_RECONCILING | {"stuck_after": {"grabbing": 0.5}},
    )
    mock_qbittorrent(aioclient_mock, [torrent(state="metaDL", progress=0)])
    await setup_integration(hass, entry)
    client = await hass_client_no_auth()
    assert (await post_webhook(client, "radarr", load_fixture("radarr_grab.json")))[0] == 200
    await advance(hass, freezer, timedelta(minutes=35))

    event_type, data = outcome(hass)
    assert event_type == "stuck"
    assert data["reason"] == "no data downloaded for 30 min"
    assert data["entity_id"] == ARRIVAL_ENTITY
    assert "requested_by" not in data  # a direct grab: nobody requested it in Seerr
    # The sensor keeps its state and says it is held up with its icon.
    held_up = hass.states.get(ARRIVAL_ENTITY)
    assert held_up is not None
    assert (held_up.state, held_up.attributes["icon"]) == ("grabbing", "mdi:alert-octagon")
    fired_at = hass.states.get(OUTCOME_ENTITY).state  # type: ignore[union-attr]
    await advance(hass, freezer, timedelta(hours=2))
    assert hass.states.get(OUTCOME_ENTITY).state == fired_at  # type: ignore[union-attr]

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.1, dlspeed=10)])
    await advance(hass, freezer, 30)
    moving = hass.states.get(ARRIVAL_ENTITY)
    assert moving is not None
    assert moving.state == "downloading"
    assert "icon" not in moving.attributes  # the state's own icon again
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_the_outcome_entity_as_a_snapshot(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """The entity's attributes after a declined request (its state is the event's time)."""
    client = await hass_client_no_auth()
    for notification in ("MEDIA_PENDING", "MEDIA_DECLINED"):
        assert (await post_webhook(client, "jellyseerr", seerr(notification)))[0] == 200
    await hass.async_block_till_done()
    state = hass.states.get(OUTCOME_ENTITY)
    assert state is not None
    assert json.loads(json.dumps(dict(state.attributes))) == snapshot  # enums as their values
