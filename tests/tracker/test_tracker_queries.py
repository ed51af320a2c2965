"""The reducer's queries (downloads under way, active, due, purge) and its snapshot round trip."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    Episode,
    LibraryItemFound,
    MediaKey,
    MediaType,
    Request,
    RequestState,
    Tracker,
)
from custom_components.media_request_tracker.tracker.housekeeping_events import RetentionDue
from custom_components.media_request_tracker.tracker.library import seasons_to_check
from tests.helpers.arrival_events import (
    DOWNLOADING_25,
    JELLYFIN_ID,
    grab,
    imported,
    seerr,
)

from . import (
    at,
    tracker_after,
)

S = RequestState


# -- queries ----------------------------------------------------------------------------------


DUNE = MediaKey(MediaType.MOVIE, tmdb_id=438631, title="Dune", year=2021)
DUNE_HASH = "47fa64a51199ddc7c3ffbdf4edf0524bb123f2e8"
HER = MediaKey(MediaType.MOVIE, tmdb_id=152601, title="Her", year=2013)
HER_HASH = "ffbed3a6ba079d610d434035c9d6138f7db36aaf"


def three_requests() -> Tracker:
    """Return a tracker with Arrival importing, Dune downloading and Her grabbing."""
    return tracker_after(
        grab(),
        grab(media=DUNE, arr_id=8, qbit_hash=DUNE_HASH),
        grab(media=HER, arr_id=9, qbit_hash=HER_HASH),
        replace(DOWNLOADING_25, qbit_hash=DUNE_HASH),
        imported(),
    )


def test_tracked_hashes_are_the_downloads_under_way() -> None:
    assert three_requests().tracked_hashes() == {DUNE_HASH, HER_HASH}


def test_active_yields_unfinished_requests_oldest_first() -> None:
    tracker = three_requests()
    tracker.apply(seerr(S.AVAILABLE), at(600))

    assert [request.request_id for request in tracker.active()] == ["2", "3"]


def test_due_for_verification_and_next_verification_at() -> None:
    tracker = three_requests()  # Arrival imported at 4 min: first check at 09:04:10
    tracker.apply(imported(media=DUNE, arr_id=8, qbit_hash=DUNE_HASH, is_anime=True), at(300))

    assert tracker.next_verification_at() == at(250)
    assert tracker.due_for_verification(at(249)) == []
    assert [r.request_id for r in tracker.due_for_verification(at(250))] == ["1"]
    assert [r.request_id for r in tracker.due_for_verification(at(310))] == ["1", "2"]


BLADE_RUNNER = MediaKey(MediaType.MOVIE, tmdb_id=335984, title="Blade Runner 2049", year=2017)


def test_unlinked_available_request_is_due_at_once_and_finished_ones_never() -> None:
    tracker = three_requests()
    tracker.apply(seerr(S.AVAILABLE), at(245))  # Jellyseerr saw it first: link it in Jellyfin
    # Dune imported (first check at 09:04:16), then failed; Blade Runner declined.
    tracker.apply(imported(media=DUNE, arr_id=8, qbit_hash=DUNE_HASH), at(246))
    tracker.apply(seerr(S.FAILED, media=DUNE, jellyseerr_id=None), at(247))
    tracker.apply(seerr(S.REQUESTED, media=BLADE_RUNNER, jellyseerr_id=14), at(248))
    tracker.apply(seerr(S.DECLINED, media=BLADE_RUNNER, jellyseerr_id=14), at(249))
    assert {key: request.state for key, request in tracker.requests.items()} == {
        "1": S.AVAILABLE,
        "2": S.FAILED,
        "3": S.GRABBING,
        "4": S.DECLINED,
    }

    assert tracker.requests["1"].next_verify_at == at(245)
    assert tracker.requests["2"].next_verify_at == at(256)
    assert tracker.next_verification_at() == at(245)
    assert tracker.due_for_verification(at(244)) == []
    assert [r.request_id for r in tracker.due_for_verification(at(245))] == ["1"]
    assert [r.request_id for r in tracker.due_for_verification(at(3600))] == ["1"]

    # Once linked, the available request is finished too: nothing is due any more.
    tracker.apply(LibraryItemFound("1", JELLYFIN_ID, "tmdb id, title search"), at(250))
    assert tracker.requests["1"].jellyfin_id == JELLYFIN_ID
    assert tracker.due_for_verification(at(3600)) == []
    assert tracker.next_verification_at() is None


def test_purge_forgets_only_finished_requests_older_than_keep() -> None:
    tracker = three_requests()
    tracker.apply(seerr(S.AVAILABLE), at(600))  # request 1 finished at 09:10
    tracker.apply(seerr(S.FAILED, media=HER, jellyseerr_id=None), at(86400 * 5))  # 3, day 5

    purged = tracker.apply(RetentionDue(keep=timedelta(days=7)), at(86400 * 8))

    assert purged == [Change("1", ChangeKind.REMOVED, S.AVAILABLE, S.AVAILABLE)]
    assert list(tracker.requests) == ["2", "3"]


# -- persistence ------------------------------------------------------------------------------


def test_snapshot_round_trip_is_equal() -> None:
    tracker = three_requests()
    tracker.apply(LibraryItemFound("1", JELLYFIN_ID, "tmdb id, title search"), at(600))
    tracker.apply(grab(media=DUNE, arr_id=8, qbit_hash="1" * 40), at(660))  # a history note
    snapshot = tracker.to_dict()

    restored = Tracker.from_dict(json.loads(json.dumps(snapshot)))

    assert restored.to_dict() == snapshot
    assert snapshot["next_id"] == 4
    assert [entry.get("note") for entry in snapshot["requests"][1]["history"]] == [
        None,
        None,
        "grabbed another release",
    ]


def test_restored_tracker_does_not_reuse_request_ids() -> None:
    restored = Tracker.from_dict(three_requests().to_dict())

    sicario = MediaKey(MediaType.MOVIE, tmdb_id=273481, title="Sicario", year=2015)

    changes = restored.apply(seerr(S.REQUESTED, media=sicario, jellyseerr_id=30), at(86400))

    assert changes == [Change("4", ChangeKind.CREATED, None, S.REQUESTED)]


def test_restore_repairs_a_stale_next_id() -> None:
    snapshot = three_requests().to_dict()
    snapshot["next_id"] = 2

    restored = Tracker.from_dict(snapshot)

    assert restored.to_dict()["next_id"] == 4


def test_restore_ignores_keys_it_does_not_know() -> None:
    snapshot = three_requests().to_dict()
    expected = Tracker.from_dict(snapshot).to_dict()
    snapshot["schema"] = 9
    snapshot["requests"][0]["added_later"] = "x"
    snapshot["requests"][0]["history"][0]["added_later"] = "x"

    assert Tracker.from_dict(snapshot).to_dict() == expected


def test_restore_of_an_empty_snapshot() -> None:
    assert Tracker.from_dict({}).to_dict() == {"next_id": 1, "requests": []}


def test_the_library_is_asked_for_the_seasons_that_wait() -> None:
    """Only seasons with an episode waiting for Jellyfin; for a finished request (linked), all."""
    episodes = [
        Episode(1, 1, S.AVAILABLE),
        Episode(2, 1, S.IMPORTING),
        Episode(2, 2, S.AVAILABLE),
        Episode(3, 1, S.DOWNLOADING),
        Episode(4, 1, S.IMPORTING),
    ]
    show = Request("1", MediaType.TV, S.IMPORTING, at(0), at(0), episodes=episodes)
    assert seasons_to_check(show) == [2, 4]
    assert seasons_to_check(replace(show, state=S.AVAILABLE)) == [1, 2, 3, 4]
    assert seasons_to_check(replace(show, episodes=[])) == []
