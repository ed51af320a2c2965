"""The TV rules, told through the reducer: each episode moves on its own, the request aggregates.

DESIGN §2 (flow 2, aggregation, stepping back), §3 (correlation, idempotence) and §4 (fields).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import permutations
from typing import Any

import pytest

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    FileImported,
    ImportNeedsAttention,
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
    tv,
)
from custom_components.media_request_tracker.tracker.events import (
    EpisodeRef,
    ImportedEpisode,
    LibraryEpisodesFound,
    TorrentFile,
    TorrentFiles,
)
from custom_components.media_request_tracker.tracker.states import (
    EPISODE_PRIORITY,
    aggregate_episode_states,
)

S = RequestState
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

MAD_MEN = MediaKey(
    MediaType.TV, tmdb_id=1104, tvdb_id=80337, imdb_id="tt0804503", title="Mad Men", year=2007
)
SEVERANCE = MediaKey(
    MediaType.TV, tmdb_id=95396, tvdb_id=371980, imdb_id="tt11280740", title="Severance", year=2022
)
SONARR_ID = 4
JELLYSEERR_ID = 21
PACK_HASH = "3c9e1f0a2b4d6e8f0a1b2c3d4e5f60718293a4b5"
PACK_RELEASE = "Mad.Men.S01.1080p.BluRay.x264-DEMAND"
SERIES_JELLYFIN_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
METHOD = "series by tvdb id, episodes by number"
REASON = "One or more episodes expected in this release were not imported or missing"

TITLES = {
    1: "Smoke Gets in Your Eyes",
    2: "Ladies Room",
    3: "Marriage of Figaro",
    4: "New Amsterdam",
    5: "5G",
    6: "Babylon",
    7: "Red in the Face",
    8: "The Hobo Code",
    9: "Shoot",
    10: "Long Weekend",
    11: "Indian Summer",
    12: "Nixon vs. Kennedy",
    13: "The Wheel",
}
SEASON_1 = tuple(TITLES)

# The pack's files as qBittorrent lists them: (episode, bytes, progress), plus a .nfo. The
# request's progress is bytes-weighted: 14_295_000_000 of 26_500_000_000 bytes = 0.5394339…,
# stored as 0.539434 (the plain mean of the episodes would be 0.45).
PACK_FILES = (
    (1, 3_100_000_000, 1.0),
    (2, 3_000_000_000, 0.9),
    (3, 2_900_000_000, 0.8),
    (4, 2_200_000_000, 0.75),
    (5, 2_100_000_000, 0.6),
    (6, 2_000_000_000, 0.5),
    (7, 1_900_000_000, 0.4),
    (8, 1_800_000_000, 0.3),
    (9, 1_700_000_000, 0.25),
    (10, 1_600_000_000, 0.2),
    (11, 1_500_000_000, 0.1),
    (12, 1_400_000_000, 0.05),
    (13, 1_300_000_000, 0.0),
)
PACK_PROGRESS = 0.539434


def at(seconds: float) -> datetime:
    """Return the moment `seconds` after the story starts."""
    return T0 + timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    """Return the stored (ISO) form of `at(seconds)`."""
    return at(seconds).isoformat()


def torrent_hash(tag: str) -> str:
    """Return a distinct lower-case 40-hex hash for a torrent named `tag` in a test."""
    return (tag.encode().hex() + "0" * 40)[:40]


def ref(number: int, season: int = 1) -> EpisodeRef:
    """Return how Sonarr names Mad Men episode `season`x`number`."""
    return EpisodeRef(
        season,
        number,
        TITLES.get(number) if season == 1 else f"Season {season} episode {number}",
        sonarr_episode_id=1000 * season + number,
        tvdb_id=300000 + 100 * season + number,
    )


def library_path(number: int, season: int = 1) -> str:
    """Return the library file Sonarr imports episode `season`x`number` to."""
    return (
        f"/media/tv/Mad Men (2007)/Season {season:02d}/"
        f"Mad Men (2007) - S{season:02d}E{number:02d} - {TITLES.get(number, 'Episode')} "
        "[Bluray-1080p].mkv"
    )


def episode_jellyfin_id(number: int) -> str:
    """Return the Jellyfin item id of episode `number`."""
    return f"{number:02d}" + "e" * 30


def seerr(target: RequestState = S.APPROVED, **fields: Any) -> RequestNotified:
    """Return Jellyseerr's notification for a Mad Men season 1 request."""
    values: dict[str, Any] = {
        "media": MAD_MEN,
        "target": target,
        "jellyseerr_id": JELLYSEERR_ID,
        "overview": "A drama about one of New York's most prestigious ad agencies.",
        "requested_by": "carol",
        "requested_seasons": (1,),
    }
    return RequestNotified(**{**values, **fields})


def grab(*numbers: int, qbit_hash: str | None = PACK_HASH, **fields: Any) -> ReleaseGrabbed:
    """Return Sonarr's Grab of the given season-1 episodes (all of them: the season pack)."""
    episodes = fields.pop("episodes", tuple(ref(n) for n in numbers or SEASON_1))
    values: dict[str, Any] = {
        "media": MAD_MEN,
        "arr_id": SONARR_ID,
        "qbit_hash": qbit_hash,
        "release_title": PACK_RELEASE,
        "quality": "Bluray-1080p",
        "indexer": "Local Indexer (Prowlarr)",
        "release_group": "DEMAND",
        "file_size": 26_500_000_000,
        "download_client": "qBittorrent",
        "episodes": episodes,
    }
    return ReleaseGrabbed(**{**values, **fields})


def torrent(
    phase: TorrentPhase,
    client_state: str,
    progress: float,
    speed: int = 0,
    eta: int | None = None,
    qbit_hash: str = PACK_HASH,
) -> TorrentProgress:
    """Return qBittorrent's view of one torrent."""
    return TorrentProgress(qbit_hash, phase, client_state, progress, speed, eta)


def imported(
    *numbers: int, qbit_hash: str | None = PACK_HASH, is_upgrade: bool = False, season: int = 1
) -> FileImported:
    """Return Sonarr's Download of the given episodes, each in its own library file.

    One number is an "On File Import" POST; several are the "On Import Complete" POST.
    Sonarr's parser leaves the request-level final_path empty for TV.
    """
    return FileImported(
        MAD_MEN,
        SONARR_ID,
        qbit_hash,
        None,
        is_upgrade=is_upgrade,
        episodes=tuple(ImportedEpisode(ref(n, season), library_path(n, season)) for n in numbers),
    )


def found(*numbers: int, request_id: str = "1") -> LibraryEpisodesFound:
    """Return Jellyfin's answer: the series and these season-1 episodes are playable."""
    return LibraryEpisodesFound(
        request_id,
        SERIES_JELLYFIN_ID,
        tuple((1, n, episode_jellyfin_id(n)) for n in numbers),
        METHOD,
    )


