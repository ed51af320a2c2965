"""Every shared webhook fixture goes through its parser, and the known ones give known events.

The fixtures live outside this repository, in `shared/fixtures/webhooks/<service>/` next to it
(each folder's SOURCES.md says where each file comes from). `MRT_SHARED_DIR` points at another
`shared/` folder. When the folder is missing the tests skip locally but FAIL when `CI` is set,
so a CI checkout without the fixtures cannot pass silently.

Each service has one table of expectations keyed by file name, and a test that the table and
the folder list the same files: a new shared fixture fails until someone writes down what it
should produce.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from custom_components.media_request_tracker.clients import jellyfin, jellyseerr, qbittorrent, shoko
from custom_components.media_request_tracker.clients.api import InvalidAuth, PayloadError
from custom_components.media_request_tracker.clients.arr import radarr, sonarr
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import (
    FileImported,
    FileMatched,
    FileNotMatched,
    ImportNeedsAttention,
    LibraryCheckRequested,
    ReleaseGrabbed,
    RequestNotified,
    RequestState,
    TorrentPhase,
    Tracker,
)

ANIME_TAG = "anime"
HASH = re.compile(r"[0-9a-f]{40}")
PAST_LIVES_HASH = "2e56a6744deaa11283a143845203d774929d71a3"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py's autouse fixture: the parsers need no `hass`."""


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _shared_dir() -> Path:
    if override := os.environ.get("MRT_SHARED_DIR"):
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared"


def _service_dir(service: str) -> Path:
    """Return the fixture folder of a service; skip (locally) or fail (in CI) when it is missing."""
    folder = _shared_dir() / "fixtures" / "webhooks" / service
    if not folder.is_dir():
        message = (
            f"shared webhook fixtures not found at {folder}; check out shared/ next to the "
            "repository or set MRT_SHARED_DIR to it"
        )
        if _in_ci():
            pytest.fail(f"{message} (CI is set, so this is a failure)", pytrace=False)
        pytest.skip(message)
    return folder


def _load(service: str, name: str) -> Any:
    path = _service_dir(service) / name
    assert path.is_file(), f"{path} listed in the expectations but missing from the folder"
    return json.loads(path.read_text(encoding="utf-8"))


def _assert_covered(service: str, expected: set[str]) -> None:
    present = {path.name for path in _service_dir(service).iterdir() if path.is_file()}
    present.discard("SOURCES.md")
    assert not present - expected, (
        f"{service} fixtures without expectations in this module: {sorted(present - expected)}"
    )
    assert not expected - present, (
        f"{service} fixtures expected here but gone from the folder: {sorted(expected - present)}"
    )


def _movie(
    tmdb_id: int, title: str | None, year: int | None, imdb_id: str | None
) -> dict[str, Any]:
    return {
        "media_type": "movie",
        "tmdb_id": tmdb_id,
        "tvdb_id": None,
        "imdb_id": imdb_id,
        "title": title,
        "year": year,
    }


def _tv(
    tmdb_id: int | None, tvdb_id: int, title: str, year: int | None, imdb_id: str | None = None
) -> dict[str, Any]:
    return {
        "media_type": "tv",
        "tmdb_id": tmdb_id,
        "tvdb_id": tvdb_id,
        "imdb_id": imdb_id,
        "title": title,
        "year": year,
    }


# -- Seerr / Jellyseerr --------------------------------------------------------------------------

PAST_LIVES_SEERR = _movie(666277, "Past Lives", 2023, None)
FRIEREN_SEERR = _tv(209867, 424536, "Frieren: Beyond Journey's End", 2023)
BOB = {"jellyseerr_id": 7, "requested_by": "bob"}
ALICE = {"jellyseerr_id": 8, "requested_by": "alice"}
NO_SEASONS: dict[str, Any] = {"requested_seasons": (), "is_4k": False}
SEASON_1: dict[str, Any] = {"requested_seasons": (1,), "is_4k": False}

# file → (note, the RequestNotified fields except overview/poster_url, or None for no event).
SEERR: dict[str, tuple[str, dict[str, Any] | None]] = {
    "issue_reported_ha_custom_template__ha_core.json": ("ignored: ISSUE_REPORTED", None),
    "media_approved_movie__authored.json": (
        "accepted",
        {"media": PAST_LIVES_SEERR, "target": "approved", **BOB, **NO_SEASONS},
    ),
    "media_auto_approved_movie__ha_core.json": (
        "accepted",
        {
            "media": _movie(123, "Something", 2024, None),
            "target": "approved",
            "jellyseerr_id": 16,
            "requested_by": "henk",
            **NO_SEASONS,
        },
    ),
    "media_auto_approved_movie_anime__status-tracker_capture.json": (
        "accepted",
        {
            "media": _movie(533514, "Violet Evergarden: The Movie", 2020, None),
            "target": "approved",
            "jellyseerr_id": 69,
            "requested_by": "adept",
            **NO_SEASONS,
        },
    ),
    "media_auto_approved_tv__authored.json": (
        "accepted",
        {"media": FRIEREN_SEERR, "target": "approved", **ALICE, **SEASON_1},
    ),
    "media_auto_approved_tv_anime__status-tracker_capture.json": (
        "accepted",
        {
            "media": _tv(154494, 414057, "Lycoris Recoil", 2022),
            "target": "approved",
            "jellyseerr_id": 68,
            "requested_by": "adept",
            **SEASON_1,
        },
    ),
    "media_available_movie__authored.json": (
        "accepted",
        {"media": PAST_LIVES_SEERR, "target": "available", **BOB, **NO_SEASONS},
    ),
    "media_available_tv__authored.json": (
        "accepted",
        {"media": FRIEREN_SEERR, "target": "available", **ALICE, **SEASON_1},
    ),
    "media_declined_movie__authored.json": (
        "accepted",
        {"media": PAST_LIVES_SEERR, "target": "declined", **BOB, **NO_SEASONS},
    ),
    "media_failed_tv__authored.json": (
        "accepted",
        {"media": FRIEREN_SEERR, "target": "failed", **ALICE, **SEASON_1},
    ),
    "media_pending_movie__authored.json": (
        "accepted",
        {"media": PAST_LIVES_SEERR, "target": "requested", **BOB, **NO_SEASONS},
    ),
    "media_pending_tv__authored.json": (
        "accepted",
        # "Requested Seasons": "1, 2"; this authored file reuses Bob's request id 7.
        {
            "media": FRIEREN_SEERR,
            "target": "requested",
            **BOB,
            "requested_seasons": (1, 2),
            "is_4k": False,
        },
    ),
    "test_notification__ha_core.json": ("test received", None),
}


def test_every_seerr_fixture_is_covered() -> None:
    _assert_covered("seerr", set(SEERR))


@pytest.mark.parametrize(("name", "expected"), SEERR.items(), ids=list(SEERR))
def test_seerr_fixture(name: str, expected: tuple[str, dict[str, Any] | None]) -> None:
    note, fields = expected
    payload = _load("seerr", name)
    result = jellyseerr.parse_webhook(payload)
    assert isinstance(result, ParsedWebhook)
    assert result.note == note
    if fields is None:
        assert result.events == ()
        return
    assert len(result.events) == 1
    event = result.events[0]
    assert isinstance(event, RequestNotified)
    actual = dataclasses.asdict(event)
    assert actual.pop("overview") == payload["message"]
    assert actual.pop("poster_url") == payload["image"]
    assert actual == fields


# -- Radarr --------------------------------------------------------------------------------------

PAST_LIVES = _movie(666277, "Past Lives", 2023, "tt13238346")
PAST_LIVES_OVERVIEW = (
    "Nora and Hae Sung, two childhood friends, are reunited in New York for one fateful week."
)
PAST_LIVES_POSTER = "https://image.tmdb.org/t/p/original/k3waqVXSnvCZWfJYNtdamTgTtTA.jpg"
# The zulip v3 captures have no movie.year: the parser takes it from remoteMovie.
GREENLAND = _movie(524047, "Greenland", 2020, "tt7737786")

