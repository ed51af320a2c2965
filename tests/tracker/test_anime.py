r"""The anime rules, told through the reducer: Shoko matches each imported file by its path.

DESIGN §2 (flows 3 and 4: ANIME_MATCHING until Shoko matches, then the library check), §4 (the
Shoko and AniDB fields) and §7 (`RelativePath` is relative to an import folder, may use `\`, and
is matched as the tail of the *arr's imported path); PAYLOADS.md §4.
"""

from __future__ import annotations

import pytest

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    FileImported,
    FileMatched,
    LibraryItemFound,
    MediaKey,
    MediaType,
    RequestNotified,
    RequestState,
    TorrentPhase,
    Tracker,
)
from tests.helpers.anime_events import (
    BACKSLASH,
    SHOKO_FIELDS,
    STUCK_FIELDS,
    VIOLET,
    VIOLET_ANIDB,
    VIOLET_ANIDB_EPISODE,
    VIOLET_FILE,
    VIOLET_FOLDER,
    VIOLET_JELLYFIN,
    VIOLET_PATH,
    VIOLET_RELATIVE,
    VIOLET_SHOKO_FILE,
    VIOLET_SHOKO_SERIES,
    matched,
    not_matched,
    violet_grab,
    violet_imported,
    violet_torrent,
)

from . import (
    at,
    fields_of,
    stamp,
    transition,
    updated,
)

S = RequestState


# -- the anime movie -----------------------------------------------------------------------------


VIOLET_SEERR = RequestNotified(
    VIOLET, S.APPROVED, jellyseerr_id=69, requested_by="adept", poster_url=None
)
VIOLET_FOUND = LibraryItemFound("1", VIOLET_JELLYFIN, "anidb id or title search")


def violet_matching() -> Tracker:
    """Return a tracker whose one request, the movie, waits for Shoko since at(300)."""
    tracker = Tracker()
    for seconds, event in (
        (0, VIOLET_SEERR),
        (60, violet_grab()),
        (120, violet_torrent(TorrentPhase.DOWNLOADING, "downloading", 0.4)),
        (240, violet_torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0)),
        (300, violet_imported()),
    ):
        tracker.apply(event, at(seconds))
    assert tracker.requests["1"].state is S.ANIME_MATCHING
    return tracker


def test_anime_movie_is_matched_by_shoko_then_found_in_the_library() -> None:
    tracker = Tracker()

    assert tracker.apply(VIOLET_SEERR, at(0)) == [Change("1", ChangeKind.CREATED, None, S.APPROVED)]
    assert tracker.apply(violet_grab(), at(60)) == [transition(S.APPROVED, S.GRABBING)]
    downloading = violet_torrent(TorrentPhase.DOWNLOADING, "downloading", 0.4)
    assert tracker.apply(downloading, at(120)) == [transition(S.GRABBING, S.DOWNLOADING)]
    complete = violet_torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0)
    assert tracker.apply(complete, at(240)) == [transition(S.DOWNLOADING, S.DOWNLOADED)]
    # The import carries no anime flag (Radarr has no series type); the grab's tag decided.
    assert tracker.apply(violet_imported(), at(300)) == [transition(S.DOWNLOADED, S.ANIME_MATCHING)]

    request = tracker.requests["1"]
    assert fields_of(
        request, "state", "is_anime", "final_path", "next_verify_at", *SHOKO_FIELDS
    ) == {
        "state": "anime_matching",
        "is_anime": True,
        "final_path": VIOLET_PATH,
        "next_verify_at": stamp(310),
        "shoko_file_id": None,
        "anidb_episode_id": None,
        "shoko_series_id": None,
        "anidb_id": None,
    }

    # Shoko matched the file: its ids are stored and the library is checked at once.
    assert tracker.apply(matched(VIOLET_RELATIVE), at(400)) == [updated(S.ANIME_MATCHING)]
    assert fields_of(
        request, "state", "state_since", "next_verify_at", *SHOKO_FIELDS, *STUCK_FIELDS
    ) == {
        "state": "anime_matching",
        "state_since": stamp(300),
        "next_verify_at": stamp(400),
        "shoko_file_id": VIOLET_SHOKO_FILE,
        "anidb_episode_id": VIOLET_ANIDB_EPISODE,
        "shoko_series_id": VIOLET_SHOKO_SERIES,
        "anidb_id": VIOLET_ANIDB,
        "stuck": False,
        "stuck_reason": None,
    }
    assert tracker.due_for_verification(at(400)) == [request]
    assert tracker.next_verification_at() == at(400)

    assert tracker.apply(VIOLET_FOUND, at(420)) == [transition(S.ANIME_MATCHING, S.AVAILABLE)]
    assert fields_of(
        request, "state", "jellyfin_id", "available_at", "next_verify_at", *SHOKO_FIELDS
    ) == {
        "state": "available",
        "jellyfin_id": VIOLET_JELLYFIN,
        "available_at": stamp(420),
        "next_verify_at": None,
        "shoko_file_id": VIOLET_SHOKO_FILE,
        "anidb_episode_id": VIOLET_ANIDB_EPISODE,
        "shoko_series_id": VIOLET_SHOKO_SERIES,
        "anidb_id": VIOLET_ANIDB,
    }
    assert [entry.to_dict() for entry in request.history] == [
        {"state": "approved", "at": stamp(0)},
        {"state": "grabbing", "at": stamp(60)},
        {"state": "downloading", "at": stamp(120)},
        {"state": "downloaded", "at": stamp(240)},
        {"state": "anime_matching", "at": stamp(300)},
        {
            "state": "available",
            "at": stamp(420),
            "note": "found in Jellyfin (anidb id or title search)",
        },
    ]