def pack_files(*rows: tuple[int, int, float]) -> TorrentFiles:
    """Return the files of the season pack (each row: episode, bytes, progress) plus its .nfo."""
    return TorrentFiles(
        PACK_HASH,
        (
            TorrentFile(f"{PACK_RELEASE}/{PACK_RELEASE}.nfo", 1.0, 4_096),
            *(
                TorrentFile(
                    f"{PACK_RELEASE}/Mad.Men.S01E{n:02d}.1080p.BluRay.x264-DEMAND.mkv", p, s
                )
                for n, s, p in rows
            ),
        ),
    )


DOWNLOADING_30 = torrent(TorrentPhase.DOWNLOADING, "downloading", 0.3, 5_000_000, 1800)
COMPLETE = torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0, 0, 0)


def tracker_after(*events: TrackerEvent) -> Tracker:
    """Return a tracker that received `events` one minute apart, starting at T0."""
    tracker = Tracker()
    for minute, event in enumerate(events):
        tracker.apply(event, at(60 * minute))
    return tracker


def fields_of(request: Request, *names: str) -> dict[str, Any]:
    """Return some stored fields of a request."""
    stored = request.to_dict()
    return {name: stored[name] for name in names}


def episodes_of(request: Request, *names: str) -> dict[tuple[int, int], dict[str, Any]]:
    """Return some stored fields of every episode, by (season, episode)."""
    return {
        episode.key: {name: episode.to_dict()[name] for name in names}
        for episode in request.episodes
    }


def history(request: Request) -> list[dict[str, Any]]:
    """Return a request's history as stored."""
    return [entry.to_dict() for entry in request.history]


def transition(source: RequestState, target: RequestState, request_id: str = "1") -> Change:
    """Return the change a state transition reports."""
    return Change(request_id, ChangeKind.TRANSITION, source, target)


def updated(state: RequestState, request_id: str = "1") -> Change:
    """Return the change a field-only update reports."""
    return Change(request_id, ChangeKind.UPDATED, state, state)


# -- aggregation --------------------------------------------------------------------------------

# DESIGN §2, most advanced first.
IN_PROGRESS = (S.ANIME_MATCHING, S.IMPORTING, S.DOWNLOADED, S.DOWNLOADING, S.GRABBING)


def test_episode_priority_is_the_design_order() -> None:
    assert EPISODE_PRIORITY == IN_PROGRESS


@pytest.mark.parametrize(
    ("first", "second", "shown"),
    [
        (first, second, IN_PROGRESS[min(IN_PROGRESS.index(first), IN_PROGRESS.index(second))])
        for first in IN_PROGRESS
        for second in IN_PROGRESS
    ],
)
def test_in_progress_episodes_show_the_most_advanced(
    first: RequestState, second: RequestState, shown: RequestState
) -> None:
    assert aggregate_episode_states([first, second]) is shown
    assert aggregate_episode_states([S.AVAILABLE, first, S.AVAILABLE, second]) is shown


@pytest.mark.parametrize(
    ("states", "shown"),
    [
        ([S.ANIME_MATCHING, S.IMPORTING], S.ANIME_MATCHING),
        ([S.IMPORTING, S.DOWNLOADED], S.IMPORTING),
        ([S.DOWNLOADED, S.DOWNLOADING], S.DOWNLOADED),
        ([S.DOWNLOADING, S.GRABBING], S.DOWNLOADING),
        ([S.GRABBING, S.GRABBING], S.GRABBING),
        ([S.GRABBING, S.DOWNLOADING, S.DOWNLOADED, S.IMPORTING], S.IMPORTING),
        ([S.GRABBING] * 12 + [S.IMPORTING], S.IMPORTING),
    ],
)
def test_most_advanced_examples(states: list[RequestState], shown: RequestState) -> None:
    assert aggregate_episode_states(states) is shown


@pytest.mark.parametrize("other", list(S))
def test_a_failed_episode_fails_the_request(other: RequestState) -> None:
    assert aggregate_episode_states([S.FAILED, other]) is S.FAILED
    assert aggregate_episode_states([other, S.FAILED]) is S.FAILED
    assert aggregate_episode_states([S.AVAILABLE, other, S.FAILED, S.AVAILABLE]) is S.FAILED


@pytest.mark.parametrize("count", [1, 2, 13])
def test_all_available_is_available(count: int) -> None:
    assert aggregate_episode_states([S.AVAILABLE] * count) is S.AVAILABLE


@pytest.mark.parametrize("state", IN_PROGRESS)
def test_available_episodes_leave_the_in_progress_aggregate(state: RequestState) -> None:
    assert aggregate_episode_states([S.AVAILABLE, state]) is state
    assert aggregate_episode_states([state, S.AVAILABLE]) is state
    assert aggregate_episode_states([S.AVAILABLE] * 12 + [state]) is state


def test_no_episodes_no_state() -> None:
    assert aggregate_episode_states([]) is None
    assert aggregate_episode_states(iter(())) is None


def test_aggregate_accepts_a_generator() -> None:
    assert aggregate_episode_states(state for state in (S.GRABBING, S.DOWNLOADED)) is S.DOWNLOADED


# -- a season pack, start to finish -------------------------------------------------------------


def expected_episode(number: int, **fields: Any) -> dict[str, Any]:
    """Return the stored form of a freshly grabbed pack episode, with `fields` changed."""
    return {
        "season_number": 1,
        "episode_number": number,
        "state": "grabbing",
        "episode_title": TITLES[number],
        "sonarr_episode_id": 1000 + number,
        "episode_tvdb_id": 300100 + number,
        "qbit_hash": PACK_HASH,
        "progress": 0.0,
        "size": None,
        "final_path": None,
        "shoko_file_id": None,
        "anidb_episode_id": None,
        "jellyfin_id": None,
        "stuck": False,
        "stuck_reason": None,
        "stuck_code": None,
        **fields,
    }


