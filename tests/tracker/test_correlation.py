"""Which request an event lands on (DESIGN §3): strongest id first, active requests only, idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    ImportNeedsAttention,
    MediaKey,
    MediaType,
    Request,
    RequestState,
    TorrentPhase,
    Tracker,
    TrackerEvent,
)
from custom_components.media_request_tracker.tracker.correlation import (
    Probe,
    find_request,
    normalise_title,
)
from custom_components.media_request_tracker.tracker.models import HISTORY_LIMIT
from tests.helpers.correlation_story import (
    ARRIVAL,
    ARRIVAL_HASH,
    AVAILABLE_ARRIVAL,
    DUNE,
    FOUND,
    MOVIE,
    REGRAB_HASH,
    TV,
    S,
    at,
    attention,
    grab,
    imported,
    progress,
    seerr,
    tracker_after,
    two_downloads,
    updated,
)

from . import T0

# -- strongest id first -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "winner"),
    [
        (attention(DUNE, arr_id=8, qbit_hash=ARRIVAL_HASH), "1"),
        (attention(DUNE, arr_id=7), "1"),
        (attention(DUNE, arr_id=99), "2"),
        (attention(MediaKey(MOVIE, imdb_id="tt1160419"), arr_id=99), "2"),
    ],
    ids=[
        "hash beats radarr id and tmdb id",
        "radarr id beats tmdb id",
        "tmdb id when nothing stronger matches",
        "imdb id",
    ],
)
def test_strongest_id_wins(event: ImportNeedsAttention, winner: str) -> None:
    tracker = two_downloads()

    assert tracker.apply(event, at(10)) == updated(winner, S.GRABBING)
    assert [r.request_id for r in tracker.requests.values() if r.stuck] == [winner]


def candidate(request_id: str, media_type: MediaType = MOVIE, **fields: Any) -> Request:
    """Return a grabbing request with some fields set."""
    return Request(request_id, media_type, S.GRABBING, T0, T0, **fields)


CANDIDATES = [
    candidate("1", qbit_hash=ARRIVAL_HASH, radarr_id=7, tmdb_id=329865, title="Arrival", year=2016),
    candidate("2", TV, sonarr_id=7, tmdb_id=1399, tvdb_id=121361, title="Game of Thrones"),
    candidate("3", jellyseerr_id=40, tmdb_id=1399, imdb_id="tt0944947", title="Dune", year=2021),
    candidate("4", TV, tmdb_id=209867, title="Frieren", year=2023),
]


@pytest.mark.parametrize(
    ("probe", "found"),
    [
        (Probe(MediaKey(TV), qbit_hash=ARRIVAL_HASH), "1"),
        (Probe(MediaKey(MOVIE), jellyseerr_id=40), "3"),
        (Probe(MediaKey(MOVIE), arr_id=7), "1"),
        (Probe(MediaKey(TV), arr_id=7), "2"),
        (Probe(MediaKey(MOVIE, tmdb_id=1399)), "3"),
        (Probe(MediaKey(TV, tmdb_id=1399)), "2"),
        (Probe(MediaKey(TV, tvdb_id=121361)), "2"),
        (Probe(MediaKey(MOVIE, tvdb_id=121361)), None),
        (Probe(MediaKey(MOVIE, imdb_id="tt0944947")), "3"),
        (Probe(MediaKey(TV, imdb_id="tt0944947")), None),
        (Probe(MediaKey(MOVIE, tmdb_id=5), qbit_hash="0" * 40, arr_id=5), None),
    ],
    ids=[
        "hash, whatever the media type",
        "jellyseerr request id",
        "radarr id of a movie",
        "sonarr id of a series",
        "tmdb id of a movie",
        "tmdb id of a series: tmdb movie and tv ids overlap",
        "tvdb id",
        "tvdb id of another media type",
        "imdb id",
        "imdb id of another media type",
        "ids that match nothing",
    ],
)
def test_find_request_by_id(probe: Probe, found: str | None) -> None:
    match = find_request(CANDIDATES, probe)

    assert (match.request_id if match else None) == found


def test_newest_of_several_matches_wins() -> None:
    older = candidate("1", tmdb_id=329865)
    newer = candidate("2", tmdb_id=329865)

    assert find_request([older, newer], Probe(ARRIVAL)) is newer


# -- title and year, the last resort ----------------------------------------------------------


@pytest.mark.parametrize(
    ("media", "found"),
    [
        (MediaKey(MOVIE, title="ARRIVAL!", year=2016), "1"),
        (MediaKey(MOVIE, title="arrival", year=None), "1"),
        (MediaKey(MOVIE, title="Arrival", year=2017), None),
        (MediaKey(TV, title="Arrival", year=2016), None),
        (MediaKey(MOVIE, title="Frieren", year=2023), None),
        (MediaKey(TV, title="Frieren: ", year=2023), "4"),
        (MediaKey(MOVIE, title=None, year=2016), None),
        (MediaKey(MOVIE, tmdb_id=1, title="Arrival", year=2016), None),
    ],
    ids=[
        "case and punctuation do not matter",
        "unknown year matches any year",
        "another year",
        "another media type",
        "a title of the other media type",
        "series by title",
        "no title",
        "an event with ids never falls back to the title",
    ],
)
def test_title_and_year_only_when_the_event_has_no_ids(media: MediaKey, found: str | None) -> None:
    match = find_request(CANDIDATES, Probe(media))

    assert (match.request_id if match else None) == found


def test_title_fallback_skips_requests_without_a_title() -> None:
    assert find_request([candidate("1")], Probe(MediaKey(MOVIE, title="Arrival"))) is None


def test_distinct_non_latin_titles_do_not_match() -> None:
    # Folding to [0-9a-z] leaves nothing of a Japanese title, so any two would compare equal.
    spirited_away = candidate("1", title="千と千尋の神隠し", year=2001)
    your_name = Probe(MediaKey(MOVIE, title="君の名は。", year=2001))

    assert find_request([spirited_away], your_name) is None


@pytest.mark.parametrize(
    ("title", "folded"),
    [
        ("Arrival", "arrival"),
        ("Spider-Man: Into the Spider-Verse", "spidermanintothespiderverse"),
        ("  Blade Runner 2049 ", "bladerunner2049"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
    ],
)
def test_normalise_title(title: str, folded: str) -> None:
    assert normalise_title(title) == folded


def test_id_less_import_lands_on_the_request_with_that_title() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), progress(TorrentPhase.COMPLETE, 1.0))
    manual_import = imported(MediaKey(MOVIE, title="ARRIVAL!", year=2016), None, None)

    assert tracker.apply(manual_import, at(10)) == [
        Change("1", ChangeKind.TRANSITION, S.DOWNLOADED, S.IMPORTING)
    ]


def test_id_less_import_of_another_year_is_dropped() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())
    before = tracker.to_dict()

    other_year = imported(MediaKey(MOVIE, title="Arrival", year=1999), None, None)

    assert tracker.apply(other_year, at(10)) == []
    assert tracker.to_dict() == before


def test_import_with_an_unknown_id_does_not_fall_back_to_the_title() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())
    remake = MediaKey(MOVIE, tmdb_id=1, title="Arrival", year=2016)

    assert tracker.apply(imported(remake, 70, None), at(10)) == [
        Change("2", ChangeKind.CREATED, None, S.IMPORTING)
    ]
    assert tracker.requests["1"].state is S.GRABBING


# -- only active requests absorb events -------------------------------------------------------


def test_finished_request_ignores_its_torrent() -> None:
    tracker = tracker_after(*AVAILABLE_ARRIVAL)
    before = tracker.to_dict()

    assert tracker.apply(progress(TorrentPhase.COMPLETE, 1.0), at(10)) == []
    assert tracker.to_dict() == before


@pytest.mark.parametrize(
    "finished",
    [
        AVAILABLE_ARRIVAL,
        (seerr(S.APPROVED), grab(), seerr(S.FAILED)),
        (seerr(S.REQUESTED), seerr(S.DECLINED)),
    ],
    ids=["available", "failed", "declined"],
)
def test_new_jellyseerr_request_for_a_finished_title_opens_a_new_request(
    finished: tuple[TrackerEvent, ...],
) -> None:
    tracker = tracker_after(*finished)
    old = tracker.requests["1"].to_dict()

    changes = tracker.apply(seerr(S.REQUESTED, jellyseerr_id=13), at(60))

    assert changes == [Change("2", ChangeKind.CREATED, None, S.REQUESTED)]
    assert tracker.requests["2"].jellyseerr_id == 13
    assert tracker.requests["1"].to_dict() == old


@pytest.mark.parametrize(
    "qbit_hash", [ARRIVAL_HASH, REGRAB_HASH], ids=["same torrent", "new torrent"]
)
def test_grab_lands_on_the_new_request_not_the_finished_one(qbit_hash: str) -> None:
    tracker = tracker_after(*AVAILABLE_ARRIVAL, seerr(S.APPROVED, jellyseerr_id=13))
    old = tracker.requests["1"].to_dict()

    changes = tracker.apply(grab(qbit_hash=qbit_hash), at(60))

    assert changes == [Change("2", ChangeKind.TRANSITION, S.APPROVED, S.GRABBING)]
    assert tracker.requests["2"].qbit_hash == qbit_hash
    assert tracker.requests["1"].to_dict() == old


def test_grab_without_a_request_starts_its_own() -> None:
    tracker = Tracker()

    assert tracker.apply(grab(), at(0)) == [Change("1", ChangeKind.CREATED, None, S.GRABBING)]
    stored = tracker.requests["1"].to_dict()
    assert {
        key: stored[key]
        for key in ("state", "title", "year", "tmdb_id", "radarr_id", "qbit_hash", "history")
    } == {
        "state": "grabbing",
        "title": "Arrival",
        "year": 2016,
        "tmdb_id": 329865,
        "radarr_id": 7,
        "qbit_hash": ARRIVAL_HASH,
        "history": [{"state": "grabbing", "at": "2026-11-25T09:00:00+00:00"}],
    }


def test_grab_of_a_movie_never_joins_a_series_with_the_same_tmdb_id() -> None:
    got = MediaKey(TV, tmdb_id=1399, tvdb_id=121361, title="Game of Thrones", year=2011)
    tracker = tracker_after(seerr(S.APPROVED, media=got))

    changes = tracker.apply(grab(MediaKey(MOVIE, tmdb_id=1399, title="Unrelated"), 3, None), at(5))

    assert changes == [Change("2", ChangeKind.CREATED, None, S.GRABBING)]


@pytest.mark.parametrize(
    "target", [S.DECLINED, S.FAILED, S.AVAILABLE], ids=["declined", "failed", "available"]
)
@pytest.mark.parametrize("history", [(), AVAILABLE_ARRIVAL], ids=["no request", "finished one"])
def test_closing_notification_without_an_active_request_is_dropped(
    target: RequestState, history: tuple[TrackerEvent, ...]
) -> None:
    tracker = tracker_after(*history)
    before = tracker.to_dict()

    assert tracker.apply(seerr(target), at(60)) == []
    assert tracker.to_dict() == before


# -- duplicated and out-of-order deliveries ---------------------------------------------------

FLOW: list[TrackerEvent] = [
    seerr(S.REQUESTED),
    seerr(S.APPROVED),
    grab(),
    progress(TorrentPhase.DOWNLOADING, 0.3),
    progress(TorrentPhase.COMPLETE, 1.0),
    attention(ARRIVAL, 7, ARRIVAL_HASH),
    imported(),
    FOUND,
]


@pytest.mark.parametrize(
    "step",
    range(len(FLOW)),
    ids=["pending", "approved", "grab", "downloading", "complete", "attention", "import", "found"],
)
def test_same_event_twice_changes_nothing(step: int) -> None:
    tracker = tracker_after(*FLOW[: step + 1])
    before = tracker.to_dict()

    assert tracker.apply(FLOW[step], at(30)) == []
    assert tracker.to_dict() == before


@pytest.mark.parametrize(
    ("late", "steps_before"),
    [
        (grab(), 5),
        (grab(), 7),
        (seerr(S.APPROVED), 3),
        (seerr(S.REQUESTED), 7),
        (progress(TorrentPhase.DOWNLOADING, 0.3), 7),
    ],
    ids=[
        "grab after downloaded",
        "grab after import",
        "approval after grab",
        "pending after import",
        "progress after import",
    ],
)
def test_late_event_does_not_move_a_request_back(late: TrackerEvent, steps_before: int) -> None:
    tracker = tracker_after(*FLOW[:steps_before])
    before = tracker.to_dict()

    assert tracker.apply(late, at(30)) == []
    assert tracker.to_dict() == before


def test_regrab_follows_the_new_torrent_and_keeps_the_state() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), progress(TorrentPhase.DOWNLOADING, 0.3))

    changes = tracker.apply(grab(qbit_hash=REGRAB_HASH), at(10))

    assert changes == updated("1", S.DOWNLOADING)
    request = tracker.requests["1"]
    assert (request.state, request.qbit_hash, request.progress) == (
        S.DOWNLOADING,
        REGRAB_HASH,
        0.0,
    )
    assert request.history[-1].to_dict() == {
        "state": "downloading",
        "at": "2026-11-25T09:10:00+00:00",
        "note": "grabbed another release",
    }
    assert tracker.tracked_hashes() == {REGRAB_HASH}


def test_grab_without_a_hash_keeps_the_known_one() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())

    assert tracker.apply(grab(qbit_hash=None), at(10)) == []
    assert tracker.requests["1"].qbit_hash == ARRIVAL_HASH


def test_history_keeps_the_last_entries_and_counts_the_rest() -> None:
    """150 re-grabs: the last 100 entries stay, the older ones are a count, also after storage."""
    tracker = tracker_after(seerr(S.APPROVED), grab(), progress(TorrentPhase.DOWNLOADING, 0.3))
    entries_before = len(tracker.requests["1"].history)
    for number in range(150):
        tracker.apply(grab(qbit_hash=f"{number:040x}"), at(10 + number))

    request = tracker.requests["1"]
    assert len(request.history) == HISTORY_LIMIT == 100
    assert request.history_folded == entries_before + 150 - HISTORY_LIMIT
    assert request.history[-1].to_dict()["at"] == at(159).isoformat()
    assert request.history[0].to_dict()["at"] == at(60).isoformat()
    restored, unreadable = Tracker.from_stored(tracker.to_stored())
    assert not unreadable
    assert restored.requests["1"].history_folded == request.history_folded
    assert len(restored.requests["1"].history) == HISTORY_LIMIT