def test_shoko_silent_anime_movie_still_becomes_available() -> None:
    # Shoko may be down, or not watching this folder: the library check alone finishes it.
    tracker = violet_matching()

    assert tracker.apply(VIOLET_FOUND, at(310)) == [transition(S.ANIME_MATCHING, S.AVAILABLE)]
    assert fields_of(tracker.requests["1"], "state", "jellyfin_id", *SHOKO_FIELDS) == {
        "state": "available",
        "jellyfin_id": VIOLET_JELLYFIN,
        "shoko_file_id": None,
        "anidb_episode_id": None,
        "shoko_series_id": None,
        "anidb_id": None,
    }


def test_shoko_match_after_the_request_is_available_changes_nothing() -> None:
    tracker = violet_matching()
    tracker.apply(VIOLET_FOUND, at(310))
    before = tracker.to_dict()

    assert tracker.apply(matched(VIOLET_RELATIVE), at(400)) == []
    assert tracker.apply(not_matched(), at(410)) == []
    assert tracker.to_dict() == before


def test_the_same_match_twice_reports_one_change() -> None:
    tracker = violet_matching()

    assert tracker.apply(matched(VIOLET_RELATIVE), at(400)) == [updated(S.ANIME_MATCHING)]
    assert tracker.apply(matched(VIOLET_RELATIVE), at(460)) == []
    assert fields_of(tracker.requests["1"], *SHOKO_FIELDS) == {
        "shoko_file_id": VIOLET_SHOKO_FILE,
        "anidb_episode_id": VIOLET_ANIDB_EPISODE,
        "shoko_series_id": VIOLET_SHOKO_SERIES,
        "anidb_id": VIOLET_ANIDB,
    }


def test_a_non_anime_request_waiting_in_importing_takes_shoko_ids_too() -> None:
    # Shoko's answer counts in both waiting states (an untagged anime imports to IMPORTING).
    tracker = Tracker()
    tracker.apply(violet_grab(is_anime=False), at(0))
    assert tracker.apply(violet_imported(), at(60)) == [transition(S.GRABBING, S.IMPORTING)]

    assert tracker.apply(matched(VIOLET_RELATIVE), at(120)) == [updated(S.IMPORTING)]
    assert fields_of(tracker.requests["1"], "state", "next_verify_at", *SHOKO_FIELDS) == {
        "state": "importing",
        "next_verify_at": stamp(120),
        "shoko_file_id": VIOLET_SHOKO_FILE,
        "anidb_episode_id": VIOLET_ANIDB_EPISODE,
        "shoko_series_id": VIOLET_SHOKO_SERIES,
        "anidb_id": VIOLET_ANIDB,
    }