def test_season_pack_grab_adds_every_episode_in_grabbing() -> None:
    tracker = tracker_after(seerr())

    changes = tracker.apply(grab(), at(60))

    assert changes == [transition(S.APPROVED, S.GRABBING)]
    request = tracker.requests["1"]
    assert [episode.to_dict() for episode in request.episodes] == [
        expected_episode(n) for n in SEASON_1
    ]
    assert fields_of(
        request,
        "media_type",
        "state",
        "state_since",
        "jellyseerr_id",
        "tvdb_id",
        "requested_seasons",
        "sonarr_id",
        "radarr_id",
        "qbit_hash",
        "release_title",
        "quality",
        "indexer",
        "release_group",
        "file_size",
        "download_client",
        "total_episodes",
        "progress",
        "torrents",
    ) == {
        "media_type": "tv",
        "state": "grabbing",
        "state_since": stamp(60),
        "jellyseerr_id": JELLYSEERR_ID,
        "tvdb_id": 80337,
        "requested_seasons": [1],
        "sonarr_id": SONARR_ID,
        "radarr_id": None,
        "qbit_hash": PACK_HASH,
        "release_title": PACK_RELEASE,
        "quality": "Bluray-1080p",
        "indexer": "Local Indexer (Prowlarr)",
        "release_group": "DEMAND",
        "file_size": 26_500_000_000,
        "download_client": "qBittorrent",
        "total_episodes": 13,
        "progress": 0.0,
        "torrents": {},
    }
    assert history(request) == [
        {"state": "approved", "at": stamp(0)},
        {"state": "grabbing", "at": stamp(60)},
    ]
    assert tracker.tracked_hashes() == {PACK_HASH}
    assert tracker.season_pack_hashes() == {PACK_HASH}


def test_the_same_pack_grab_twice_changes_nothing() -> None:
    tracker = tracker_after(seerr(), grab())
    before = tracker.to_dict()

    assert tracker.apply(grab(), at(600)) == []
    assert tracker.to_dict() == before


def test_pack_torrent_progress_moves_every_episode() -> None:
    tracker = tracker_after(seerr(), grab())

    changes = tracker.apply(DOWNLOADING_30, at(120))

    assert changes == [transition(S.GRABBING, S.DOWNLOADING)]
    request = tracker.requests["1"]
    assert episodes_of(request, "state", "progress") == {
        (1, n): {"state": "downloading", "progress": 0.3} for n in SEASON_1
    }
    assert fields_of(
        request, "state", "state_since", "progress", "eta", "download_speed", "torrents"
    ) == {
        "state": "downloading",
        "state_since": stamp(120),
        "progress": 0.3,
        "eta": 1800,
        "download_speed": 5_000_000,
        "torrents": {
            PACK_HASH: {
                "state": "downloading",
                "progress": 0.3,
                "eta": 1800,
                "download_speed": 5_000_000,
            }
        },
    }


def test_pack_files_give_each_episode_its_own_progress_and_the_request_a_weighted_one() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30)

    changes = tracker.apply(pack_files(*PACK_FILES), at(180))

    assert changes == [updated(S.DOWNLOADING)]
    request = tracker.requests["1"]
    assert episodes_of(request, "state", "progress", "size") == {
        (1, n): {"state": "downloading", "progress": progress, "size": size}
        for n, size, progress in PACK_FILES
    }
    assert fields_of(request, "state", "state_since", "progress", "eta", "download_speed") == {
        "state": "downloading",
        "state_since": stamp(120),
        "progress": PACK_PROGRESS,
        "eta": 1800,
        "download_speed": 5_000_000,
    }


def test_the_same_pack_files_twice_change_nothing() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30, pack_files(*PACK_FILES))
    before = tracker.to_dict()

    assert tracker.apply(pack_files(*PACK_FILES), at(600)) == []
    assert tracker.to_dict() == before


def test_pack_files_of_an_unknown_torrent_change_nothing() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30)
    before = tracker.to_dict()
    stranger = TorrentFiles(torrent_hash("stranger"), pack_files(*PACK_FILES).files)

    assert tracker.apply(stranger, at(600)) == []
    assert tracker.to_dict() == before


def test_later_torrent_progress_keeps_the_per_file_progress() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30, pack_files(*PACK_FILES))

    changes = tracker.apply(
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.55, 6_000_000, 900), at(240)
    )

    assert changes == [updated(S.DOWNLOADING)]
    request = tracker.requests["1"]
    assert episodes_of(request, "progress") == {
        (1, n): {"progress": progress} for n, _, progress in PACK_FILES
    }
    assert fields_of(request, "progress", "eta", "download_speed") == {
        "progress": PACK_PROGRESS,
        "eta": 900,
        "download_speed": 6_000_000,
    }


def test_pack_complete_downloads_every_episode() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30, pack_files(*PACK_FILES))

    changes = tracker.apply(COMPLETE, at(300))

    assert changes == [transition(S.DOWNLOADING, S.DOWNLOADED)]
    request = tracker.requests["1"]
    assert episodes_of(request, "state", "progress", "size") == {
        (1, n): {"state": "downloaded", "progress": 1.0, "size": size} for n, size, _ in PACK_FILES
    }
    assert fields_of(request, "state", "state_since", "progress", "eta", "download_speed") == {
        "state": "downloaded",
        "state_since": stamp(300),
        "progress": 1.0,
        "eta": 0,
        "download_speed": 0,
    }
    assert tracker.tracked_hashes() == set()
    assert tracker.season_pack_hashes() == set()


def test_pack_files_after_completion_change_nothing() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30, pack_files(*PACK_FILES), COMPLETE)
    before = tracker.to_dict()

    # A files poll that was under way when the torrent finished reports the older progress.
    assert tracker.apply(pack_files(*PACK_FILES), at(600)) == []
    assert tracker.to_dict() == before


def downloaded_pack() -> Tracker:
    """Return a tracker whose Mad Men season pack has finished downloading (at 3 minutes)."""
    return tracker_after(seerr(), grab(), DOWNLOADING_30, pack_files(*PACK_FILES), COMPLETE)


IMPORT_TIME = 360


def test_per_file_imports_move_each_episode_to_importing() -> None:
    tracker = downloaded_pack()
    request = tracker.requests["1"]

    first = tracker.apply(imported(1), at(IMPORT_TIME))

    assert first == [transition(S.DOWNLOADED, S.IMPORTING)]
    assert episodes_of(request, "state", "final_path")[(1, 1)] == {
        "state": "importing",
        "final_path": library_path(1),
    }
    assert {
        key: values
        for key, values in episodes_of(request, "state", "final_path").items()
        if key != (1, 1)
    } == {(1, n): {"state": "downloaded", "final_path": None} for n in SEASON_1[1:]}
    assert fields_of(request, "state", "state_since", "verify_attempts", "next_verify_at") == {
        "state": "importing",
        "state_since": stamp(IMPORT_TIME),
        "verify_attempts": 0,
        "next_verify_at": stamp(IMPORT_TIME + 10),
    }

    rest = [tracker.apply(imported(n), at(IMPORT_TIME)) for n in SEASON_1[1:]]

    assert rest == [[updated(S.IMPORTING)]] * 12
    assert episodes_of(request, "state", "final_path", "progress") == {
        (1, n): {"state": "importing", "final_path": library_path(n), "progress": 1.0}
        for n in SEASON_1
    }
    assert fields_of(request, "state", "state_since", "progress") == {
        "state": "importing",
        "state_since": stamp(IMPORT_TIME),
        "progress": 1.0,
    }
    assert history(request)[-1] == {"state": "importing", "at": stamp(IMPORT_TIME)}
    assert [entry["state"] for entry in history(request)] == [
        "approved",
        "grabbing",
        "downloading",
        "downloaded",
        "importing",
    ]


