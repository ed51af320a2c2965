"""Radarr webhooks: Grab, Download (import, upgrade), ManualInteractionRequired; lenient ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients.api import CannotConnect, PayloadError
from custom_components.media_request_tracker.clients.arr.api import ArrClient
from custom_components.media_request_tracker.clients.arr.radarr import parse_webhook
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import (
    FileImported,
    ImportNeedsAttention,
    MediaKey,
    MediaType,
    ReleaseGrabbed,
    RequestState,
    Tracker,
)

from .. import mocked_http, requests_made, sent

HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"
ARRIVAL = MediaKey(MediaType.MOVIE, tmdb_id=329865, imdb_id="tt2543164", title="Arrival", year=2016)
POSTER = "https://image.tmdb.org/t/p/original/x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg"
OVERVIEW = "Linguist Louise Banks leads an elite team of investigators."
FINAL_PATH = "/media/movies/Arrival (2016)/Arrival (2016) [Bluray-1080p].mkv"


def movie(**changes: Any) -> dict[str, Any]:
    """Return Radarr's `movie` object for Arrival (v5 shape)."""
    value: dict[str, Any] = {
        "id": 7,
        "title": "Arrival",
        "year": 2016,
        "releaseDate": "2017-02-14",
        "folderPath": "/media/movies/Arrival (2016)",
        "tmdbId": 329865,
        "imdbId": "tt2543164",
        "overview": OVERVIEW,
        "genres": ["Drama", "Science Fiction"],
        "images": [
            {"coverType": "fanart", "url": "/MediaCover/7/fanart.jpg", "remoteUrl": "https://f"},
            {"coverType": "poster", "url": "/MediaCover/7/poster.jpg", "remoteUrl": POSTER},
        ],
        "tags": ["12-carol"],
        "originalLanguage": {"id": 1, "name": "English"},
    }
    return {**value, **changes}


def grab_payload(**changes: Any) -> dict[str, Any]:
    """Return a Radarr v5 Grab sent to qBittorrent."""
    payload: dict[str, Any] = {
        "movie": movie(),
        "remoteMovie": {"tmdbId": 329865, "imdbId": "tt2543164", "title": "Arrival", "year": 2016},
        "release": {
            "quality": "Bluray-1080p",
            "qualityVersion": 1,
            "releaseGroup": "SPARKS",
            "releaseTitle": "Arrival.2016.1080p.BluRay.x264-SPARKS",
            "indexer": "Local Indexer (Prowlarr)",
            "size": 8589934592,
            "customFormatScore": 0,
            "customFormats": [],
            "languages": [{"id": 1, "name": "English"}],
            "indexerFlags": ["G_Freeleech"],
        },
        "downloadClient": "qBittorrent",
        "downloadClientType": "qBittorrent",
        "downloadId": HASH.upper(),
        "customFormatInfo": {"customFormats": [], "customFormatScore": 0},
        "eventType": "Grab",
        "instanceName": "Radarr",
        "applicationUrl": "",
    }
    return {**payload, **changes}


def download_payload(**changes: Any) -> dict[str, Any]:
    """Return a Radarr v5 Download (import) of the grabbed torrent."""
    payload: dict[str, Any] = {
        "movie": movie(),
        "movieFile": {
            "id": 88,
            "relativePath": "Arrival (2016) [Bluray-1080p].mkv",
            "path": FINAL_PATH,
            "quality": "Bluray-1080p",
            "indexerFlags": "0",
            "size": 8589934592,
            "mediaInfo": {"audioChannels": 5.1, "height": 1080},
            "sourcePath": "/data/torrents/Arrival.2016.1080p.BluRay.x264-SPARKS.mkv",
        },
        "isUpgrade": False,
        "downloadClient": "qBittorrent",
        "downloadClientType": "qBittorrent",
        "downloadId": HASH.upper(),
        "release": {"releaseTitle": "Arrival.2016.1080p.BluRay.x264-SPARKS", "indexerFlags": []},
        "eventType": "Download",
        "instanceName": "Radarr",
        "applicationUrl": "",
    }
    return {**payload, **changes}


def only_event(payload: Any, anime_tag: str = "anime") -> Any:
    """Parse a body that must yield exactly one event."""
    result = parse_webhook(payload, anime_tag)
    assert result.note == "accepted"
    (event,) = result.events
    return event


