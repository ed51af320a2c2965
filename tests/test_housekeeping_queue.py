"""Stuck downloads explained by Radarr's and Sonarr's queue, asked for their movie or series only."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
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

from custom_components.media_request_tracker.const import DOMAIN, EVENT_STUCK

from . import (
    ARRIVAL_HASH,
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
    torrent,
)
from .helpers.arr_queue import FakeQueue, downloaded_arrival, grab_arrival, other_records
from .helpers.season_pack import PACK_HASH, SHOW_ENTITY

# Arrival is Radarr's movie 7, Breaking Bad Sonarr's series 4 (radarr_grab.json and
# sonarr_grab_season_pack.json): the queue is asked for them alone, one page.
ARRIVAL_QUEUE = "/api/v3/queue?page=1&pageSize=100&movieIds=7&includeUnknownMovieItems=false"
BREAKING_BAD_QUEUE = "/api/v3/queue?page=1&pageSize=100&seriesIds=4&includeUnknownSeriesItems=false"


async def test_a_stuck_import_is_explained_by_the_queue_of_its_movie(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Downloaded, not imported for 2 h: among 180 downloads, Radarr answers Arrival's one."""
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    await downloaded_arrival(hass, aioclient_mock, client)
    arrival = load_fixture("radarr_queue.json")["records"][0]
    queue = FakeQueue(RADARR_URL, [*other_records(150), arrival, *other_records(30, start=300)])
    queue.serve(aioclient_mock)

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
    assert queue.asked == [ARRIVAL_QUEUE]

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
    queue.serve(aioclient_mock)
    await advance(hass, freezer, timedelta(minutes=5))
    state = sensor(hass)
    assert state.attributes["stuck_code"] == "not_upgrade"
    assert state.attributes["stuck_reason"].startswith("Radarr (import pending): Not an upgrade")
    assert len(stuck) == 1
    assert queue.asked == [ARRIVAL_QUEUE] * 2

    # The user imports it by hand: no longer stuck, no code left.
    mock_jellyfin_items(aioclient_mock, {"Items": []})
    assert (await post_webhook(client, "radarr", load_fixture("radarr_download.json")))[0] == 200
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "importing"
    assert state.attributes["stuck"] is False
    assert state.attributes["stuck_reason"] is None
    assert state.attributes["stuck_code"] is None


async def test_an_older_radarr_explains_through_the_queue_details_of_the_movie(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Radarr before 5.1 ignores movieIds: its answer shows it, and queue/details is asked."""
    client = await hass_client_no_auth()
    await downloaded_arrival(hass, aioclient_mock, client)
    arrival = load_fixture("radarr_queue.json")["records"][0]
    queue = FakeQueue(RADARR_URL, [*other_records(150), arrival], filters=False)
    queue.serve(aioclient_mock)

    await advance(hass, freezer, timedelta(hours=2, minutes=5))
    assert sensor(hass).attributes["stuck_code"] == "disk_full"
    assert queue.asked == [ARRIVAL_QUEUE, "/api/v3/queue/details?movieId=7"]


async def test_a_download_without_a_movie_id_is_looked_for_in_the_whole_queue(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A request stored without its movie id: the first pages of the queue, unknown items too.

    Radarr's webhooks always name the movie; a store written elsewhere (or by hand) may not.
    """
    client = await hass_client_no_auth()
    await downloaded_arrival(hass, aioclient_mock, client)
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    (stored,) = hass_storage[f"{DOMAIN}.{setup_entry.entry_id}"]["data"]["requests"]
    stored["radarr_id"] = None
    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    await hass.async_block_till_done()
    unknown = {
        "title": "Arrival.2016.1080p.BluRay.x264-SPARKS",
        "trackedDownloadState": "importBlocked",
        "statusMessages": [{"title": "Arrival.2016.1080p", "messages": ["Unknown Movie"]}],
        "downloadId": ARRIVAL_HASH.upper(),
    }
    queue = FakeQueue(RADARR_URL, [*other_records(3), unknown]).serve(aioclient_mock)

    await advance(hass, freezer, timedelta(hours=2, minutes=5))
    assert sensor(hass).attributes["stuck_code"] == "title_mismatch"
    assert queue.asked == ["/api/v3/queue?page=1&pageSize=100&includeUnknownMovieItems=true"]


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
        "movieId": 7,
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
    FakeQueue(RADARR_URL, [*other_records(3), stalled]).serve(aioclient_mock)
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
        "movieId": 7,
        "downloadId": ARRIVAL_HASH.upper(),
        "errorMessage": "qBittorrent is reporting an error",
    }
    queue = FakeQueue(RADARR_URL, [record]).serve(aioclient_mock)
    await advance(hass, freezer, 5)
    await advance(hass, freezer, timedelta(minutes=10))
    state = sensor(hass)
    assert state.attributes["stuck_reason"] == "download client reports the download removed"
    assert queue.asked == []


async def grab_season_pack(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, client: Any
) -> None:
    """Grab Breaking Bad's season 2 pack, whose torrent is complete (no import follows)."""
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


async def test_a_stuck_season_pack_is_explained_by_the_queue_of_its_series(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Sonarr lists the pack once per episode; every episode and the request get the reason."""
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    await grab_season_pack(hass, aioclient_mock, client)
    records = [*other_records(120, "sonarr"), *load_fixture("sonarr_queue.json")["records"]]
    sonarr = FakeQueue(SONARR_URL, records, app="sonarr").serve(aioclient_mock)
    radarr = FakeQueue(RADARR_URL, []).serve(aioclient_mock)

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
    assert sonarr.asked == [BREAKING_BAD_QUEUE]
    assert radarr.asked == []  # only the app that has the download


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
    await grab_season_pack(hass, aioclient_mock, client)
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
    FakeQueue(SONARR_URL, records, app="sonarr").serve(aioclient_mock)
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
    asked: list[str] = []

    async def slow_queue(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        asked.append(str(url.relative()))
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
    assert asked == [ARRIVAL_QUEUE]
