"""The reducer, told as the regular movie flow: Jellyseerr → Radarr → qBittorrent → import → Jellyfin."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    FileImported,
    ImportNeedsAttention,
    LibraryItemFound,
    LibraryItemMissing,
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
    DownloadExplained,
    RetentionDue,
    StuckCheckDue,
)
from custom_components.media_request_tracker.tracker.lifecycle import VERIFY_BACKOFF
from custom_components.media_request_tracker.tracker.stuck import STUCK_LIMITS

S = RequestState
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

ARRIVAL = MediaKey(MediaType.MOVIE, tmdb_id=329865, imdb_id="tt2543164", title="Arrival", year=2016)
ARRIVAL_HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"
ARRIVAL_PATH = "/media/movies/Arrival (2016)/Arrival (2016) [Bluray-1080p].mkv"
JELLYFIN_ID = "5a7f0c2e9b8d4e1fa3c6b9d2e4f60718"
POSTER = "https://image.tmdb.org/t/p/w600_and_h900_bestv2/x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg"


def at(seconds: float) -> datetime:
    """Return the moment `seconds` after the story starts."""
    return T0 + timedelta(seconds=seconds)


def seerr(target: RequestState, **fields: Any) -> RequestNotified:
    """Return Jellyseerr's notification for Carol's Arrival request (request 12)."""
    values: dict[str, Any] = {
        "media": ARRIVAL,
        "target": target,
        "jellyseerr_id": 12,
        "overview": "Linguist Louise Banks leads an elite team of investigators.",
        "poster_url": POSTER,
        "requested_by": "carol",
    }
    return RequestNotified(**{**values, **fields})


def grab(**fields: Any) -> ReleaseGrabbed:
    """Return Radarr's Grab of Arrival (movie 7), hash already normalised by the parser."""
    values: dict[str, Any] = {
        "media": ARRIVAL,
        "arr_id": 7,
        "qbit_hash": ARRIVAL_HASH,
        "release_title": "Arrival.2016.1080p.BluRay.x264-SPARKS",
        "quality": "Bluray-1080p",
        "indexer": "Local Indexer (Prowlarr)",
        "release_group": "SPARKS",
        "file_size": 8589934592,
        "download_client": "qBittorrent",
    }
    return ReleaseGrabbed(**{**values, **fields})


def torrent(
    phase: TorrentPhase,
    client_state: str,
    progress: float,
    speed: int = 0,
    eta: int | None = None,
    size: int | None = None,
) -> TorrentProgress:
    """Return qBittorrent's view of the Arrival torrent."""
    return TorrentProgress(ARRIVAL_HASH, phase, client_state, progress, speed, eta, size)


def imported(**fields: Any) -> FileImported:
    """Return Radarr's Download (import) of Arrival."""
    values: dict[str, Any] = {
        "media": ARRIVAL,
        "arr_id": 7,
        "qbit_hash": ARRIVAL_HASH,
        "final_path": ARRIVAL_PATH,
    }
    return FileImported(**{**values, **fields})


def tracker_after(*events: TrackerEvent) -> Tracker:
    """Return a tracker that received `events` one minute apart, starting at T0."""
    tracker = Tracker()
    for minute, event in enumerate(events):
        tracker.apply(event, at(60 * minute))
    return tracker


def history(request: Request) -> list[dict[str, Any]]:
    """Return a request's history as stored."""
    return [entry.to_dict() for entry in request.history]


def fields_of(request: Request, *names: str) -> dict[str, Any]:
    """Return some stored fields of a request."""
    stored = request.to_dict()
    return {name: stored[name] for name in names}


DOWNLOADING_25 = torrent(TorrentPhase.DOWNLOADING, "downloading", 0.25, 2_000_000, 600)
COMPLETE = torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0, 350_000, 0, 8589934592)


def transition(source: RequestState, target: RequestState, request_id: str = "1") -> Change:
    """Return the change a state transition reports."""
    return Change(request_id, ChangeKind.TRANSITION, source, target)


def updated(state: RequestState, request_id: str = "1") -> Change:
    """Return the change a field-only update reports."""
    return Change(request_id, ChangeKind.UPDATED, state, state)


# -- the whole story --------------------------------------------------------------------------


