"""Housekeeping on a timer: stuck limits and the event, the retention, and runs bounded in time.

The reasons Radarr's and Sonarr's queues give: test_housekeeping_queue.py.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.media_request_tracker.const import DOMAIN, EVENT_STATE_CHANGED, EVENT_STUCK

from . import (
    ARRIVAL_ENTITY,
    ENTRY_DATA,
    NO_RECONCILING,
    RADARR_URL,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    request_states,
    sensor,
    setup_integration,
    torrent,
)
from .helpers.arr_queue import FakeQueue, downloaded_arrival, grab_arrival


def entry_with(options: dict[str, Any]) -> MockConfigEntry:
    """Return the usual stack with these options."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Media Request Tracker",
        data=ENTRY_DATA,
        options=NO_RECONCILING | options,
    )


async def test_limits_from_the_options_flag_and_clear(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Grabbing limited to 30 min, downloading never: flagged once, cleared by the next move."""
    entry = entry_with({"stuck_after": {"grabbing": 0.5, "downloading": 0.0}})
    mock_qbittorrent(aioclient_mock, [torrent(state="metaDL", progress=0)])
    await setup_integration(hass, entry)
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    assert (await post_webhook(client, "radarr", load_fixture("radarr_grab.json")))[0] == 200
    await hass.async_block_till_done()
    assert sensor(hass).state == "grabbing"

    await advance(hass, freezer, timedelta(minutes=25))
    assert sensor(hass).attributes["stuck"] is False
    await advance(hass, freezer, timedelta(minutes=10))
    state = sensor(hass)
    assert state.attributes["stuck"] is True
    assert state.attributes["stuck_reason"] == "no data downloaded for 30 min"
    assert [event.data["stuck_reason"] for event in stuck] == ["no data downloaded for 30 min"]
    assert stuck[0].data["entity_id"] == ARRIVAL_ENTITY
    assert stuck[0].data["state"] == "grabbing"

    await advance(hass, freezer, timedelta(hours=2))
    assert len(stuck) == 1  # once, however long it stays

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.1, dlspeed=10)])
    await advance(hass, freezer, 30)
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["stuck"] is False
    assert state.attributes["stuck_reason"] is None

    # 0 h turns the check off for downloading: a day and a half later, still not stuck.
    await advance(hass, freezer, timedelta(hours=36))
    assert sensor(hass).attributes["stuck"] is False
    assert len(stuck) == 1
    await hass.config_entries.async_unload(entry.entry_id)


async def test_default_limits_apply_without_options(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without options, downloading may last 24 h before the request is flagged."""
    client = await hass_client_no_auth()
    await grab_arrival(hass, aioclient_mock, client, state="stalledDL", progress=0.2, dlspeed=0)
    assert sensor(hass).state == "downloading"
    FakeQueue(RADARR_URL, []).serve(aioclient_mock)  # Radarr's queue knows nothing of it
    await advance(hass, freezer, timedelta(hours=23))
    assert sensor(hass).attributes["stuck"] is False
    await advance(hass, freezer, timedelta(hours=1, minutes=5))
    assert sensor(hass).attributes["stuck_reason"] == "download not finished for 24 h"


@pytest.mark.parametrize(
    ("service", "fixture", "drop"),
    [
        ("radarr", "radarr_download.json", ("tmdbId", "imdbId")),
        ("sonarr", "sonarr_download_file.json", ("tvdbId", "tmdbId", "imdbId")),
    ],
)
async def test_import_that_cannot_start_a_request_is_logged_once_and_dropped(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    service: str,
    fixture: str,
    drop: tuple[str, ...],
) -> None:
    """An import matching nothing, with no ids to start a request from: one line, no sensor."""
    payload = load_fixture(fixture)
    media = payload["movie" if service == "radarr" else "series"]
    for key in drop:
        media.pop(key, None)
    payload.pop("remoteMovie", None)
    payload.pop("downloadId", None)
    client = await hass_client_no_auth()
    caplog.clear()
    status, _ = await post_webhook(client, service, payload)
    await hass.async_block_till_done()
    assert status == 200
    assert request_states(hass) == []
    lines = [record for record in caplog.records if "Ignored the import" in record.getMessage()]
    assert len(lines) == 1
    assert media["title"] in lines[0].getMessage()
    assert lines[0].levelname == "INFO"


async def test_finished_requests_are_forgotten_after_the_retention(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A declined request disappears (entity and registry entry) 30 days later."""
    client = await hass_client_no_auth()
    pending = load_fixture("seerr_movie_pending.json")
    await post_webhook(client, "jellyseerr", pending)
    await post_webhook(client, "jellyseerr", pending | {"notification_type": "MEDIA_DECLINED"})
    await hass.async_block_till_done()
    assert entity_registry.async_get(ARRIVAL_ENTITY) is not None

    await advance(hass, freezer, timedelta(days=29))
    assert sensor(hass).state == "declined"
    await advance(hass, freezer, timedelta(days=1, hours=1))
    assert hass.states.get(ARRIVAL_ENTITY) is None
    assert entity_registry.async_get(ARRIVAL_ENTITY) is None
    assert setup_entry.runtime_data.coordinator.tracker.requests == {}


async def test_a_request_without_news_for_90_days_fails_as_abandoned(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without options: 90 days after its last news a stalled download fails; news puts it off."""
    changed = async_capture_events(hass, EVENT_STATE_CHANGED)
    client = await hass_client_no_auth()
    await grab_arrival(hass, aioclient_mock, client, state="stalledDL", progress=0.2, dlspeed=0)
    FakeQueue(RADARR_URL, []).serve(aioclient_mock)
    await advance(hass, freezer, timedelta(days=60))  # polled and flagged stuck: no news
    assert sensor(hass).state == "downloading"

    replace_mocks(aioclient_mock)  # day 60: a few more bytes came in
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledDL", progress=0.3, dlspeed=0)])
    FakeQueue(RADARR_URL, []).serve(aioclient_mock)
    await advance(hass, freezer, 30)
    await advance(hass, freezer, timedelta(days=89, hours=23))
    assert sensor(hass).state == "downloading"  # 150 days since the grab, not 90 since news

    await advance(hass, freezer, timedelta(hours=1))
    state = sensor(hass)
    assert state.state == "failed"
    assert state.attributes["failure_code"] == "abandoned"
    assert state.attributes["failure_reason"] == "abandoned: no activity for 90 d"
    assert (changed[-1].data["from_state"], changed[-1].data["to_state"]) == (
        "downloading",
        "failed",
    )


async def test_requests_are_never_abandoned_with_0_days(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """0 days: a request waiting for approval a year is still waiting."""
    entry = entry_with({"abandon_days": 0})
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, entry)
    client = await hass_client_no_auth()
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_pending.json"))
    await hass.async_block_till_done()
    await advance(hass, freezer, timedelta(days=365))
    assert sensor(hass).state == "requested"
    await hass.config_entries.async_unload(entry.entry_id)


# -- runs bounded in time ------------------------------------------------------------------------

ARRIVAL_QUEUE = "/api/v3/queue?page=1&pageSize=100&movieIds=7&includeUnknownMovieItems=false"


def queue_reads(aioclient_mock: AiohttpClientMocker) -> list[str]:
    """Return the queue pages Radarr was asked for, in order (path and query)."""
    return [
        str(call[1].relative())
        for call in aioclient_mock.mock_calls
        if str(call[1]).startswith(f"{RADARR_URL}/api/v3/queue")
    ]


async def test_a_queue_slower_than_the_bound_leaves_the_generic_reason(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A hung queue: the next ticks start no second run; after 60 s the flag goes out anyway."""
    client = await hass_client_no_auth()
    await downloaded_arrival(hass, aioclient_mock, client)
    answer = asyncio.Event()

    async def hung_queue(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        await answer.wait()
        return AiohttpClientMockResponse(method, url, json={"records": []})

    aioclient_mock.get(f"{RADARR_URL}/api/v3/queue", side_effect=hung_queue)
    try:
        freezer.tick(timedelta(hours=2, minutes=5))
        async_fire_time_changed(hass)
        for _ in range(20):
            await asyncio.sleep(0)
        assert queue_reads(aioclient_mock) == [ARRIVAL_QUEUE]
        # Past the 60 s bound (the mock has no 15 s timeout of its own): one read only.
        freezer.tick(timedelta(seconds=61))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    finally:
        answer.set()
    state = sensor(hass)
    assert state.attributes["stuck"] is True
    assert state.attributes["stuck_reason"] == "not imported for 2 h"
    assert queue_reads(aioclient_mock) == [ARRIVAL_QUEUE]


async def test_housekeeping_runs_never_overlap(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A queue read still going at the next 5-minute ticks (bound raised): they are skipped."""
    monkeypatch.setattr(
        "custom_components.media_request_tracker.housekeeping.EXPLAIN_TIMEOUT", 3600.0
    )
    client = await hass_client_no_auth()
    await downloaded_arrival(hass, aioclient_mock, client)
    answer = asyncio.Event()

    async def slow_queue(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        await answer.wait()
        return AiohttpClientMockResponse(
            method, url, json={"page": 1, "pageSize": 100, "totalRecords": 0, "records": []}
        )

    aioclient_mock.get(f"{RADARR_URL}/api/v3/queue", side_effect=slow_queue)
    try:
        for _ in range(4):  # the first tick past the limit, then three more 5 minutes apart
            freezer.tick(timedelta(hours=2, minutes=5) if _ == 0 else timedelta(minutes=5))
            async_fire_time_changed(hass)
            for _ in range(20):
                await asyncio.sleep(0)
        assert queue_reads(aioclient_mock) == [ARRIVAL_QUEUE]
    finally:
        answer.set()
    await hass.async_block_till_done()
    assert sensor(hass).attributes["stuck"] is True
    assert queue_reads(aioclient_mock) == [ARRIVAL_QUEUE]


async def test_an_unload_stops_the_housekeeping_run_under_way(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A queue read still going when the entry unloads: its findings reach nobody.

    Neither a stuck event nor a save of the unloaded entry's requests follows the answer.
    """
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    await downloaded_arrival(hass, aioclient_mock, client)
    answer = asyncio.Event()

    async def slow_queue(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        await answer.wait()
        return AiohttpClientMockResponse(
            method, url, json={"page": 1, "pageSize": 100, "totalRecords": 0, "records": []}
        )

    aioclient_mock.get(f"{RADARR_URL}/api/v3/queue", side_effect=slow_queue)
    freezer.tick(timedelta(hours=2, minutes=5))
    async_fire_time_changed(hass)
    for _ in range(20):
        await asyncio.sleep(0)
    assert queue_reads(aioclient_mock) == [ARRIVAL_QUEUE]

    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    stored = hass_storage[f"{DOMAIN}.{setup_entry.entry_id}"]
    answer.set()
    await hass.async_block_till_done()
    assert stuck == []
    assert hass_storage[f"{DOMAIN}.{setup_entry.entry_id}"] is stored
    # The compact stored form leaves a flag at its default (False) out.
    assert "stuck" not in stored["data"]["requests"][0]
