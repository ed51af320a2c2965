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
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from custom_components.media_request_tracker.services import jellyseerr, qbittorrent, radarr
from custom_components.media_request_tracker.services.api import InvalidAuth
from custom_components.media_request_tracker.services.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import (
    FileImported,
    ImportNeedsAttention,
    ReleaseGrabbed,
    RequestNotified,
    TorrentPhase,
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


def _movie(tmdb_id: int, title: str, year: int | None, imdb_id: str | None) -> dict[str, Any]:
    return {
        "media_type": "movie",
        "tmdb_id": tmdb_id,
        "tvdb_id": None,
        "imdb_id": imdb_id,
        "title": title,
        "year": year,
    }


def _tv(tmdb_id: int, tvdb_id: int, title: str, year: int) -> dict[str, Any]:
    return {
        "media_type": "tv",
        "tmdb_id": tmdb_id,
        "tvdb_id": tvdb_id,
        "imdb_id": None,
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
        },
    ),
    "movie_added_v5__authored.json": ("ignored: MovieAdded", None, None),
    "test_v3__zulip.json": ("test received", None, None),
    "test_v5__authored.json": ("test received", None, None),
}


def test_every_radarr_fixture_is_covered() -> None:
    _assert_covered("radarr", set(RADARR))


@pytest.mark.parametrize(("name", "expected"), RADARR.items(), ids=list(RADARR))
def test_radarr_fixture(
    name: str, expected: tuple[str, type | None, dict[str, Any] | None]
) -> None:
    note, event_type, fields = expected
    result = radarr.parse_webhook(_load("radarr", name), ANIME_TAG)
    assert isinstance(result, ParsedWebhook)
    assert result.note == note
    if event_type is None or fields is None:
        assert result.events == ()
        return
    assert len(result.events) == 1
    event = result.events[0]
    assert type(event) is event_type
    actual = dataclasses.asdict(event)
    assert actual.pop("episodes") == ()  # movies have no episodes
    if event_type is ImportNeedsAttention:
        reason = actual.pop("reason")
        assert fields["reason"] in reason
        fields = {key: value for key, value in fields.items() if key != "reason"}
    assert actual == fields


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


def _merge(state: dict[str, Any], diff: dict[str, Any]) -> None:
    """Deep-merge one maindata answer into the client's copy, as a poller must."""
    for key, value in diff.items():
        if isinstance(value, dict) and isinstance(state.get(key), dict):
            _merge(state[key], value)
        elif isinstance(value, dict):
            state[key] = json.loads(json.dumps(value))
        else:
            state[key] = value
    for removed in diff.get("torrents_removed", []):
        state.get("torrents", {}).pop(removed, None)


def test_qbittorrent_maindata_sequence_merges_to_known_phases() -> None:
    # Capture order (SOURCES.md): full, noop, pause, remove the magnet, season pack completes.
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
    state: dict[str, Any] = {}
    for answer, expected in zip(answers, expected_after, strict=True):
        _merge(state, answer)
        phases = {}
        for qbit_hash, info in state["torrents"].items():
            result = qbittorrent.torrent_progress({**info, "hash": qbit_hash})
            assert result is not None
            phases[qbit_hash] = result.phase
        assert phases == expected, f"after rid {answer['rid']}"


def test_qbittorrent_files_list_is_per_file_progress() -> None:
    # torrents/files is not a torrent record (no hash, no state); the integration does not call
    # it yet. Checked for shape so the fixture is not silently unused.
    files = _load("qbittorrent", FILES_LIST)
    assert isinstance(files, list)
    assert files
    for entry in files:
        assert "hash" not in entry
        assert isinstance(entry["name"], str)
        assert isinstance(entry["size"], int)
        assert 0 <= entry["progress"] <= 1
    assert qbittorrent.torrent_progress(files[0]) is None


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
