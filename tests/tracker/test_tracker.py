"""The reducer, told as the regular movie flow: Jellyseerr → Radarr → qBittorrent → import → Jellyfin."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    LibraryItemFound,
    LibraryItemMissing,
    MediaKey,
    MediaType,
    RequestState,
    TorrentPhase,
    TorrentProgress,
    Tracker,
    TrackerEvent,
)
from custom_components.media_request_tracker.tracker.lifecycle import VERIFY_BACKOFF
from tests.helpers.arrival_events import (
    ARRIVAL_HASH,
    ARRIVAL_PATH,
    COMPLETE,
    DOWNLOADING_25,
    JELLYFIN_ID,
    POSTER,
    grab,
    imported,
    seerr,
    torrent,
)

from . import (
    at,
    fields_of,
    history,
    tracker_after,
    transition,
    updated,
)

S = RequestState


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
    assert tracker.requests["1"].failure_code == "processing_failed"


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
            {"state": "downloaded", "progress": 1.0, "download_speed": 0, "eta": None},
        ),
        (
            # Paused with data: the download has started.
            torrent(TorrentPhase.PAUSED, "stoppedDL", 0.4),
            [transition(S.GRABBING, S.DOWNLOADING)],
            {
                "state": "downloading",
                "progress": 0.4,
                "paused": True,
                "torrent_state": "stoppedDL",
            },
        ),
        (
            # Paused before any data: still grabbing.
            torrent(TorrentPhase.PAUSED, "pausedDL", 0.0),
            [updated(S.GRABBING)],
            {"state": "grabbing", "progress": 0.0, "paused": True, "torrent_state": "pausedDL"},
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
    ids=["queued", "downloading", "complete", "paused", "paused without data", "error"],
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
        "eta": None,
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
