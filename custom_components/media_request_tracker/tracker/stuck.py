"""Stuck detection: how long each state may last before a request is stuck, and why; failure codes."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from .states import RequestState


class StuckCode(StrEnum):
    """Why a download cannot go on, in short (from Radarr's/Sonarr's queue or the client)."""

    REMOTE_PATH_MAPPING = "remote_path_mapping"
    TITLE_MISMATCH = "title_mismatch"
    ID_MATCHED_GRAB = "id_matched_grab"
    NOT_UPGRADE = "not_upgrade"
    NO_ELIGIBLE_FILES = "no_eligible_files"
    SAMPLE = "sample"
    STALLED_NO_PEERS = "stalled_no_peers"
    MAGNET_NO_DHT = "magnet_no_dht"
    CLIENT_ERROR = "client_error"
    DISK_FULL = "disk_full"
    UNKNOWN = "unknown"


class FailureCode(StrEnum):
    """Why a request failed, in short (the `failure_reason` says it in words)."""

    # Jellyseerr reported that processing the request failed.
    PROCESSING_FAILED = "processing_failed"
    # The torrent left the download client before it completed, and no import followed.
    DOWNLOAD_REMOVED = "download_removed"
    # Radarr/Sonarr marked the download failed (their history says why).
    DOWNLOAD_FAILED = "download_failed"
    # Nothing moved it for too long, or the cap on tracked requests made room (tracker/limits.py).
    ABANDONED = "abandoned"


# Default limits per state: past these a request is flagged stuck (the state itself stays).
STUCK_LIMITS: dict[RequestState, timedelta] = {
    RequestState.REQUESTED: timedelta(days=7),
    RequestState.APPROVED: timedelta(hours=6),
    RequestState.GRABBING: timedelta(hours=1),
    RequestState.DOWNLOADING: timedelta(hours=24),
    RequestState.DOWNLOADED: timedelta(hours=2),
    RequestState.IMPORTING: timedelta(hours=2),
    RequestState.ANIME_MATCHING: timedelta(hours=6),
}

# What a request in each state is waiting for, to say why it is stuck.
WAITING_FOR: dict[RequestState, str] = {
    RequestState.REQUESTED: "not approved",
    RequestState.APPROVED: "no release grabbed",
    RequestState.GRABBING: "no data downloaded",
    RequestState.DOWNLOADING: "download not finished",
    RequestState.DOWNLOADED: "not imported",
    RequestState.IMPORTING: "not found in Jellyfin",
    RequestState.ANIME_MATCHING: "not matched by Shoko nor found in Jellyfin",
}


# How a stuck reason set from the torrent client's state begins.
CLIENT_REASON = "download client reports"
# ... and the one for a torrent that disappeared from the client before it completed.
REMOVED_REASON = f"{CLIENT_REASON} the download removed"


DAY = 86400
HOUR = 3600


def describe_duration(duration: timedelta) -> str:
    """Return a short human duration: "7 d", "24 h", "6 h", "45 min"."""
    seconds = int(duration.total_seconds())
    if seconds % DAY == 0 and seconds > DAY:
        return f"{seconds // DAY} d"
    if seconds % HOUR == 0:
        return f"{seconds // HOUR} h"
    return f"{max(seconds // 60, 1)} min"


def stuck_reason(state: RequestState, limit: timedelta) -> str:
    """Return why a request that stayed `limit` in `state` is stuck."""
    return f"{WAITING_FOR[state]} for {describe_duration(limit)}"
