"""The anime season pack (Frieren), told through the reducer: Shoko matches each file of the pack."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    FileImported,
    FileMatched,
    FileNotMatched,
    MediaKey,
    MediaType,
    ReleaseGrabbed,
    Request,
    RequestNotified,
    RequestState,
    TorrentPhase,
    TorrentProgress,
    Tracker,
    TrackerEvent,
)
from custom_components.media_request_tracker.tracker.events import (
    EpisodeRef,
    ImportedEpisode,
    LibraryEpisodesFound,
    ShokoCrossReference,
)
from tests.helpers.anime_events import (
    BACKSLASH,
    SHOKO_FIELDS,
    STUCK_FIELDS,
    VIOLET_ANIDB,
    VIOLET_ANIDB_EPISODE,
    VIOLET_RELATIVE,
    VIOLET_SHOKO_FILE,
    VIOLET_SHOKO_SERIES,
    matched,
    not_matched,
    violet_grab,
    violet_imported,
)

from . import (
    at,
    fields_of,
    stamp,
    transition,
    updated,
)

S = RequestState


# -- an anime season: the first cour of Frieren as one pack --------------------------------------

FRIEREN = MediaKey(
    MediaType.TV,
    tmdb_id=209867,
    tvdb_id=424536,
    imdb_id="tt22248376",
    title="Frieren: Beyond Journey's End",
    year=2023,
)
FRIEREN_SONARR_ID = 12
FRIEREN_HASH = "ffbed3a6ba079d610d434035c9d6138f7db36aaf"
FRIEREN_TITLES = {
    1: "The Journey's End",
    2: "It Didn't Have to Be Magic...",
    3: "Killing Magic",
    4: "The Land Where Souls Rest",
    5: "Phantoms of the Dead",
    6: "The Hero of the Village",
    7: "Like a Fairy Tale",
    8: "Frieren the Slayer",
    9: "Aura the Guillotine",
    10: "A Powerful Mage",
    11: "Winter in the Northern Lands",
    12: "A Real Hero",
}
COUR = tuple(FRIEREN_TITLES)
FRIEREN_FOLDER = "Frieren - Beyond Journey's End/Season 1"
# The ids the shared Shoko fixtures give episode 1 (file 4211, AniDB episode 271915, Shoko
# episode 1523, Shoko series 87, AniDB anime 17617); later episodes count on from there.
FRIEREN_SHOKO_SERIES = 87
FRIEREN_ANIDB = 17617
FRIEREN_JELLYFIN = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
FRIEREN_METHOD = "series by title and year, episodes by number"


def episodes_of(request: Request, *names: str) -> dict[int, dict[str, Any]]:
    """Return some stored fields of every season-1 episode, by episode number."""
    return {
        episode.episode_number: {name: episode.to_dict()[name] for name in names}
        for episode in request.episodes
    }


# -- an anime season pack ------------------------------------------------------------------------


def frieren_ref(number: int) -> EpisodeRef:
    """Return how Sonarr names Frieren episode 1x`number`."""
    return EpisodeRef(
        1, number, FRIEREN_TITLES[number], sonarr_episode_id=900 + number, tvdb_id=9990000 + number
    )


def frieren_file(number: int) -> str:
    """Return the file name Sonarr gives episode `number` (its standard format)."""
    return (
        f"Frieren - Beyond Journey's End - S01E{number:02d} - {FRIEREN_TITLES[number]} "
        "[WEBDL-1080p].mkv"
    )


def frieren_library_path(number: int) -> str:
    """Return where Sonarr imports episode `number` (the library as Sonarr mounts it)."""
    return f"/data/media/anime/{FRIEREN_FOLDER}/{frieren_file(number)}"


def frieren_relative(number: int, separator: str = "/") -> str:
    """Return the episode's path in Shoko's import folder (/mnt/anime in Shoko's container)."""
    return f"{FRIEREN_FOLDER}/{frieren_file(number)}".replace("/", separator)


def shoko_file_id(number: int) -> int:
    """Return Shoko's file id of episode `number`."""
    return 4210 + number


def anidb_episode_id(number: int) -> int:
    """Return the AniDB episode id of episode `number`."""
    return 271914 + number


def frieren_matched(number: int, separator: str = "/") -> FileMatched:
    """Return Shoko's FileMatched for episode `number`'s file."""
    return matched(
        frieren_relative(number, separator),
        shoko_file_id(number),
        anidb_episode=anidb_episode_id(number),
        anidb_anime=FRIEREN_ANIDB,
        shoko_series=FRIEREN_SHOKO_SERIES,
        shoko_episode=1522 + number,
    )


FRIEREN_SEERR = RequestNotified(
    FRIEREN, S.APPROVED, jellyseerr_id=8, requested_by="alice", requested_seasons=(1,)
)
FRIEREN_GRAB = ReleaseGrabbed(
    FRIEREN,
    FRIEREN_SONARR_ID,
    FRIEREN_HASH,
    release_title="[SubsPlease] Sousou no Frieren (01-12) (1080p) [Batch]",
    quality="WEBDL-1080p",
    indexer="Nyaa.si (Prowlarr)",
    release_group="SubsPlease",
    file_size=17_314_086_912,
    download_client="qBittorrent",
    is_anime=True,
    episodes=tuple(frieren_ref(number) for number in COUR),
)
FRIEREN_COMPLETE = TorrentProgress(
    FRIEREN_HASH, TorrentPhase.COMPLETE, "stalledUP", 1.0, 0, 0, 17_314_086_912
)


def frieren_imported(*numbers: int) -> FileImported:
    """Return Sonarr's per-file Download of the given episodes (several: Import Complete)."""
    return FileImported(
        FRIEREN,
        FRIEREN_SONARR_ID,
        FRIEREN_HASH,
        None,
        is_anime=True,
        episodes=tuple(
            ImportedEpisode(frieren_ref(number), frieren_library_path(number)) for number in numbers
        ),
    )


def frieren_found(*numbers: int) -> LibraryEpisodesFound:
    """Return Jellyfin's answer: the series and these episodes are playable."""
    return LibraryEpisodesFound(
        "1",
        FRIEREN_JELLYFIN,
        tuple((1, number, f"{number:02d}" + "f" * 30) for number in numbers),
        FRIEREN_METHOD,
    )


def frieren_matching() -> Tracker:
    """Return a tracker with the pack downloaded and every file imported by at(900)."""
    tracker = Tracker()
    tracker.apply(FRIEREN_SEERR, at(0))
    tracker.apply(FRIEREN_GRAB, at(60))
    tracker.apply(FRIEREN_COMPLETE, at(600))
    for number in COUR:
        tracker.apply(frieren_imported(number), at(600 + 25 * number))
    assert tracker.requests["1"].state is S.ANIME_MATCHING
    return tracker


# The order Shoko reports the files in (a fixed shuffle), the one file whose event comes from
# Shoko on Windows, and the one file Shoko first fails to match.
SHOKO_ORDER = list(COUR)
random.Random(20231001).shuffle(SHOKO_ORDER)  # noqa: S311  a fixed order, not a secret
WINDOWS_EPISODE = SHOKO_ORDER[4]
UNMATCHED_EPISODE = SHOKO_ORDER[7]
UNMATCHED_REASON = "no AniDB match after 3 attempts"


def test_shuffle_is_fixed_and_mixed() -> None:
    assert sorted(SHOKO_ORDER) == list(COUR)
    assert list(COUR) != SHOKO_ORDER
    assert WINDOWS_EPISODE != UNMATCHED_EPISODE


def test_anime_season_pack_is_matched_file_by_file_then_found() -> None:
    tracker = Tracker()
    assert tracker.apply(FRIEREN_SEERR, at(0)) == [
        Change("1", ChangeKind.CREATED, None, S.APPROVED)
    ]
    assert tracker.apply(FRIEREN_GRAB, at(60)) == [transition(S.APPROVED, S.GRABBING)]
    request = tracker.requests["1"]
    assert [episode.key for episode in request.episodes] == [(1, number) for number in COUR]
    assert {episode.qbit_hash for episode in request.episodes} == {FRIEREN_HASH}
    assert fields_of(request, "is_anime", "total_episodes") == {
        "is_anime": True,
        "total_episodes": 12,
    }

    assert tracker.apply(FRIEREN_COMPLETE, at(600)) == [transition(S.GRABBING, S.DOWNLOADED)]

    # Sonarr imports the pack file by file ("On File Import"): each episode waits for Shoko.
    for number in COUR:
        now = at(600 + 25 * number)
        expected = (
            [transition(S.DOWNLOADED, S.ANIME_MATCHING)]
            if number == 1
            else [updated(S.ANIME_MATCHING)]
        )
        assert tracker.apply(frieren_imported(number), now) == expected, number
        assert request.episode((1, number)).state is S.ANIME_MATCHING  # type: ignore[union-attr]
        assert request.next_verify_at == now + timedelta(seconds=10)
    assert episodes_of(request, "state", "final_path", *SHOKO_FIELDS[:2]) == {
        number: {
            "state": "anime_matching",
            "final_path": frieren_library_path(number),
            "shoko_file_id": None,
            "anidb_episode_id": None,
        }
        for number in COUR
    }

    # Shoko could not match one file at first: that episode, and so the request, is stuck.
    first_failure = not_matched(frieren_relative(UNMATCHED_EPISODE), 3)
    assert tracker.apply(first_failure, at(1000)) == [updated(S.ANIME_MATCHING)]
    assert fields_of(request, "state", *STUCK_FIELDS) == {
        "state": "anime_matching",
        "stuck": True,
        "stuck_reason": UNMATCHED_REASON,
    }
    assert episodes_of(request, *STUCK_FIELDS) == {
        number: {
            "stuck": number == UNMATCHED_EPISODE,
            "stuck_reason": UNMATCHED_REASON if number == UNMATCHED_EPISODE else None,
        }
        for number in COUR
    }

    # Then every file is matched, in Shoko's order; one event comes with `\` separators.
    done: set[int] = set()
    for step, number in enumerate(SHOKO_ORDER, start=1):
        now = at(1000 + 60 * step)
        separator = BACKSLASH if number == WINDOWS_EPISODE else "/"
        assert tracker.apply(frieren_matched(number, separator), now) == [
            updated(S.ANIME_MATCHING)
        ], number
        done.add(number)
        assert episodes_of(request, "state", *SHOKO_FIELDS[:2], *STUCK_FIELDS)[number] == {
            "state": "anime_matching",
            "shoko_file_id": shoko_file_id(number),
            "anidb_episode_id": anidb_episode_id(number),
            "stuck": False,
            "stuck_reason": None,
        }
        # The other episodes are untouched by this file's match.
        assert [e.episode_number for e in request.episodes if e.shoko_file_id] == sorted(done)
        still_stuck = UNMATCHED_EPISODE not in done
        assert fields_of(
            request, "state", "next_verify_at", "shoko_series_id", "anidb_id", *STUCK_FIELDS
        ) == {
            "state": "anime_matching",
            "next_verify_at": now.isoformat(),
            "shoko_series_id": FRIEREN_SHOKO_SERIES,
            "anidb_id": FRIEREN_ANIDB,
            "stuck": still_stuck,
            "stuck_reason": UNMATCHED_REASON if still_stuck else None,
        }

    assert episodes_of(request, "state", *SHOKO_FIELDS[:2], *STUCK_FIELDS) == {
        number: {
            "state": "anime_matching",
            "shoko_file_id": shoko_file_id(number),
            "anidb_episode_id": anidb_episode_id(number),
            "stuck": False,
            "stuck_reason": None,
        }
        for number in COUR
    }
    # The request-level file ids belong to movies; a series keeps them per episode.
    assert fields_of(request, "shoko_file_id", "anidb_episode_id") == {
        "shoko_file_id": None,
        "anidb_episode_id": None,
    }

    # Jellyfin (Shokofin) has the series and every episode.
    end = at(1000 + 60 * 13)
    assert tracker.apply(frieren_found(*COUR), end) == [transition(S.ANIME_MATCHING, S.AVAILABLE)]
    assert fields_of(
        request,
        "state",
        "jellyfin_id",
        "available_at",
        "next_verify_at",
        "shoko_series_id",
        "anidb_id",
        *STUCK_FIELDS,
    ) == {
        "state": "available",
        "jellyfin_id": FRIEREN_JELLYFIN,
        "available_at": end.isoformat(),
        "next_verify_at": None,
        "shoko_series_id": FRIEREN_SHOKO_SERIES,
        "anidb_id": FRIEREN_ANIDB,
        "stuck": False,
        "stuck_reason": None,
    }
    assert episodes_of(request, "state", "jellyfin_id", *SHOKO_FIELDS[:2]) == {
        number: {
            "state": "available",
            "jellyfin_id": f"{number:02d}" + "f" * 30,
            "shoko_file_id": shoko_file_id(number),
            "anidb_episode_id": anidb_episode_id(number),
        }
        for number in COUR
    }
    assert [entry.to_dict() for entry in request.history] == [
        {"state": "approved", "at": stamp(0)},
        {"state": "grabbing", "at": stamp(60)},
        {"state": "downloaded", "at": stamp(600)},
        {"state": "anime_matching", "at": stamp(625)},
        {
            "state": "available",
            "at": end.isoformat(),
            "note": f"found in Jellyfin ({FRIEREN_METHOD})",
        },
    ]


def test_a_stuck_episode_keeps_the_request_stuck_while_others_match() -> None:
    tracker = frieren_matching()
    request = tracker.requests["1"]
    tracker.apply(not_matched(frieren_relative(4), udp_banned=True), at(1000))
    tracker.apply(not_matched(frieren_relative(9), 2), at(1010))

    # The request shows the reason of one of its stuck episodes.
    assert request.stuck
    assert request.stuck_reason in {"AniDB is banning lookups", "no AniDB match after 2 attempts"}
    tracker.apply(frieren_matched(4), at(1100))
    assert fields_of(request, *STUCK_FIELDS) == {
        "stuck": True,
        "stuck_reason": "no AniDB match after 2 attempts",
    }
    tracker.apply(frieren_matched(9), at(1200))
    assert fields_of(request, *STUCK_FIELDS) == {"stuck": False, "stuck_reason": None}


def test_an_available_episode_is_not_matched_again() -> None:
    # Episode 1 is in the library already; episode 2 still waits for Shoko.
    tracker = frieren_matching()
    request = tracker.requests["1"]
    tracker.apply(frieren_found(1), at(1000))
    assert request.episode((1, 1)).state is S.AVAILABLE  # type: ignore[union-attr]
    assert request.state is S.ANIME_MATCHING
    before = tracker.to_dict()

    assert tracker.apply(frieren_matched(1), at(1100)) == []
    assert tracker.apply(not_matched(frieren_relative(1)), at(1100)) == []
    assert tracker.to_dict() == before
    assert tracker.apply(frieren_matched(2), at(1200)) == [updated(S.ANIME_MATCHING)]
    assert episodes_of(request, "shoko_file_id")[1] == {"shoko_file_id": None}
    assert episodes_of(request, "shoko_file_id")[2] == {"shoko_file_id": shoko_file_id(2)}


def test_a_file_holding_two_episodes_gives_both_their_shoko_ids() -> None:
    # Sonarr imports a double episode as one file (episodes 1 and 2, "S01E01-E02"); Shoko sends
    # one FileMatched with a cross reference per AniDB episode. Both episodes live in that file.
    tracker = Tracker()
    tracker.apply(FRIEREN_GRAB, at(0))
    double = f"/data/media/anime/{FRIEREN_FOLDER}/Frieren - S01E01-E02 [WEBDL-1080p].mkv"
    event = FileImported(
        FRIEREN,
        FRIEREN_SONARR_ID,
        FRIEREN_HASH,
        None,
        is_anime=True,
        episodes=(
            ImportedEpisode(frieren_ref(1), double),
            ImportedEpisode(frieren_ref(2), double),
        ),
    )
    tracker.apply(event, at(60))
    request = tracker.requests["1"]
    relative = f"{FRIEREN_FOLDER}/Frieren - S01E01-E02 [WEBDL-1080p].mkv"
    references = tuple(
        ShokoCrossReference(anidb_episode_id(n), FRIEREN_ANIDB, FRIEREN_SHOKO_SERIES, 1522 + n)
        for n in (1, 2)
    )

    assert tracker.apply(FileNotMatched(relative, 4211, 3, False), at(100)) == [
        updated(S.ANIME_MATCHING)
    ]
    assert episodes_of(request, "stuck")[1] == {"stuck": True}
    assert episodes_of(request, "stuck")[2] == {"stuck": True}

    assert tracker.apply(FileMatched(relative, 4211, references), at(200)) == [
        updated(S.ANIME_MATCHING)
    ]
    both = episodes_of(request, "shoko_file_id", "anidb_episode_id", "stuck")
    assert both[1]["shoko_file_id"] == both[2]["shoko_file_id"] == 4211
    assert {both[1]["anidb_episode_id"], both[2]["anidb_episode_id"]} <= {
        anidb_episode_id(1),
        anidb_episode_id(2),
    }
    assert not both[1]["stuck"]
    assert not both[2]["stuck"]
    assert fields_of(request, "shoko_series_id", "anidb_id", "stuck") == {
        "shoko_series_id": FRIEREN_SHOKO_SERIES,
        "anidb_id": FRIEREN_ANIDB,
        "stuck": False,
    }


# -- persistence ---------------------------------------------------------------------------------


def test_shoko_fields_survive_a_snapshot_round_trip() -> None:
    tracker = frieren_matching()  # request 1
    tracker.apply(frieren_matched(1), at(1000))
    tracker.apply(not_matched(frieren_relative(2), 3), at(1010))
    for seconds, event in (
        (1020, violet_grab()),  # request 2
        (1030, violet_imported()),
        (1040, matched(VIOLET_RELATIVE)),
    ):
        tracker.apply(event, at(seconds))
    snapshot = tracker.to_dict()

    restored = Tracker.from_dict(json.loads(json.dumps(snapshot)))

    assert restored.to_dict() == snapshot
    series, movie = snapshot["requests"]
    assert {name: series[name] for name in (*SHOKO_FIELDS, *STUCK_FIELDS)} == {
        "shoko_file_id": None,
        "anidb_episode_id": None,
        "shoko_series_id": FRIEREN_SHOKO_SERIES,
        "anidb_id": FRIEREN_ANIDB,
        "stuck": True,
        "stuck_reason": UNMATCHED_REASON,
    }
    assert [
        {name: episode[name] for name in (*SHOKO_FIELDS[:2], *STUCK_FIELDS)}
        for episode in series["episodes"][:3]
    ] == [
        {
            "shoko_file_id": shoko_file_id(1),
            "anidb_episode_id": anidb_episode_id(1),
            "stuck": False,
            "stuck_reason": None,
        },
        {
            "shoko_file_id": None,
            "anidb_episode_id": None,
            "stuck": True,
            "stuck_reason": UNMATCHED_REASON,
        },
        {"shoko_file_id": None, "anidb_episode_id": None, "stuck": False, "stuck_reason": None},
    ]
    assert {name: movie[name] for name in (*SHOKO_FIELDS, "next_verify_at")} == {
        "shoko_file_id": VIOLET_SHOKO_FILE,
        "anidb_episode_id": VIOLET_ANIDB_EPISODE,
        "shoko_series_id": VIOLET_SHOKO_SERIES,
        "anidb_id": VIOLET_ANIDB,
        "next_verify_at": stamp(1040),
    }

    # The restored tracker still finds files by their imported paths and clears the flag.
    assert restored.apply(frieren_matched(2, BACKSLASH), at(2000)) == [updated(S.ANIME_MATCHING)]
    assert fields_of(restored.requests["1"], *STUCK_FIELDS) == {
        "stuck": False,
        "stuck_reason": None,
    }
    assert restored.requests["1"].episode((1, 2)).shoko_file_id == shoko_file_id(2)  # type: ignore[union-attr]


def test_events_apply_in_any_order_between_imports_and_matches() -> None:
    # A match that arrives while later files are still importing lands on its own episode.
    tracker = Tracker()
    events: list[tuple[float, TrackerEvent]] = [
        (0, FRIEREN_GRAB),
        (60, FRIEREN_COMPLETE),
        (120, frieren_imported(1)),
        (130, frieren_matched(1)),
        (140, frieren_imported(2, 3)),
        (145, frieren_matched(3, BACKSLASH)),
    ]
    for seconds, event in events:
        tracker.apply(event, at(seconds))
    request = tracker.requests["1"]

    assert episodes_of(request, "state", "shoko_file_id") == {
        number: {
            "state": "anime_matching" if number <= 3 else "downloaded",
            "shoko_file_id": shoko_file_id(number) if number in {1, 3} else None,
        }
        for number in COUR
    }
    # The import asked for a check at 150 s; the match asks for one at once.
    assert request.next_verify_at == at(145)