def test_regular_movie_flow_reaches_available() -> None:
    tracker = Tracker()

    assert tracker.apply(seerr(S.REQUESTED), at(0)) == [
        Change("1", ChangeKind.CREATED, None, S.REQUESTED)
    ]
    assert tracker.apply(seerr(S.APPROVED), at(60)) == [transition(S.REQUESTED, S.APPROVED)]
    assert tracker.apply(grab(), at(120)) == [transition(S.APPROVED, S.GRABBING)]
    assert tracker.apply(DOWNLOADING_25, at(180)) == [transition(S.GRABBING, S.DOWNLOADING)]
    assert tracker.apply(COMPLETE, at(900)) == [transition(S.DOWNLOADING, S.DOWNLOADED)]
    assert tracker.apply(imported(), at(960)) == [transition(S.DOWNLOADED, S.IMPORTING)]
    assert tracker.apply(LibraryItemMissing("1"), at(970)) == []
    assert tracker.apply(LibraryItemFound("1", JELLYFIN_ID, "tmdb id, title search"), at(1000)) == [
        transition(S.IMPORTING, S.AVAILABLE)
    ]

    request = tracker.requests["1"]
    assert history(request) == [
        {"state": "requested", "at": "2026-11-25T09:00:00+00:00"},
        {"state": "approved", "at": "2026-11-25T09:01:00+00:00"},
        {"state": "grabbing", "at": "2026-11-25T09:02:00+00:00"},
        {"state": "downloading", "at": "2026-11-25T09:03:00+00:00"},
        {"state": "downloaded", "at": "2026-11-25T09:15:00+00:00"},
        {"state": "importing", "at": "2026-11-25T09:16:00+00:00"},
        {
            "state": "available",
            "at": "2026-11-25T09:16:40+00:00",
            "note": "found in Jellyfin (tmdb id, title search)",
        },
    ]
    assert fields_of(
        request, "state", "state_since", "jellyfin_id", "available_at", "next_verify_at"
    ) == {
        "state": "available",
        "state_since": "2026-11-25T09:16:40+00:00",
        "jellyfin_id": JELLYFIN_ID,
        "available_at": "2026-11-25T09:16:40+00:00",
        "next_verify_at": None,
    }
    assert list(tracker.requests) == ["1"]


# -- Jellyseerr -------------------------------------------------------------------------------


def test_pending_request_opens_a_requested_request() -> None:
    tracker = Tracker()

    changes = tracker.apply(seerr(S.REQUESTED, requested_seasons=(), is_4k=True), at(0))

    assert changes == [Change("1", ChangeKind.CREATED, None, S.REQUESTED)]
    request = tracker.requests["1"]
    assert fields_of(
        request,
        "media_type",
        "state",
        "created_at",
        "state_since",
        "title",
        "year",
        "tmdb_id",
        "imdb_id",
        "jellyseerr_id",
        "overview",
        "poster_url",
        "requested_by",
        "is_4k",
        "history",
    ) == {
        "media_type": "movie",
        "state": "requested",
        "created_at": "2026-11-25T09:00:00+00:00",
        "state_since": "2026-11-25T09:00:00+00:00",
        "title": "Arrival",
        "year": 2016,
        "tmdb_id": 329865,
        "imdb_id": "tt2543164",
        "jellyseerr_id": 12,
        "overview": "Linguist Louise Banks leads an elite team of investigators.",
        "poster_url": POSTER,
        "requested_by": "carol",
        "is_4k": True,
        "history": [{"state": "requested", "at": "2026-11-25T09:00:00+00:00"}],
    }


def test_auto_approved_request_opens_in_approved() -> None:
    tracker = Tracker()

    assert tracker.apply(seerr(S.APPROVED), at(0)) == [
        Change("1", ChangeKind.CREATED, None, S.APPROVED)
    ]
    assert history(tracker.requests["1"]) == [
        {"state": "approved", "at": "2026-11-25T09:00:00+00:00"}
    ]