def test_import_complete_after_the_per_file_imports_changes_nothing() -> None:
    tracker = downloaded_pack()
    for number in SEASON_1:
        tracker.apply(imported(number), at(IMPORT_TIME))
    before = tracker.to_dict()

    assert tracker.apply(imported(*SEASON_1), at(IMPORT_TIME)) == []
    assert tracker.to_dict() == before


def test_import_complete_first_then_per_file_imports_reach_the_same_state() -> None:
    per_file_first = downloaded_pack()
    for number in SEASON_1:
        per_file_first.apply(imported(number), at(IMPORT_TIME))
    per_file_first.apply(imported(*SEASON_1), at(IMPORT_TIME))

    complete_first = downloaded_pack()
    assert complete_first.apply(imported(*SEASON_1), at(IMPORT_TIME)) == [
        transition(S.DOWNLOADED, S.IMPORTING)
    ]
    late = [complete_first.apply(imported(n), at(IMPORT_TIME)) for n in SEASON_1]

    assert late == [[]] * 13
    assert complete_first.to_dict() == per_file_first.to_dict()


def test_import_complete_alone_gives_every_episode_its_file() -> None:
    tracker = downloaded_pack()

    tracker.apply(imported(*SEASON_1), at(IMPORT_TIME))

    assert episodes_of(tracker.requests["1"], "state", "final_path") == {
        (1, n): {"state": "importing", "final_path": library_path(n)} for n in SEASON_1
    }


def test_a_multi_episode_file_imports_both_episodes_with_its_path() -> None:
    double = "Mad Men (2007) - S01E01-E02 - Smoke Gets in Your Eyes [Bluray-1080p].mkv"
    tracker = tracker_after(seerr(), grab(1, 2), COMPLETE)
    event = FileImported(
        MAD_MEN,
        SONARR_ID,
        PACK_HASH,
        None,
        episodes=(ImportedEpisode(ref(1), double), ImportedEpisode(ref(2), double)),
    )

    assert tracker.apply(event, at(IMPORT_TIME)) == [transition(S.DOWNLOADED, S.IMPORTING)]
    assert episodes_of(tracker.requests["1"], "state", "final_path", "progress") == {
        (1, 1): {"state": "importing", "final_path": double, "progress": 1.0},
        (1, 2): {"state": "importing", "final_path": double, "progress": 1.0},
    }


def imported_pack() -> Tracker:
    """Return a tracker whose whole Mad Men season 1 is imported (at 6 minutes)."""
    tracker = downloaded_pack()
    for number in SEASON_1:
        tracker.apply(imported(number), at(IMPORT_TIME))
    return tracker


def test_library_finds_the_episodes_in_two_rounds() -> None:
    tracker = imported_pack()
    request = tracker.requests["1"]

    assert tracker.apply(found(1, 2, 3, 4, 5), at(400)) == [updated(S.IMPORTING)]

    assert episodes_of(request, "state", "jellyfin_id") == {
        (1, n): (
            {"state": "available", "jellyfin_id": episode_jellyfin_id(n)}
            if n <= 5
            else {"state": "importing", "jellyfin_id": None}
        )
        for n in SEASON_1
    }
    assert fields_of(
        request,
        "state",
        "state_since",
        "jellyfin_id",
        "available_at",
        "verify_attempts",
        "next_verify_at",
    ) == {
        "state": "importing",
        "state_since": stamp(IMPORT_TIME),
        "jellyfin_id": SERIES_JELLYFIN_ID,
        "available_at": None,
        "verify_attempts": 1,
        "next_verify_at": stamp(400 + 30),
    }
    assert tv.episode_counts(request) == {"available": 5, "importing": 8}
    assert [r.request_id for r in tracker.due_for_verification(at(429))] == []
    assert [r.request_id for r in tracker.due_for_verification(at(430))] == ["1"]

    changes = tracker.apply(found(*SEASON_1), at(500))

    assert changes == [transition(S.IMPORTING, S.AVAILABLE)]
    assert episodes_of(request, "state", "jellyfin_id") == {
        (1, n): {"state": "available", "jellyfin_id": episode_jellyfin_id(n)} for n in SEASON_1
    }
    assert fields_of(
        request, "state", "state_since", "jellyfin_id", "available_at", "next_verify_at"
    ) == {
        "state": "available",
        "state_since": stamp(500),
        "jellyfin_id": SERIES_JELLYFIN_ID,
        "available_at": stamp(500),
        "next_verify_at": None,
    }
    assert history(request)[-1] == {
        "state": "available",
        "at": stamp(500),
        "note": f"found in Jellyfin ({METHOD})",
    }
    assert tv.episode_counts(request) == {"available": 13}
    assert list(tracker.active()) == []


def test_library_answer_for_a_request_not_waiting_changes_nothing() -> None:
    tracker = downloaded_pack()
    before = tracker.to_dict()

    assert tracker.apply(found(*SEASON_1), at(400)) == []
    assert tracker.apply(found(*SEASON_1, request_id="99"), at(400)) == []
    assert tracker.to_dict() == before


# -- upgrades -----------------------------------------------------------------------------------

UPGRADE_HASH = torrent_hash("upgrade")


def test_upgrade_of_an_available_episode_does_not_reopen_it() -> None:
    tracker = imported_pack()
    tracker.apply(found(1, 2, 3, 4, 5), at(400))
    request = tracker.requests["1"]
    before = episodes_of(request, "state", "jellyfin_id", "progress")

    tracker.apply(imported(1, qbit_hash=UPGRADE_HASH, is_upgrade=True), at(450))

    assert episodes_of(request, "state", "jellyfin_id", "progress") == before
    assert episodes_of(request, "state")[(1, 1)] == {"state": "available"}
    assert fields_of(request, "state", "state_since", "jellyfin_id") == {
        "state": "importing",
        "state_since": stamp(IMPORT_TIME),
        "jellyfin_id": SERIES_JELLYFIN_ID,
    }


def available_show() -> Tracker:
    """Return a tracker whose Mad Men season 1 request is available (at 500 s)."""
    tracker = imported_pack()
    tracker.apply(found(*SEASON_1), at(500))
    return tracker