# file → (note, event class, the event's fields), or (note, None, None) for no event.
RADARR: dict[str, tuple[str, type | None, dict[str, Any] | None]] = {
    "download_anime_movie__status-tracker_capture.json": (
        "accepted",
        FileImported,
        {
            "media": _movie(1052946, "Violet Evergarden: Recollections", 2021, "tt25041020"),
            "arr_id": 51,
            "qbit_hash": "327cce10156316f79c005b0e953b9e8498e066eb",
            "final_path": "/data/anime/movies/Violet Evergarden - Recollections (2021)/"
            "Violet.Evergarden.Recollections.2022.1080p.NF.WEB-DL.AAC2.0.x264-GST.mkv",
            "is_upgrade": False,
            "is_anime": True,
        },
    ),
    "download_upgrade_v3__zulip.json": (
        "accepted",
        FileImported,
        {
            "media": GREENLAND,
            "arr_id": 771,
            "qbit_hash": "8daece475ee53205c6fedda67f87cdbaf15bd25a",
            "final_path": "/home36/adbtech/Downloads/Greenland.2020.1080p.AMZN.WEBRip.DD5.1.X.264-EVO/"
            "Greenland.2020.1080p.AMZN.WEBRip.DD5.1.X.264-EVO.mkv",
            "is_upgrade": True,
            "is_anime": False,
        },
    ),
    "download_v3__zulip.json": (
        "accepted",
        FileImported,
        {
            "media": _movie(209112, "Batman v Superman: Dawn of Justice", 2016, "tt2975590"),
            "arr_id": 796,
            "qbit_hash": "54dd5b3dc0e345179cfea3e1ce9cd4c63af7a641",
            "final_path": "/home36/adbtech/Downloads/"
            "Batman.v.Superman.Dawn.of.Justice.2016.Extended.Ultimate.Edition.720p.WEB-DL.AAC.BvS.mp4",
            "is_upgrade": False,
            "is_anime": False,
        },
    ),
    "download_v5_qbittorrent__arrtheaudio.json": (
        "accepted",
        FileImported,
        {
            "media": _movie(170, "28 Days Later", 2002, "tt0289043"),
            "arr_id": 432,
            "qbit_hash": "0283c5676d83b6e6cceec3f732ee2c563042c692",
            "final_path": "/media/Movies/28 Days Later (2002)/"
            "28.Days.Later.2002.1080p.BluRay.DDP5.1.x265.10bit-GalaxyRG265.mkv",
            "is_upgrade": False,
            "is_anime": False,
        },
    ),
    "download_v5_qbittorrent__authored.json": (
        "accepted",
        FileImported,
        {
            "media": PAST_LIVES,
            "arr_id": 41,
            "qbit_hash": PAST_LIVES_HASH,
            "final_path": "/data/media/movies/Past Lives (2023)/Past Lives (2023) [WEBDL-1080p].mkv",
            "is_upgrade": False,
            "is_anime": False,
        },
    ),
    "grab_anime_movie__status-tracker_capture.json": (
        "accepted",
        ReleaseGrabbed,
        {
            "media": _movie(533514, "Violet Evergarden: The Movie", 2020, "tt8652818"),
            "arr_id": 52,
            "qbit_hash": "c2c60f66c126652a86f7f2ee73dc83d4e255929e",
            "release_title": "[The-Nut] Violet Evergarden The Movie 2020 [BD][1080p 10bit AV1]",
            "quality": "Bluray-1080p",
            "indexer": "Nyaa.si (Prowlarr)",
            "release_group": "The-Nut",
            "file_size": 1181116032,
            "download_client": "qBittorrent (VPN)",
            "is_anime": True,
            "overview": "As the world moves on from the war and technological advances bring "
            "changes to her life, Violet still hopes to see her lost commanding officer again.",
            "poster_url": "https://image.tmdb.org/t/p/original/4b7uAGVtgA85Yd911yOJqIsHigx.jpg",
        },
    ),
    "grab_v3_deluge__zulip.json": (
        "accepted",
        ReleaseGrabbed,
        {
            "media": GREENLAND,
            "arr_id": 771,
            # v3 sends no downloadClientType, only the user's client name; the id is a hash.
            "qbit_hash": "8daece475ee53205c6fedda67f87cdbaf15bd25a",
            "release_title": "Greenland 2020 1080p AMZN WEBRip DD5 1 X 264-EVO",
            "quality": "WEBRip-1080p",
            "indexer": "IP Torrents - Jackett",
            "release_group": "EVO",
            "file_size": 2319282432,
            "download_client": "Deluge",
            "is_anime": False,
            "overview": None,
            "poster_url": None,
        },
    ),
    "grab_v5_qbittorrent__authored.json": (
        "accepted",
        ReleaseGrabbed,
        {
            "media": PAST_LIVES,
            "arr_id": 41,
            "qbit_hash": PAST_LIVES_HASH,
            "release_title": "Past.Lives.2023.1080p.WEB-DL.x264-GRP",
            "quality": "WEBDL-1080p",
            "indexer": "Example Tracker (Prowlarr)",
            "release_group": "GRP",
            "file_size": 3145851,
            "download_client": "qBittorrent",
            "is_anime": False,
            "overview": PAST_LIVES_OVERVIEW,
            "poster_url": PAST_LIVES_POSTER,
        },
    ),
    "manual_interaction_required_v5__authored.json": (
        "accepted",
        ImportNeedsAttention,
        {
            "media": PAST_LIVES,
            "arr_id": 41,
            "qbit_hash": PAST_LIVES_HASH,
            # Checked as "contains" below: the joining format is the parser's choice.
            "reason": "Unable to determine if file is a sample",
            "code": "sample",
        },
    ),
    "movie_added_v5__authored.json": ("ignored: MovieAdded", None, None),
    "test_v3__zulip.json": ("test received", None, None),
    "test_v5__authored.json": ("test received", None, None),
}


def _assert_single_event(
    result: ParsedWebhook, expected: tuple[str, type | None, dict[str, Any] | None]
) -> dict[str, Any] | None:
    """Check an *arr parse result against (note, event type, fields); return the event's fields.

    A reason in `fields` is a text (or texts) the event's reason must contain.
    """
    note, event_type, fields = expected
    assert isinstance(result, ParsedWebhook)
    assert result.note == note
    if event_type is None or fields is None:
        assert result.events == ()
        return None
    assert len(result.events) == 1
    event = result.events[0]
    assert type(event) is event_type
    actual = dataclasses.asdict(event)
    if event_type is ImportNeedsAttention:
        reason = actual["reason"]
        parts = fields["reason"]
        for part in [parts] if isinstance(parts, str) else parts:
            assert part in reason
    compared = {key: value for key, value in actual.items() if key != "reason"}
    assert compared == {key: value for key, value in fields.items() if key != "reason"} | (
        {"episodes": actual["episodes"]} if "episodes" not in fields else {}
    )
    return actual


def test_every_radarr_fixture_is_covered() -> None:
    _assert_covered("radarr", set(RADARR))


@pytest.mark.parametrize(("name", "expected"), RADARR.items(), ids=list(RADARR))
def test_radarr_fixture(
    name: str, expected: tuple[str, type | None, dict[str, Any] | None]
) -> None:
    actual = _assert_single_event(radarr.parse_webhook(_load("radarr", name), ANIME_TAG), expected)
    if actual is not None:
        assert actual["episodes"] == ()  # movies have no episodes


# -- qBittorrent ---------------------------------------------------------------------------------

