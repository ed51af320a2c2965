"""The anime movie (Violet Evergarden) as the tracker core receives it, and Shoko's matches."""

from __future__ import annotations

from typing import Any

from custom_components.media_request_tracker.tracker import (
    FileImported,
    FileMatched,
    FileNotMatched,
    MediaKey,
    MediaType,
    ReleaseGrabbed,
    TorrentPhase,
    TorrentProgress,
)
from custom_components.media_request_tracker.tracker.events import ShokoCrossReference

VIOLET = MediaKey(MediaType.MOVIE, tmdb_id=533514, title="Violet Evergarden: The Movie", year=2020)
VIOLET_HASH = "6b1d0e2f3a4c5b6d7e8f90a1b2c3d4e5f6071829"
VIOLET_FOLDER = "Violet Evergarden The Movie (2020)"
VIOLET_FILE = "Violet Evergarden The Movie (2020) [Bluray-1080p].mkv"
# Radarr sees the library at /data/media; Shoko has /data/media/anime-movies as import folder.
VIOLET_PATH = f"/data/media/anime-movies/{VIOLET_FOLDER}/{VIOLET_FILE}"
VIOLET_RELATIVE = f"{VIOLET_FOLDER}/{VIOLET_FILE}"
VIOLET_SHOKO_FILE = 5120
VIOLET_SHOKO_SERIES = 311
VIOLET_ANIDB = 14797
VIOLET_ANIDB_EPISODE = 221034
VIOLET_JELLYFIN = "7c1e2d3f4a5b69788796a5b4c3d2e1f0"
# The only separator Shoko on Windows uses.
BACKSLASH = "\\"


SHOKO_FIELDS = ("shoko_file_id", "anidb_episode_id", "shoko_series_id", "anidb_id")
STUCK_FIELDS = ("stuck", "stuck_reason")


def matched(
    relative_path: str,
    file_id: int | None = VIOLET_SHOKO_FILE,
    *,
    anidb_episode: int | None = VIOLET_ANIDB_EPISODE,
    anidb_anime: int | None = VIOLET_ANIDB,
    shoko_series: int | None = VIOLET_SHOKO_SERIES,
    shoko_episode: int | None = 1944,
) -> FileMatched:
    """Return Shoko's FileMatched for a file with one cross reference."""
    return FileMatched(
        relative_path,
        file_id,
        (ShokoCrossReference(anidb_episode, anidb_anime, shoko_series, shoko_episode),),
    )


def not_matched(
    relative_path: str = VIOLET_RELATIVE,
    attempts: int = 1,
    *,
    udp_banned: bool = False,
    file_id: int | None = VIOLET_SHOKO_FILE,
) -> FileNotMatched:
    """Return Shoko's FileNotMatched for a file."""
    return FileNotMatched(relative_path, file_id, attempts, udp_banned)


def violet_grab(**fields: Any) -> ReleaseGrabbed:
    """Return Radarr's Grab of the Violet Evergarden movie (tagged anime)."""
    values: dict[str, Any] = {
        "media": VIOLET,
        "arr_id": 31,
        "qbit_hash": VIOLET_HASH,
        "release_title": "Violet.Evergarden.The.Movie.2020.1080p.BluRay.x264-HAiKU",
        "quality": "Bluray-1080p",
        "indexer": "Nyaa.si (Prowlarr)",
        "release_group": "HAiKU",
        "file_size": 9_126_805_504,
        "download_client": "qBittorrent",
        "is_anime": True,
    }
    return ReleaseGrabbed(**{**values, **fields})


def violet_imported(**fields: Any) -> FileImported:
    """Return Radarr's Download (import) of the movie: Radarr has no anime type to send."""
    values: dict[str, Any] = {
        "media": VIOLET,
        "arr_id": 31,
        "qbit_hash": VIOLET_HASH,
        "final_path": VIOLET_PATH,
    }
    return FileImported(**{**values, **fields})


def violet_torrent(phase: TorrentPhase, client_state: str, progress: float) -> TorrentProgress:
    """Return qBittorrent's view of the movie's torrent."""
    eta = 0 if phase is TorrentPhase.COMPLETE else 900
    return TorrentProgress(VIOLET_HASH, phase, client_state, progress, 4_000_000, eta)
