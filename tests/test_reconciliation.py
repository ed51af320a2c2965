"""Reconciliation: what Radarr, Sonarr and Jellyseerr recorded while no webhook reached us.

Each test sets up a stack whose services answer with their real record shapes (fixtures of
ours, shapes in docs/service-records.md) and reads what Home Assistant shows afterwards.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.clients.arr import history
from custom_components.media_request_tracker.const import DOMAIN
from custom_components.media_request_tracker.journal import ChangeJournal

from . import (
    ARRIVAL_HASH,
    ENTRY_DATA,
    JELLYFIN_URL,
    QBIT_URL,
    RADARR_URL,
    SONARR_URL,
    advance,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    mock_service_records,
    post_webhook,
    qbit_polls,
    replace_mocks,
    request_data,
    sensor,
    setup_integration,
    torrent,
    wait_for_readings,
)
from .helpers.season_pack import SHOW_ENTITY

RECONCILING = {"reconcile_minutes": 15, "backfill": True}
LOGGER_NAME = "custom_components.media_request_tracker"


def radarr_records(*kinds: str, date: datetime | None = None) -> list[dict[str, Any]]:
    """Return Arrival's Radarr history records of these event types (at `date`, if given)."""
    records = [
        record
        for record in load_fixture("radarr_history_since.json")
        if record["eventType"] in kinds
    ]
    if date is not None:
        for record in records:
            record["date"] = date.isoformat().replace("+00:00", "Z")
    return records


def failure_record(date: datetime) -> dict[str, Any]:
    """Return Radarr's record of Arrival's download failing at `date` (no webhook says it)."""
    grab = radarr_records("grabbed")[0]
    record = copy.deepcopy(grab)
    record.update(
        id=9001,
        eventType="downloadFailed",
        date=date.isoformat().replace("+00:00", "Z"),
        data={"downloadClient": "qBittorrent", "message": "Torrent is stalled with no seeds"},
    )
    return record


def history_calls(aioclient_mock: AiohttpClientMocker, url: str = RADARR_URL) -> list[str]:
    """Return the `date` each reading of a service's history asked since, oldest first."""
    return [
        str(call[1].query["date"])
        for call in aioclient_mock.mock_calls
        if str(call[1]).startswith(f"{url}/api/v3/history/since")
    ]


def as_date(moment: datetime) -> str:
    """Return `moment` as the history endpoint's `date` parameter is sent."""
    return moment.astimezone(dt_util.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stack(options: dict[str, Any] | None = None) -> MockConfigEntry:
    """Return a stack entry with these options (default: reconciling, backfill on)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Media Request Tracker",
        data=ENTRY_DATA,
        options=RECONCILING if options is None else options,
    )


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up an entry and wait for its first reading (a background task) to end."""
    await setup_integration(hass, entry)
    await wait_for_readings(hass)


async def later(hass: HomeAssistant, freezer: FrozenDateTimeFactory, time: timedelta) -> None:
    """Let `time` pass and wait for the readings it started."""
    await advance(hass, freezer, time)
    await wait_for_readings(hass)


async def unload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload an entry (the harness forbids timers left behind)."""
    if entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def test_a_grab_no_webhook_told_is_tracked_at_start_up_with_its_progress(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Radarr's history has the grab; set-up shows the download and qBittorrent's progress."""
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.4)])
    mock_service_records(aioclient_mock, radarr=radarr_records("grabbed"))
    entry = stack()
    await set_up(hass, entry)

    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["progress"] == 40.0
    request = await request_data(hass)
    assert request["qbit_hash"] == ARRIVAL_HASH
    assert request["radarr_id"] == 7
    assert "Backfill found 1 requests under way or done in the last 30 days" in caplog.text
    # The first reading of a new entry reaches back over the retention period (30 days).
    assert history_calls(aioclient_mock) == [as_date(dt_util.utcnow() - timedelta(days=30))]
    await unload(hass, entry)


async def test_a_lost_import_is_applied_and_jellyfin_asked(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Grab and import both missed: the history gives them, Jellyfin says it is there."""
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock, radarr=radarr_records("grabbed", "downloadFolderImported"))
    mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))
    entry = stack()
    await set_up(hass, entry)

    assert sensor(hass).state == "available"
    assert any(
        str(call[1]).startswith(f"{JELLYFIN_URL}/Items") for call in aioclient_mock.mock_calls
    )
    await unload(hass, entry)


async def test_a_season_pack_and_the_seerr_requests_appear_at_start_up(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Sonarr's pack grab and import and Seerr's request list make one tracked TV request."""
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(
        aioclient_mock,
        sonarr=load_fixture("sonarr_history_since.json"),
        seerr=load_fixture("seerr_request_list.json")["results"],
    )
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json={"Items": [], "TotalRecordCount": 0})
    entry = stack()
    await set_up(hass, entry)

    show = await request_data(hass, SHOW_ENTITY)
    assert show["jellyseerr_id"] == 21
    assert show["requested_by"]
    assert {episode["state"] for episode in show["episodes"]} == {"importing"}
    assert len(show["episodes"]) == 13
    await unload(hass, entry)