Q = TorrentPhase.QUEUED
D = TorrentPhase.DOWNLOADING
C = TorrentPhase.COMPLETE
P = TorrentPhase.PAUSED
E = TorrentPhase.ERROR
HOLDOVERS = "47fa64a51199ddc7c3ffbdf4edf0524bb123f2e8"
FRIEREN_E05_MAGNET = "5c7a3bd1e2f0a9d84b6c0e1f2a3b4c5d6e7f8091"
OPPENHEIMER = "c9b0aaca2038eb249e0ed72fa9b819610fd7b91e"
FRIEREN_PACK = "ffbed3a6ba079d610d434035c9d6138f7db36aaf"
V5 = "cb48f83c1f1f7bb781e9c4af1602a14df7a915f"  # + last hex digit

# torrents/info responses: file → {hash: phase} for every entry, in order.
TORRENTS_INFO: dict[str, dict[str, TorrentPhase]] = {
    "torrents_info_all__qbt4.5.2_capture.json": {
        PAST_LIVES_HASH: C,  # stalledUP, progress 1
        HOLDOVERS: Q,  # stalledDL without any data yet: queued
        FRIEREN_E05_MAGNET: Q,  # metaDL
        OPPENHEIMER: Q,  # stalledDL without any data yet
        FRIEREN_PACK: Q,  # queuedDL at 50 %
    },
    "torrents_info_hashes_uppercase__qbt4.5.2_capture.json": {HOLDOVERS: Q, FRIEREN_PACK: Q},
    "torrents_info_paused__qbt4.5.2_capture.json": {HOLDOVERS: P},  # pausedDL (4.x)
    "torrents_info_season_pack_completed__qbt4.5.2_capture.json": {FRIEREN_PACK: C},
    "torrents_info_unknown_hash__qbt4.5.2_capture.json": {},
}

# sync/maindata responses: file → {hash: phase, or None when the diff entry has no "state"}.
# Incremental entries carry only the keys that changed (no hash, often no progress), so read
# alone they only prove torrent_progress does not crash; the merged sequence is tested below.
MAINDATA: dict[str, dict[str, TorrentPhase | None]] = {
    "sync_maindata_full__qbt4.5.2_capture.json": {
        PAST_LIVES_HASH: C,
        HOLDOVERS: Q,
        FRIEREN_E05_MAGNET: Q,
        OPPENHEIMER: Q,
        FRIEREN_PACK: Q,
    },
    "sync_maindata_full_v5_states__ha_core.json": {
        f"{V5}e": D,  # stalledDL at 65 %
        f"{V5}b": P,  # stoppedDL (5.x name of pausedDL)
        f"{V5}c": C,  # stalledUP
        f"{V5}d": E,  # error
        f"{V5}f": E,  # missingFiles
        f"{V5}a": D,  # downloading
    },
    "sync_maindata_incremental_completed__qbt4.5.2_capture.json": {FRIEREN_PACK: C},
    "sync_maindata_incremental_pause__qbt4.5.2_capture.json": {
        HOLDOVERS: P,  # pausedDL
        FRIEREN_PACK: None,  # has a state (stalledDL) but no progress: not asserted alone
    },
    "sync_maindata_incremental_removed__qbt4.5.2_capture.json": {
        OPPENHEIMER: None,  # only priority/time_active changed
        FRIEREN_PACK: None,
    },
    "sync_maindata_noop__qbt4.5.2_capture.json": {},
}
AUTH_TRANSCRIPT = "auth_login_transcript__qbt4.5.2_capture.json"
FILES_LIST = "torrents_files_season_pack__qbt4.5.2_capture.json"


def test_every_qbittorrent_fixture_is_covered() -> None:
    _assert_covered("qbittorrent", {*TORRENTS_INFO, *MAINDATA, AUTH_TRANSCRIPT, FILES_LIST})


@pytest.mark.parametrize(("name", "phases"), TORRENTS_INFO.items(), ids=list(TORRENTS_INFO))
def test_qbittorrent_torrents_info(name: str, phases: dict[str, TorrentPhase]) -> None:
    body = _load("qbittorrent", name)
    assert isinstance(body, list)
    results = [qbittorrent.torrent_progress(info) for info in body]
    assert all(result is not None for result in results)
    actual = {result.qbit_hash: result.phase for result in results if result is not None}
    assert all(HASH.fullmatch(qbit_hash) for qbit_hash in actual)
    assert actual == phases
    for info, result in zip(body, results, strict=True):
        assert result is not None
        assert result.qbit_hash == info["hash"].lower()
        assert result.client_state == info["state"]
        assert 0.0 <= result.progress <= 1.0


@pytest.mark.parametrize(("name", "phases"), MAINDATA.items(), ids=list(MAINDATA))
def test_qbittorrent_maindata(name: str, phases: dict[str, TorrentPhase | None]) -> None:
    body = _load("qbittorrent", name)
    assert isinstance(body.get("rid"), int)
    torrents: dict[str, dict[str, Any]] = body.get("torrents", {})
    assert set(torrents) == set(phases)
    for qbit_hash, diff in torrents.items():
        assert HASH.fullmatch(qbit_hash), "maindata keys are lower-case hashes"
        assert "hash" not in diff, "maindata values carry no hash; the key is the hash"
        if "state" not in diff:
            continue  # a partial diff without a state means nothing on its own
        result = qbittorrent.torrent_progress({**diff, "hash": qbit_hash})
        assert result is not None
        assert result.qbit_hash == qbit_hash
        assert result.client_state == diff["state"]
        if phases[qbit_hash] is not None:
            assert result.phase is phases[qbit_hash], qbit_hash


def test_qbittorrent_v5_stopped_is_paused() -> None:
    torrent = _load("qbittorrent", "sync_maindata_full_v5_states__ha_core.json")["torrents"][
        f"{V5}b"
    ]
    assert torrent["state"] == "stoppedDL"
    result = qbittorrent.torrent_progress({**torrent, "hash": f"{V5}b"})
    assert result is not None
    assert result.phase is TorrentPhase.PAUSED


def test_qbittorrent_past_lives_seeding_is_complete() -> None:
    torrent = _load("qbittorrent", "sync_maindata_full__qbt4.5.2_capture.json")["torrents"][
        PAST_LIVES_HASH
    ]
    assert (torrent["state"], torrent["progress"]) == ("stalledUP", 1)
    result = qbittorrent.torrent_progress({**torrent, "hash": PAST_LIVES_HASH})
    assert result is not None
    assert result.phase is TorrentPhase.COMPLETE
    assert result.progress == 1.0
    assert result.size == 3145851  # the size Radarr's grab reports for this release


async def test_qbittorrent_maindata_sequence_through_the_client() -> None:
    # Capture order (SOURCES.md): full, noop, pause, remove the magnet, season pack completes.
    # Replayed through our client's incremental sync: it must merge partial answers and honour
    # torrents_removed exactly as qBittorrent 4.5.2 sent them.
    answers = sorted(
        (
            _load("qbittorrent", name)
            for name in MAINDATA
            if name.endswith("__qbt4.5.2_capture.json")
        ),
        key=lambda answer: answer["rid"],
    )
    assert [answer["rid"] for answer in answers] == [1, 2, 3, 4, 5]
    assert answers[0]["full_update"] is True
    expected_after = [
        {PAST_LIVES_HASH: C, HOLDOVERS: Q, FRIEREN_E05_MAGNET: Q, OPPENHEIMER: Q, FRIEREN_PACK: Q},
        {PAST_LIVES_HASH: C, HOLDOVERS: Q, FRIEREN_E05_MAGNET: Q, OPPENHEIMER: Q, FRIEREN_PACK: Q},
        # Paused; the pack turns stalledDL with its 50 % kept from the full answer.
        {PAST_LIVES_HASH: C, HOLDOVERS: P, FRIEREN_E05_MAGNET: Q, OPPENHEIMER: Q, FRIEREN_PACK: D},
        {PAST_LIVES_HASH: C, HOLDOVERS: P, OPPENHEIMER: Q, FRIEREN_PACK: D},
        {PAST_LIVES_HASH: C, HOLDOVERS: P, OPPENHEIMER: Q, FRIEREN_PACK: C},
    ]
    tracked = set(expected_after[0])
    url = "http://127.0.0.1:8080"
    with aioresponses() as mocked:
        mocked.post(f"{url}/api/v2/auth/login", body="Ok.")
        for answer in answers:
            mocked.get(re.compile(rf"^{url}/api/v2/sync/maindata\?rid=\d+$"), payload=answer)
        async with aiohttp.ClientSession() as session:
            client = qbittorrent.QBittorrentClient(session, url, "admin", "adminadmin")
            for answer, expected in zip(answers, expected_after, strict=True):
                torrents = await client.async_torrents(tracked)
                phases = {torrent.qbit_hash: torrent.phase for torrent in torrents}
                assert phases == expected, f"after rid {answer['rid']}"
        rids = [
            call.kwargs["params"]["rid"]
            for (_, called), calls in mocked.requests.items()
            if "sync/maindata" in str(called)
            for call in calls
        ]
    # Each poll sends back the rid of the previous answer.
    assert rids == ["0", "1", "2", "3", "4"]


