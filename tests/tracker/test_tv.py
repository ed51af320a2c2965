"""The TV rules, told through the reducer: the request aggregates its episodes; one season pack.

DESIGN §2 (flow 2, aggregation) and §4 (fields).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.media_request_tracker.tracker import (
    FileImported,
    RequestState,
    TorrentPhase,
    Tracker,
    tv,
)
from custom_components.media_request_tracker.tracker.events import (
    ImportedEpisode,
    TorrentFiles,
)
from custom_components.media_request_tracker.tracker.states import (
    EPISODE_PRIORITY,
    aggregate_episode_states,
)
from tests.helpers.mad_men_events import (
    COMPLETE,
    DOWNLOADING_30,
    IMPORT_TIME,
    JELLYSEERR_ID,
    MAD_MEN,
    METHOD,
    PACK_FILES,
    PACK_HASH,
    PACK_PROGRESS,
    PACK_RELEASE,
    REASON,
    REGRAB_HASH,
    SEASON_1,
    SERIES_JELLYFIN_ID,
    SONARR_ID,
    TITLES,
    attention,
    downloaded_pack,
    episode_jellyfin_id,
    episodes_of,
    found,
    grab,
    imported,
    imported_pack,
    library_path,
    pack_files,
    ref,
    seerr,
    single,
    torrent,
    torrent_hash,
)

from . import (
    at,
    fields_of,
    history,
    stamp,
    tracker_after,
    transition,
    updated,
)

S = RequestState


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
        "paused": False,
        "size": None,
        "final_path": None,
        "shoko_file_id": None,
        "anidb_episode_id": None,
        "jellyfin_id": None,
        "stuck": False,
        "stuck_reason": None,
        "stuck_code": None,
        "removed_at": None,
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
        "eta": None,
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