def without_history(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the stored requests without their history."""
    return [
        {key: value for key, value in request.items() if key != "history"}
        for request in snapshot["requests"]
    ]


def test_upgrade_of_a_finished_show_only_leaves_a_note() -> None:
    tracker = available_show()
    before = tracker.to_dict()

    changes = tracker.apply(imported(1, qbit_hash=UPGRADE_HASH, is_upgrade=True), at(3600))

    assert changes == [updated(S.AVAILABLE)]
    after = tracker.to_dict()
    assert without_history(after) == without_history(before)
    assert after["requests"][0]["history"] == [
        *before["requests"][0]["history"],
        {"state": "available", "at": stamp(3600), "note": "upgraded S01E01"},
    ]
    assert list(tracker.requests) == ["1"]


def test_the_same_upgrade_twice_leaves_one_note() -> None:
    upgrade = imported(1, qbit_hash=UPGRADE_HASH, is_upgrade=True)
    tracker = available_show()
    tracker.apply(upgrade, at(3600))
    before = tracker.to_dict()

    assert tracker.apply(upgrade, at(3700)) == []
    assert tracker.to_dict() == before


def test_upgrades_of_two_episodes_each_leave_a_note() -> None:
    tracker = available_show()
    tracker.apply(imported(1, qbit_hash=UPGRADE_HASH, is_upgrade=True), at(3600))

    changes = tracker.apply(
        imported(2, qbit_hash=torrent_hash("upgrade 2"), is_upgrade=True), at(7200)
    )

    assert changes == [updated(S.AVAILABLE)]
    assert history(tracker.requests["1"])[-2:] == [
        {"state": "available", "at": stamp(3600), "note": "upgraded S01E01"},
        {"state": "available", "at": stamp(7200), "note": "upgraded S01E02"},
    ]


# -- single-episode grabs of one series ---------------------------------------------------------

H1, H2, H3, H45 = (torrent_hash(tag) for tag in ("ep1", "ep2", "ep3", "ep4+5"))


def single(number: int, qbit_hash: str) -> ReleaseGrabbed:
    """Return Sonarr's Grab of one episode, in a torrent of its own."""
    return grab(number, qbit_hash=qbit_hash, release_title=f"Mad.Men.S01E{number:02d}.1080p")


SINGLE_STEPS: list[tuple[TrackerEvent, list[Change], RequestState, set[str], set[str]]] = [
    # event, changes, request state, tracked hashes, season-pack hashes
    (single(1, H1), [transition(S.APPROVED, S.GRABBING)], S.GRABBING, {H1}, set()),
    (
        torrent(TorrentPhase.COMPLETE, "uploading", 1.0, qbit_hash=H1),
        [transition(S.GRABBING, S.DOWNLOADED)],
        S.DOWNLOADED,
        set(),
        set(),
    ),
    (single(2, H2), [updated(S.DOWNLOADED)], S.DOWNLOADED, {H2}, set()),
    (imported(1, qbit_hash=H1), [transition(S.DOWNLOADED, S.IMPORTING)], S.IMPORTING, {H2}, set()),
    (
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.4, 1_000_000, 600, H2),
        [updated(S.IMPORTING)],
        S.IMPORTING,
        {H2},
        set(),
    ),
    (single(3, H3), [updated(S.IMPORTING)], S.IMPORTING, {H2, H3}, set()),
    (
        grab(4, 5, qbit_hash=H45, release_title="Mad.Men.S01E04E05.1080p"),
        [updated(S.IMPORTING)],
        S.IMPORTING,
        {H2, H3, H45},
        {H45},
    ),
    (
        torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0, qbit_hash=H45),
        [updated(S.IMPORTING)],
        S.IMPORTING,
        {H2, H3},
        set(),
    ),
    (
        found(1),
        [transition(S.IMPORTING, S.DOWNLOADED)],
        S.DOWNLOADED,
        {H2, H3},
        set(),
    ),
]


def test_single_episode_grabs_aggregate_at_every_step() -> None:
    tracker = tracker_after(seerr())

    seen = []
    for minute, (event, *_) in enumerate(SINGLE_STEPS, start=1):
        changes = tracker.apply(event, at(60 * minute))
        seen.append(
            (
                changes,
                tracker.requests["1"].state,
                tracker.tracked_hashes(),
                tracker.season_pack_hashes(),
            )
        )

    assert seen == [tuple(expected) for _, *expected in SINGLE_STEPS]
    request = tracker.requests["1"]
    assert episodes_of(request, "state", "qbit_hash") == {
        (1, 1): {"state": "available", "qbit_hash": H1},
        (1, 2): {"state": "downloading", "qbit_hash": H2},
        (1, 3): {"state": "grabbing", "qbit_hash": H3},
        (1, 4): {"state": "downloaded", "qbit_hash": H45},
        (1, 5): {"state": "downloaded", "qbit_hash": H45},
    }
    assert request.total_episodes == 5
    assert request.hashes() == {H1, H2, H3, H45}
    assert list(tracker.requests) == ["1"]


def test_eta_is_the_latest_and_speed_the_sum_of_the_active_torrents() -> None:
    tracker = tracker_after(seerr(), single(1, H1), single(2, H2), single(3, H3))
    request = tracker.requests["1"]

    tracker.apply(
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.2, 1_000_000, 600, H1), at(300)
    )
    tracker.apply(
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.1, 2_000_000, 1200, H2), at(300)
    )
    tracker.apply(torrent(TorrentPhase.DOWNLOADING, "stalledDL", 0.3, 500_000, 900, H3), at(300))

    assert fields_of(request, "state", "eta", "download_speed", "progress") == {
        "state": "downloading",
        "eta": 1200,
        "download_speed": 3_500_000,
        "progress": 0.2,
    }

    tracker.apply(torrent(TorrentPhase.COMPLETE, "uploading", 1.0, 800_000, 0, H2), at(360))

    assert fields_of(request, "state", "eta", "download_speed", "progress") == {
        "state": "downloaded",
        "eta": 900,
        "download_speed": 1_500_000,
        "progress": 0.5,
    }
    assert tracker.tracked_hashes() == {H1, H3}


def test_progress_of_one_episode_torrent_leaves_the_others() -> None:
    tracker = tracker_after(seerr(), single(1, H1), single(2, H2))

    tracker.apply(torrent(TorrentPhase.DOWNLOADING, "downloading", 0.6, 10, 60, H1), at(300))

    assert episodes_of(tracker.requests["1"], "state", "progress") == {
        (1, 1): {"state": "downloading", "progress": 0.6},
        (1, 2): {"state": "grabbing", "progress": 0.0},
    }


# -- re-grabs -----------------------------------------------------------------------------------

REGRAB_HASH = torrent_hash("regrab")