async def test_qbittorrent_files_list_gives_per_file_progress() -> None:
    # torrents/files of a season pack, through the client: one TorrentFile per file.
    files = _load("qbittorrent", FILES_LIST)
    assert isinstance(files, list)
    assert files
    assert qbittorrent.torrent_progress(files[0]) is None  # not a torrent record
    url = "http://127.0.0.1:8080"
    with aioresponses() as mocked:
        mocked.post(f"{url}/api/v2/auth/login", body="Ok.")
        mocked.get(re.compile(rf"^{url}/api/v2/torrents/files\?hash=.*$"), payload=files)
        async with aiohttp.ClientSession() as session:
            client = qbittorrent.QBittorrentClient(session, url, "admin", "adminadmin")
            result = await client.async_files(FRIEREN_PACK)
    assert result.qbit_hash == FRIEREN_PACK
    assert [(item.name, item.progress, item.size) for item in result.files] == [
        (entry["name"], entry["progress"], entry["size"]) for entry in files
    ]


def test_qbittorrent_finish_hook_accepts_the_captured_hashes() -> None:
    # The "run external program on torrent finished" webhook: any captured hash asks for a poll.
    for info in _load("qbittorrent", "torrents_info_all__qbt4.5.2_capture.json"):
        assert qbittorrent.parse_webhook({"hash": info["hash"]}) == qbittorrent.POLL_REQUESTED
    assert qbittorrent.parse_webhook(None) == qbittorrent.POLL_REQUESTED


def test_qbittorrent_login_success_body_is_what_the_client_compares() -> None:
    transcript = _load("qbittorrent", AUTH_TRANSCRIPT)
    source = Path(qbittorrent.__file__).read_text(encoding="utf-8")
    compared = re.findall(r'\.strip\(\)\s*==\s*"([^"]+)"', source)
    assert compared == ["Ok."], f"async_login should compare the body with 'Ok.': {compared}"
    assert transcript["success"]["body"] == compared[0]
    assert transcript["wrong_password"]["body"] == "Fails."
    assert transcript["wrong_password"]["body"] not in compared


class _Response:
    def __init__(self, status_line: str, body: str) -> None:
        self.status = int(status_line.split()[1])
        self._body = body

    async def read(self) -> bytes:
        return self._body.encode()

    async def text(self) -> str:
        return self._body


class _Session:
    """Answers every request with one transcript response and records what was asked."""

    def __init__(self, response: dict[str, Any]) -> None:
        self._response = response
        self.requests: list[tuple[str, str, Any]] = []

    async def request(self, method: str, url: str, **kwargs: Any) -> _Response:
        self.requests.append((method, url, kwargs.get("data")))
        return _Response(self._response["status_line"], self._response["body"])


async def test_qbittorrent_login_against_the_transcript() -> None:
    transcript = _load("qbittorrent", AUTH_TRANSCRIPT)
    assert transcript["success"]["status_line"].split()[1] == str(HTTPStatus.OK.value)
    session = _Session(transcript["success"])
    client = qbittorrent.QBittorrentClient(
        session,  # type: ignore[arg-type]
        "http://127.0.0.1:8080",
        "admin",
        "adminadmin",
    )
    await client.async_login()
    request = transcript["request"]
    assert session.requests == [
        (
            request["method"],
            f"http://127.0.0.1:8080{request['path']}",
            {"username": "admin", "password": "adminadmin"},
        )
    ]

    refused = qbittorrent.QBittorrentClient(
        _Session(transcript["wrong_password"]),  # type: ignore[arg-type]
        "http://127.0.0.1:8080",
        "admin",
        "wrong",
    )
    with pytest.raises(InvalidAuth):
        await refused.async_login()


# -- Sonarr --------------------------------------------------------------------------------------


def _ep(
    season: int, number: int, title: str, sonarr_id: int, tvdb_id: int | None
) -> dict[str, Any]:
    return {
        "season_number": season,
        "episode_number": number,
        "title": title,
        "sonarr_episode_id": sonarr_id,
        "tvdb_id": tvdb_id,
    }


def _imported(episode: dict[str, Any], final_path: str | None) -> dict[str, Any]:
    return {"episode": episode, "final_path": final_path}


FRIEREN_SONARR = _tv(209867, 424536, "Frieren: Beyond Journey's End", 2023, "tt22248376")
FRIEREN_POSTER = "https://artworks.thetvdb.com/banners/v4/series/424536/posters/example.jpg"
FRIEREN_EPISODES = (
    _ep(1, 1, "The Journey's End", 901, 9990001),
    _ep(1, 2, "It Didn't Have to Be Magic...", 902, 9990002),
    _ep(1, 3, "Killing Magic", 903, 9990003),
    _ep(1, 4, "The Land Where Souls Rest", 904, 9990004),
)
FRIEREN_E05 = _ep(1, 5, "Phantoms of the Dead", 905, 9990005)
FRIEREN_FOLDER = "/data/media/anime/Frieren - Beyond Journey's End/Season 1"


def _frieren_file(episode: dict[str, Any]) -> str:
    # Sonarr's standard format: "{Series} - S01E01 - {Episode Title} [{Quality}].mkv".
    return (
        f"{FRIEREN_FOLDER}/Frieren - Beyond Journey's End - "
        f"S01E{episode['episode_number']:02} - {episode['title']} [WEBDL-1080p].mkv"
    )


FRIEREN_BASE: dict[str, Any] = {
    "media": FRIEREN_SONARR,
    "arr_id": 12,
    "qbit_hash": FRIEREN_PACK,  # the qBittorrent capture's hash of the same 4-file pack
    "is_anime": True,  # series.type "anime"; its only tag is Seerr's "1-alice"
}
FRIEREN_GRAB: dict[str, Any] = {
    **FRIEREN_BASE,
    "quality": "WEBDL-1080p",
    "indexer": "Nyaa.si (Prowlarr)",
    "download_client": "qBittorrent",
    "overview": None,  # series.overview is not in the payload
    "poster_url": FRIEREN_POSTER,
}

NCIS = _tv(None, 72108, "NCIS", None, "tt0364845")  # v3: no tmdbId and no year
NCIS_HASH = "2fbd49ef1d9934f560e4806e001c6de494d23fd6"  # Deluge, but v3 sends no client type
NCIS_S18E10 = _ep(18, 10, "Watchdog", 8268, None)

LYCORIS_TITLES = (
    "Easy does it",
    "The more the merrier",
    "More haste, less speed",
    "Nothing seek, nothing find",
    "So far, so good",
    "Opposites attract",
    "Time will tell",
    "Another day, another dollar",
    "What's done is done",
    "Repay evil with evil",
    "Diamond cut diamond",
    "Nature versus nurture",
    "Recoil of Lycoris",
)
LYCORIS_TVDB = (
    8916235,
    9234918,
    9234919,
    9234920,
    9242981,
    9242982,
    9242983,
    9242984,
    9242985,
    9242986,
    9242987,
    9242988,
    9242989,
)
LYCORIS_HASH = "3f92992e2fbeb6ebb251304236bf5e0b600a91c3"

