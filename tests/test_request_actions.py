"""The actions that act on requests: search again (Radarr, Sonarr), check the library now, forget.

Radarr's and Sonarr's `POST /api/v3/command` takes a CommandResource: `{"name": "MoviesSearch",
"movieIds": [...]}`, `{"name": "EpisodeSearch", "episodeIds": [...]}`, `{"name":
"SeriesSearch", "seriesId": N}` (`src/*.Api.V3/Commands/CommandController.cs`, the command
classes `MoviesSearchCommand`, `EpisodeSearchCommand`, `SeriesSearchCommand`); it answers 201
with the queued command.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN
from custom_components.media_request_tracker.request_actions import queue_items
from custom_components.media_request_tracker.tracker import (
    MediaKey,
    MediaType,
    RequestState,
    Tracker,
)

from . import (
    ARRIVAL_ENTITY,
    ARRIVAL_HASH,
    ENTRY_DATA,
    JELLYFIN_URL,
    NO_RECONCILING,
    RADARR_URL,
    SONARR_URL,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    request_data,
    request_states,
    torrent,
)
from .helpers.arr_queue import FakeQueue, grab_arrival
from .helpers.season_pack import SHOW_ENTITY

QUEUED = {"id": 1021, "name": "MoviesSearch", "status": "queued"}


def commands(aioclient_mock: AiohttpClientMocker, url: str) -> list[tuple[Any, str]]:
    """Return the body and API key of each command posted to an app."""
    return [
        (json.loads(data) if isinstance(data, bytes) else data, headers["X-Api-Key"])
        for method, called, data, headers in aioclient_mock.mock_calls
        if method.upper() == "POST" and str(called) == f"{url}/api/v3/command"
    ]


async def call(hass: HomeAssistant, action: str, entity_id: str | list[str]) -> None:
    """Call one of the integration's actions on request sensors."""
    await hass.services.async_call(DOMAIN, action, {"entity_id": entity_id}, blocking=True)
    await hass.async_block_till_done()


