"""The shared Radarr webhooks through the parser: grabs, imports, manual interaction, tests."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.media_request_tracker.clients.arr import radarr
from custom_components.media_request_tracker.tracker import (
    FileImported,
    ImportNeedsAttention,
    ReleaseGrabbed,
)

from . import (
    ANIME_TAG,
    PAST_LIVES_HASH,
    _assert_covered,
    _assert_single_event,
    _load,
    _movie,
)

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


def test_every_radarr_fixture_is_covered() -> None:
    _assert_covered("radarr", set(RADARR))


@pytest.mark.parametrize(("name", "expected"), RADARR.items(), ids=list(RADARR))
def test_radarr_fixture(
    name: str, expected: tuple[str, type | None, dict[str, Any] | None]
) -> None:
    actual = _assert_single_event(radarr.parse_webhook(_load("radarr", name), ANIME_TAG), expected)
    if actual is not None:
        assert actual["episodes"] == ()  # movies have no episodes