def test_grab() -> None:
    assert parse_webhook(grab_payload(), "anime") == ParsedWebhook(
        (
            ReleaseGrabbed(
                media=ARRIVAL,
                arr_id=7,
                qbit_hash=HASH,
                release_title="Arrival.2016.1080p.BluRay.x264-SPARKS",
                quality="Bluray-1080p",
                indexer="Local Indexer (Prowlarr)",
                release_group="SPARKS",
                file_size=8589934592,
                download_client="qBittorrent",
                is_anime=False,
                overview=OVERVIEW,
                poster_url=POSTER,
            ),
        )
    )


def test_grab_drives_the_tracker_to_grabbing_with_the_lower_case_hash() -> None:
    tracker = Tracker()
    (event,) = parse_webhook(grab_payload(), "anime").events

    tracker.apply(event, datetime(2026, 11, 25, 9, 0, tzinfo=UTC))

    request = tracker.requests["1"]
    assert (request.state, request.qbit_hash, request.radarr_id) == (
        RequestState.GRABBING,
        HASH,
        7,
    )


def test_grab_without_release_or_images() -> None:
    payload = grab_payload(movie=movie(images=None, overview=None), downloadClient=None)
    del payload["release"]

    assert only_event(payload) == ReleaseGrabbed(media=ARRIVAL, arr_id=7, qbit_hash=HASH)


def test_download_is_an_import() -> None:
    assert only_event(download_payload()) == FileImported(
        media=ARRIVAL, arr_id=7, qbit_hash=HASH, final_path=FINAL_PATH, is_upgrade=False
    )


def test_upgrade_download() -> None:
    assert only_event(download_payload(isUpgrade=True)).is_upgrade is True


def test_manual_import_has_no_download_id() -> None:
    payload = download_payload()
    for key in ("downloadClient", "downloadClientType", "downloadId", "isUpgrade"):
        del payload[key]
    payload["release"] = {"indexerFlags": []}

    assert only_event(payload) == FileImported(ARRIVAL, 7, None, FINAL_PATH)


def test_download_without_movie_file() -> None:
    assert only_event(download_payload(movieFile=None)).final_path is None


def test_manual_interaction_required_names_the_reason() -> None:
    payload = {
        "movie": movie(),
        "downloadInfo": {"quality": "Bluray-1080p", "title": "Arrival.2016", "size": 1},
        "downloadClient": "qBittorrent",
        "downloadId": HASH.upper(),
        "downloadStatus": "Warning",
        "downloadStatusMessages": [
            {
                "title": "Arrival.2016.1080p.BluRay.x264-SPARKS.mkv",
                "messages": ["Unable to determine if file is a sample"],
            }
        ],
        "eventType": "ManualInteractionRequired",
    }

    assert only_event(payload) == ImportNeedsAttention(
        media=ARRIVAL,
        arr_id=7,
        qbit_hash=HASH,
        reason="Arrival.2016.1080p.BluRay.x264-SPARKS.mkv; Unable to determine if file is a sample",
        code="sample",
    )


def test_manual_interaction_without_messages_has_a_default_reason() -> None:
    payload = {"movie": movie(), "eventType": "ManualInteractionRequired"}

    assert only_event(payload).reason == "Radarr needs manual interaction to import"


def test_test_event_is_acknowledged() -> None:
    payload = {
        "movie": {"id": 1, "title": "Test Title", "year": 1970, "tmdbId": 0, "tags": ["test-tag"]},
        "release": {"quality": "Test Quality", "size": 9999999},
        "eventType": "Test",
        "instanceName": "Radarr",
    }

    assert parse_webhook(payload, "anime") == ParsedWebhook((), "test received")


@pytest.mark.parametrize("event_type", ["Health", "MovieAdded", "MovieFileDelete", "Rename"])
def test_other_events_are_ignored(event_type: str) -> None:
    payload = {
        "level": "warning",
        "message": "Indexers unavailable due to failures",
        "type": "IndexerStatusCheck",
        "eventType": event_type,
    }

    assert parse_webhook(payload, "anime") == ParsedWebhook((), f"ignored: {event_type}")


@pytest.mark.parametrize(
    ("download_id", "qbit_hash"),
    [
        (HASH.upper(), HASH),
        ("SABnzbd_nzo_abc", None),
        (HASH.upper() + "0123456789ABCDEF01234567", HASH),
        ("", None),
    ],
    ids=["upper-case hash", "usenet id", "64-hex v2 id", "empty"],
)
def test_download_id_becomes_the_qbittorrent_hash(download_id: str, qbit_hash: str | None) -> None:
    assert only_event(grab_payload(downloadId=download_id)).qbit_hash == qbit_hash