def test_approval_moves_requested_to_approved() -> None:
    tracker = tracker_after(seerr(S.REQUESTED))

    changes = tracker.apply(seerr(S.APPROVED), at(300))

    assert changes == [transition(S.REQUESTED, S.APPROVED)]
    request = tracker.requests["1"]
    assert fields_of(request, "state", "created_at", "state_since", "jellyseerr_id") == {
        "state": "approved",
        "created_at": "2026-11-25T09:00:00+00:00",
        "state_since": "2026-11-25T09:05:00+00:00",
        "jellyseerr_id": 12,
    }
    assert history(request) == [
        {"state": "requested", "at": "2026-11-25T09:00:00+00:00"},
        {"state": "approved", "at": "2026-11-25T09:05:00+00:00"},
    ]


def test_tv_request_keeps_its_requested_seasons() -> None:
    frieren = MediaKey(MediaType.TV, tmdb_id=209867, tvdb_id=424536, title="Frieren", year=2023)
    tracker = tracker_after(seerr(S.REQUESTED, media=frieren, requested_seasons=(0, 1)))

    assert fields_of(tracker.requests["1"], "media_type", "tvdb_id", "requested_seasons") == {
        "media_type": "tv",
        "tvdb_id": 424536,
        "requested_seasons": [0, 1],
    }


@pytest.mark.parametrize(
    ("before", "target"),
    [
        ((seerr(S.REQUESTED),), S.DECLINED),
        ((seerr(S.APPROVED),), S.DECLINED),
        ((seerr(S.APPROVED), grab(), DOWNLOADING_25), S.FAILED),
        ((seerr(S.APPROVED), grab(), COMPLETE, imported()), S.AVAILABLE),
    ],
)
def test_jellyseerr_finishes_an_active_request(
    before: tuple[TrackerEvent, ...], target: RequestState
) -> None:
    tracker = tracker_after(*before)
    source = tracker.requests["1"].state

    assert tracker.apply(seerr(target), at(3600)) == [transition(source, target)]
    assert tracker.requests["1"].state is target
    assert tracker.requests["1"].state_since == at(3600)


def test_jellyseerr_available_stamps_available_at() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), COMPLETE, imported())

    tracker.apply(seerr(S.AVAILABLE), at(3600))

    assert tracker.requests["1"].available_at == at(3600)


def test_jellyseerr_failure_records_the_reason() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())

    tracker.apply(seerr(S.FAILED), at(3600))

    assert tracker.requests["1"].failure_reason == (
        "Jellyseerr reports that processing the request failed"
    )


def test_decline_after_the_grab_is_refused() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())
    before = tracker.to_dict()

    assert tracker.apply(seerr(S.DECLINED), at(3600)) == []
    assert tracker.to_dict() == before


# -- Radarr grab ------------------------------------------------------------------------------


def test_grab_moves_approved_request_to_grabbing_with_release_fields() -> None:
    tracker = tracker_after(seerr(S.APPROVED))

    changes = tracker.apply(grab(), at(120))

    assert changes == [transition(S.APPROVED, S.GRABBING)]
    assert fields_of(
        tracker.requests["1"],
        "state",
        "state_since",
        "radarr_id",
        "sonarr_id",
        "qbit_hash",
        "release_title",
        "quality",
        "indexer",
        "release_group",
        "file_size",
        "download_client",
        "progress",
        "is_anime",
    ) == {
        "state": "grabbing",
        "state_since": "2026-11-25T09:02:00+00:00",
        "radarr_id": 7,
        "sonarr_id": None,
        "qbit_hash": ARRIVAL_HASH,
        "release_title": "Arrival.2016.1080p.BluRay.x264-SPARKS",
        "quality": "Bluray-1080p",
        "indexer": "Local Indexer (Prowlarr)",
        "release_group": "SPARKS",
        "file_size": 8589934592,
        "download_client": "qBittorrent",
        "progress": 0.0,
        "is_anime": False,
    }


def test_grab_keeps_jellyseerr_overview_and_poster_and_fills_missing_ones() -> None:
    tracker = tracker_after(seerr(S.APPROVED, overview=None, poster_url=POSTER))

    tracker.apply(
        grab(overview="Radarr's overview", poster_url="https://radarr/poster.jpg"), at(60)
    )

    assert fields_of(tracker.requests["1"], "overview", "poster_url") == {
        "overview": "Radarr's overview",
        "poster_url": POSTER,
    }


