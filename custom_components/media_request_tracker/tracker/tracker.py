"""The reducer: applies normalised events to the tracked requests and reports what changed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from . import anime, tv
from .correlation import Probe, find_request
from .events import (
    DownloadExplained,
    FileImported,
    FileMatched,
    FileNotMatched,
    ImportNeedsAttention,
    LibraryCheckRequested,
    LibraryEpisodesFound,
    LibraryItemFound,
    LibraryItemMissing,
    MediaKey,
    ReleaseGrabbed,
    RequestNotified,
    TorrentFiles,
    TorrentMissing,
    TorrentPhase,
    TorrentProgress,
    TrackerEvent,
)
from .models import Episode, HistoryEntry, MediaType, Request, set_stuck
from .states import TORRENT_STATES, VERIFY_STATES, RequestState, can_transition
from .stuck import STUCK_LIMITS, StuckCode, stuck_reason

_LOGGER = logging.getLogger(__name__)

# Seconds between media-server checks after an import: quick at first (a library scan usually
# follows the import within a minute), then backing off to every half hour.
VERIFY_BACKOFF: tuple[int, ...] = (10, 30, 60, 120, 300, 600, 1800)

# States in which a stuck request is explained from Radarr's/Sonarr's queue.
EXPLAINED_STATES = frozenset(
    {RequestState.DOWNLOADING, RequestState.DOWNLOADED, RequestState.IMPORTING}
)

# Torrent phases that move a request forward, and where to.
PHASE_TARGETS: dict[TorrentPhase, RequestState] = {
    TorrentPhase.DOWNLOADING: RequestState.DOWNLOADING,
    TorrentPhase.COMPLETE: RequestState.DOWNLOADED,
}

# How a stuck reason set from the torrent client's state begins.
CLIENT_REASON = "download client reports"
# ... and the one for a torrent that disappeared from the client before it completed.
REMOVED_REASON = f"{CLIENT_REASON} the download removed"

# Jellyseerr notifications that may open a new request when no active one matches.
OPENING_TARGETS: frozenset[RequestState] = frozenset(
    {RequestState.REQUESTED, RequestState.APPROVED}
)


class ChangeKind(StrEnum):
    """How a request changed."""

    CREATED = "created"
    TRANSITION = "transition"
    UPDATED = "updated"
    STUCK = "stuck"


@dataclass(frozen=True, slots=True)
class Change:
    """One request changed: it was created, moved to another state, or only its fields changed."""

    request_id: str
    kind: ChangeKind
    from_state: RequestState | None
    to_state: RequestState


class Tracker:
    """All tracked requests of one stack, and the rules that move them."""

    def __init__(self) -> None:
        """Start empty."""
        self.requests: dict[str, Request] = {}
        self._next_id = 1

    # -- persistence ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready snapshot."""
        return {
            "next_id": self._next_id,
            "requests": [request.to_dict() for request in self.requests.values()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tracker:
        """Restore a snapshot made by `to_dict`."""
        tracker = cls()
        for item in data.get("requests", []):
            request = Request.from_dict(item)
            tracker.requests[request.request_id] = request
        tracker._next_id = max(
            int(data.get("next_id", 1)),
            *(int(request_id) + 1 for request_id in tracker.requests),
            1,
        )
        return tracker

    # -- queries -------------------------------------------------------------------------------

    def active(self) -> Iterator[Request]:
        """Yield the requests that can still absorb lifecycle events, oldest first."""
        return (request for request in self.requests.values() if request.is_active)

    def tracked_hashes(self) -> set[str]:
        """Return the torrent hashes of requests (TV: of episodes) whose download is under way."""
        hashes: set[str] = set()
        for request in self.active():
            if request.media_type is MediaType.TV:
                hashes |= {
                    episode.qbit_hash
                    for episode in request.episodes
                    if episode.state in TORRENT_STATES and episode.qbit_hash
                }
            elif request.state in TORRENT_STATES and request.qbit_hash:
                hashes.add(request.qbit_hash)
        return hashes

    def season_pack_hashes(self) -> set[str]:
        """Return the tracked hashes that carry several episodes (their files show each one)."""
        tracked = self.tracked_hashes()
        counts: dict[str, int] = {}
        for request in self.active():
            for episode in request.episodes:
                if episode.qbit_hash in tracked:
                    counts[episode.qbit_hash] = counts.get(episode.qbit_hash, 0) + 1
        return {torrent for torrent, count in counts.items() if count > 1}

    def due_for_verification(self, now: datetime) -> list[Request]:
        """Return the requests whose media-server check is due."""
        return [
            request
            for request in self.active()
            if request.state in VERIFY_STATES
            and request.next_verify_at is not None
            and request.next_verify_at <= now
        ]

    def next_verification_at(self) -> datetime | None:
        """Return when the next media-server check is due, if any is planned."""
        times = [
            request.next_verify_at
            for request in self.active()
            if request.state in VERIFY_STATES and request.next_verify_at is not None
        ]
        return min(times, default=None)

    def purge_finished(self, now: datetime, keep: timedelta) -> list[str]:
        """Forget finished requests older than `keep`; return their ids."""
        expired = [
            request.request_id
            for request in self.requests.values()
            if not request.is_active and request.state_since + keep <= now
        ]
        for request_id in expired:
            del self.requests[request_id]
        return expired

    def check_stuck(
        self, now: datetime, limits: dict[RequestState, timedelta] = STUCK_LIMITS
    ) -> list[Change]:
        """Flag requests longer in their state than its limit (once; the next move clears it)."""
        changes: list[Change] = []
        for request in list(self.active()):
            limit = limits.get(request.state)
            if limit is None or request.state_since + limit > now:
                continue
            if request.stuck_reason == REMOVED_REASON and request.state in TORRENT_STATES:
                # Removed from the client and no import followed within the limit: it failed.
                changes.append(self._fail_removed(request, now))
                continue
            if request.stuck:
                continue
            set_stuck(request, stuck_reason(request.state, limit))
            changes.append(
                Change(request.request_id, ChangeKind.STUCK, request.state, request.state)
            )
        return changes

    def _fail_removed(self, request: Request, now: datetime) -> Change:
        request.failure_reason = "download removed"
        if request.media_type is MediaType.TV:
            for episode in request.episodes:
                if episode.stuck_reason == REMOVED_REASON and episode.state in TORRENT_STATES:
                    episode.state = RequestState.FAILED
            change = self._aggregate(request, now)
        else:
            change = self._transition(request, RequestState.FAILED, now, "download removed")
        if change is None:  # pragma: no cover - a removed download always can fail
            return Change(request.request_id, ChangeKind.UPDATED, request.state, request.state)
        return change

    # -- the reducer ---------------------------------------------------------------------------

    def apply(self, event: TrackerEvent, now: datetime) -> list[Change]:  # noqa: PLR0912 (a case per event)
        """Apply one event at time `now`; return the changes it caused (empty if none)."""
        match event:
            case RequestNotified():
                return self._on_request_notified(event, now)
            case ReleaseGrabbed():
                return self._on_release_grabbed(event, now)
            case TorrentProgress():
                return self._on_torrent_progress(event, now)
            case TorrentFiles():
                return self._on_torrent_files(event)
            case TorrentMissing():
                return self._on_torrent_missing(event)
            case FileImported():
                return self._on_file_imported(event, now)
            case ImportNeedsAttention():
                return self._on_import_needs_attention(event)
            case DownloadExplained():
                return self._on_download_explained(event)
            case FileMatched():
                return self._on_shoko_event(event, now)
            case FileNotMatched():
                return self._on_shoko_event(event, now)
            case LibraryCheckRequested():
                return self._on_library_check_requested(event, now)
            case LibraryItemFound():
                return self._on_library_item_found(event, now)
            case LibraryEpisodesFound():
                return self._on_library_episodes_found(event, now)
            case LibraryItemMissing():
                return self._on_library_item_missing(event, now)

    # -- helpers -------------------------------------------------------------------------------

    def _create(self, media: MediaKey, state: RequestState, now: datetime) -> Request:
        request_id = str(self._next_id)
        self._next_id += 1
        request = Request(
            request_id=request_id,
            media_type=media.media_type,
            state=state,
            created_at=now,
            state_since=now,
            history=[HistoryEntry(state, now)],
        )
        if state in VERIFY_STATES:
            request.next_verify_at = now + timedelta(seconds=VERIFY_BACKOFF[0])
        self.requests[request_id] = request
        return request

    def _finished_with(
        self, *, jellyseerr_id: int | None = None, qbit_hash: str | None = None
    ) -> bool:
        """Return whether a finished request already has this Jellyseerr id or torrent.

        Such an event is a redelivery of one that request already absorbed, not a new request.
        """
        return any(
            (jellyseerr_id is not None and request.jellyseerr_id == jellyseerr_id)
            or (qbit_hash is not None and qbit_hash in request.hashes())
            for request in self.requests.values()
            if not request.is_active
        )

    def _find_active(self, probe: Probe) -> Request | None:
        return find_request(self.active(), probe)

    @staticmethod
    def _transition(
        request: Request, target: RequestState, now: datetime, note: str | None = None
    ) -> Change | None:
        if not can_transition(request.state, target):
            return None
        previous = request.state
        request.state = target
        request.state_since = now
        set_stuck(request, None)
        request.history.append(HistoryEntry(target, now, note))
        if target in VERIFY_STATES:
            request.verify_attempts = 0
            request.next_verify_at = now + timedelta(seconds=VERIFY_BACKOFF[0])
        return Change(request.request_id, ChangeKind.TRANSITION, previous, target)

    @staticmethod
    def _update(request: Request, **values: Any) -> bool:
        """Set the given fields, skipping None; return whether anything changed."""
        changed = False
        for name, value in values.items():
            if value is not None and getattr(request, name) != value:
                setattr(request, name, value)
                changed = True
        return changed

    @staticmethod
    def _merge_media(request: Request, media: MediaKey) -> bool:
        return Tracker._update(
            request,
            tmdb_id=media.tmdb_id,
            tvdb_id=media.tvdb_id,
            imdb_id=media.imdb_id,
            title=request.title or media.title,
            year=request.year or media.year,
        )

    @staticmethod
    def _collect(
        request: Request, transition: Change | None, updated: bool, created: bool = False
    ) -> list[Change]:
        if created:
            return [Change(request.request_id, ChangeKind.CREATED, None, request.state)]
        if transition is not None:
            return [transition]
        if updated:
            return [Change(request.request_id, ChangeKind.UPDATED, request.state, request.state)]
        return []

    # -- event handlers ------------------------------------------------------------------------

    def _on_request_notified(self, event: RequestNotified, now: datetime) -> list[Change]:
        request = self._find_active(Probe(event.media, jellyseerr_id=event.jellyseerr_id))
        if (
            request is not None
            and request.jellyseerr_id is not None
            and event.jellyseerr_id is not None
            and request.jellyseerr_id != event.jellyseerr_id
        ):
            # Another Jellyseerr request for the same title (other seasons, or 4K): its own.
            request = None
        created = False
        if request is None:
            if event.target not in OPENING_TARGETS or self._finished_with(
                jellyseerr_id=event.jellyseerr_id
            ):
                return []
            request = self._create(event.media, event.target, now)
            created = True
        updated = self._merge_media(request, event.media)
        updated |= self._update(
            request,
            jellyseerr_id=event.jellyseerr_id,
            overview=event.overview,
            poster_url=event.poster_url,
            requested_by=event.requested_by,
            requested_seasons=list(event.requested_seasons) or None,
            is_4k=event.is_4k or None,
        )
        if event.target is RequestState.AVAILABLE:
            updated |= self._update(request, available_at=request.available_at or now)
        transition = None if created else self._transition(request, event.target, now)
        if transition is not None and event.target is RequestState.FAILED:
            request.failure_reason = "Jellyseerr reports that processing the request failed"
        return self._collect(request, transition, updated, created)

    def _on_release_grabbed(self, event: ReleaseGrabbed, now: datetime) -> list[Change]:
        probe = Probe(
            event.media,
            qbit_hash=event.qbit_hash,
            arr_id=event.arr_id,
            seasons=frozenset(ref.season_number for ref in event.episodes),
        )
        request = self._find_active(probe)
        created = request is None
        if request is None and self._finished_with(qbit_hash=event.qbit_hash):
            return []  # a redelivered grab of a download that already finished
        if request is None:
            request = self._create(event.media, RequestState.GRABBING, now)
        elif (
            event.media.media_type is MediaType.MOVIE
            and event.qbit_hash
            and request.qbit_hash
            and request.qbit_hash != event.qbit_hash
        ):
            # A new release for the same title (the first one failed): follow the new torrent.
            request.history.append(HistoryEntry(request.state, now, "grabbed another release"))
            request.progress = 0.0
        updated = self._merge_media(request, event.media)
        updated |= self._update(
            request,
            radarr_id=event.arr_id if event.media.media_type is MediaType.MOVIE else None,
            sonarr_id=event.arr_id if event.media.media_type is MediaType.TV else None,
            qbit_hash=event.qbit_hash,
            release_title=event.release_title,
            quality=event.quality,
            indexer=event.indexer,
            release_group=event.release_group,
            file_size=event.file_size,
            download_client=event.download_client,
            is_anime=event.is_anime or None,
            overview=request.overview or event.overview,
            poster_url=request.poster_url or event.poster_url,
        )
        if request.media_type is MediaType.TV:
            updated |= tv.merge_grab(request, event)
            transition = self._aggregate(request, now)
        elif not created:
            transition = self._transition(request, RequestState.GRABBING, now)
        else:
            transition = None
        return self._collect(request, None if created else transition, updated, created)

    def _on_torrent_progress(self, event: TorrentProgress, now: datetime) -> list[Change]:
        changes: list[Change] = []
        for request in list(self.active()):
            if request.media_type is MediaType.TV and event.qbit_hash in request.hashes():
                updated = tv.apply_torrent(request, event)
                updated |= self._flag_client_error(request, event)
                changes += self._collect(request, self._aggregate(request, now), updated)
                continue
            if request.qbit_hash != event.qbit_hash or request.state not in TORRENT_STATES:
                continue
            updated = self._update(
                request,
                progress=round(event.progress, 4),
                download_speed=event.download_speed,
                torrent_state=event.client_state,
                paused=event.phase is TorrentPhase.PAUSED,
                file_size=request.file_size or event.size,
            )
            if request.eta != event.eta:
                request.eta = event.eta
                updated = True
            updated |= self._flag_client_error(request, event)
            transition = None
            if target := PHASE_TARGETS.get(event.phase):
                transition = self._transition(request, target, now)
            if transition is not None and target is RequestState.DOWNLOADED:
                request.download_speed = 0
                request.eta = 0
            changes += self._collect(request, transition, updated)
        return changes

    @staticmethod
    def _flag_client_error(request: Request, event: TorrentProgress) -> bool:
        """Mark the request stuck while its torrent is in error; clear it once it recovers."""
        if event.phase is TorrentPhase.ERROR and not request.stuck:
            return set_stuck(
                request, f"{CLIENT_REASON} {event.client_state}", StuckCode.CLIENT_ERROR
            )
        if (
            event.phase is not TorrentPhase.ERROR
            and request.stuck
            and (request.stuck_reason or "").startswith(CLIENT_REASON)
        ):
            # The torrent recovered (files back, error cleared): so has the request.
            return set_stuck(request, None)
        return False

    def _on_torrent_missing(self, event: TorrentMissing) -> list[Change]:
        """Flag a torrent that was in the client and is gone.

        One never seen yet is not removed: qBittorrent lists a new torrent a moment after it
        accepted it.
        """
        changes: list[Change] = []
        for request in list(self.active()):
            seen = (
                event.qbit_hash in request.torrents
                if request.media_type is MediaType.TV
                else request.torrent_state not in (None, "removed")
            )
            if not seen:
                continue
            holders: list[Request | Episode] = [
                episode
                for episode in request.episodes
                if episode.qbit_hash == event.qbit_hash and episode.state in TORRENT_STATES
            ]
            if request.qbit_hash == event.qbit_hash and request.state in TORRENT_STATES:
                holders.append(request)
            if holders and request not in holders:
                holders.append(request)
            updated = False
            for holder in holders:
                if holder.stuck_reason != REMOVED_REASON:
                    updated |= set_stuck(holder, REMOVED_REASON)
            if updated:
                request.torrent_state = "removed"
                changes += self._collect(request, None, updated)
        return changes

    def _on_torrent_files(self, event: TorrentFiles) -> list[Change]:
        changes: list[Change] = []
        for request in list(self.active()):
            if request.media_type is MediaType.TV and event.qbit_hash in request.hashes():
                changes += self._collect(request, None, tv.apply_files(request, event))
        return changes

    @staticmethod
    def _aggregate(request: Request, now: datetime) -> Change | None:
        previous = tv.aggregate(request, now)
        if previous is None:
            return None
        return Change(request.request_id, ChangeKind.TRANSITION, previous, request.state)

    def _on_file_imported(self, event: FileImported, now: datetime) -> list[Change]:
        probe = Probe(
            event.media,
            qbit_hash=event.qbit_hash,
            arr_id=event.arr_id,
            seasons=frozenset(item.episode.season_number for item in event.episodes),
        )
        if event.is_upgrade:
            # Upgrades of a finished request only leave a note (DESIGN §2).
            finished = find_request(
                (r for r in self.requests.values() if r.state is RequestState.AVAILABLE), probe
            )
            if finished is not None and self._find_active(probe) is None:
                note = _upgrade_note(event)
                last = finished.history[-1]
                if last.note == note and finished.final_path == (
                    event.final_path or finished.final_path
                ):
                    return []  # the same upgrade delivered again
                finished.history.append(HistoryEntry(finished.state, now, note))
                finished.final_path = event.final_path or finished.final_path
                return self._collect(finished, None, updated=True)
        request = self._find_active(probe)
        created = request is None
        if request is None:
            if event.is_upgrade or self._finished_with(qbit_hash=event.qbit_hash):
                return []  # an upgrade of something untracked, or a redelivered import
            if not _has_media_ids(event.media):
                _LOGGER.info(
                    "Ignored the import of %s: it matches no tracked request and names no "
                    "TMDB, TVDB or IMDb id to start one",
                    _describe(event.media),
                )
                return []
            request = self._create(event.media, _import_target(event.is_anime), now)
        updated = self._merge_media(request, event.media)
        updated |= self._update(
            request,
            radarr_id=event.arr_id if event.media.media_type is MediaType.MOVIE else None,
            sonarr_id=event.arr_id if event.media.media_type is MediaType.TV else None,
            final_path=event.final_path,
            is_anime=event.is_anime or None,
        )
        if request.media_type is MediaType.TV:
            updated |= tv.import_episodes(request, event, now)
            transition = self._aggregate(request, now)
            return self._collect(request, None if created else transition, updated, created)
        # An import means the download is complete, whether or not we saw it finish.
        updated |= self._update(request, progress=1.0, download_speed=0, eta=0)
        transition = (
            None if created else self._transition(request, _import_target(request.is_anime), now)
        )
        return self._collect(request, transition, updated, created)

    def _on_import_needs_attention(self, event: ImportNeedsAttention) -> list[Change]:
        request = self._find_active(
            Probe(event.media, qbit_hash=event.qbit_hash, arr_id=event.arr_id)
        )
        if request is None:
            _LOGGER.info(
                "Ignored a manual-interaction notice for %s: it matches no tracked request",
                _describe(event.media),
            )
            return []
        updated = set_stuck(request, event.reason, event.code)
        if request.media_type is MediaType.TV:
            updated |= tv.mark_stuck(request, event)
        return self._collect(request, None, updated)

    @staticmethod
    def _explainable(request: Request) -> bool:
        """Return whether an *arr queue may explain why this request is stuck.

        Downloads the client itself reported in error or removed keep the client's reason:
        the queue would only repeat it.
        """
        return (
            request.stuck
            and request.state in EXPLAINED_STATES
            and not (request.stuck_reason or "").startswith(CLIENT_REASON)
        )

    def explainable(self) -> dict[str, MediaType]:
        """Return the hashes of stuck downloads an *arr queue can explain, with their media type."""
        found: dict[str, MediaType] = {}
        for request in self.active():
            if not self._explainable(request):
                continue
            holders: list[Request | Episode] = [
                e for e in request.episodes if e.state in EXPLAINED_STATES
            ] or [request]
            found |= {h.qbit_hash: request.media_type for h in holders if h.qbit_hash}
        return found

    def _on_download_explained(self, event: DownloadExplained) -> list[Change]:
        changes: list[Change] = []
        for request in list(self.active()):
            if not self._explainable(request) or event.qbit_hash not in request.hashes():
                continue
            updated = False
            for episode in request.episodes:
                if episode.qbit_hash == event.qbit_hash and episode.state in EXPLAINED_STATES:
                    updated |= set_stuck(episode, event.reason, event.code)
            updated |= set_stuck(request, event.reason, event.code)
            changes += self._collect(request, None, updated)
        return changes

    def _on_shoko_event(self, event: FileMatched | FileNotMatched, now: datetime) -> list[Change]:
        target = anime.find_file(self.active(), event.relative_path)
        if target is None:
            return []
        if isinstance(event, FileMatched):
            updated = anime.apply_match(target, event, now)
        else:
            updated = anime.apply_not_matched(target, event)
        return self._collect(target[0], None, updated)

    def _on_library_check_requested(
        self, event: LibraryCheckRequested, now: datetime
    ) -> list[Change]:
        waiting = [r for r in self.active() if r.state in VERIFY_STATES]
        if event.media is not None:
            match = find_request(waiting, Probe(event.media))
            waiting = [match] if match is not None else []
        for request in waiting:
            request.next_verify_at = now
        return []

    def _on_library_item_found(self, event: LibraryItemFound, now: datetime) -> list[Change]:
        request = self.requests.get(event.request_id)
        if request is None or request.state not in VERIFY_STATES:
            return []
        request.jellyfin_id = event.jellyfin_id
        request.available_at = now
        request.next_verify_at = None
        transition = self._transition(
            request, RequestState.AVAILABLE, now, f"found in Jellyfin ({event.method})"
        )
        return self._collect(request, transition, updated=True)

    def _on_library_episodes_found(
        self, event: LibraryEpisodesFound, now: datetime
    ) -> list[Change]:
        request = self.requests.get(event.request_id)
        if request is None or request.state not in VERIFY_STATES:
            return []
        updated = tv.mark_found(request, event)
        transition = self._aggregate(request, now)
        if request.state is RequestState.AVAILABLE:
            request.history[-1].note = f"found in Jellyfin ({event.method})"
        elif tv.waiting_for_library(request):
            self._on_library_item_missing(LibraryItemMissing(request.request_id), now)
        return self._collect(request, transition, updated)

    def _on_library_item_missing(self, event: LibraryItemMissing, now: datetime) -> list[Change]:
        request = self.requests.get(event.request_id)
        if request is None or request.state not in VERIFY_STATES:
            return []
        request.verify_attempts += 1
        delay = VERIFY_BACKOFF[min(request.verify_attempts, len(VERIFY_BACKOFF) - 1)]
        request.next_verify_at = now + timedelta(seconds=delay)
        return []


def _upgrade_note(event: FileImported) -> str:
    """Return the history note of an upgrade: "upgraded", naming the episodes for TV."""
    episodes = ", ".join(
        f"S{item.episode.season_number:02d}E{item.episode.episode_number:02d}"
        for item in event.episodes
    )
    return f"upgraded {episodes}" if episodes else "upgraded"


def _import_target(is_anime: bool) -> RequestState:
    """Anime waits for Shoko to match the file; everything else goes straight to verification."""
    return RequestState.ANIME_MATCHING if is_anime else RequestState.IMPORTING


def _describe(media: MediaKey) -> str:
    """Name a title in a log line: "Title (Year)", or its media type when unnamed."""
    if media.title is None:
        return f"an unnamed {media.media_type.value}"
    return f"{media.title} ({media.year})" if media.year else media.title


def _has_media_ids(media: MediaKey) -> bool:
    return any(value is not None for value in (media.tmdb_id, media.tvdb_id, media.imdb_id))
