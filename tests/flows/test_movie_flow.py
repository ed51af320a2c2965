"""The regular movie flow, end to end through the webhooks, qBittorrent polling and Jellyfin."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import EVENT_STATE_CHANGED
from tests import (
    ARRIVAL_ENTITY,
    ARRIVAL_HASH,
    JELLYFIN_URL,
    advance,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    qbit_polls,
    replace_mocks,
    request_states,
    sensor,
    torrent,
)

EMPTY_LIBRARY = {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}


async def test_regular_movie_flow_reaches_available(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Jellyseerr → Radarr grab → qBittorrent → Radarr import → Jellyfin: every state asserted."""
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    client = await hass_client_no_auth()
    coordinator = setup_entry.runtime_data.coordinator
    assert coordinator.update_interval is None  # nothing to poll yet

    # Jellyseerr: a request, then its approval.
    assert await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_pending.json")) == (
        200,
        {"result": "accepted"},
    )
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "requested"
    assert state.name == "Media Request Tracker Arrival (2016)"
    assert state.attributes["device_class"] == "enum"
    assert state.attributes["options"][0] == "requested"
    assert state.attributes["tmdb_id"] == 329865
    assert state.attributes["jellyseerr_id"] == 12
    assert state.attributes["title"] == "Arrival"
    assert state.attributes["year"] == 2016
    assert state.attributes["media_type"] == "movie"
    assert state.attributes["requested_by"] == "carol"
    assert state.attributes["overview"].startswith("Taking place after alien crafts land")
    assert state.attributes["poster_url"].endswith("x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg")
    assert state.attributes["entity_picture"] == state.attributes["poster_url"]

    status, _ = await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_approved.json"))
    assert status == 200
    await hass.async_block_till_done()
    assert sensor(hass).state == "approved"

    # Radarr grabs a release; the integration polls qBittorrent at once.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="metaDL")])
    status, _ = await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    assert status == 200
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "grabbing"
    assert state.attributes["qbit_hash"] == ARRIVAL_HASH
    assert state.attributes["radarr_id"] == 7
    assert state.attributes["imdb_id"] == "tt2543164"
    assert state.attributes["quality"] == "Bluray-1080p"
    assert state.attributes["indexer"] == "Local Indexer (Prowlarr)"
    assert state.attributes["release_group"] == "SPARKS"
    assert state.attributes["file_size"] == 8589934592
    assert state.attributes["is_anime"] is False
    assert state.attributes["torrent_state"] == "metaDL"
    assert state.attributes["progress"] == 0.0
    assert qbit_polls(aioclient_mock) == 1
    assert coordinator.update_interval == timedelta(seconds=5)

    # Data flows: downloading, with rising progress and an ETA.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock,
        [torrent(state="downloading", progress=0.25, dlspeed=10_000_000, eta=640)],
    )
    await advance(hass, freezer, 5)
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["progress"] == 25.0
    assert state.attributes["download_speed"] == 10_000_000
    assert state.attributes["eta"] == 640

    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock,
        [torrent(state="downloading", progress=0.755, dlspeed=12_000_000, eta=180)],
    )
    await advance(hass, freezer, 5)
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["progress"] == 75.5
    assert state.attributes["eta"] == 180

    # Complete: downloaded, and polling stops (nothing left to follow in qBittorrent).
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledUP", progress=1, eta=8640000)])
    await advance(hass, freezer, 5)
    state = sensor(hass)
    assert state.state == "downloaded"
    assert state.attributes["progress"] == 100.0
    assert state.attributes["download_speed"] == 0
    assert state.attributes["eta"] is None
    assert coordinator.update_interval is None
    polls = qbit_polls(aioclient_mock)
    await advance(hass, freezer, 120)
    assert qbit_polls(aioclient_mock) == polls

    # Radarr imports the file; Jellyfin has not scanned it yet at the first check.
    mock_jellyfin_items(aioclient_mock, EMPTY_LIBRARY)
    status, _ = await post_webhook(client, "radarr", load_fixture("radarr_download.json"))
    assert status == 200
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "importing"
    assert state.attributes["final_path"] == (
        "/media/movies/Arrival (2016)/Arrival (2016) [Bluray-1080p].mkv"
    )
    await advance(hass, freezer, 10)
    assert sensor(hass).state == "importing"
    jellyfin_calls = [
        call for call in aioclient_mock.mock_calls if str(call[1]).startswith(JELLYFIN_URL)
    ]
    assert jellyfin_calls, "Jellyfin was not asked"
    url = jellyfin_calls[0][1]
    assert url.query["includeItemTypes"] == "Movie"
    assert url.query["searchTerm"] == "Arrival"
    assert url.query["hasTmdbId"] == "true"
    assert jellyfin_calls[0][3]["Authorization"] == 'MediaBrowser Token="jellyfin-key"'

    # The next check (30 s later) finds it; the other "Arrival" in the library is not it.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))
    await advance(hass, freezer, 30)
    state = sensor(hass)
    assert state.state == "available"
    assert state.attributes["jellyfin_id"] == "0b1c2d3e4f5061728394a5b6c7d8e9f0"
    assert state.attributes["available_at"] is not None
    assert [entry["state"] for entry in state.attributes["history"]] == [
        "requested",
        "approved",
        "grabbing",
        "downloading",
        "downloaded",
        "importing",
        "available",
    ]
    assert state.attributes["history"][-1]["note"] == "found in Jellyfin (tmdb id, title search)"
    assert state.attributes["state_since"] == state.attributes["history"][-1]["at"]

    assert [(e.data["from_state"], e.data["to_state"]) for e in events] == [
        (None, "requested"),
        ("requested", "approved"),
        ("approved", "grabbing"),
        ("grabbing", "downloading"),
        ("downloading", "downloaded"),
        ("downloaded", "importing"),
        ("importing", "available"),
    ]
    for event in events:
        assert event.data["entity_id"] == ARRIVAL_ENTITY
        assert event.data["title"] == "Arrival"
        assert event.data["media_type"] == "movie"
        assert event.data["request_id"] == "1"

    # An upgrade later changes nothing but history.
    upgrade = load_fixture("radarr_download.json") | {"isUpgrade": True}
    status, _ = await post_webhook(client, "radarr", upgrade)
    assert status == 200
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "available"
    assert state.attributes["history"][-1]["note"] == "upgraded"
    assert len(events) == 7