# -- qBittorrent progress ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "changes", "expected"),
    [
        (
            torrent(TorrentPhase.QUEUED, "metaDL", 0.0),
            [updated(S.GRABBING)],
            {"state": "grabbing", "torrent_state": "metaDL", "progress": 0.0, "paused": False},
        ),
        (
            torrent(TorrentPhase.DOWNLOADING, "downloading", 0.25, 2_000_000, 600),
            [transition(S.GRABBING, S.DOWNLOADING)],
            {
                "state": "downloading",
                "progress": 0.25,
                "download_speed": 2_000_000,
                "eta": 600,
                "paused": False,
            },
        ),
        (
            torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0, 350_000, 0),
            [transition(S.GRABBING, S.DOWNLOADED)],
            {"state": "downloaded", "progress": 1.0, "download_speed": 0, "eta": 0},
        ),
        (
            torrent(TorrentPhase.PAUSED, "stoppedDL", 0.4),
            [updated(S.GRABBING)],
            {"state": "grabbing", "progress": 0.4, "paused": True, "torrent_state": "stoppedDL"},
        ),
        (
            torrent(TorrentPhase.ERROR, "missingFiles", 0.4),
            [updated(S.GRABBING)],
            {
                "state": "grabbing",
                "stuck": True,
                "stuck_reason": "download client reports missingFiles",
            },
        ),
    ],
    ids=["queued", "downloading", "complete", "paused", "error"],
)
def test_torrent_phase_moves_a_grabbing_request(
    event: TorrentProgress, changes: list[Change], expected: dict[str, Any]
) -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())

    assert tracker.apply(event, at(600)) == changes
    assert fields_of(tracker.requests["1"], *expected) == expected


def test_queued_torrent_does_not_change_state_or_state_since() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())

    tracker.apply(torrent(TorrentPhase.QUEUED, "queuedDL", 0.0), at(600))

    assert tracker.requests["1"].state is S.GRABBING
    assert tracker.requests["1"].state_since == at(60)


def test_progress_while_downloading_updates_fields_only() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), DOWNLOADING_25)

    changes = tracker.apply(
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.123456, 1_500_000, 420), at(600)
    )

    assert changes == [updated(S.DOWNLOADING)]
    assert fields_of(tracker.requests["1"], "progress", "download_speed", "eta", "state_since") == {
        "progress": 0.1235,
        "download_speed": 1_500_000,
        "eta": 420,
        "state_since": "2026-11-25T09:02:00+00:00",
    }


def test_unknown_eta_replaces_a_known_one() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), DOWNLOADING_25)

    changes = tracker.apply(
        torrent(TorrentPhase.DOWNLOADING, "stalledDL", 0.25, 2_000_000, None), at(600)
    )

    assert changes == [updated(S.DOWNLOADING)]
    assert tracker.requests["1"].eta is None


def test_resuming_a_paused_torrent_clears_the_paused_flag() -> None:
    tracker = tracker_after(
        seerr(S.APPROVED), grab(), DOWNLOADING_25, torrent(TorrentPhase.PAUSED, "pausedDL", 0.25)
    )
    assert tracker.requests["1"].paused is True

    tracker.apply(DOWNLOADING_25, at(600))

    assert tracker.requests["1"].paused is False


def test_torrent_size_fills_a_missing_file_size_only() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(file_size=None))

    tracker.apply(torrent(TorrentPhase.DOWNLOADING, "downloading", 0.1, 10, 60, 4096), at(600))
    tracker.apply(torrent(TorrentPhase.DOWNLOADING, "downloading", 0.2, 10, 60, 8192), at(660))

    assert tracker.requests["1"].file_size == 4096


def test_error_marks_stuck_once() -> None:
    error = torrent(TorrentPhase.ERROR, "error", 0.4)
    tracker = tracker_after(seerr(S.APPROVED), grab(), error)
    before = tracker.to_dict()

    assert tracker.apply(error, at(600)) == []
    assert tracker.to_dict() == before


def test_progress_of_an_untracked_torrent_changes_nothing() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())
    before = tracker.to_dict()
    stranger = replace(DOWNLOADING_25, qbit_hash="0" * 40)

    assert tracker.apply(stranger, at(600)) == []
    assert tracker.to_dict() == before


def test_seeding_after_download_changes_nothing() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), COMPLETE)
    before = tracker.to_dict()

    assert tracker.apply(torrent(TorrentPhase.COMPLETE, "uploading", 1.0, 0, 0), at(600)) == []
    assert tracker.to_dict() == before