def test_regrab_of_an_episode_follows_the_new_torrent() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30, pack_files(*PACK_FILES))
    request = tracker.requests["1"]

    changes = tracker.apply(single(5, REGRAB_HASH), at(240))

    assert changes == [updated(S.DOWNLOADING)]
    assert episodes_of(request, "state", "qbit_hash", "progress", "size")[(1, 5)] == {
        "state": "downloading",
        "qbit_hash": REGRAB_HASH,
        "progress": 0.0,
        "size": None,
    }
    assert request.qbit_hash == REGRAB_HASH
    assert request.hashes() == {PACK_HASH, REGRAB_HASH}
    assert tracker.tracked_hashes() == {PACK_HASH, REGRAB_HASH}

    # The old (pack) torrent no longer moves episode 5, neither by its files nor by completing.
    tracker.apply(pack_files(*((n, s, 0.99) for n, s, _ in PACK_FILES)), at(300))
    tracker.apply(COMPLETE, at(360))

    episodes = episodes_of(request, "state", "qbit_hash", "progress")
    assert episodes.pop((1, 5)) == {
        "state": "downloading",
        "qbit_hash": REGRAB_HASH,
        "progress": 0.0,
    }
    assert episodes == {
        (1, n): {"state": "downloaded", "qbit_hash": PACK_HASH, "progress": 1.0}
        for n in SEASON_1
        if n != 5
    }
    assert request.state is S.DOWNLOADED
    assert tracker.tracked_hashes() == {REGRAB_HASH}

    tracker.apply(
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.7, 10, 60, REGRAB_HASH), at(420)
    )

    assert episodes_of(request, "state", "progress")[(1, 5)] == {
        "state": "downloading",
        "progress": 0.7,
    }


def test_progress_of_the_replaced_torrent_no_longer_moves_the_episode() -> None:
    tracker = tracker_after(
        seerr(),
        single(1, H1),
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.5, 100, 60, H1),
        single(1, REGRAB_HASH),
    )
    before = tracker.to_dict()

    assert tracker.apply(torrent(TorrentPhase.COMPLETE, "uploading", 1.0, 0, 0, H1), at(600)) == []
    assert tracker.to_dict() == before
    assert episodes_of(tracker.requests["1"], "state", "qbit_hash", "progress") == {
        (1, 1): {"state": "downloading", "qbit_hash": REGRAB_HASH, "progress": 0.0}
    }
    assert tracker.tracked_hashes() == {REGRAB_HASH}


def test_regrab_resets_the_request_progress_too() -> None:
    tracker = tracker_after(
        seerr(), single(1, H1), torrent(TorrentPhase.DOWNLOADING, "downloading", 0.5, 100, 60, H1)
    )
    assert tracker.requests["1"].progress == 0.5

    tracker.apply(single(1, REGRAB_HASH), at(600))

    # The only episode starts again from 0, so the request does (as a movie re-grab does).
    assert tracker.requests["1"].progress == 0.0


# -- the aggregate may step back ----------------------------------------------------------------


def test_importing_show_steps_back_to_grabbing_when_a_new_episode_is_all_that_is_left() -> None:
    tracker = tracker_after(
        seerr(),
        single(1, H1),
        torrent(TorrentPhase.COMPLETE, "uploading", 1.0, qbit_hash=H1),
        imported(1, qbit_hash=H1),
    )
    request = tracker.requests["1"]
    assert request.state is S.IMPORTING

    # The new episode joins; importing still outranks grabbing (DESIGN §2 priority).
    assert tracker.apply(single(2, H2), at(600)) == [updated(S.IMPORTING)]
    assert request.state is S.IMPORTING

    # Episode 1 arrives in Jellyfin: only the new episode is in progress, so the show is grabbing.
    assert tracker.apply(found(1), at(660)) == [transition(S.IMPORTING, S.GRABBING)]
    assert fields_of(request, "state", "state_since", "jellyfin_id", "available_at") == {
        "state": "grabbing",
        "state_since": stamp(660),
        "jellyfin_id": SERIES_JELLYFIN_ID,
        "available_at": None,
    }
    assert history(request)[-2:] == [
        {"state": "importing", "at": stamp(180)},
        {"state": "grabbing", "at": stamp(660)},
    ]
    assert request.is_active
    assert tracker.tracked_hashes() == {H2}
    assert tracker.due_for_verification(at(86400)) == []


# -- stuck ----------------------------------------------------------------------------------------


def attention(*numbers: int) -> ImportNeedsAttention:
    """Return Sonarr's ManualInteractionRequired for the given episodes of the pack."""
    return ImportNeedsAttention(
        MAD_MEN, SONARR_ID, PACK_HASH, REASON, episodes=tuple(ref(n) for n in numbers)
    )


def test_manual_interaction_marks_the_named_episodes_and_the_request_stuck() -> None:
    tracker = downloaded_pack()
    request = tracker.requests["1"]

    assert tracker.apply(attention(4, 7), at(IMPORT_TIME)) == [updated(S.DOWNLOADED)]

    assert episodes_of(request, "state", "stuck", "stuck_reason") == {
        (1, n): (
            {"state": "downloaded", "stuck": True, "stuck_reason": REASON}
            if n in (4, 7)
            else {"state": "downloaded", "stuck": False, "stuck_reason": None}
        )
        for n in SEASON_1
    }
    assert fields_of(request, "state", "state_since", "stuck", "stuck_reason") == {
        "state": "downloaded",
        "state_since": stamp(240),
        "stuck": True,
        "stuck_reason": REASON,
    }


def test_manual_interaction_twice_changes_nothing() -> None:
    tracker = downloaded_pack()
    tracker.apply(attention(4, 7), at(IMPORT_TIME))
    before = tracker.to_dict()

    assert tracker.apply(attention(4, 7), at(IMPORT_TIME + 60)) == []
    assert tracker.to_dict() == before


def test_stuck_flag_clears_on_the_next_aggregate_transition() -> None:
    tracker = downloaded_pack()
    tracker.apply(attention(4, 7), at(IMPORT_TIME))
    request = tracker.requests["1"]

    # The user sorted the files out; Sonarr imports the whole pack.
    changes = tracker.apply(imported(*SEASON_1), at(IMPORT_TIME + 600))

    assert changes == [transition(S.DOWNLOADED, S.IMPORTING)]
    assert fields_of(request, "state", "stuck", "stuck_reason") == {
        "state": "importing",
        "stuck": False,
        "stuck_reason": None,
    }
    assert episodes_of(request, "stuck", "stuck_reason") == {
        (1, n): {"stuck": False, "stuck_reason": None} for n in SEASON_1
    }


def test_torrent_error_marks_a_tv_request_stuck_until_it_recovers() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30)
    request = tracker.requests["1"]

    error = torrent(TorrentPhase.ERROR, "missingFiles", 0.3, 0, None)
    assert tracker.apply(error, at(300)) == [updated(S.DOWNLOADING)]
    assert fields_of(request, "state", "stuck", "stuck_reason", "stuck_code") == {
        "state": "downloading",
        "stuck": True,
        "stuck_reason": "download client reports missingFiles",
        "stuck_code": "client_error",
    }
    assert {values["state"] for values in episodes_of(request, "state").values()} == {"downloading"}
    assert tracker.apply(error, at(360)) == []

    recovered = torrent(TorrentPhase.DOWNLOADING, "downloading", 0.35, 4_000_000, 1500)
    assert tracker.apply(recovered, at(420)) == [updated(S.DOWNLOADING)]
    assert fields_of(request, "state", "stuck", "stuck_reason", "stuck_code", "progress") == {
        "state": "downloading",
        "stuck": False,
        "stuck_reason": None,
        "stuck_code": None,
        "progress": 0.35,
    }


