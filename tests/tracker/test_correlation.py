"""Which request an event lands on (DESIGN §3): strongest id first, active requests only, idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    FileImported,
    ImportNeedsAttention,
    LibraryCheckRequested,
    LibraryItemFound,
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
from custom_components.media_request_tracker.tracker.correlation import (
    Probe,
    find_request,
    normalise_title,
)

from . import T0

S = RequestState
MOVIE = MediaType.MOVIE
TV = MediaType.TV

ARRIVAL = MediaKey(MOVIE, tmdb_id=329865, imdb_id="tt2543164", title="Arrival", year=2016)
DUNE = MediaKey(MOVIE, tmdb_id=438631, imdb_id="tt1160419", title="Dune", year=2021)
ARRIVAL_HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"
DUNE_HASH = "47fa64a51199ddc7c3ffbdf4edf0524bb123f2e8"
REGRAB_HASH = "ffbed3a6ba079d610d434035c9d6138f7db36aaf"
OLD_PATH = "/media/movies/Arrival (2016)/Arrival (2016) [Bluray-1080p].mkv"
NEW_PATH = "/media/movies/Arrival (2016)/Arrival (2016) [Remux-2160p].mkv"


def at(minutes: float) -> datetime:
    """Return the moment `minutes` after the story starts."""
    return T0 + timedelta(minutes=minutes)


def seerr(
    target: RequestState, jellyseerr_id: int = 12, media: MediaKey = ARRIVAL
) -> RequestNotified:
    """Return a Jellyseerr notification."""
    return RequestNotified(media, target, jellyseerr_id=jellyseerr_id)


def grab(
    media: MediaKey = ARRIVAL, arr_id: int | None = 7, qbit_hash: str | None = ARRIVAL_HASH
) -> ReleaseGrabbed:
    """Return a Radarr Grab."""
    return ReleaseGrabbed(media, arr_id, qbit_hash, release_title=f"{media.title}.1080p")


def progress(
    phase: TorrentPhase, fraction: float, qbit_hash: str = ARRIVAL_HASH
) -> TorrentProgress:
    """Return a qBittorrent progress report."""
    return TorrentProgress(qbit_hash, phase, phase.value, fraction, 1000, 60)


def imported(
    media: MediaKey = ARRIVAL,
    arr_id: int | None = 7,
    qbit_hash: str | None = ARRIVAL_HASH,
    final_path: str = OLD_PATH,
    **flags: bool,
) -> FileImported:
    """Return a Radarr Download (import); `flags` are is_upgrade and is_anime."""
    return FileImported(media, arr_id, qbit_hash, final_path, **flags)


def attention(
    media: MediaKey, arr_id: int | None = None, qbit_hash: str | None = None
) -> ImportNeedsAttention:
    """Return a ManualInteractionRequired; it marks the request it lands on as stuck."""
    return ImportNeedsAttention(media, arr_id, qbit_hash, "probe")


FOUND = LibraryItemFound("1", "5a7f0c2e9b8d4e1fa3c6b9d2e4f60718", "tmdb id, title search")
AVAILABLE_ARRIVAL = (
    seerr(S.APPROVED),
    grab(),
    progress(TorrentPhase.COMPLETE, 1.0),
    imported(),
    FOUND,
)


def tracker_after(*events: TrackerEvent) -> Tracker:
    """Return a tracker that received `events` one minute apart, starting at T0."""
    tracker = Tracker()
    for minute, event in enumerate(events):
        tracker.apply(event, at(minute))
    return tracker


def two_downloads() -> Tracker:
    """Return Arrival (request 1, Radarr 7) and Dune (request 2, Radarr 8), both grabbing."""
    return tracker_after(grab(), grab(DUNE, 8, DUNE_HASH))


def updated(request_id: str, state: RequestState) -> list[Change]:
    """Return the changes of a field-only update."""
    return [Change(request_id, ChangeKind.UPDATED, state, state)]


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