# The public 24-file capture: (episode title, title as it appears in the file name, tvdb id).
# Sonarr's default anime format, "{Series} - S01E01 - {absolute:000} - {Title} [{Quality}]",
# drops ":", "'" and "," from titles; episode ids run 5988..6011.
GACHIAKUTA = (
    ("The Sphere", "The Sphere", 10541264),
    ("The Inhabited", "The Inhabited", 11180307),
    ("The Ground", "The Ground", 11180308),
    ("Cleaner HQ", "Cleaner HQ", 11180309),
    ("Raiders", "Raiders", 11180310),
    ("One Good Strike!!", "One Good Strike!!", 11180311),
    ("A Score to Settle", "A Score to Settle", 11180312),
    ("Moving Forward", "Moving Forward", 11180313),
    ("The City of Graffiti", "The City of Graffiti", 11180314),
    ("Penta: The Desert No Man's Land", "Penta The Desert No Mans Land", 11180315),
    ("Amo's Hospitality", "Amos Hospitality", 11180316),
    ("Something Like a Curse", "Something Like a Curse", 11180317),
    ("An Empty Gaze", "An Empty Gaze", 11221450),
    ("The Storm Before the Storm", "The Storm Before the Storm", 11221451),
    ("Clash!", "Clash!", 11221453),
    ("Gifted and Not", "Gifted and Not", 11221454),
    ("Memories of a Mediocrity", "Memories of a Mediocrity", 11221455),
    ("Oh Zap, Totes Legit", "Oh Zap Totes Legit", 11221456),
    ("Watchman Series", "Watchman Series", 11221457),
    ("Ensign", "Ensign", 11221458),
    ("TIME ATTACK", "TIME ATTACK", 11221459),
    ("The Power of Protection", "The Power of Protection", 11221460),
    ("The Man Who Will Be Stronger", "The Man Who Will Be Stronger", 11221461),
    ("Field Trip", "Field Trip", 11221462),
)
GACHIAKUTA_FOLDER = "/nas-omv/Animes/Gachiakuta (2025) {tvdb-450537}"
GACHIAKUTA_EPISODES = tuple(
    _imported(
        _ep(1, number, title, 5987 + number, tvdb_id),
        f"{GACHIAKUTA_FOLDER}/Gachiakuta (2025) - S01E{number:02} - {number:03} - {file_title} "
        "[MULTi WEBRip-1080p].mkv",
    )
    for number, (title, file_title, tvdb_id) in enumerate(GACHIAKUTA, start=1)
)
PUBLIC_SEASON_PACK = "import_complete_season_pack_anime_v4__public_capture.json"
PER_FILE_OF_PACK = "download_file_of_season_pack_v4__authored.json"
IMPORT_COMPLETE_OF_PACK = "import_complete_season_pack_v4__authored.json"

# file → (note, event class, the event's fields), or (note, None, None) for no event.
# Sonarr's FileImported carries its paths per episode; the event-level final_path stays None.
SONARR: dict[str, tuple[str, type | None, dict[str, Any] | None]] = {
    PER_FILE_OF_PACK: (
        "accepted",
        FileImported,
        {
            **FRIEREN_BASE,
            "final_path": None,
            "is_upgrade": False,
            # On File Import: the singular episodeFile holds every listed episode (here one).
            "episodes": (_imported(FRIEREN_EPISODES[0], _frieren_file(FRIEREN_EPISODES[0])),),
        },
    ),
    "download_season_pack_anime__status-tracker_capture.json": (
        "accepted",
        FileImported,
        {
            # This capture's series has only id, title, tvdbId, type and path.
            "media": _tv(None, 414057, "Lycoris Recoil", None, None),
            "arr_id": 23,
            # No downloadClientType; the client name "qBittorrent (VPN)" is not a type.
            "qbit_hash": LYCORIS_HASH,
            "final_path": None,
            "is_upgrade": False,  # an Import Complete body has no isUpgrade
            "is_anime": True,
            # Import Complete: each episode gets the file whose relativePath names its SxxEyy
            # (E09-E13 are "...S01E09.REPACK..."); the value is the file's `path`.
            "episodes": tuple(
                _imported(
                    _ep(1, number, title, 738 + number, None),
                    f"/data/anime/shows/Lycoris Recoil/Season 1/Lycoris.Recoil.S01E{number:02}.mkv",
                )
                for number, title in enumerate(LYCORIS_TITLES, start=1)
            ),
        },
    ),
    "download_single_v3__zulip.json": (
        "accepted",
        FileImported,
        {
            "media": _tv(None, 73762, "Grey's Anatomy", None, "tt0413573"),
            "arr_id": 45,
            "qbit_hash": "d93392b18d20704d1be349fa314faccb7b5df2c3",
            "final_path": None,
            "is_upgrade": False,
            "is_anime": False,
            "episodes": (
                _imported(
                    _ep(17, 9, "In My Life", 8507, None),
                    "/home36/adbtech/Downloads/Greys.Anatomy.S17E09.720p.HDTV.x264-SYNCOPY/"
                    "greys.anatomy.s17e09.720p.hdtv.x264-syncopy.mkv",
                ),
            ),
        },
    ),
    "download_upgrade_v3__zulip.json": (
        "accepted",
        FileImported,
        {
            "media": NCIS,
            "arr_id": 7,
            "qbit_hash": NCIS_HASH,
            "final_path": None,
            "is_upgrade": True,
            "is_anime": False,
            # episodeFile.path, not the deletedFiles entry it replaced.
            "episodes": (
                _imported(
                    NCIS_S18E10,
                    "/home36/adbtech/Downloads/NCIS.S18E10.720p.HEVC.x265-MeGusta/"
                    "NCIS.S18E10.720p.HEVC.x265-MeGusta.mkv",
                ),
            ),
        },
    ),
    "grab_season_pack_anime__status-tracker_capture.json": (
        "accepted",
        ReleaseGrabbed,
        {
            "media": _tv(154494, 414057, "Lycoris Recoil", 2022, "tt16755706"),
            "arr_id": 23,
            "qbit_hash": LYCORIS_HASH,
            "release_title": "[FLE] Lycoris Recoil - S01 REPACK (BD 1080p HEVC x265 Opus) "
            "[Dual Audio]",
            "quality": "Bluray-1080p",
            "indexer": "Nyaa.si (Prowlarr)",
            "release_group": "FLE",
            "file_size": 33930242048,
            "download_client": "qBittorrent (VPN)",
            "is_anime": True,
            "overview": None,
            "poster_url": "https://artworks.thetvdb.com/...",  # the poster, not banner/fanart
            "episodes": tuple(
                _ep(1, number, title, 738 + number, tvdb_id)
                for number, (title, tvdb_id) in enumerate(
                    zip(LYCORIS_TITLES, LYCORIS_TVDB, strict=True), start=1
                )
            ),
        },
    ),
    "grab_season_pack_anime_v4__authored.json": (
        "accepted",
        ReleaseGrabbed,
        {
            **FRIEREN_GRAB,
            "release_title": "Frieren.S01.1080p.WEB-DL.x264-GRP",
            "release_group": "GRP",
            "file_size": 4194314,
            "episodes": FRIEREN_EPISODES,
        },
    ),
    "grab_single_episode_v4__authored.json": (
        "accepted",
        ReleaseGrabbed,
        {
            **FRIEREN_GRAB,
            "qbit_hash": FRIEREN_E05_MAGNET,
            "release_title": "[SubsPlease] Sousou no Frieren - 05 (1080p) [5C7A3BD1].mkv",
            "release_group": "SubsPlease",
            "file_size": 1442840576,
            "episodes": (FRIEREN_E05,),
        },
    ),
    "grab_single_v3_deluge__zulip.json": (
        "accepted",
        ReleaseGrabbed,
        {
            "media": NCIS,
            "arr_id": 7,
            "qbit_hash": NCIS_HASH,
            "release_title": "NCIS S18E10 720p HEVC x265-MeGusta",
            "quality": "HDTV-720p",
            "indexer": "IP Torrents - Jackett",
            "release_group": "MeGusta",
            "file_size": 415236096,
            "download_client": "Deluge",
            "is_anime": False,
            "overview": None,
            "poster_url": None,
            "episodes": (NCIS_S18E10,),
        },
    ),
    PUBLIC_SEASON_PACK: (
        "accepted",
        FileImported,
        {
            # The poster of this capture renamed series 86 "Gachiakuta" to 666 "TEST".
            "media": _tv(256721, 450537, "TEST", 2025, "tt32612521"),
            "arr_id": 666,
            "qbit_hash": "66fedfbf91230c53394c45b7a78b5ae052db62e3",
            "final_path": None,
            "is_upgrade": False,
            "is_anime": True,  # series.type "anime" (its tag is "animestorrent", not "anime")
            "episodes": GACHIAKUTA_EPISODES,
        },
    ),
    IMPORT_COMPLETE_OF_PACK: (
        "accepted",
        FileImported,
        {
            **FRIEREN_BASE,
            "final_path": None,
            "is_upgrade": False,
            "episodes": tuple(_imported(ep, _frieren_file(ep)) for ep in FRIEREN_EPISODES),
        },
    ),
    "import_complete_single_v4__arrtheaudio.json": (
        "accepted",
        FileImported,
        {
            "media": _tv(
                284644,
                460341,
                "My Status as an Assassin Obviously Exceeds the Hero's",
                2025,
                "tt36230718",
            ),
            "arr_id": 452,
            "qbit_hash": "d199dbb9161a3ee6b855f5bdfcbc3b27cb9c070e",
            "final_path": None,
            "is_upgrade": False,
            "is_anime": True,  # series.type "standard", but tagged "anime"
            "episodes": (
                _imported(
                    _ep(1, 11, "The Assassin Browses", 17939, 11386120),
                    "/media/Animes/My Status as an Assassin Obviously Exceeds the Hero's/"
                    "Season 1/My Status as an Assassin Obviously Exceeds the Hero's - S01E11 - "
                    "The Assassin Browses WEBDL-1080p VARYG.mkv",
                ),
            ),
        },
    ),
    "manual_interaction_required_v4__authored.json": (
        "accepted",
        ImportNeedsAttention,
        {
            "media": FRIEREN_SONARR,
            "arr_id": 12,
            "qbit_hash": FRIEREN_PACK,
            # Checked as "contains each" below: the joining format is the parser's choice.
            "reason": (
                "Frieren.S01E03.1080p.WEB-DL.x264-GRP.mkv",
                "Unable to parse episode number from file name",
            ),
            # Only the status message's file names an episode: S01E03.
            "episodes": (FRIEREN_EPISODES[2],),
            "code": "no_eligible_files",
        },
    ),
    "test_v3__zulip.json": ("test received", None, None),
    "test_v4__authored.json": ("test received", None, None),
}


