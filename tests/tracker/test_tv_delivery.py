"""TV events landing right: one request per season, redelivered and reordered events.

DESIGN §3 (correlation, idempotence).
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

import pytest

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    FileImported,
    ReleaseGrabbed,
    RequestState,
    TorrentPhase,
    Tracker,
    TrackerEvent,
)
from custom_components.media_request_tracker.tracker.events import EpisodeRef
from tests.helpers.mad_men_events import (
    SEASON_1,
    SERIES_JELLYFIN_ID,
    SEVERANCE,
    SONARR_ID,
    episode_jellyfin_id,
    episodes_of,
    found,
    grab,
    imported,
    library_path,
    ref,
    seerr,
    torrent,
    torrent_hash,
)

from . import (
    at,
    fields_of,
    stamp,
    tracker_after,
    transition,
    updated,
)

S = RequestState


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
    "eta": None,
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