# -- matching Shoko's relative path against the imported file ------------------------------------


def waiting_movies(*paths: str) -> Tracker:
    """Return a tracker with one anime movie waiting for Shoko per path (requests 1, 2, ...)."""
    tracker = Tracker()
    for number, path in enumerate(paths, start=1):
        media = MediaKey(MediaType.MOVIE, tmdb_id=900_000 + number, title=f"Movie {number}")
        event = FileImported(media, 40 + number, None, path, is_anime=True)
        assert tracker.apply(event, at(0)) == [
            Change(str(number), ChangeKind.CREATED, None, S.ANIME_MATCHING)
        ]
    return tracker


def matched_requests(tracker: Tracker) -> list[str]:
    """Return the ids of the requests that received a Shoko file id."""
    return [
        request_id
        for request_id, request in tracker.requests.items()
        if request.shoko_file_id is not None
    ]


WINDOWS_LIBRARY = rf"D:\Media\anime-movies\{VIOLET_FOLDER}\{VIOLET_FILE}"

# (the movies' imported paths, Shoko's RelativePath, the request that matches or None).
PATH_CASES: dict[str, tuple[tuple[str, ...], str, str | None]] = {
    "relative to the import folder": ((VIOLET_PATH,), VIOLET_RELATIVE, "1"),
    "only the file name": ((VIOLET_PATH,), VIOLET_FILE, "1"),
    "the import folder is the root": ((VIOLET_PATH,), VIOLET_PATH.lstrip("/"), "1"),
    "windows separators": ((VIOLET_PATH,), VIOLET_RELATIVE.replace("/", BACKSLASH), "1"),
    "windows separators on the *arr side": ((WINDOWS_LIBRARY,), VIOLET_RELATIVE, "1"),
    "windows on both sides": ((WINDOWS_LIBRARY,), rf"{VIOLET_FOLDER}\{VIOLET_FILE}", "1"),
    "another case": ((VIOLET_PATH,), VIOLET_RELATIVE.lower(), "1"),
    "another case, windows separators": (
        (VIOLET_PATH,),
        VIOLET_RELATIVE.upper().replace("/", BACKSLASH),
        "1",
    ),
    "leading slash": ((VIOLET_PATH,), f"/{VIOLET_RELATIVE}", "1"),
    "leading backslash": ((VIOLET_PATH,), BACKSLASH + VIOLET_RELATIVE.replace("/", BACKSLASH), "1"),
    "the second of two movies": (
        ("/data/media/anime-movies/Akira (1988)/Akira (1988).mkv", VIOLET_PATH),
        VIOLET_RELATIVE,
        "2",
    ),
    # A tail of the path string that is not a tail of its components matches nothing.
    "the end of a file name": (
        ("/data/media/anime-movies/The End (2024)/The End.mkv",),
        "End.mkv",
        None,
    ),
    "the end of a file name, another case": (
        ("/data/media/anime-movies/The End (2024)/The End.mkv",),
        "end.mkv",
        None,
    ),
    # Not a tail of the imported path, but the file name is that of exactly one tracked file.
    "the end of a folder name": ((VIOLET_PATH,), f"Movie (2020)/{VIOLET_FILE}", "1"),
    "a longer path than the import": ((VIOLET_PATH,), f"library/{VIOLET_PATH}", "1"),
    "another folder": ((VIOLET_PATH,), f"Violet Evergarden (2020)/{VIOLET_FILE}", "1"),
    # Two tracked files share the name: no guess.
    "another folder, two tracked files with the name": (
        (
            "/data/media/anime-movies/Akira (1988)/Movie.mkv",
            "/data/media/anime-movies/Perfect Blue (1997)/Movie.mkv",
        ),
        "Paprika (2006)/Movie.mkv",
        None,
    ),
    "another folder, two tracked files with the name ignoring case": (
        (
            "/data/media/anime-movies/Akira (1988)/Movie.mkv",
            "/data/media/anime-movies/Perfect Blue (1997)/movie.mkv",
        ),
        "Paprika (2006)/MOVIE.mkv",
        None,
    ),
    "another file in the folder": ((VIOLET_PATH,), f"{VIOLET_FOLDER}/Extras/Trailer.mkv", None),
    "the folder only": ((VIOLET_PATH,), VIOLET_FOLDER, None),
    "nothing but separators": ((VIOLET_PATH,), f"/{BACKSLASH}/", None),
}