def test_torrent_error_then_completion_clears_stuck() -> None:
    tracker = tracker_after(
        seerr(), grab(), DOWNLOADING_30, torrent(TorrentPhase.ERROR, "error", 0.3)
    )

    assert tracker.apply(COMPLETE, at(600)) == [transition(S.DOWNLOADING, S.DOWNLOADED)]
    assert fields_of(tracker.requests["1"], "stuck", "stuck_reason") == {
        "stuck": False,
        "stuck_reason": None,
    }


# -- correlation ----------------------------------------------------------------------------------

S1_HASH = torrent_hash("season 1")
S2_HASH = torrent_hash("season 2")


def season_grab(season: int) -> ReleaseGrabbed:
    """Return Sonarr's Grab of a whole Mad Men season pack."""
    return grab(
        qbit_hash=S1_HASH if season == 1 else S2_HASH,
        release_title=f"Mad.Men.S{season:02d}.1080p.BluRay.x264-DEMAND",
        episodes=tuple(ref(n, season) for n in SEASON_1),
    )


def two_season_requests() -> Tracker:
    """Return a tracker with Jellyseerr requests 21 (season 1) and 22 (season 2) of Mad Men."""
    return tracker_after(
        seerr(jellyseerr_id=21, requested_seasons=(1,)),
        seerr(jellyseerr_id=22, requested_seasons=(2,)),
    )


def test_two_season_requests_of_one_series_stay_separate() -> None:
    tracker = two_season_requests()

    assert [
        fields_of(r, "request_id", "jellyseerr_id", "tvdb_id", "requested_seasons", "state")
        for r in tracker.requests.values()
    ] == [
        {
            "request_id": "1",
            "jellyseerr_id": 21,
            "tvdb_id": 80337,
            "requested_seasons": [1],
            "state": "approved",
        },
        {
            "request_id": "2",
            "jellyseerr_id": 22,
            "tvdb_id": 80337,
            "requested_seasons": [2],
            "state": "approved",
        },
    ]


@pytest.mark.parametrize("order", [(2, 1), (1, 2)], ids=["season 2 first", "season 1 first"])
def test_each_season_grab_lands_on_the_request_for_that_season(order: tuple[int, int]) -> None:
    tracker = two_season_requests()
    request_of = {1: "1", 2: "2"}

    changes = [tracker.apply(season_grab(season), at(600 + season)) for season in order]

    assert changes == [[transition(S.APPROVED, S.GRABBING, request_of[s])] for s in order]
    assert {
        request.request_id: sorted({episode.season_number for episode in request.episodes})
        for request in tracker.requests.values()
    } == {"1": [1], "2": [2]}
    assert tracker.requests["1"].hashes() == {S1_HASH}
    assert tracker.requests["2"].hashes() == {S2_HASH}


def test_a_sonarr_grab_without_a_request_starts_its_own() -> None:
    tracker = two_season_requests()
    severance = ReleaseGrabbed(
        SEVERANCE,
        9,
        torrent_hash("severance"),
        release_title="Severance.S01E01.2160p.ATVP.WEB-DL",
        episodes=(EpisodeRef(1, 1, "Good News About Hell", 9101, 7000001),),
    )

    changes = tracker.apply(severance, at(600))

    assert changes == [Change("3", ChangeKind.CREATED, None, S.GRABBING)]
    request = tracker.requests["3"]
    assert fields_of(
        request,
        "media_type",
        "state",
        "title",
        "year",
        "tvdb_id",
        "sonarr_id",
        "jellyseerr_id",
        "qbit_hash",
        "total_episodes",
        "history",
    ) == {
        "media_type": "tv",
        "state": "grabbing",
        "title": "Severance",
        "year": 2022,
        "tvdb_id": 371980,
        "sonarr_id": 9,
        "jellyseerr_id": None,
        "qbit_hash": torrent_hash("severance"),
        "total_episodes": 1,
        "history": [{"state": "grabbing", "at": stamp(600)}],
    }
    assert episodes_of(request, "state", "episode_title", "qbit_hash") == {
        (1, 1): {
            "state": "grabbing",
            "episode_title": "Good News About Hell",
            "qbit_hash": torrent_hash("severance"),
        }
    }
    assert [r.state for r in tracker.requests.values()] == [S.APPROVED, S.APPROVED, S.GRABBING]


# -- duplicated and out-of-order delivery ---------------------------------------------------------

SMALL_HASH = torrent_hash("small")
GRAB = grab(1, 2, qbit_hash=SMALL_HASH)
DOWNLOADING = torrent(TorrentPhase.DOWNLOADING, "downloading", 0.4, 1_000_000, 300, SMALL_HASH)
DONE = torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0, 0, 0, SMALL_HASH)
FILE_1 = imported(1, qbit_hash=SMALL_HASH)
FILE_2 = imported(2, qbit_hash=SMALL_HASH)
ALL_FILES = imported(1, 2, qbit_hash=SMALL_HASH)
FOUND_BOTH = found(1, 2)
SMALL_FLOW = (seerr(), GRAB, DOWNLOADING, DONE, FILE_1, FILE_2, ALL_FILES, FOUND_BOTH)


def outcome(tracker: Tracker) -> dict[str, Any]:
    """Return what the delivery order must not change: state and the per-episode results."""
    assert list(tracker.requests) == ["1"]
    request = tracker.requests["1"]
    return {
        **fields_of(
            request,
            "state",
            "progress",
            "eta",
            "download_speed",
            "final_path",
            "jellyfin_id",
            "sonarr_id",
            "qbit_hash",
            "total_episodes",
            "stuck",
            "next_verify_at",
        ),
        "episodes": episodes_of(
            request, "state", "qbit_hash", "progress", "final_path", "jellyfin_id", "stuck"
        ),
    }


EXPECTED_OUTCOME = {
    "state": "available",
    "progress": 1.0,
    "eta": 0,
    "download_speed": 0,
    "final_path": None,
    "jellyfin_id": SERIES_JELLYFIN_ID,
    "sonarr_id": SONARR_ID,
    "qbit_hash": SMALL_HASH,
    "total_episodes": 2,
    "stuck": False,
    "next_verify_at": None,
    "episodes": {
        (1, n): {
            "state": "available",
            "qbit_hash": SMALL_HASH,
            "progress": 1.0,
            "final_path": library_path(n),
            "jellyfin_id": episode_jellyfin_id(n),
            "stuck": False,
        }
        for n in (1, 2)
    },
}