@pytest.mark.parametrize(
    ("client_type", "qbit_hash"),
    [("qBittorrent", HASH), ("QBITTORRENT", HASH), (None, HASH), ("Deluge", None)],
)
def test_hash_only_from_qbittorrent(client_type: str | None, qbit_hash: str | None) -> None:
    payload = grab_payload(downloadClientType=client_type)

    assert only_event(payload).qbit_hash == qbit_hash
    assert only_event(download_payload(downloadClientType=client_type)).qbit_hash == qbit_hash


def test_v3_payload_ids_fall_back_to_remote_movie() -> None:
    # Radarr v3 (zulip fixtures) sends no movie.year; the remoteMovie block has it.
    payload = grab_payload(
        movie={"id": 771, "title": "Greenland", "tmdbId": 524047},
        remoteMovie={"tmdbId": 1, "imdbId": "tt7737786", "title": "Greenland", "year": 2020},
    )

    assert only_event(payload).media == MediaKey(
        MediaType.MOVIE, tmdb_id=524047, imdb_id="tt7737786", title="Greenland", year=2020
    )


@pytest.mark.parametrize(
    ("tags", "anime_tag", "is_anime"),
    [
        (["12-carol", "Anime"], "anime", True),
        (["ANIME"], " Anime ", True),
        (["12-carol"], "anime", False),
        ([], "anime", False),
        (None, "anime", False),
        (["anime"], "", False),
        (["animation"], "anime", False),
    ],
)
def test_anime_tag_ignores_case(tags: list[str] | None, anime_tag: str, is_anime: bool) -> None:
    payload = grab_payload(movie=movie(tags=tags))

    assert only_event(payload, anime_tag).is_anime is is_anime
    assert only_event(download_payload(movie=movie(tags=tags)), anime_tag).is_anime is is_anime


@pytest.mark.parametrize(
    ("changes", "media"),
    [
        ({"tmdbId": 0}, MediaKey(MediaType.MOVIE, None, None, "tt2543164", "Arrival", 2016)),
        ({"id": "7", "tmdbId": "329865", "year": "2016"}, ARRIVAL),
        ({"id": 7.0, "tmdbId": 329865.0, "year": 2016.0}, ARRIVAL),
        ({"imdbId": None, "year": 0}, MediaKey(MediaType.MOVIE, 329865, None, None, "Arrival")),
    ],
    ids=["tmdb id 0 is unset", "ids as strings", "ids as floats", "null and zero"],
)
def test_ids_are_read_leniently(changes: dict[str, Any], media: MediaKey) -> None:
    event = only_event(grab_payload(movie=movie(**changes), remoteMovie=None))

    assert (event.media, event.arr_id) == (media, 7)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (grab_payload(movie=movie(id="abc")), "invalid movie.id: expected an integer"),
        (
            grab_payload(movie=movie(tmdbId=True)),
            "invalid movie.tmdbId: expected an integer, got a boolean",
        ),
        (grab_payload(movie=movie(id={"value": 7})), "invalid movie.id: expected an integer"),
        (grab_payload(movie=movie(id=0)), "Grab without movie.id"),
        (grab_payload(movie=movie(tags="anime")), "invalid movie.tags: expected a list"),
        (grab_payload(release={"size": "big"}), "invalid release.size: expected an integer"),
        (download_payload(isUpgrade="maybe"), "invalid isUpgrade: expected a boolean"),
        ({"eventType": "Grab"}, "Grab without movie.id"),
        ({"eventType": "Download", "movieFile": {"path": "/x"}}, "Download without movie.id"),
        ({"eventType": "ManualInteractionRequired"}, "ManualInteractionRequired without movie.id"),
        ({"movie": movie()}, "invalid eventType: required key not provided"),
        ([grab_payload()], "expected a JSON object"),
        ("Grab", "expected a JSON object"),
        (None, "expected a JSON object"),
    ],
)
def test_unusable_bodies_are_refused(payload: Any, message: str) -> None:
    with pytest.raises(PayloadError) as err:
        parse_webhook(payload, "anime")
    assert str(err.value) == message


URL = "http://127.0.0.1:7878"


async def test_client_checks_the_api_key(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{URL}/api/v3/system/status", json={"appName": "Radarr", "version": "6.0.4"})

        await ArrClient(session, f"{URL}/", "radarr-key").async_validate()

    assert requests_made(mocked) == {("GET", f"{URL}/api/v3/system/status"): 1}
    assert sent(mocked)[0]["headers"] == {"X-Api-Key": "radarr-key"}


async def test_client_reports_a_server_error(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{URL}/api/v3/system/status", status=502)

        with pytest.raises(CannotConnect, match="HTTP 502"):
            await ArrClient(session, URL, "radarr-key").async_validate()
