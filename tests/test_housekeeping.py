"""Housekeeping on a timer: stuck detection (limits, the event, the reasons) and the retention."""

from __future__ import annotations

import asyncio
import logging
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
    ARRIVAL_HASH,
    ENTRY_DATA,
    RADARR_URL,
    SONARR_URL,
    advance,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    request_data,
    sensor,
    setup_integration,
    torrent,
)
from .helpers.season_pack import PACK_HASH, SHOW_ENTITY


def entry_with(options: dict[str, Any]) -> MockConfigEntry:
    """Return the usual stack with these options."""
    return MockConfigEntry(
        domain=DOMAIN, title="Media Request Tracker", data=ENTRY_DATA, options=options
    )


async def grab_arrival(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, client: Any, **listed: Any
) -> None:
    """Post Radarr's grab of Arrival while qBittorrent lists its torrent with `listed` fields."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(**listed)])
    assert (await post_webhook(client, "radarr", load_fixture("radarr_grab.json")))[0] == 200
    await hass.async_block_till_done()


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
    mock_queue(aioclient_mock, RADARR_URL, [])  # Radarr's queue knows nothing of it
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
    assert hass.states.async_entity_ids("sensor") == []
    lines = [record for record in caplog.records if "Ignored the import" in record.getMessage()]
    assert len(lines) == 1
    assert media["title"] in lines[0].getMessage()
    assert lines[0].levelname == "INFO"


# -- explained by Radarr's and Sonarr's queue ---------------------------------------------------


def mock_queue(
    aioclient_mock: AiohttpClientMocker,
    url: str,
    records: list[dict[str, Any]],
    page_size: int = 100,
) -> None:
    """Answer /api/v3/queue page by page, as Radarr and Sonarr do."""
    pages = [records[i : i + page_size] for i in range(0, len(records), page_size)] or [[]]
    for number, page in enumerate(pages, start=1):
        aioclient_mock.get(
            f"{url}/api/v3/queue?page={number}",
            json={
                "page": number,
                "pageSize": page_size,
                "sortKey": "timeleft",
                "sortDirection": "ascending",
                "totalRecords": len(records),
                "records": page,
            },
        )


def queue_calls(aioclient_mock: AiohttpClientMocker, url: str) -> list[str]:
    """Return the queue pages asked for, in order."""
    return [
        str(call[1].query.get("page"))
        for call in aioclient_mock.mock_calls
        if str(call[1]).startswith(f"{url}/api/v3/queue")
    ]


def filler(count: int) -> list[dict[str, Any]]:
    """Return queue records of other downloads (another client's ids, then other torrents)."""
    return [
        {"id": n, "title": f"Other.{n}", "downloadId": f"SABnzbd_nzo_{n}"}
        if n % 2
        else {"id": n, "title": f"Other.{n}", "downloadId": f"{n:040X}", "statusMessages": []}
        for n in range(count)
    ]


async def downloaded_arrival(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, client: Any
) -> None:
    """Grab Arrival and let its torrent finish (no import follows)."""
    await grab_arrival(hass, aioclient_mock, client, state="stalledUP", progress=1)
    assert sensor(hass).state == "downloaded"


async def test_a_stuck_import_is_explained_by_radarrs_queue_read_to_the_end(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Downloaded, not imported for 2 h: the queue's record (on page 2 of 2) says why."""
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    await downloaded_arrival(hass, aioclient_mock, client)
    arrival = load_fixture("radarr_queue.json")["records"][0]
    records = [*filler(120), arrival, *filler(30)]
    mock_queue(aioclient_mock, RADARR_URL, records)

    await advance(hass, freezer, timedelta(hours=2, minutes=5))
    state = sensor(hass)
    expected = (
        "Radarr (import blocked): One or more movies expected in this release were not "
        "imported or missing; Arrival.2016.1080p.BluRay.x264-SPARKS.sample.mkv: Sample; "
        "Arrival.2016.1080p.BluRay.x264-SPARKS.mkv: Not enough free space"
    )
    assert state.state == "downloaded"
    assert state.attributes["stuck"] is True
    assert state.attributes["stuck_reason"] == expected
    assert state.attributes["stuck_code"] == "disk_full"
    assert [(e.data["stuck_reason"], e.data["stuck_code"]) for e in stuck] == [
        (expected, "disk_full")
    ]
    assert queue_calls(aioclient_mock, RADARR_URL) == ["1", "2"]

    # Space was freed; now Radarr finds the file is no upgrade: the reason follows, no new event.
    arrival["statusMessages"] = [
        {
            "title": arrival["title"],
            "messages": [
                "Not an upgrade for existing movie file. Existing quality: Bluray-1080p. "
                "New Quality Bluray-1080p."
            ],
        }
    ]
    arrival["trackedDownloadState"] = "importPending"
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledUP", progress=1)])
    mock_queue(aioclient_mock, RADARR_URL, [arrival])
    await advance(hass, freezer, timedelta(minutes=5))
    state = sensor(hass)
    assert state.attributes["stuck_code"] == "not_upgrade"
    assert state.attributes["stuck_reason"].startswith("Radarr (import pending): Not an upgrade")
    assert len(stuck) == 1

    # The user imports it by hand: no longer stuck, no code left.
    mock_jellyfin_items(aioclient_mock, {"Items": []})
    assert (await post_webhook(client, "radarr", load_fixture("radarr_download.json")))[0] == 200
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "importing"
    assert state.attributes["stuck"] is False
    assert state.attributes["stuck_reason"] is None
    assert state.attributes["stuck_code"] is None


async def test_a_stalled_download_is_explained_once_the_queue_can_be_read(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Radarr failing, timing out, answering nonsense: the generic reason stays; then the real one."""
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    await grab_arrival(hass, aioclient_mock, client, state="stalledDL", progress=0.2, dlspeed=0)
    aioclient_mock.get(f"{RADARR_URL}/api/v3/queue", status=500)

    await advance(hass, freezer, timedelta(hours=24, minutes=5))
    state = sensor(hass)
    assert state.attributes["stuck_reason"] == "download not finished for 24 h"
    assert state.attributes["stuck_code"] is None
    assert [(e.data["stuck_reason"], e.data["stuck_code"]) for e in stuck] == [
        ("download not finished for 24 h", None)
    ]

    for answer in ({"exc": TimeoutError()}, {"json": {"records": "not a list"}}):
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [torrent(state="stalledDL", progress=0.2, dlspeed=0)])
        aioclient_mock.get(f"{RADARR_URL}/api/v3/queue", **answer)
        await advance(hass, freezer, timedelta(minutes=5))
        assert sensor(hass).attributes["stuck_reason"] == "download not finished for 24 h"

    stalled = {
        "title": "Arrival.2016.1080p.BluRay.x264-SPARKS",
        "status": "warning",
        "trackedDownloadStatus": "ok",
        "trackedDownloadState": "downloading",
        "statusMessages": [],
        "errorMessage": "The download is stalled with no connections",
        "downloadId": ARRIVAL_HASH.upper(),
    }
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledDL", progress=0.2, dlspeed=0)])
    mock_queue(aioclient_mock, RADARR_URL, [*filler(3), stalled])
    await advance(hass, freezer, timedelta(minutes=5))
    state = sensor(hass)
    assert state.attributes["stuck_reason"] == (
        "Radarr (downloading): The download is stalled with no connections"
    )
    assert state.attributes["stuck_code"] == "stalled_no_peers"
    assert len(stuck) == 1
    ours = [r for r in caplog.records if r.name.startswith("custom_components.media_request")]
    assert not [r for r in ours if r.levelno >= logging.WARNING]  # a queue is not worth warning


async def test_a_removed_download_keeps_the_clients_reason(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """What qBittorrent itself reported is not replaced by the queue (which would repeat it)."""
    client = await hass_client_no_auth()
    await grab_arrival(hass, aioclient_mock, client, state="downloading", progress=0.3, dlspeed=5)
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    record = {
        "downloadId": ARRIVAL_HASH.upper(),
        "errorMessage": "qBittorrent is reporting an error",
    }
    mock_queue(aioclient_mock, RADARR_URL, [record])
    await advance(hass, freezer, 5)
    await advance(hass, freezer, timedelta(minutes=10))
    state = sensor(hass)
    assert state.attributes["stuck_reason"] == "download client reports the download removed"
    assert queue_calls(aioclient_mock, RADARR_URL) == []


async def test_a_stuck_season_pack_is_explained_by_sonarrs_queue_per_episode(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Sonarr lists the pack once per episode; every episode and the request get the reason."""
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock,
        [
            torrent(
                hash=PACK_HASH,
                name="Breaking.Bad.S02.1080p.BluRay.x264-ROVERS",
                progress=1,
                state="stalledUP",
            )
        ],
    )
    grab = load_fixture("sonarr_grab_season_pack.json")
    assert (await post_webhook(client, "sonarr", grab))[0] == 200
    await hass.async_block_till_done()
    assert sensor(hass, SHOW_ENTITY).state == "downloaded"
    mock_queue(aioclient_mock, SONARR_URL, load_fixture("sonarr_queue.json")["records"])

    await advance(hass, freezer, timedelta(hours=2, minutes=5))
    state = sensor(hass, SHOW_ENTITY)
    reason = (
        "Sonarr (import blocked): Found matching series via grab history, but release was "
        "matched to series by ID. Automatic import is not possible. See the FAQ for details."
    )
    assert state.attributes["stuck_reason"] == reason
    assert state.attributes["stuck_code"] == "id_matched_grab"
    # The sensor lists the first ten stuck episodes and counts the others; the action has all.
    assert {(e["stuck_code"], e["stuck_reason"]) for e in state.attributes["stuck_episodes"]} == {
        ("id_matched_grab", reason)
    }
    assert [e["episode"] for e in state.attributes["stuck_episodes"]] == list(range(1, 11))
    assert state.attributes["stuck_episodes_folded"] == 3
    episodes = (await request_data(hass, SHOW_ENTITY))["episodes"]
    assert {(e["stuck_code"], e["stuck_reason"]) for e in episodes} == {("id_matched_grab", reason)}
    assert len(episodes) == 13
    assert [e.data["stuck_code"] for e in stuck] == ["id_matched_grab"]
    assert queue_calls(aioclient_mock, SONARR_URL) == ["1"]
    assert queue_calls(aioclient_mock, RADARR_URL) == []  # only the app that has the download


REMOTE_PATH_HEALTH = {
    "source": "RemotePathMappingCheck",
    "type": "error",
    "message": (
        "Remote download client qBittorrent places downloads in /downloads/tv but this "
        "directory does not appear to exist. Likely missing or incorrect remote path mapping."
    ),
    "wikiUrl": "https://wiki.servarr.com/sonarr/system#bad-remote-path-mapping",
}


@pytest.mark.parametrize(
    ("health", "code"),
    [
        ({"json": [REMOTE_PATH_HEALTH]}, "remote_path_mapping"),
        ({"json": [{**REMOTE_PATH_HEALTH, "source": "IndexerStatusCheck"}]}, "no_eligible_files"),
        ({"status": 500}, "no_eligible_files"),
    ],
    ids=["mapping-reported", "other-health-warning", "health-unreadable"],
)
async def test_no_eligible_files_is_a_remote_path_mapping_when_health_says_so(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    health: dict[str, Any],
    code: str,
) -> None:
    """The queue only says "No files found are eligible"; Sonarr's health names the mapping."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock,
        [torrent(hash=PACK_HASH, name="Breaking.Bad.S02", progress=1, state="stalledUP")],
    )
    await post_webhook(client, "sonarr", load_fixture("sonarr_grab_season_pack.json"))
    await hass.async_block_till_done()
    records = load_fixture("sonarr_queue.json")["records"]
    for record in records:
        record["trackedDownloadState"] = "importPending"
        record["statusMessages"] = [
            {
                "title": record["title"],
                "messages": [
                    "No files found are eligible for import in "
                    "/downloads/tv/Breaking.Bad.S02.1080p.BluRay.x264-ROVERS"
                ],
            }
        ]
    mock_queue(aioclient_mock, SONARR_URL, records)
    aioclient_mock.get(f"{SONARR_URL}/api/v3/health", **health)

    await advance(hass, freezer, timedelta(hours=2, minutes=5))
    state = sensor(hass, SHOW_ENTITY)
    assert state.attributes["stuck_code"] == code
    reason = state.attributes["stuck_reason"]
    assert reason.startswith("Sonarr (import pending): No files found are eligible for import")
    assert ("Likely missing or incorrect remote path mapping" in reason) is (
        code == "remote_path_mapping"
    )


async def test_no_stuck_event_for_a_request_that_moved_while_the_queue_was_read(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Radarr imports the file while its queue is being read: the flag is gone, no event."""
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    await downloaded_arrival(hass, aioclient_mock, client)
    mock_jellyfin_items(aioclient_mock, {"Items": []})
    reading, answer = asyncio.Event(), asyncio.Event()

    async def slow_queue(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        reading.set()
        await answer.wait()
        return AiohttpClientMockResponse(
            method, url, json={"page": 1, "pageSize": 100, "totalRecords": 0, "records": []}
        )

    aioclient_mock.get(f"{RADARR_URL}/api/v3/queue", side_effect=slow_queue)
    freezer.tick(timedelta(hours=2, minutes=5))
    async_fire_time_changed(hass)
    await asyncio.wait_for(reading.wait(), 5)
    assert sensor(hass).attributes["stuck"] is False  # flagged, but not published yet
    assert (await post_webhook(client, "radarr", load_fixture("radarr_download.json")))[0] == 200
    answer.set()
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "importing"
    assert state.attributes["stuck"] is False
    assert stuck == []
    assert queue_calls(aioclient_mock, RADARR_URL) == ["1"]


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
    mock_queue(aioclient_mock, RADARR_URL, [])
    await advance(hass, freezer, timedelta(days=60))  # polled and flagged stuck: no news
    assert sensor(hass).state == "downloading"

    replace_mocks(aioclient_mock)  # day 60: a few more bytes came in
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledDL", progress=0.3, dlspeed=0)])
    mock_queue(aioclient_mock, RADARR_URL, [])
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
        assert queue_calls(aioclient_mock, RADARR_URL) == ["1"]
        # Past the 60 s bound (the mock has no 15 s timeout of its own): one read only.
        freezer.tick(timedelta(seconds=61))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    finally:
        answer.set()
    state = sensor(hass)
    assert state.attributes["stuck"] is True
    assert state.attributes["stuck_reason"] == "not imported for 2 h"
    assert queue_calls(aioclient_mock, RADARR_URL) == ["1"]


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
        assert queue_calls(aioclient_mock, RADARR_URL) == ["1"]
    finally:
        answer.set()
    await hass.async_block_till_done()
    assert sensor(hass).attributes["stuck"] is True
    assert queue_calls(aioclient_mock, RADARR_URL) == ["1"]