async def test_records_already_seen_change_nothing(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A grab the webhook delivered and the history repeats leaves the request as it was."""
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.4)])
    mock_service_records(aioclient_mock)
    entry = stack({"reconcile_minutes": 15, "backfill": False})
    await set_up(hass, entry)
    client = await hass_client_no_auth()
    assert (await post_webhook(client, "radarr", load_fixture("radarr_grab.json")))[0] == 200
    await hass.async_block_till_done()
    before = await request_data(hass)

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.4)])
    mock_service_records(aioclient_mock, radarr=radarr_records("grabbed"))
    await later(hass, freezer, timedelta(minutes=15))
    assert len(history_calls(aioclient_mock)) == 1
    after = await request_data(hass)
    assert after["history"] == before["history"]
    assert after["state"] == before["state"] == "downloading"
    assert [s.entity_id for s in hass.states.async_all("sensor") if "arrival" in s.entity_id] == [
        "sensor.media_request_tracker_arrival_2016"
    ]
    await unload(hass, entry)


async def test_the_next_reading_goes_on_from_the_newest_record_even_after_a_restart(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The cursor is stored: the periodic and the next start-up's readings ask since it."""
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock, radarr=radarr_records("grabbed"))
    entry = stack()
    await set_up(hass, entry)
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.cursors"]["data"]["cursors"]
    assert dt_util.parse_datetime(stored["Radarr"]) == datetime(
        2026, 11, 25, 10, tzinfo=dt_util.UTC
    )

    await later(hass, freezer, timedelta(minutes=15))
    assert history_calls(aioclient_mock)[-1] == "2026-11-25T10:00:00Z"
    assert len(history_calls(aioclient_mock)) == 2

    await unload(hass, entry)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert history_calls(aioclient_mock)[-1] == "2026-11-25T10:00:00Z"
    assert len(history_calls(aioclient_mock)) == 3
    assert sensor(hass).state == "grabbing"
    await unload(hass, entry)


async def test_backfill_off_reads_only_what_happens_after_set_up(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, freezer: FrozenDateTimeFactory
) -> None:
    """Without backfill the readings ask since set-up, not over the retention period."""
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock)
    entry = stack({"reconcile_minutes": 15, "backfill": False})
    set_up_at = dt_util.utcnow()
    await set_up(hass, entry)
    assert history_calls(aioclient_mock) == [as_date(set_up_at)]
    assert history_calls(aioclient_mock, SONARR_URL) == [as_date(set_up_at)]
    await later(hass, freezer, timedelta(minutes=15))
    assert history_calls(aioclient_mock) == [as_date(set_up_at)] * 2
    await unload(hass, entry)


async def test_reconciling_never_reads_no_records(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, freezer: FrozenDateTimeFactory
) -> None:
    """`reconcile_minutes` 0 and no backfill: no service's records are ever read."""
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock, radarr=radarr_records("grabbed"))
    entry = stack({"reconcile_minutes": 0, "backfill": False})
    await set_up(hass, entry)
    await later(hass, freezer, timedelta(hours=2))
    assert history_calls(aioclient_mock) == []
    assert history_calls(aioclient_mock, SONARR_URL) == []
    await unload(hass, entry)


async def test_backfill_alone_reads_once(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, freezer: FrozenDateTimeFactory
) -> None:
    """Backfill with `reconcile_minutes` 0: one reading at set-up, none afterwards."""
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock, radarr=radarr_records("grabbed"))
    entry = stack({"reconcile_minutes": 0, "backfill": True})
    await set_up(hass, entry)
    assert sensor(hass).state == "grabbing"
    await later(hass, freezer, timedelta(hours=2))
    assert len(history_calls(aioclient_mock)) == 1
    await unload(hass, entry)


