"""A small movie story for the correlation tests: Arrival and Dune, their events, a tracker."""

from __future__ import annotations

from datetime import datetime, timedelta

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    FileImported,
    ImportNeedsAttention,
    LibraryItemFound,
    MediaKey,
    MediaType,
    ReleaseGrabbed,
    RequestNotified,
    RequestState,
    TorrentPhase,
    TorrentProgress,
    Tracker,
    TrackerEvent,
)
from tests.tracker import T0

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
