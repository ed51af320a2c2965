"""The tracked objects: a request, its episodes and its history; plain data, serialisable."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from .states import TERMINAL_STATES, RequestState


class MediaType(StrEnum):
    """What was requested."""

    MOVIE = "movie"
    TV = "tv"


@dataclass(slots=True)
class HistoryEntry:
    """One step in a request's life: the state it entered (or kept) and when, with a note."""

    state: RequestState
    at: datetime
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data: dict[str, Any] = {"state": self.state.value, "at": self.at.isoformat()}
        if self.note:
            data["note"] = self.note
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryEntry:
        """Build from `to_dict` output."""
        return cls(
            state=RequestState(data["state"]),
            at=datetime.fromisoformat(data["at"]),
            note=data.get("note"),
        )


# The history entries a request keeps (re-grabs and upgrades add one each, without end).
HISTORY_LIMIT = 100


@dataclass(slots=True)
class Episode:
    """One episode of a TV request, tracked on its own."""

    season_number: int
    episode_number: int
    state: RequestState = RequestState.GRABBING
    episode_title: str | None = None
    sonarr_episode_id: int | None = None
    episode_tvdb_id: int | None = None
    qbit_hash: str | None = None
    progress: float = 0.0
    paused: bool = False
    size: int | None = None
    final_path: str | None = None
    shoko_file_id: int | None = None
    anidb_episode_id: int | None = None
    jellyfin_id: str | None = None
    stuck: bool = False
    stuck_reason: str | None = None
    stuck_code: str | None = None
    # When the download client stopped listing the episode's torrent (it fails a limit later).
    removed_at: datetime | None = None

    @property
    def key(self) -> tuple[int, int]:
        """Return (season, episode), which identifies an episode within its series."""
        return (self.season_number, self.episode_number)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = {name: getattr(self, name) for name in _field_names(Episode)}
        data["state"] = self.state.value
        data["removed_at"] = self.removed_at.isoformat() if self.removed_at else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Episode:
        """Build from `to_dict` output, ignoring keys this version does not know."""
        values = _known_fields(cls, data)
        values["state"] = RequestState(values.get("state", RequestState.GRABBING))
        if values.get("removed_at") is not None:
            values["removed_at"] = datetime.fromisoformat(values["removed_at"])
        return cls(**values)


# The fields of a request that hold its parts (lists and maps of their own).
_PARTS = frozenset({"episodes", "history", "torrents"})
# Fields holding datetimes, converted to ISO strings for storage.
_DATETIME_FIELDS = (
    "created_at",
    "state_since",
    "available_at",
    "next_verify_at",
    "last_activity_at",
)