def test_every_sonarr_fixture_is_covered() -> None:
    _assert_covered("sonarr", set(SONARR))


@pytest.mark.parametrize(("name", "expected"), SONARR.items(), ids=list(SONARR))
def test_sonarr_fixture(
    name: str, expected: tuple[str, type | None, dict[str, Any] | None]
) -> None:
    _assert_single_event(sonarr.parse_webhook(_load("sonarr", name), ANIME_TAG), expected)


def _sonarr_import(name: str, anime_tag: str = ANIME_TAG) -> FileImported:
    result = sonarr.parse_webhook(_load("sonarr", name), anime_tag)
    assert len(result.events) == 1
    event = result.events[0]
    assert isinstance(event, FileImported)
    return event


def test_sonarr_public_season_pack_gives_every_episode_its_own_file() -> None:
    payload = _load("sonarr", PUBLIC_SEASON_PACK)
    assert payload["fileCount"] == len(payload["episodeFiles"]) == 24
    event = _sonarr_import(PUBLIC_SEASON_PACK)
    assert [item.episode.key for item in event.episodes] == [(1, n) for n in range(1, 25)]
    paths = [item.final_path for item in event.episodes if item.final_path is not None]
    assert len(paths) == 24, "every episode of the pack gets a file"
    assert sorted(paths) == sorted(entry["path"] for entry in payload["episodeFiles"])
    for item in event.episodes:
        assert item.final_path is not None
        assert f" - S01E{item.episode.episode_number:02} - " in item.final_path


def test_sonarr_both_download_shapes_of_a_pack_agree() -> None:
    per_file = _sonarr_import(PER_FILE_OF_PACK)
    complete = _sonarr_import(IMPORT_COMPLETE_OF_PACK)
    for field in ("media", "arr_id", "qbit_hash", "is_upgrade", "is_anime"):
        assert getattr(per_file, field) == getattr(complete, field), field
    (shared,) = per_file.episodes
    assert shared.episode.key == (1, 1)
    paths = {item.episode: item.final_path for item in complete.episodes}
    assert shared.episode in paths
    assert shared.final_path is not None
    assert paths[shared.episode] == shared.final_path


def test_sonarr_season_two_anime_file_names_are_not_episode_ranges() -> None:
    # The public capture as a second season: Sonarr's default anime format puts the absolute
    # number after the SxxEyy ("S02E01 - 025 - ..."), which is not a range S02E01-E25.
    payload = _load("sonarr", PUBLIC_SEASON_PACK)
    for episode in payload["episodes"]:
        episode["seasonNumber"] = 2
    for number, entry in enumerate(payload["episodeFiles"], start=1):
        old, new = f"S01E{number:02} - {number:03}", f"S02E{number:02} - {number + 24:03}"
        for key in ("relativePath", "path"):
            assert old in entry[key]
            entry[key] = entry[key].replace(old, new)
    result = sonarr.parse_webhook(payload, ANIME_TAG)
    (event,) = result.events
    assert isinstance(event, FileImported)
    assert [(item.episode.key, item.final_path) for item in event.episodes] == [
        ((2, number), entry["path"])
        for number, entry in enumerate(payload["episodeFiles"], start=1)
    ]


def test_sonarr_anime_is_the_series_type_or_the_configured_tag() -> None:
    # Type "standard" with tag "anime": anime only while "anime" is the configured tag.
    assert _sonarr_import("import_complete_single_v4__arrtheaudio.json").is_anime
    assert not _sonarr_import(
        "import_complete_single_v4__arrtheaudio.json", anime_tag="animestorrent"
    ).is_anime
    # Type "anime": anime whatever the tag.
    assert _sonarr_import(PUBLIC_SEASON_PACK, anime_tag="").is_anime


# -- Jellyfin ------------------------------------------------------------------------------------

PAST_LIVES_JELLYFIN = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
FRIEREN_JELLYFIN = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
JELLYFIN_URL = "http://127.0.0.1:8096"

# Webhook plugin bodies: file → (note, the LibraryCheckRequested media, None for "check all").
JELLYFIN_WEBHOOKS: dict[str, tuple[str, dict[str, Any] | None]] = {
    # An episode's provider ids are its own (here Shoko's), never its series'.
    "webhook_item_added_episode_send_all_properties__authored.json": ("accepted", None),
    # Every value a string, Provider_tvdb "" → no tvdb id; Name/Year are not read.
    "webhook_item_added_movie_handlebars_template__authored.json": (
        "accepted",
        _movie(666277, None, None, "tt13238346"),
    ),
    "webhook_item_added_movie_send_all_properties__authored.json": (
        "accepted",
        _movie(666277, None, None, "tt13238346"),
    ),
}

# The provider id keys asked of every /Items entry (case-sensitive, as Jellyfin spells them).
PROVIDER_KEYS = ("Tmdb", "Tvdb", "Imdb", "AniDB", "Shoko Series", "Shoko Episode", "Shoko File")