async def test_a_service_that_cannot_be_read_is_asked_again_sooner(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Radarr down: asked again after 1 min, then 2, 4…; the cursor stays; one log each way."""
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    mock_qbittorrent(aioclient_mock, [])
    aioclient_mock.get(f"{RADARR_URL}/api/v3/tag", json=[])
    aioclient_mock.get(f"{RADARR_URL}/api/v3/history/since", exc=aiohttp.ClientConnectionError())
    mock_service_records_except_radarr(aioclient_mock)
    entry = stack({"reconcile_minutes": 15, "backfill": False})
    set_up_at = dt_util.utcnow()
    await set_up(hass, entry)
    assert len(history_calls(aioclient_mock)) == 1
    await later(hass, freezer, timedelta(seconds=59))
    assert len(history_calls(aioclient_mock)) == 1
    await later(hass, freezer, timedelta(seconds=1))
    assert len(history_calls(aioclient_mock)) == 2
    await later(hass, freezer, timedelta(minutes=2))
    assert len(history_calls(aioclient_mock)) == 3
    assert caplog.text.count("Radarr cannot be reached") == 1

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock, radarr=radarr_records("grabbed"))
    await later(hass, freezer, timedelta(minutes=4))
    assert history_calls(aioclient_mock) == [as_date(set_up_at)]
    assert "Radarr can be reached again" in caplog.text
    assert sensor(hass).state == "grabbing"
    # Back to the interval.
    await later(hass, freezer, timedelta(minutes=14))
    assert len(history_calls(aioclient_mock)) == 1
    await later(hass, freezer, timedelta(minutes=1))
    assert len(history_calls(aioclient_mock)) == 2
    await unload(hass, entry)


def mock_service_records_except_radarr(aioclient_mock: AiohttpClientMocker) -> None:
    """Answer Sonarr's and Seerr's records (nothing), not Radarr's history."""
    aioclient_mock.get(f"{SONARR_URL}/api/v3/history/since", json=[])
    aioclient_mock.get(f"{SONARR_URL}/api/v3/tag", json=[])
    aioclient_mock.get(
        "http://jellyseerr.lan:5055/api/v1/request",
        json={"pageInfo": {"pages": 1, "pageSize": 50, "results": 0, "page": 1}, "results": []},
    )


async def test_a_failed_download_waits_until_it_settles_then_fails_the_request(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A downloadFailed younger than 10 min is held back (a re-grab may follow), then applied."""
    mock_qbittorrent(aioclient_mock, [])
    failed_at = dt_util.utcnow() - timedelta(minutes=2)
    mock_service_records(
        aioclient_mock, radarr=[*radarr_records("grabbed"), failure_record(failed_at)]
    )
    entry = stack()
    await set_up(hass, entry)
    assert sensor(hass).state == "grabbing"
    # The reading stopped before the failure: the next one starts from it.
    assert stored_cursor(hass_storage, entry) == failed_at

    await later(hass, freezer, timedelta(minutes=15))
    state = sensor(hass)
    assert state.state == "failed"
    request = await request_data(hass)
    assert request["failure_reason"] == "Torrent is stalled with no seeds"
    assert history_calls(aioclient_mock)[-1] == as_date(failed_at)
    await unload(hass, entry)


def stored_cursor(hass_storage: dict[str, Any], entry: MockConfigEntry) -> datetime | None:
    """Return where the next reading of Radarr starts, as stored."""
    cursors = hass_storage[f"{DOMAIN}.{entry.entry_id}.cursors"]["data"]["cursors"]
    return dt_util.parse_datetime(cursors["Radarr"])


async def test_a_failure_followed_by_a_new_grab_does_not_fail_the_request(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, freezer: FrozenDateTimeFactory
) -> None:
    """Radarr grabbed another release after the failure: the request goes on downloading."""
    now = dt_util.utcnow()
    regrab = radarr_records("grabbed", date=now - timedelta(minutes=1))[0]
    regrab["id"] = 9002
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.1)])
    mock_service_records(
        aioclient_mock,
        radarr=[*radarr_records("grabbed"), failure_record(now - timedelta(minutes=3)), regrab],
    )
    entry = stack()
    await set_up(hass, entry)
    await later(hass, freezer, timedelta(minutes=15))
    assert sensor(hass).state == "downloading"
    await unload(hass, entry)


async def test_a_record_that_cannot_be_stored_is_read_again(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    hass_storage: dict[str, Any],
) -> None:
    """The journal cannot be written: the cursor stays and the records are read again soon."""
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock, radarr=radarr_records("grabbed"))

    def full_disk(journal: ChangeJournal, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ChangeJournal, "_write", full_disk)
    entry = stack({"reconcile_minutes": 15, "backfill": False})
    set_up_at = dt_util.utcnow()
    await set_up(hass, entry)
    await later(hass, freezer, timedelta(minutes=1))
    # Read again from the same cursor a minute later; what it holds is now applied (in
    # memory, and in the store's planned save): the cursor moves on.
    assert history_calls(aioclient_mock) == [as_date(set_up_at)] * 2
    assert stored_cursor(hass_storage, entry) == datetime(2026, 11, 25, 10, tzinfo=dt_util.UTC)
    await unload(hass, entry)


async def test_an_options_change_plans_the_next_reading_by_the_new_interval(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, freezer: FrozenDateTimeFactory
) -> None:
    """From 15 to 60 minutes, applied live: no reading at 15 min, one at 60."""
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock)
    entry = stack({"reconcile_minutes": 15, "backfill": False})
    await set_up(hass, entry)
    calls = len(history_calls(aioclient_mock))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry.options, "reconcile_minutes": 60}
    )
    await hass.async_block_till_done()
    assert entry.options["reconcile_minutes"] == 60
    await later(hass, freezer, timedelta(minutes=30))
    assert len(history_calls(aioclient_mock)) == calls
    await later(hass, freezer, timedelta(minutes=30))
    assert len(history_calls(aioclient_mock)) == calls + 1
    await unload(hass, entry)


async def test_qbittorrent_coming_back_reads_the_records_soon(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The media box was down: when qBittorrent answers again, the records are read at once."""
    aioclient_mock.post(f"{QBIT_URL}/api/v2/auth/login", exc=aiohttp.ClientConnectionError())
    mock_service_records(aioclient_mock)
    entry = stack({"reconcile_minutes": 15, "backfill": False})
    await set_up(hass, entry)
    client = await hass_client_no_auth()
    assert (await post_webhook(client, "radarr", load_fixture("radarr_grab.json")))[0] == 200
    await hass.async_block_till_done()
    assert sensor(hass).state == "unavailable"
    assert (await request_data(hass))["state"] == "grabbing"

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.4)])
    mock_service_records(aioclient_mock, sonarr=load_fixture("sonarr_history_since.json"))
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json={"Items": [], "TotalRecordCount": 0})
    for _ in range(120):
        await advance(hass, freezer, timedelta(seconds=1))
        if qbit_polls(aioclient_mock):
            break
    await wait_for_readings(hass)
    # Long before the 15 minutes are up.
    assert len(history_calls(aioclient_mock, SONARR_URL)) == 1
    assert sensor(hass).state == "downloading"
    assert sensor(hass).attributes["progress"] == 40.0
    assert len((await request_data(hass, SHOW_ENTITY))["episodes"]) == 13
    await unload(hass, entry)


