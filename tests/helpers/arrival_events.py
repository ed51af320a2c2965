"""Arrival as the tracker core receives it: Jellyseerr, Radarr and qBittorrent events."""

from __future__ import annotations

from typing import Any

from custom_components.media_request_tracker.tracker import (
    FileImported,
    MediaKey,
    MediaType,
    ReleaseGrabbed,
    RequestNotified,
    RequestState,
    TorrentPhase,
    TorrentProgress,
)

ARRIVAL = MediaKey(MediaType.MOVIE, tmdb_id=329865, imdb_id="tt2543164", title="Arrival", year=2016)
ARRIVAL_HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"
ARRIVAL_PATH = "/media/movies/Arrival (2016)/Arrival (2016) [Bluray-1080p].mkv"
JELLYFIN_ID = "5a7f0c2e9b8d4e1fa3c6b9d2e4f60718"
POSTER = "https://image.tmdb.org/t/p/w600_and_h900_bestv2/x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg"


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


DOWNLOADING_25 = torrent(TorrentPhase.DOWNLOADING, "downloading", 0.25, 2_000_000, 600)
COMPLETE = torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0, 350_000, 0, 8589934592)
