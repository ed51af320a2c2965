"""The shared Sonarr webhooks through the parser: grabs, per-file and season-pack imports, anime."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.media_request_tracker.clients.arr import sonarr
from custom_components.media_request_tracker.tracker import (
    FileImported,
    ImportNeedsAttention,
    ReleaseGrabbed,
)

from . import (
    ANIME_TAG,
    FRIEREN_E05_MAGNET,
    FRIEREN_FOLDER,
    FRIEREN_PACK,
    IMPORT_COMPLETE_OF_PACK,
    _assert_covered,
    _assert_single_event,
    _load,
    _sonarr_import,
    _tv,
)


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