def test_small_flow_in_order() -> None:
    tracker = Tracker()

    changes = [tracker.apply(event, at(60 * i)) for i, event in enumerate(SMALL_FLOW)]

    assert changes == [
        [Change("1", ChangeKind.CREATED, None, S.APPROVED)],
        [transition(S.APPROVED, S.GRABBING)],
        [transition(S.GRABBING, S.DOWNLOADING)],
        [transition(S.DOWNLOADING, S.DOWNLOADED)],
        [transition(S.DOWNLOADED, S.IMPORTING)],
        [updated(S.IMPORTING)],
        [],
        [transition(S.IMPORTING, S.AVAILABLE)],
    ]
    assert outcome(tracker) == EXPECTED_OUTCOME


def test_every_event_delivered_twice_changes_nothing_the_second_time() -> None:
    once = tracker_after(*SMALL_FLOW)
    twice = Tracker()

    repeats = []
    for i, event in enumerate(SMALL_FLOW):
        twice.apply(event, at(60 * i))
        repeats.append(twice.apply(event, at(60 * i)))

    assert repeats == [[]] * len(SMALL_FLOW)
    assert twice.to_dict() == once.to_dict()


def test_every_event_delivered_twice_later_changes_nothing() -> None:
    twice = Tracker()

    for i, event in enumerate(SMALL_FLOW):
        twice.apply(event, at(60 * i))
        before = twice.to_dict()
        assert twice.apply(event, at(60 * i + 30)) == [], event
        assert twice.to_dict() == before, event


REORDERINGS = {
    "imports before torrent complete": (
        seerr(),
        GRAB,
        DOWNLOADING,
        FILE_1,
        FILE_2,
        DONE,
        ALL_FILES,
        FOUND_BOTH,
    ),
    "import complete before per-file": (
        seerr(),
        GRAB,
        DOWNLOADING,
        DONE,
        ALL_FILES,
        FILE_2,
        FILE_1,
        FOUND_BOTH,
    ),
    "import complete between per-file": (
        seerr(),
        GRAB,
        DOWNLOADING,
        DONE,
        FILE_2,
        ALL_FILES,
        FILE_1,
        FOUND_BOTH,
    ),
    "torrent reports after every import": (
        seerr(),
        GRAB,
        ALL_FILES,
        FILE_1,
        FILE_2,
        DOWNLOADING,
        DONE,
        FOUND_BOTH,
    ),
    "complete before downloading": (
        seerr(),
        GRAB,
        DONE,
        DOWNLOADING,
        FILE_1,
        FILE_2,
        ALL_FILES,
        FOUND_BOTH,
    ),
    "grab after the torrent reports": (
        seerr(),
        DOWNLOADING,
        GRAB,
        DONE,
        FILE_1,
        FILE_2,
        ALL_FILES,
        FOUND_BOTH,
    ),
}


@pytest.mark.parametrize("events", list(REORDERINGS.values()), ids=list(REORDERINGS))
def test_out_of_order_delivery_reaches_the_same_outcome(events: tuple[TrackerEvent, ...]) -> None:
    assert outcome(tracker_after(*events)) == EXPECTED_OUTCOME


IMPORT_NAMES = {FILE_1: "file 1", FILE_2: "file 2", ALL_FILES: "complete"}


@pytest.mark.parametrize(
    "imports",
    list(permutations(IMPORT_NAMES)),
    ids=[", ".join(IMPORT_NAMES[e] for e in order) for order in permutations(IMPORT_NAMES)],
)
def test_any_order_of_the_three_import_posts_gives_the_same_snapshot(
    imports: tuple[FileImported, ...],
) -> None:
    reference = tracker_after(seerr(), GRAB, DOWNLOADING, DONE)
    for event in (FILE_1, FILE_2, ALL_FILES):
        reference.apply(event, at(600))
    tracker = tracker_after(seerr(), GRAB, DOWNLOADING, DONE)

    for event in imports:
        tracker.apply(event, at(600))

    assert tracker.to_dict() == reference.to_dict()


def test_late_grab_after_import_does_not_move_episodes_back() -> None:
    tracker = tracker_after(seerr(), GRAB, DOWNLOADING, DONE, FILE_1, FILE_2)
    before = tracker.to_dict()

    assert tracker.apply(GRAB, at(3600)) == []
    assert tracker.apply(DOWNLOADING, at(3600)) == [updated(S.IMPORTING)]
    assert outcome(tracker)["episodes"] == {
        (1, n): {
            "state": "importing",
            "qbit_hash": SMALL_HASH,
            "progress": 1.0,
            "final_path": library_path(n),
            "jellyfin_id": None,
            "stuck": False,
        }
        for n in (1, 2)
    }
    assert tracker.to_dict()["requests"][0]["history"] == before["requests"][0]["history"]


# -- persistence ----------------------------------------------------------------------------------


def test_tv_request_round_trips_through_the_snapshot() -> None:
    tracker = tracker_after(
        seerr(),
        grab(),
        DOWNLOADING_30,
        pack_files(*PACK_FILES),
        single(5, REGRAB_HASH),
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.2, 100, 60, REGRAB_HASH),
        COMPLETE,
        attention(7),
        imported(1),
        imported(2),
        found(1),
    )
    snapshot = tracker.to_dict()
    request = snapshot["requests"][0]
    assert len(request["episodes"]) == 13
    assert set(request["torrents"]) == {PACK_HASH, REGRAB_HASH}
    assert {episode["state"] for episode in request["episodes"]} == {
        "available",
        "importing",
        "downloaded",
        "downloading",
    }

    restored = Tracker.from_dict(json.loads(json.dumps(snapshot)))

    assert restored.to_dict() == snapshot
    assert restored.tracked_hashes() == tracker.tracked_hashes() == {REGRAB_HASH}
    assert restored.season_pack_hashes() == tracker.season_pack_hashes() == set()
    stuck = restored.requests["1"].episode((1, 7))
    assert stuck == tracker.requests["1"].episode((1, 7))
    assert stuck is not None
    assert (stuck.state, stuck.stuck, stuck.stuck_reason) == (S.DOWNLOADED, True, REASON)


def test_restored_tracker_keeps_tracking_the_episodes() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30, pack_files(*PACK_FILES))
    restored = Tracker.from_dict(json.loads(json.dumps(tracker.to_dict())))

    for both in (tracker, restored):
        assert both.apply(COMPLETE, at(600)) == [transition(S.DOWNLOADING, S.DOWNLOADED)]
        assert both.apply(imported(*SEASON_1), at(660)) == [transition(S.DOWNLOADED, S.IMPORTING)]

    assert restored.to_dict() == tracker.to_dict()