# -- Radarr import ----------------------------------------------------------------------------


def test_import_moves_to_importing_and_schedules_the_first_check_in_10_seconds() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), DOWNLOADING_25)

    changes = tracker.apply(imported(), at(900))

    assert changes == [transition(S.DOWNLOADING, S.IMPORTING)]
    assert fields_of(
        tracker.requests["1"],
        "state",
        "final_path",
        "progress",
        "download_speed",
        "eta",
        "verify_attempts",
        "next_verify_at",
    ) == {
        "state": "importing",
        "final_path": ARRIVAL_PATH,
        "progress": 1.0,
        "download_speed": 0,
        "eta": 0,
        "verify_attempts": 0,
        "next_verify_at": "2026-11-25T09:15:10+00:00",
    }


def test_import_after_a_missed_grab_marks_the_download_complete() -> None:
    # Radarr's Grab webhook can be missed (DESIGN §2: steps may be skipped); the import still
    # proves the whole file arrived.
    tracker = tracker_after(seerr(S.APPROVED))

    assert tracker.apply(imported(), at(900)) == [transition(S.APPROVED, S.IMPORTING)]
    assert tracker.requests["1"].progress == 1.0


@pytest.mark.parametrize(
    ("grab_is_anime", "import_is_anime"), [(True, False), (False, True), (True, True)]
)
def test_anime_import_waits_for_shoko_matching(grab_is_anime: bool, import_is_anime: bool) -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(is_anime=grab_is_anime), COMPLETE)

    changes = tracker.apply(imported(is_anime=import_is_anime), at(900))

    assert changes == [transition(S.DOWNLOADED, S.ANIME_MATCHING)]
    assert fields_of(tracker.requests["1"], "is_anime", "next_verify_at") == {
        "is_anime": True,
        "next_verify_at": "2026-11-25T09:15:10+00:00",
    }


# -- Jellyfin verification --------------------------------------------------------------------


def test_missing_item_backs_off_along_verify_backoff_up_to_half_an_hour() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), COMPLETE, imported())
    request = tracker.requests["1"]
    assert request.next_verify_at == at(180 + 10)

    delays = []
    now = at(190)
    for _ in range(9):
        assert tracker.apply(LibraryItemMissing("1"), now) == []
        delays.append(int((request.next_verify_at - now).total_seconds()))
        now = request.next_verify_at

    assert VERIFY_BACKOFF == (10, 30, 60, 120, 300, 600, 1800)
    assert delays == [30, 60, 120, 300, 600, 1800, 1800, 1800, 1800]
    assert request.verify_attempts == 9
    assert request.state is S.IMPORTING


@pytest.mark.parametrize("request_id", ["1", "99"])
def test_missing_item_of_a_request_not_waiting_changes_nothing(request_id: str) -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())
    before = tracker.to_dict()

    assert tracker.apply(LibraryItemMissing(request_id), at(600)) == []
    assert tracker.to_dict() == before


@pytest.mark.parametrize(
    ("is_anime", "waiting_state"), [(False, S.IMPORTING), (True, S.ANIME_MATCHING)]
)
def test_found_item_makes_the_request_available(
    is_anime: bool, waiting_state: RequestState
) -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(is_anime=is_anime), COMPLETE, imported())

    changes = tracker.apply(LibraryItemFound("1", JELLYFIN_ID, "tmdb id, year scan"), at(600))

    assert changes == [transition(waiting_state, S.AVAILABLE)]
    request = tracker.requests["1"]
    assert fields_of(request, "state", "jellyfin_id", "available_at", "next_verify_at") == {
        "state": "available",
        "jellyfin_id": JELLYFIN_ID,
        "available_at": "2026-11-25T09:10:00+00:00",
        "next_verify_at": None,
    }
    assert history(request)[-1] == {
        "state": "available",
        "at": "2026-11-25T09:10:00+00:00",
        "note": "found in Jellyfin (tmdb id, year scan)",
    }


@pytest.mark.parametrize("request_id", ["1", "99"])
def test_found_item_of_a_request_not_waiting_changes_nothing(request_id: str) -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), DOWNLOADING_25)
    before = tracker.to_dict()

    assert tracker.apply(LibraryItemFound(request_id, JELLYFIN_ID, "tmdb id"), at(600)) == []
    assert tracker.to_dict() == before


