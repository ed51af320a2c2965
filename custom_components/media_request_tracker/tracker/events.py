"""Normalised events: what the service parsers and pollers hand to the tracker.

`TrackerEvent` names every event `Tracker.apply` takes, the housekeeping ones
(`housekeeping_events.py`) and the actions' (`action_events.py`) included.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .action_events import LibraryCheckAsked, RequestForgotten, RequestNoted
from .housekeeping_events import (
    DownloadExplained,
    RequestCapExceeded,
    RetentionDue,
    StuckCheckDue,
)
from .models import MediaType
from .states import RequestState


@dataclass(frozen=True, slots=True)
class MediaKey:
    """The ids and name by which an event names a title; any of them may be unknown."""

    media_type: MediaType
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    title: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class EpisodeRef:
    """One episode an *arr event names."""

    season_number: int
    episode_number: int
    title: str | None = None
    sonarr_episode_id: int | None = None
    tvdb_id: int | None = None

    @property
    def key(self) -> tuple[int, int]:
        """Return (season, episode)."""
        return (self.season_number, self.episode_number)


@dataclass(frozen=True, slots=True)
class ImportedEpisode:
    """An episode Sonarr imported, and the library file it now lives in (when known)."""

    episode: EpisodeRef
    final_path: str | None


@dataclass(frozen=True, slots=True)
class RequestNotified:
    """Jellyseerr says a request was made, approved, declined, failed or is available."""

    media: MediaKey
    target: RequestState
    jellyseerr_id: int | None = None
    overview: str | None = None
    poster_url: str | None = None
    requested_by: str | None = None
    requested_seasons: tuple[int, ...] = ()
    is_4k: bool = False


@dataclass(frozen=True, slots=True)
class ReleaseGrabbed:
    """Radarr/Sonarr sent a release to the download client."""

    media: MediaKey
    arr_id: int | None
    qbit_hash: str | None
    release_title: str | None = None
    quality: str | None = None
    indexer: str | None = None
    release_group: str | None = None
    file_size: int | None = None
    download_client: str | None = None
    is_anime: bool = False
    overview: str | None = None
    poster_url: str | None = None
    episodes: tuple[EpisodeRef, ...] = ()


class TorrentPhase(StrEnum):
    """What a torrent is doing, reduced from the client's many state names."""

    QUEUED = "queued"
    DOWNLOADING = "downloading"
    COMPLETE = "complete"
    PAUSED = "paused"
    ERROR = "error"


# Torrent phases that move a request (or episode) forward, and where to.
PHASE_TARGETS: dict[TorrentPhase, RequestState] = {
    TorrentPhase.DOWNLOADING: RequestState.DOWNLOADING,
    TorrentPhase.COMPLETE: RequestState.DOWNLOADED,
}


@dataclass(frozen=True, slots=True)
class TorrentProgress:
    """The download client's view of one tracked torrent."""

    qbit_hash: str
    phase: TorrentPhase
    client_state: str
    progress: float
    download_speed: int
    eta: int | None
    size: int | None = None

    @property
    def target(self) -> RequestState | None:
        """Return the state the torrent moves its holders to, if any.

        A paused torrent that already holds data is downloading (paused); one without data
        has not started yet.
        """
        if self.phase is TorrentPhase.PAUSED:
            return RequestState.DOWNLOADING if self.progress > 0 else None
        return PHASE_TARGETS.get(self.phase)

    @property
    def remaining_eta(self) -> int | None:
        """Return the seconds left, or None when nothing is left or the client cannot tell."""
        return None if self.progress >= 1 else self.eta


@dataclass(frozen=True, slots=True)
class TorrentMissing:
    """A tracked torrent is no longer in the download client (removed, or never added)."""

    qbit_hash: str


@dataclass(frozen=True, slots=True)
class TorrentFile:
    """One file inside a torrent, as the client reports it."""

    name: str
    progress: float
    size: int


@dataclass(frozen=True, slots=True)
class TorrentFiles:
    """The files of a multi-episode torrent (a season pack), for per-episode progress."""

    qbit_hash: str
    files: tuple[TorrentFile, ...]


@dataclass(frozen=True, slots=True)
class FileImported:
    """Radarr/Sonarr moved the downloaded file into the library."""

    media: MediaKey
    arr_id: int | None
    qbit_hash: str | None
    final_path: str | None
    is_upgrade: bool = False
    is_anime: bool = False
    episodes: tuple[ImportedEpisode, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportNeedsAttention:
    """Radarr/Sonarr cannot import the download without the user (ManualInteractionRequired)."""

    media: MediaKey
    arr_id: int | None
    qbit_hash: str | None
    reason: str
    episodes: tuple[EpisodeRef, ...] = ()
    code: str | None = None


@dataclass(frozen=True, slots=True)
class DownloadFailed:
    """Radarr/Sonarr gave up on a download (their history's downloadFailed; no webhook says so)."""

    media: MediaKey
    arr_id: int | None
    qbit_hash: str | None
    reason: str
    episodes: tuple[EpisodeRef, ...] = ()


@dataclass(frozen=True, slots=True)
class ShokoCrossReference:
    """What Shoko matched a file to: AniDB episode and anime, and its own series and episode."""

    anidb_episode_id: int | None
    anidb_anime_id: int | None
    shoko_series_id: int | None
    shoko_episode_id: int | None


@dataclass(frozen=True, slots=True)
class FileMatched:
    """Shoko matched (or, without cross-references, looked at) a file in its import folder."""

    relative_path: str
    shoko_file_id: int | None
    cross_references: tuple[ShokoCrossReference, ...]


@dataclass(frozen=True, slots=True)
class FileNotMatched:
    """Shoko could not match a file to AniDB."""

    relative_path: str
    shoko_file_id: int | None
    attempts: int
    udp_banned: bool


@dataclass(frozen=True, slots=True)
class LibraryCheckRequested:
    """The media server announced new items: check the matching waiting requests now."""

    media: MediaKey | None = None


@dataclass(frozen=True, slots=True)
class LibraryItemFound:
    """The media server has the request's item and can play it."""

    request_id: str
    jellyfin_id: str
    method: str


@dataclass(frozen=True, slots=True)
class LibraryEpisodesFound:
    """The media server has the series and (some of) the request's episodes, playable."""

    request_id: str
    series_jellyfin_id: str
    episodes: tuple[tuple[int, int, str], ...]
    method: str


@dataclass(frozen=True, slots=True)
class LibraryItemMissing:
    """The media server does not (yet) have the request's item."""

    request_id: str


@dataclass(frozen=True, slots=True)
class LibraryUnreachable:
    """The media server could not be asked about the request: no answer, not a miss."""

    request_id: str


@dataclass(frozen=True, slots=True)
class TorrentsPolled:
    """One poll of the download client: the torrents asked for, those listed, and pack files."""

    asked: frozenset[str]
    torrents: tuple[TorrentProgress, ...]
    files: tuple[TorrentFiles, ...] = ()


type TrackerEvent = (
    RequestNotified
    | ReleaseGrabbed
    | TorrentProgress
    | TorrentFiles
    | TorrentMissing
    | TorrentsPolled
    | FileImported
    | ImportNeedsAttention
    | DownloadFailed
    | DownloadExplained
    | FileMatched
    | FileNotMatched
    | LibraryCheckRequested
    | LibraryItemFound
    | LibraryEpisodesFound
    | LibraryItemMissing
    | LibraryUnreachable
    | StuckCheckDue
    | RetentionDue
    | RequestCapExceeded
    | RequestNoted
    | RequestForgotten
    | LibraryCheckAsked
)