# /Items answers: file → [(Id, is_playable, the provider ids that are set)] for every item.
JELLYFIN_ITEMS: dict[str, list[tuple[str, bool, dict[str, str]]]] = {
    "api_items_empty__authored.json": [],
    # Episodes as listed without fields=Path,MediaSources: nothing says there is a file.
    "api_items_episodes__authored.json": [
        (
            "0f1e2d3c4b5a69788796a5b4c3d2e1f1",
            False,
            {"Shoko Episode": "1523", "Shoko File": "4211"},
        ),
        (
            "0f1e2d3c4b5a69788796a5b4c3d2e1f2",
            False,
            {"Shoko Episode": "1524", "Shoko File": "4212"},
        ),
        (
            "0f1e2d3c4b5a69788796a5b4c3d2e1f3",
            False,
            {"Shoko Episode": "1525", "Shoko File": "4213"},
        ),
    ],
    "api_items_movie_search__authored.json": [
        (PAST_LIVES_JELLYFIN, True, {"Tmdb": "666277", "Imdb": "tt13238346"}),
    ],
    # A Shokofin series: AniDB and Shoko ids only; its folder Path makes it "playable".
    "api_items_series_shokofin__authored.json": [
        (FRIEREN_JELLYFIN, True, {"Shoko Series": "87", "AniDB": "17617"}),
    ],
}


def test_every_jellyfin_fixture_is_covered() -> None:
    _assert_covered("jellyfin", {*JELLYFIN_WEBHOOKS, *JELLYFIN_ITEMS})


@pytest.mark.parametrize(
    ("name", "expected"), JELLYFIN_WEBHOOKS.items(), ids=list(JELLYFIN_WEBHOOKS)
)
def test_jellyfin_webhook_fixture(name: str, expected: tuple[str, dict[str, Any] | None]) -> None:
    note, media = expected
    result = jellyfin.parse_webhook(_load("jellyfin", name))
    assert isinstance(result, ParsedWebhook)
    assert result.note == note
    assert len(result.events) == 1
    event = result.events[0]
    assert type(event) is LibraryCheckRequested
    assert dataclasses.asdict(event) == {"media": media}


@pytest.mark.parametrize(("name", "expected"), JELLYFIN_ITEMS.items(), ids=list(JELLYFIN_ITEMS))
def test_jellyfin_items_fixture(
    name: str, expected: list[tuple[str, bool, dict[str, str]]]
) -> None:
    body = _load("jellyfin", name)
    items = body["Items"]
    assert body["TotalRecordCount"] == len(items)
    assert [item["Id"] for item in items] == [item_id for item_id, _, _ in expected]
    for item, (item_id, playable, ids) in zip(items, expected, strict=True):
        assert set(item["ProviderIds"]) <= set(PROVIDER_KEYS), item_id
        assert jellyfin.is_playable(item) is playable, item_id
        assert {key: jellyfin.provider_id(item, key) for key in PROVIDER_KEYS} == {
            key: ids.get(key) for key in PROVIDER_KEYS
        }, item_id


@asynccontextmanager
async def _jellyfin(
    path: str, body: Any
) -> AsyncIterator[tuple[jellyfin.JellyfinClient, aioresponses]]:
    """Yield a client on a real session whose GETs of `path` (any query) all answer `body`."""
    with aioresponses() as mocked:
        mocked.get(
            re.compile(rf"^{re.escape(JELLYFIN_URL + path)}\?.*$"), payload=body, repeat=True
        )
        async with aiohttp.ClientSession() as session:
            yield jellyfin.JellyfinClient(session, JELLYFIN_URL, "api-key"), mocked


def _queries(mocked: aioresponses) -> list[dict[str, str]]:
    return [dict(url.query) for (_, url), calls in mocked.requests.items() for _ in calls]


async def test_jellyfin_find_movie_in_the_title_search() -> None:
    body = _load("jellyfin", "api_items_movie_search__authored.json")
    async with _jellyfin("/Items", body) as (client, mocked):
        found = await client.async_find_movie(666277, "Past Lives", 2023)
    assert found == jellyfin.LibraryMatch(PAST_LIVES_JELLYFIN, "tmdb id, title search")
    (query,) = _queries(mocked)
    assert query["searchTerm"] == "Past Lives"
    assert query["includeItemTypes"] == "Movie"


async def test_jellyfin_find_movie_in_an_empty_library() -> None:
    body = _load("jellyfin", "api_items_empty__authored.json")
    async with _jellyfin("/Items", body) as (client, mocked):
        assert await client.async_find_movie(666277, "Past Lives", 2023) is None
    # Both searches ran: the title search, then the year scan.
    assert [query.get("searchTerm") or query.get("years") for query in _queries(mocked)] == [
        "Past Lives",
        "2023",
    ]


async def test_jellyfin_find_shokofin_series_by_title_and_year() -> None:
    # The request knows Frieren's TVDB and TMDB ids; the Shokofin series has neither.
    body = _load("jellyfin", "api_items_series_shokofin__authored.json")
    async with _jellyfin("/Items", body) as (client, mocked):
        found = await client.async_find_series(
            424536, 209867, "Frieren: Beyond Journey's End", 2023
        )
        assert await client.async_find_series(424536, 209867, "Frieren", 2023) is None
        assert (
            await client.async_find_series(424536, 209867, "Frieren: Beyond Journey's End", 2024)
            is None
        )
    assert found == jellyfin.LibraryMatch(FRIEREN_JELLYFIN, "title and year")
    assert _queries(mocked)[0]["includeItemTypes"] == "Series"


@pytest.mark.parametrize(
    ("with_path", "expected"),
    [
        (False, {}),
        (
            True,
            {
                (1, 1): "0f1e2d3c4b5a69788796a5b4c3d2e1f1",
                (1, 2): "0f1e2d3c4b5a69788796a5b4c3d2e1f2",
                (1, 3): "0f1e2d3c4b5a69788796a5b4c3d2e1f3",
            },
        ),
    ],
    ids=["as captured: no Path or MediaSources", "with a Path added to each"],
)
async def test_jellyfin_find_episodes(
    with_path: bool, expected: dict[tuple[int, int], str]
) -> None:
    body = _load("jellyfin", "api_items_episodes__authored.json")
    if with_path:
        for item in body["Items"]:
            item["Path"] = f"{FRIEREN_FOLDER}/{item['Name']}.mkv"
    async with _jellyfin(f"/Shows/{FRIEREN_JELLYFIN}/Episodes", body) as (client, mocked):
        assert await client.async_find_episodes(FRIEREN_JELLYFIN) == expected
    assert len(_queries(mocked)) == 1


# An anime movie that Shokofin files as a Series with only AniDB and Shoko ids (PAYLOADS.md §5):
# every step of the fallback chain, in order, with the query it sends besides `recursive` and
# `fields`. The TMDB steps cannot see the item (it has no Tmdb id); the last one accepts it.
FRIEREN_TITLE = "Frieren: Beyond Journey's End"
FRIEREN_ANIDB = 17617


def _anime_movie_steps(title: str, year: int) -> list[tuple[str, dict[str, str]]]:
    return [
        (
            "tmdb id, title search",
            {"includeItemTypes": "Movie", "hasTmdbId": "true", "searchTerm": title},
        ),
        (
            "tmdb id, year scan",
            {"includeItemTypes": "Movie", "hasTmdbId": "true", "years": str(year)},
        ),
        ("series by tmdb id", {"includeItemTypes": "Series", "searchTerm": title}),
        ("any type by tmdb id", {"searchTerm": title}),
        ("anidb id or title search", {"includeItemTypes": "Movie,Series", "searchTerm": title}),
    ]


def _items_query(params: dict[str, str]) -> dict[str, str]:
    return {"recursive": "true", "fields": "ProviderIds,Path,MediaSources", **params}