# -- stuck and state_since --------------------------------------------------------------------


def test_manual_interaction_marks_stuck_and_the_next_transition_clears_it() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), COMPLETE)
    attention = ImportNeedsAttention(ARRIVAL, 7, ARRIVAL_HASH, "No files found are eligible")

    assert tracker.apply(attention, at(600)) == [updated(S.DOWNLOADED)]
    assert fields_of(tracker.requests["1"], "stuck", "stuck_reason", "state_since") == {
        "stuck": True,
        "stuck_reason": "No files found are eligible",
        "state_since": "2026-11-25T09:02:00+00:00",
    }

    assert tracker.apply(imported(), at(900)) == [transition(S.DOWNLOADED, S.IMPORTING)]
    assert fields_of(tracker.requests["1"], "stuck", "stuck_reason", "state_since") == {
        "stuck": False,
        "stuck_reason": None,
        "state_since": "2026-11-25T09:15:00+00:00",
    }


# -- change objects ---------------------------------------------------------------------------


def test_changes_say_created_transition_or_updated() -> None:
    tracker = Tracker()

    created = tracker.apply(seerr(S.REQUESTED), at(0))
    moved = tracker.apply(seerr(S.APPROVED), at(60))
    touched = tracker.apply(seerr(S.APPROVED, requested_by="dave"), at(120))

    assert created == [Change("1", ChangeKind.CREATED, None, S.REQUESTED)]
    assert moved == [Change("1", ChangeKind.TRANSITION, S.REQUESTED, S.APPROVED)]
    assert touched == [Change("1", ChangeKind.UPDATED, S.APPROVED, S.APPROVED)]
    assert [change.kind.value for change in created + moved + touched] == [
        "created",
        "transition",
        "updated",
    ]


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


def test_finished_requests_are_never_due() -> None:
    tracker = three_requests()
    tracker.apply(seerr(S.AVAILABLE), at(245))  # Jellyseerr saw it first

    assert tracker.requests["1"].next_verify_at == at(250)
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


# -- explanations from Radarr's/Sonarr's queue ------------------------------------------------


def test_a_queue_explanation_lands_only_on_a_stuck_download_once() -> None:
    explained = DownloadExplained(ARRIVAL_HASH, "Radarr (import blocked): Sample", "sample")
    tracker = tracker_after(grab(), COMPLETE)
    request = tracker.requests["1"]

    # Not stuck yet: nothing to explain.
    assert tracker.explainable() == {}
    assert tracker.apply(explained, at(600)) == []
    assert fields_of(request, "stuck_reason", "stuck_code") == {
        "stuck_reason": None,
        "stuck_code": None,
    }

    assert tracker.apply(StuckCheckDue(STUCK_LIMITS), at(3 * 3600)) == [
        Change("1", ChangeKind.STUCK, S.DOWNLOADED, S.DOWNLOADED)
    ]
    assert tracker.explainable() == {ARRIVAL_HASH: MediaType.MOVIE}
    other = replace(explained, qbit_hash="0" * 40)
    assert tracker.apply(other, at(3 * 3600)) == []
    assert tracker.apply(explained, at(3 * 3600)) == [updated(S.DOWNLOADED)]
    assert tracker.apply(explained, at(3 * 3600 + 300)) == []  # the same again: no change
    assert fields_of(request, "stuck", "stuck_reason", "stuck_code") == {
        "stuck": True,
        "stuck_reason": "Radarr (import blocked): Sample",
        "stuck_code": "sample",
    }

    # Imported at last: the flag, the reason and the code go.
    assert tracker.apply(imported(), at(4 * 3600)) == [transition(S.DOWNLOADED, S.IMPORTING)]
    assert fields_of(request, "stuck", "stuck_reason", "stuck_code") == {
        "stuck": False,
        "stuck_reason": None,
        "stuck_code": None,
    }
    assert tracker.explainable() == {}


def test_a_request_stuck_before_its_download_is_not_explained_by_a_queue() -> None:
    tracker = tracker_after(seerr(S.APPROVED))
    tracker.apply(StuckCheckDue(STUCK_LIMITS), at(7 * 3600))
    assert tracker.requests["1"].stuck is True
    assert tracker.explainable() == {}