@dataclass(slots=True)
class Request:
    """A media request followed from Jellyseerr (or a direct *arr grab) to the library."""

    request_id: str
    media_type: MediaType
    state: RequestState
    created_at: datetime
    state_since: datetime
    title: str | None = None
    year: int | None = None
    jellyseerr_id: int | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    overview: str | None = None
    poster_url: str | None = None
    requested_by: str | None = None
    requested_seasons: list[int] = field(default_factory=list)
    is_4k: bool = False
    is_anime: bool = False
    radarr_id: int | None = None
    sonarr_id: int | None = None
    qbit_hash: str | None = None
    release_title: str | None = None
    quality: str | None = None
    indexer: str | None = None
    release_group: str | None = None
    file_size: int | None = None
    download_client: str | None = None
    progress: float = 0.0
    download_speed: int | None = None
    eta: int | None = None
    torrent_state: str | None = None
    paused: bool = False
    total_episodes: int | None = None
    final_path: str | None = None
    shoko_file_id: int | None = None
    shoko_series_id: int | None = None
    anidb_id: int | None = None
    anidb_episode_id: int | None = None
    jellyfin_id: str | None = None
    available_at: datetime | None = None
    stuck: bool = False
    stuck_reason: str | None = None
    stuck_code: str | None = None
    # A TV request's flag that mirrors one of its episodes' (it goes when theirs goes).
    stuck_by_episode: bool = False
    failure_reason: str | None = None
    # The short cause of a failure (a FailureCode), when one is known.
    failure_code: str | None = None
    # When an event from a service last changed the request (tracker/limits.py); None in
    # stores written before it was kept (see `last_activity`).
    last_activity_at: datetime | None = None
    verify_attempts: int = 0
    next_verify_at: datetime | None = None
    episodes: list[Episode] = field(default_factory=list)
    # Per torrent hash (TV: a request can have several): client state, eta, speed.
    torrents: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    # How many of the oldest history entries were dropped to keep the last HISTORY_LIMIT.
    history_folded: int = 0

    def add_history(self, entry: HistoryEntry) -> None:
        """Append to the history, folding the oldest entries into a count past the limit."""
        self.history.append(entry)
        extra = len(self.history) - HISTORY_LIMIT
        if extra > 0:
            del self.history[:extra]
            self.history_folded += extra

    @property
    def last_activity(self) -> datetime:
        """Return when the request last moved: an event changed it, or its timeline grew.

        The timeline (state_since, the last history entry) stands in for stores that did not
        keep `last_activity_at` yet.
        """
        latest = max(self.last_activity_at or self.created_at, self.state_since)
        return max(latest, self.history[-1].at) if self.history else latest

    @property
    def is_active(self) -> bool:
        """Return whether the request can still absorb lifecycle events."""
        return self.state not in TERMINAL_STATES

    @property
    def arr_id(self) -> int | None:
        """Return the Radarr movie id or the Sonarr series id, whichever applies."""
        return self.radarr_id if self.media_type is MediaType.MOVIE else self.sonarr_id

    def hashes(self) -> set[str]:
        """Return every torrent hash of the request (a TV request may have one per grab)."""
        found = {episode.qbit_hash for episode in self.episodes if episode.qbit_hash}
        return found | ({self.qbit_hash} if self.qbit_hash else set())

    def episode(self, key: tuple[int, int]) -> Episode | None:
        """Return the episode (season, number), if the request has it."""
        return next((episode for episode in self.episodes if episode.key == key), None)

    @property
    def display_name(self) -> str:
        """Return "Title (Year)", or the best name known so far."""
        title = self.title or f"Request {self.request_id}"
        return f"{title} ({self.year})" if self.year else title

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict for storage."""
        data = self.own_fields_to_dict()
        data["episodes"] = [episode.to_dict() for episode in self.episodes]
        data["history"] = [entry.to_dict() for entry in self.history]
        data["torrents"] = {key: dict(status) for key, status in self.torrents.items()}
        return data

    def own_fields_to_dict(self) -> dict[str, Any]:
        """Return `to_dict` without the episodes, history and torrents (JSON-ready)."""
        data: dict[str, Any] = {
            name: getattr(self, name) for name in _field_names(Request) if name not in _PARTS
        }
        for name in _DATETIME_FIELDS:
            value = data[name]
            data[name] = value.isoformat() if value is not None else None
        data["media_type"] = self.media_type.value
        data["state"] = self.state.value
        data["requested_seasons"] = list(self.requested_seasons)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Request:
        """Build from `to_dict` output, ignoring keys this version does not know."""
        values = _known_fields(cls, data)
        for name in _DATETIME_FIELDS:
            if values.get(name) is not None:
                values[name] = datetime.fromisoformat(values[name])
        values["media_type"] = MediaType(values["media_type"])
        values["state"] = RequestState(values["state"])
        values["episodes"] = [Episode.from_dict(item) for item in values.get("episodes", [])]
        values["history"] = [HistoryEntry.from_dict(item) for item in values.get("history", [])]
        return cls(**values)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    """Return the names of a dataclass's fields in order (asked for every stored request)."""
    return tuple(item.name for item in fields(cls))


@cache
def _known_names(cls: type) -> frozenset[str]:
    return frozenset(_field_names(cls))


def _known_fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Return the items of stored data that are fields of `cls` (newer keys are ignored)."""
    known = _known_names(cls)
    return {key: value for key, value in data.items() if key in known}