@pytest.mark.parametrize(
    ("anidb_id", "title", "year", "found"),
    [
        # The request's AniDB id (learnt from Shoko) and title: the Shokofin series.
        (FRIEREN_ANIDB, FRIEREN_TITLE, 2023, True),
        # Another title (the Japanese one): the AniDB id alone finds it.
        (FRIEREN_ANIDB, "Sousou no Frieren", 2023, True),
        # Shoko never matched the file: the same name and year find it.
        (None, FRIEREN_TITLE, 2023, True),
        # Another AniDB id and another year: not this item.
        (9999, FRIEREN_TITLE, 2024, False),
    ],
    ids=["anidb id and title", "anidb id only", "title and year only", "neither"],
)
async def test_jellyfin_anime_movie_found_as_a_shokofin_series(
    anidb_id: int | None, title: str, year: int, found: bool
) -> None:
    empty = _load("jellyfin", "api_items_empty__authored.json")
    series = _load("jellyfin", "api_items_series_shokofin__authored.json")
    steps = _anime_movie_steps(title, year)
    with aioresponses() as mocked:
        # One answer per step (an unexpected query would be refused by the mock): nothing for
        # the steps before the last, the Shokofin series for the last.
        for number, (_, params) in enumerate(steps, start=1):
            url = URL(f"{JELLYFIN_URL}/Items").with_query(_items_query(params))
            mocked.get(url, payload=series if number == len(steps) else empty)
        async with aiohttp.ClientSession() as session:
            client = jellyfin.JellyfinClient(session, JELLYFIN_URL, "api-key")
            result = await client.async_find_movie(
                209867, title, year, anime=True, anidb_id=anidb_id
            )

    expected = jellyfin.LibraryMatch(FRIEREN_JELLYFIN, "anidb id or title search")
    assert result == (expected if found else None)
    assert _queries(mocked) == [_items_query(params) for _, params in steps]
    for calls in mocked.requests.values():
        assert calls[0].kwargs["headers"] == {"Authorization": 'MediaBrowser Token="api-key"'}


async def test_jellyfin_non_anime_movie_never_takes_the_shokofin_series() -> None:
    # Even when every query answers with the series, a regular movie search only accepts a
    # movie with its TMDB id, and stops after the two movie searches.
    body = _load("jellyfin", "api_items_series_shokofin__authored.json")
    async with _jellyfin("/Items", body) as (client, mocked):
        result = await client.async_find_movie(
            209867, FRIEREN_TITLE, 2023, anime=False, anidb_id=FRIEREN_ANIDB
        )
    assert result is None
    assert _queries(mocked) == [
        _items_query(params) for _, params in _anime_movie_steps(FRIEREN_TITLE, 2023)[:2]
    ]


# -- Shoko ---------------------------------------------------------------------------------------

# The files the Sonarr fixtures import, as Shoko names them: relative to its import folder (here
# the library's /data/media/anime), with Shoko's PascalCase ids.
SHOKO_E01 = (
    "Frieren - Beyond Journey's End/Season 1/"
    "Frieren - Beyond Journey's End - S01E01 - The Journey's End [WEBDL-1080p].mkv"
)
SHOKO_E04 = (
    "Frieren - Beyond Journey's End/Season 1/"
    "Frieren - Beyond Journey's End - S01E04 - The Land Where Souls Rest [WEBDL-1080p].mkv"
)
SHOKO_E01_REFERENCE = {
    "anidb_episode_id": 271915,
    "anidb_anime_id": FRIEREN_ANIDB,
    "shoko_series_id": 87,
    "shoko_episode_id": 1523,
}

# SignalR frames: file → (note, event class, the event's fields), or (note, None, None) for a
# frame that is acknowledged and ignored (the note names its target).
SHOKO: dict[str, tuple[str, type | None, dict[str, Any] | None]] = {
    "signalr_file_detected_v5__authored.json": ("ignored: ShokoEvent:FileDetected", None, None),
    # FileHashed has the file's id and (empty) CrossReferences, like FileMatched; it is ignored.
    "signalr_file_hashed_v5__authored.json": ("ignored: ShokoEvent:FileHashed", None, None),
    "signalr_file_matched_v5__authored.json": (
        "accepted",
        FileMatched,
        {
            "relative_path": SHOKO_E01,
            "shoko_file_id": 4211,
            "cross_references": (SHOKO_E01_REFERENCE,),
        },
    ),
    "signalr_file_not_matched_v5__authored.json": (
        "accepted",
        FileNotMatched,
        {"relative_path": SHOKO_E04, "shoko_file_id": 4214, "attempts": 1, "udp_banned": False},
    ),
    "signalr_series_updated_v5__authored.json": ("ignored: ShokoEvent:SeriesUpdated", None, None),
}
# POST /api/auth's answer: not a SignalR frame.
SHOKO_AUTH = "auth_apikey_response_v5__authored.json"


def test_every_shoko_fixture_is_covered() -> None:
    _assert_covered("shoko", {*SHOKO, SHOKO_AUTH})


@pytest.mark.parametrize(("name", "expected"), SHOKO.items(), ids=list(SHOKO))
def test_shoko_fixture(name: str, expected: tuple[str, type | None, dict[str, Any] | None]) -> None:
    note, event_type, fields = expected
    frame = _load("shoko", name)
    assert frame["type"] == shoko.INVOCATION
    result = shoko.parse_webhook(frame)
    assert isinstance(result, ParsedWebhook)
    assert result.note == note
    # The listener reads one frame at a time; it must agree with the webhook.
    single = shoko.parse_frame(frame)
    if event_type is None or fields is None:
        assert result.events == ()
        assert single == frame["target"]
        return
    assert len(result.events) == 1
    event = result.events[0]
    assert type(event) is event_type
    assert dataclasses.asdict(event) == fields
    assert single == event


def test_shoko_frames_of_one_file_in_the_observed_order() -> None:
    # A bridge may forward a new file's frames together: detected, hashed, matched, then the
    # series update (PAYLOADS.md §4). Only the match is an event.
    frames = [
        _load("shoko", name)
        for name in (
            "signalr_file_detected_v5__authored.json",
            "signalr_file_hashed_v5__authored.json",
            "signalr_file_matched_v5__authored.json",
            "signalr_series_updated_v5__authored.json",
        )
    ]
    result = shoko.parse_webhook(frames)
    assert result.note == "accepted"
    assert result.events == (shoko.parse_frame(frames[2]),)


def test_shoko_auth_answer_is_an_api_key_not_a_frame() -> None:
    body = _load("shoko", SHOKO_AUTH)
    assert list(body) == ["apikey"]
    assert isinstance(body["apikey"], str)
    assert body["apikey"].strip()
    with pytest.raises(PayloadError) as err:
        shoko.parse_webhook(body)
    assert str(err.value) == "invalid frame: required key not provided"
    with pytest.raises(PayloadError):
        shoko.parse_frame(body)


def test_shoko_frames_land_on_the_episodes_sonarr_imported() -> None:
    # The shared Sonarr Import Complete of the Frieren pack puts E01-E04 in the library; Shoko's
    # frames name two of those files relative to its import folder.
    tracker = Tracker()
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    tracker.apply(_sonarr_import(IMPORT_COMPLETE_OF_PACK), now)
    (request,) = tracker.requests.values()
    assert request.state is RequestState.ANIME_MATCHING
    for name in (
        "signalr_file_matched_v5__authored.json",
        "signalr_file_not_matched_v5__authored.json",
    ):
        (event,) = shoko.parse_webhook(_load("shoko", name)).events
        assert len(tracker.apply(event, now)) == 1, name

    episodes = {episode.episode_number: episode for episode in request.episodes}
    assert (episodes[1].shoko_file_id, episodes[1].anidb_episode_id) == (4211, 271915)
    assert (request.shoko_series_id, request.anidb_id) == (87, FRIEREN_ANIDB)
    assert episodes[4].stuck
    assert (episodes[4].stuck_reason or "").startswith("no AniDB match after 1 attempt")
    assert [number for number, episode in episodes.items() if episode.shoko_file_id] == [1]
    assert [number for number, episode in episodes.items() if episode.stuck] == [4]