@pytest.mark.parametrize(
    ("paths", "relative_path", "winner"), PATH_CASES.values(), ids=list(PATH_CASES)
)
def test_shoko_path_matches_the_tail_of_the_imported_file(
    paths: tuple[str, ...], relative_path: str, winner: str | None
) -> None:
    tracker = waiting_movies(*paths)
    before = tracker.to_dict()

    changes = tracker.apply(matched(relative_path), at(60))

    if winner is None:
        assert changes == []
        assert tracker.to_dict() == before
        return
    assert changes == [updated(S.ANIME_MATCHING, winner)]
    assert matched_requests(tracker) == [winner]
    assert tracker.requests[winner].next_verify_at == at(60)


@pytest.mark.parametrize(
    ("relative_path", "winner"),
    [
        # The older request matches only ignoring case; the newer one matches exactly.
        ("Akira (1988)/Akira (1988).mkv", "2"),
        # And the other way round: the exact match wins whichever request is older.
        ("Akira (1988)/akira (1988).mkv", "1"),
        # Neither matches exactly: the first that matches ignoring case.
        ("AKIRA (1988)/AKIRA (1988).MKV", "1"),
    ],
)
def test_a_case_sensitive_match_beats_a_case_insensitive_one(
    relative_path: str, winner: str
) -> None:
    tracker = waiting_movies(
        "/data/media/movies/Akira (1988)/akira (1988).mkv",
        "/data/media/anime-movies/Akira (1988)/Akira (1988).mkv",
    )

    assert tracker.apply(matched(relative_path), at(60)) == [updated(S.ANIME_MATCHING, winner)]
    assert matched_requests(tracker) == [winner]


def test_a_request_not_waiting_for_shoko_is_not_matched() -> None:
    # Request 1 is available (finished); request 2 failed; request 3 still waits.
    tracker = waiting_movies(
        "/data/media/anime-movies/Akira (1988)/Akira (1988).mkv",
        "/data/media/anime-movies/Perfect Blue (1997)/Perfect Blue (1997).mkv",
        VIOLET_PATH,
    )
    tracker.apply(LibraryItemFound("1", "1" * 32, "tmdb id, title search"), at(30))
    failed = RequestNotified(MediaKey(MediaType.MOVIE, tmdb_id=900_002), S.FAILED)
    assert tracker.apply(failed, at(40)) == [transition(S.ANIME_MATCHING, S.FAILED, "2")]
    before = tracker.to_dict()

    assert tracker.apply(matched("Akira (1988)/Akira (1988).mkv"), at(60)) == []
    assert tracker.apply(matched("Perfect Blue (1997)/Perfect Blue (1997).mkv"), at(60)) == []
    assert tracker.apply(not_matched("Akira (1988)/Akira (1988).mkv"), at(60)) == []
    assert tracker.to_dict() == before
    assert tracker.apply(matched(VIOLET_RELATIVE), at(60)) == [updated(S.ANIME_MATCHING, "3")]


def test_a_request_before_its_import_is_not_matched() -> None:
    # Shoko can be quicker than Radarr's webhook: before the import there is no path to match.
    tracker = Tracker()
    tracker.apply(violet_grab(), at(0))
    tracker.apply(violet_torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0), at(60))
    before = tracker.to_dict()

    assert tracker.apply(matched(VIOLET_RELATIVE), at(90)) == []
    assert tracker.apply(not_matched(), at(90)) == []
    assert tracker.to_dict() == before


