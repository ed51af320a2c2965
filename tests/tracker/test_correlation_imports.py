"""Correlation of imports, upgrades, manual interaction and library checks (DESIGN §3)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    LibraryCheckRequested,
    MediaKey,
    RequestState,
    Tracker,
)
from tests.helpers.correlation_story import (
    AVAILABLE_ARRIVAL,
    DUNE,
    DUNE_HASH,
    MOVIE,
    NEW_PATH,
    OLD_PATH,
    REGRAB_HASH,
    S,
    at,
    attention,
    grab,
    imported,
    seerr,
    tracker_after,
    two_downloads,
    updated,
)

# -- imports without a prior request ----------------------------------------------------------


def test_import_without_a_match_or_media_ids_is_dropped() -> None:
    tracker = Tracker()

    assert tracker.apply(imported(MediaKey(MOVIE, title="Home Video"), 55, None), at(0)) == []
    assert tracker.requests == {}


@pytest.mark.parametrize(("is_anime", "state"), [(False, S.IMPORTING), (True, S.ANIME_MATCHING)])
def test_import_with_a_tmdb_id_and_no_match_opens_a_request(
    is_anime: bool, state: RequestState
) -> None:
    tracker = Tracker()

    changes = tracker.apply(imported(qbit_hash=None, is_anime=is_anime), at(0))

    assert changes == [Change("1", ChangeKind.CREATED, None, state)]
    stored = tracker.requests["1"].to_dict()
    assert {
        key: stored[key]
        for key in (
            "state",
            "tmdb_id",
            "radarr_id",
            "final_path",
            "is_anime",
            "progress",
            "download_speed",
            "eta",
            "next_verify_at",
            "history",
        )
    } == {
        "state": state.value,
        "tmdb_id": 329865,
        "radarr_id": 7,
        "final_path": OLD_PATH,
        "is_anime": is_anime,
        "progress": 1.0,
        "download_speed": 0,
        "eta": None,
        "next_verify_at": "2026-11-25T09:00:10+00:00",
        "history": [{"state": state.value, "at": "2026-11-25T09:00:00+00:00"}],
    }


# -- upgrades ---------------------------------------------------------------------------------


def test_upgrade_of_an_available_request_only_leaves_a_note() -> None:
    tracker = tracker_after(*AVAILABLE_ARRIVAL)
    upgrade = imported(qbit_hash=REGRAB_HASH, final_path=NEW_PATH, is_upgrade=True)

    assert tracker.apply(upgrade, at(60)) == updated("1", S.AVAILABLE)
    request = tracker.requests["1"]
    assert (request.state, request.state_since, request.final_path) == (
        S.AVAILABLE,
        at(4),
        NEW_PATH,
    )
    assert request.history[-1].to_dict() == {
        "state": "available",
        "at": "2026-11-25T10:00:00+00:00",
        "note": "upgraded",
    }
    assert len(tracker.requests) == 1


def test_same_upgrade_twice_changes_nothing() -> None:
    # DESIGN §3: duplicated deliveries are idempotent; a retried webhook must not add a second note.
    upgrade = imported(qbit_hash=REGRAB_HASH, final_path=NEW_PATH, is_upgrade=True)
    tracker = tracker_after(*AVAILABLE_ARRIVAL, upgrade)
    before = tracker.to_dict()

    assert tracker.apply(upgrade, at(60)) == []
    assert tracker.to_dict() == before


def test_upgrade_without_a_matching_request_opens_a_request() -> None:
    # An upgrade names the movie's ids like any import: the request starts in importing.
    tracker = tracker_after(grab(DUNE, 8, DUNE_HASH))
    dune = tracker.requests["1"].to_dict()

    assert tracker.apply(imported(qbit_hash=None, is_upgrade=True), at(60)) == [
        Change("2", ChangeKind.CREATED, None, S.IMPORTING)
    ]
    assert tracker.requests["1"].to_dict() == dune
    stored = tracker.requests["2"].to_dict()
    assert {
        key: stored[key]
        for key in (
            "state",
            "tmdb_id",
            "imdb_id",
            "radarr_id",
            "qbit_hash",
            "final_path",
            "progress",
            "eta",
            "next_verify_at",
            "history",
        )
    } == {
        "state": "importing",
        "tmdb_id": 329865,
        "imdb_id": "tt2543164",
        "radarr_id": 7,
        "qbit_hash": None,
        "final_path": OLD_PATH,
        "progress": 1.0,
        "eta": None,
        "next_verify_at": "2026-11-25T10:00:10+00:00",
        "history": [{"state": "importing", "at": "2026-11-25T10:00:00+00:00"}],
    }


def test_upgrade_while_a_new_request_is_active_imports_into_the_new_one() -> None:
    tracker = tracker_after(
        *AVAILABLE_ARRIVAL, seerr(S.APPROVED, jellyseerr_id=13), grab(qbit_hash=REGRAB_HASH)
    )
    old = tracker.requests["1"].to_dict()
    upgrade = imported(qbit_hash=REGRAB_HASH, final_path=NEW_PATH, is_upgrade=True)

    assert tracker.apply(upgrade, at(60)) == [
        Change("2", ChangeKind.TRANSITION, S.GRABBING, S.IMPORTING)
    ]
    assert tracker.requests["2"].final_path == NEW_PATH
    assert tracker.requests["1"].to_dict() == old


# -- manual interaction and library checks ----------------------------------------------------


def test_manual_interaction_without_a_match_is_dropped() -> None:
    tracker = two_downloads()
    before = tracker.to_dict()

    assert tracker.apply(attention(MediaKey(MOVIE, tmdb_id=1), 99, "0" * 40), at(10)) == []
    assert tracker.to_dict() == before


def waiting_three() -> Tracker:
    """Return Arrival importing, Dune anime-matching and Her still grabbing."""
    her = MediaKey(MOVIE, tmdb_id=152601, title="Her", year=2013)
    return tracker_after(
        grab(),
        grab(DUNE, 8, DUNE_HASH),
        grab(her, 9, REGRAB_HASH),
        imported(),
        imported(DUNE, 8, DUNE_HASH, is_anime=True),
    )


def next_checks(tracker: Tracker) -> dict[str, datetime | None]:
    """Return each request's next library check."""
    return {rid: r.next_verify_at for rid, r in tracker.requests.items()}


def test_library_check_for_one_title_hurries_only_its_request() -> None:
    tracker = waiting_three()

    assert tracker.apply(LibraryCheckRequested(MediaKey(MOVIE, tmdb_id=438631)), at(30)) == []
    assert next_checks(tracker) == {"1": at(3) + timedelta(seconds=10), "2": at(30), "3": None}


def test_library_check_for_an_unknown_title_hurries_nothing() -> None:
    tracker = waiting_three()
    before = tracker.to_dict()

    assert tracker.apply(LibraryCheckRequested(MediaKey(MOVIE, tmdb_id=1)), at(30)) == []
    assert tracker.to_dict() == before


def test_library_check_for_any_title_hurries_every_waiting_request() -> None:
    tracker = waiting_three()

    assert tracker.apply(LibraryCheckRequested(), at(30)) == []
    assert next_checks(tracker) == {"1": at(30), "2": at(30), "3": None}