async def test_grab_without_request_starts_its_own(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A movie added in Radarr directly is tracked from its grab."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="queuedDL")])
    status, _ = await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    assert status == 200
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "grabbing"
    assert state.attributes["jellyseerr_id"] is None
    assert state.attributes["overview"].startswith("Linguist Louise Banks")
    assert state.attributes["poster_url"].endswith("x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg")


async def test_snake_case_template_and_duplicate_delivery(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """HA core's snake_case template is understood; the same webhook twice changes nothing."""
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    client = await hass_client_no_auth()
    payload = load_fixture("seerr_movie_auto_approved_snake_case.json")
    for _ in range(2):
        assert (await post_webhook(client, "jellyseerr", payload))[0] == 200
        await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "approved"
    assert state.attributes["tmdb_id"] == 329865
    assert state.attributes["requested_by"] == "carol"
    assert len(events) == 1
    assert len(request_states(hass)) == 1


async def test_jellyseerr_available_and_declined(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """MEDIA_AVAILABLE ends a request; MEDIA_DECLINED declines a pending one."""
    # Jellyfin is asked to link what Jellyseerr says is available: it has nothing yet.
    mock_jellyfin_items(aioclient_mock, EMPTY_LIBRARY)
    client = await hass_client_no_auth()
    pending = load_fixture("seerr_movie_pending.json")
    await post_webhook(client, "jellyseerr", pending)
    await post_webhook(client, "jellyseerr", pending | {"notification_type": "MEDIA_DECLINED"})
    await hass.async_block_till_done()
    assert sensor(hass).state == "declined"

    # The same notification again is a redelivery: nothing new.
    await post_webhook(client, "jellyseerr", pending)
    await hass.async_block_till_done()
    assert len(request_states(hass)) == 1

    # A new request for the same title (a new Jellyseerr id) is a new request, with its entity.
    again = pending | {"request": pending["request"] | {"request_id": "13"}}
    await post_webhook(client, "jellyseerr", again)
    await post_webhook(client, "jellyseerr", again | {"notification_type": "MEDIA_AVAILABLE"})
    await hass.async_block_till_done()
    assert sensor(hass).state == "declined"
    second = sensor(hass, f"{ARRIVAL_ENTITY}_2")
    assert second.state == "available"
    assert second.attributes["available_at"] is not None


async def test_jellyseerr_failed_gives_a_reason(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """MEDIA_FAILED fails an approved request, with the reason as an attribute."""
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    client = await hass_client_no_auth()
    approved = load_fixture("seerr_movie_approved.json")
    await post_webhook(client, "jellyseerr", approved)
    await post_webhook(client, "jellyseerr", approved | {"notification_type": "MEDIA_FAILED"})
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "failed"
    assert state.attributes["failure_reason"] == (
        "Jellyseerr reports that processing the request failed"
    )
    assert state.attributes["failure_code"] == "processing_failed"
    assert events[-1].data["to_state"] == "failed"


async def test_download_removed_from_qbittorrent_fails_after_the_limit(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A torrent removed before completion: stuck at once, failed when no import follows."""
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.3, dlspeed=5)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    assert sensor(hass).state == "downloading"

    # The user deletes the torrent in qBittorrent.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    await advance(hass, freezer, 5)
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["stuck"] is True
    assert state.attributes["stuck_reason"] == "download client reports the download removed"
    assert state.attributes["torrent_state"] == "removed"

    # Re-added: the flag goes away.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.4, dlspeed=5)])
    await advance(hass, freezer, 30)
    assert sensor(hass).attributes["stuck"] is False

    # Removed again, and nothing is imported within the downloading limit (24 h): failed.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 25 * 3600)
    state = sensor(hass)
    assert state.state == "failed"
    assert state.attributes["failure_reason"] == "download removed"
    assert state.attributes["failure_code"] == "download_removed"
    assert events[-1].data["to_state"] == "failed"