# -- FileMatched without cross references, FileNotMatched -----------------------------------------


def test_file_matched_without_cross_references_changes_nothing() -> None:
    # Shoko looked at the file but has no AniDB episode for it yet: keep waiting as before.
    tracker = violet_matching()
    before = tracker.to_dict()

    assert tracker.apply(FileMatched(VIOLET_RELATIVE, VIOLET_SHOKO_FILE, ()), at(400)) == []
    assert tracker.to_dict() == before


@pytest.mark.parametrize(
    ("attempts", "udp_banned", "reason"),
    [
        (0, False, "Shoko could not match the file to AniDB"),
        (3, False, "no AniDB match after 3 attempts"),
        (12, False, "no AniDB match after 12 attempts"),
        (0, True, "AniDB is banning lookups"),
        (3, True, "AniDB is banning lookups"),
    ],
)
def test_file_not_matched_marks_the_movie_stuck_until_a_match(
    attempts: int, udp_banned: bool, reason: str
) -> None:
    tracker = violet_matching()
    request = tracker.requests["1"]
    event = not_matched(attempts=attempts, udp_banned=udp_banned)

    assert tracker.apply(event, at(400)) == [updated(S.ANIME_MATCHING)]
    assert fields_of(request, "state", "next_verify_at", *STUCK_FIELDS, *SHOKO_FIELDS) == {
        "state": "anime_matching",
        "next_verify_at": stamp(310),  # not hurried: nothing new to find
        "stuck": True,
        "stuck_reason": reason,
        "shoko_file_id": None,
        "anidb_episode_id": None,
        "shoko_series_id": None,
        "anidb_id": None,
    }
    # The same answer again changes nothing.
    assert tracker.apply(event, at(460)) == []

    # The user fixed the match in Shoko (or the ban ended): the request is no longer stuck.
    assert tracker.apply(matched(VIOLET_RELATIVE), at(900)) == [updated(S.ANIME_MATCHING)]
    assert fields_of(request, "state", "next_verify_at", *STUCK_FIELDS, *SHOKO_FIELDS) == {
        "state": "anime_matching",
        "next_verify_at": stamp(900),
        "stuck": False,
        "stuck_reason": None,
        "shoko_file_id": VIOLET_SHOKO_FILE,
        "anidb_episode_id": VIOLET_ANIDB_EPISODE,
        "shoko_series_id": VIOLET_SHOKO_SERIES,
        "anidb_id": VIOLET_ANIDB,
    }


def test_a_new_not_matched_reason_replaces_the_old_one() -> None:
    tracker = violet_matching()
    request = tracker.requests["1"]

    assert tracker.apply(not_matched(attempts=1), at(400)) == [updated(S.ANIME_MATCHING)]
    assert request.stuck_reason == "no AniDB match after 1 attempt"
    assert tracker.apply(not_matched(attempts=2, udp_banned=True), at(500)) == [
        updated(S.ANIME_MATCHING)
    ]
    assert fields_of(request, *STUCK_FIELDS) == {
        "stuck": True,
        "stuck_reason": "AniDB is banning lookups",
    }


def test_file_matched_without_cross_references_keeps_the_stuck_flag() -> None:
    tracker = violet_matching()
    tracker.apply(not_matched(attempts=3), at(400))
    before = tracker.to_dict()

    assert tracker.apply(FileMatched(VIOLET_RELATIVE, VIOLET_SHOKO_FILE, ()), at(500)) == []
    assert tracker.to_dict() == before


def test_the_library_finding_a_stuck_anime_movie_clears_the_flag() -> None:
    tracker = violet_matching()
    tracker.apply(not_matched(udp_banned=True), at(400))

    assert tracker.apply(VIOLET_FOUND, at(500)) == [transition(S.ANIME_MATCHING, S.AVAILABLE)]
    assert fields_of(tracker.requests["1"], "state", *STUCK_FIELDS) == {
        "state": "available",
        "stuck": False,
        "stuck_reason": None,
    }