async def test_a_reading_that_takes_too_long_gives_up_and_retries(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Radarr answers nothing for two minutes: the reading stops and is tried again later."""
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    mock_qbittorrent(aioclient_mock, [])
    never = asyncio.Event()

    async def hangs(*_args: Any) -> None:
        await never.wait()

    aioclient_mock.get(f"{RADARR_URL}/api/v3/history/since", side_effect=hangs)
    aioclient_mock.get(f"{RADARR_URL}/api/v3/tag", json=[])
    mock_service_records_except_radarr(aioclient_mock)
    entry = stack({"reconcile_minutes": 15, "backfill": False})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await later(hass, freezer, timedelta(seconds=121))
    assert "took over 120 s" in caplog.text
    never.set()
    await unload(hass, entry)


async def test_removing_the_entry_deletes_its_cursors(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, hass_storage: dict[str, Any]
) -> None:
    """A removed stack leaves no cursor store behind."""
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock)
    entry = stack()
    await set_up(hass, entry)
    key = f"{DOMAIN}.{entry.entry_id}.cursors"
    assert key in hass_storage
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_a_long_history_is_read_on_in_bounded_rounds(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More records than one reading takes: read on from the newest, at most 10 times a run."""
    monkeypatch.setattr(history, "HISTORY_RECORD_LIMIT", 1)
    mock_qbittorrent(aioclient_mock, [])
    mock_service_records(aioclient_mock, radarr=radarr_records("grabbed", "downloadFolderImported"))
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json={"Items": [], "TotalRecordCount": 0})
    entry = stack()
    await set_up(hass, entry)
    asked = history_calls(aioclient_mock)
    assert len(asked) == 10
    assert asked[1:] == ["2026-11-25T10:00:00Z"] * 9
    assert (await request_data(hass))["state"] == "grabbing"
    await unload(hass, entry)


async def test_unloading_stops_a_reading_under_way(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """An entry unloaded while Radarr has not answered leaves no reading behind."""
    mock_qbittorrent(aioclient_mock, [])
    never = asyncio.Event()

    async def hangs(*_args: Any) -> None:
        await never.wait()

    aioclient_mock.get(f"{RADARR_URL}/api/v3/history/since", side_effect=hangs)
    aioclient_mock.get(f"{RADARR_URL}/api/v3/tag", json=[])
    mock_service_records_except_radarr(aioclient_mock)
    entry = stack({"reconcile_minutes": 15, "backfill": False})
    await setup_integration(hass, entry)
    assert len(history_calls(aioclient_mock)) == 1
    await unload(hass, entry)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not [task for task in hass._background_tasks if "reconciliation" in task.get_name()]