async def test_a_movie_is_searched_again_in_radarr_and_the_history_says_so(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await grab_arrival(hass, aioclient_mock, await hass_client_no_auth(), state="stalledDL")
    aioclient_mock.post(f"{RADARR_URL}/api/v3/command", json=QUEUED, status=201)
    await call(hass, "search_again", ARRIVAL_ENTITY)

    assert commands(aioclient_mock, RADARR_URL) == [
        ({"name": "MoviesSearch", "movieIds": [7]}, "radarr-key")
    ]
    history = (await request_data(hass))["history"]
    assert history[-1]["note"] == "search asked in Radarr"
    assert history[-1]["state"] == hass.states.get(ARRIVAL_ENTITY).state  # type: ignore[union-attr]


async def test_a_season_pack_is_searched_again_episode_by_episode(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    pack = load_fixture("sonarr_grab_season_pack.json")
    assert (await post_webhook(client, "sonarr", pack))[0] == 200
    await hass.async_block_till_done()
    aioclient_mock.post(f"{SONARR_URL}/api/v3/command", status=201)  # an empty answer too
    await call(hass, "search_again", [SHOW_ENTITY])

    ((body, key),) = commands(aioclient_mock, SONARR_URL)
    assert key == "sonarr-key"
    assert body["name"] == "EpisodeSearch"
    assert body["episodeIds"] == [episode["id"] for episode in pack["episodes"]]


@pytest.mark.parametrize(
    ("answer", "key"),
    [({"status": 401}, "service_refused"), ({"status": 500}, "service_failed")],
)
async def test_a_service_that_refuses_or_fails_is_a_translated_error(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    answer: dict[str, Any],
    key: str,
) -> None:
    await grab_arrival(hass, aioclient_mock, await hass_client_no_auth(), state="stalledDL")
    aioclient_mock.post(f"{RADARR_URL}/api/v3/command", **answer)
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "search_again", ARRIVAL_ENTITY)
    assert raised.value.translation_key == key
    assert "search asked" not in str((await request_data(hass))["history"])


async def test_a_request_no_app_knows_yet_cannot_be_searched(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    assert await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_approved.json"))
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "search_again", ARRIVAL_ENTITY)
    assert raised.value.translation_key == "not_known_to_service"
    assert raised.value.translation_placeholders == {"service": "Radarr", "name": "Arrival (2016)"}


async def test_an_app_that_is_not_configured_is_a_validation_error(
    hass: HomeAssistant,
    qbittorrent: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """A movie Radarr once named, in a stack whose Radarr was taken out."""
    data = {key: value for key, value in ENTRY_DATA.items() if key != "radarr"}
    data["webhook_ids"] = {k: v for k, v in ENTRY_DATA["webhook_ids"].items() if k != "radarr"}
    entry = MockConfigEntry(domain=DOMAIN, data=data, options=NO_RECONCILING)
    tracker = Tracker()
    request = tracker.create(
        MediaKey(MediaType.MOVIE, tmdb_id=329865), RequestState.GRABBING, dt_util.utcnow()
    )
    request.title, request.year, request.radarr_id = "Arrival", 2016, 7
    key = f"{DOMAIN}.{entry.entry_id}"
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": tracker.to_dict()}
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (state,) = request_states(hass)

    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "search_again", state.entity_id)
    assert raised.value.translation_key == "service_not_configured"
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize("action", ["search_again", "forget_request"])
async def test_an_entity_that_is_no_request_sensor_is_refused(
    hass: HomeAssistant, setup_entry: MockConfigEntry, action: str
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, action, "sensor.media_request_tracker_active_requests")
    assert raised.value.translation_key == "not_a_request_sensor"


async def test_a_forgotten_request_loses_its_sensor_and_stays_forgotten(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await grab_arrival(hass, aioclient_mock, await hass_client_no_auth(), state="stalledDL")
    await call(hass, "forget_request", ARRIVAL_ENTITY)

    assert hass.states.get(ARRIVAL_ENTITY) is None
    assert er.async_get(hass).async_get(ARRIVAL_ENTITY) is None
    assert setup_entry.runtime_data.coordinator.tracker.requests == {}
    assert hass.states.get("sensor.media_request_tracker_active_requests").state == "0"  # type: ignore[union-attr]
    await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert request_states(hass) == []


async def test_a_request_waiting_for_the_library_is_checked_now(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Imported, not in Jellyfin at first: the action asks again at once, and finds it."""
    client = await hass_client_no_auth()
    await grab_arrival(hass, aioclient_mock, client, state="stalledUP", progress=1)
    mock_jellyfin_items(aioclient_mock, {"Items": []})
    assert (await post_webhook(client, "radarr", load_fixture("radarr_download.json")))[0] == 200
    await hass.async_block_till_done()
    assert hass.states.get(ARRIVAL_ENTITY).state == "importing"  # type: ignore[union-attr]

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledUP", progress=1)])
    mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))
    await call(hass, "check_library_now", ARRIVAL_ENTITY)
    async_fire_time_changed(hass)  # the check is due now (a timer at this moment)
    await hass.async_block_till_done()

    assert hass.states.get(ARRIVAL_ENTITY).state == "available"  # type: ignore[union-attr]
    notes = [entry.get("note") for entry in (await request_data(hass))["history"]]
    assert "library check asked" in notes
    asked = [call for call in aioclient_mock.mock_calls if str(call[1]).startswith(JELLYFIN_URL)]
    assert len(asked) == 1


async def test_a_request_not_waiting_for_the_library_is_refused(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await grab_arrival(hass, aioclient_mock, await hass_client_no_auth(), state="stalledDL")
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "check_library_now", ARRIVAL_ENTITY)
    assert raised.value.translation_key == "not_waiting_for_library"


def queue_record(queue_id: int, download_id: str, **fields: Any) -> dict[str, Any]:
    """Return a Radarr queue record (QueueResource) of movie 7."""
    return {"id": queue_id, "movieId": 7, "downloadId": download_id, "title": "Arrival"} | fields


async def test_a_dead_release_is_blocklisted_and_another_searched(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Arrival's queue record is removed with its release blocklisted; the other one stays."""
    await grab_arrival(hass, aioclient_mock, await hass_client_no_auth(), state="stalledDL")
    FakeQueue(
        RADARR_URL,
        [queue_record(901, ARRIVAL_HASH.upper()), queue_record(902, "AB" * 20, movieId=8)],
    ).serve(aioclient_mock)
    aioclient_mock.delete(f"{RADARR_URL}/api/v3/queue/901", status=200)
    await call(hass, "blocklist_and_search", ARRIVAL_ENTITY)

    (deleted,) = [
        (url.path, dict(url.query), headers["X-Api-Key"])
        for method, url, _data, headers in aioclient_mock.mock_calls
        if method.upper() == "DELETE"
    ]
    assert deleted == (
        "/api/v3/queue/901",
        {"removeFromClient": "true", "blocklist": "true", "skipRedownload": "false"},
        "radarr-key",
    )
    history = (await request_data(hass))["history"]
    assert history[-1]["note"] == "release blocklisted in Radarr, another searched"


async def test_a_download_the_queue_does_not_hold_cannot_be_blocklisted(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await grab_arrival(hass, aioclient_mock, await hass_client_no_auth(), state="stalledDL")
    FakeQueue(RADARR_URL, [queue_record(902, "AB" * 20)]).serve(aioclient_mock)
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, "blocklist_and_search", ARRIVAL_ENTITY)
    assert raised.value.translation_key == "not_in_queue"
    assert not [call for call in aioclient_mock.mock_calls if call[0].upper() == "DELETE"]


async def test_a_queue_that_cannot_be_read_is_a_translated_error(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await grab_arrival(hass, aioclient_mock, await hass_client_no_auth(), state="stalledDL")
    aioclient_mock.get(f"{RADARR_URL}/api/v3/queue", status=503)
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "blocklist_and_search", ARRIVAL_ENTITY)
    assert raised.value.translation_key == "service_failed"


def test_one_queue_item_per_download_of_the_request() -> None:
    """Sonarr lists a season pack once per episode: one removal takes the whole download."""
    pack = "B2C4E6F8A0B2C4E6F8A0B2C4E6F8A0B2C4E6F8A0"
    records = [{"id": 5000 + number, "downloadId": pack} for number in range(13)] + [
        {"id": "x", "downloadId": pack},
        "junk",
        {"id": 7, "downloadId": None},
    ]
    assert queue_items(records, {pack.lower()}) == [5000]
