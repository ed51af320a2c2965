"""The reducer: every change to a request goes through `Tracker.apply(event, now)`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from . import housekeeping, limits
from .changes import Change
from .correlation import Probe, find_request
from .events import (
    MediaKey,
    TorrentPhase,
    TorrentProgress,
    TorrentsPolled,
    TrackerEvent,
)
from .handlers import HANDLERS
from .housekeeping_events import StuckCheckDue
from .index import Key, RequestIndex, awaiting_library
from .lifecycle import VERIFY_BACKOFF
from .models import HistoryEntry, MediaType, Request
from .states import VERIFY_STATES, RequestState
from .stored import EPISODE_FIELDS, request_from_stored


class Tracker:
    """All tracked requests of one stack; `apply` is the one way to change them."""

    def __init__(self) -> None:
        """Start empty."""
        self.requests: dict[str, Request] = {}
        self._next_id = 1
        # Hashes the download client has listed since start-up (not stored: a restarted
        # Home Assistant polls fast until the client has listed each torrent once).
        self.listed_hashes: set[str] = set()
        # What the last poll reported of each torrent it listed; any other event forgets it
        # (see downloads.on_torrents_polled: an unchanged torrent is not applied again).
        self.last_polled: dict[str, TorrentProgress] = {}
        self._index = RequestIndex()
        # Requests a handler created (their creation is reported, their ids come after).
        self._created: set[str] = set()

    # -- the reducer ---------------------------------------------------------------------------

    def apply(self, event: TrackerEvent, now: datetime) -> list[Change]:
        """Apply one event at time `now`; return the changes it caused (empty if none)."""
        if type(event) is not TorrentsPolled:
            self.last_polled.clear()
        changes = HANDLERS[type(event)](self, event, now)
        limits.note_activity(self, event, changes, now)
        self._created.update(change.request_id for change in changes)
        for request_id in self._created:
            self._index.refresh(request_id, self.requests.get(request_id))
        self._created.clear()
        return changes

    # -- persistence ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready snapshot with every field by name (diagnostics, tests)."""
        return {
            "next_id": self._next_id,
            "requests": [request.to_dict() for request in self.requests.values()],
        }

    def to_stored(self) -> dict[str, Any]:
        """Return the snapshot a save writes, in the compact stored form (tracker/stored.py)."""
        return {
            "next_id": self._next_id,
            "episode_fields": list(EPISODE_FIELDS),
            "requests": [self._index.stored(request) for request in self.requests.values()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tracker:
        """Restore a snapshot made by `to_dict`; raise if any request cannot be read."""
        copy = {**data, "requests": list(data.get("requests", []))}
        tracker, unreadable = cls._restore(copy, Request.from_dict)
        if unreadable:
            raise ValueError(f"{len(unreadable)} stored requests cannot be read")
        return tracker

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> tuple[Tracker, list[Any]]:
        """Restore a snapshot made by `to_stored`, leaving out (and returning) what is unreadable.

        The snapshot's request list is emptied as it is read (the snapshot is handed over).
        """
        names = tuple(data.get("episode_fields", EPISODE_FIELDS))
        return cls._restore(data, lambda item: request_from_stored(item, names))

    @classmethod
    def _restore(
        cls, data: dict[str, Any], read: Callable[[Any], Request]
    ) -> tuple[Tracker, list[Any]]:
        """Restore the requests `read` can build; return the tracker and the others."""
        tracker = cls()
        unreadable = tracker._lay_over(data.get("requests", []), read)
        tracker._next_id = max(tracker._next_id, int(data.get("next_id", 1)))
        return tracker, unreadable

    def replay(self, record: dict[str, Any]) -> list[Any]:
        """Lay a journal line over the restored tracker (see journal.py); return what is unreadable.

        The line holds requests in their stored form (they replace those with their ids) and
        the ids of requests forgotten since the snapshot.
        """
        names = tuple(record.get("episode_fields", EPISODE_FIELDS))
        unreadable = self._lay_over(
            list(record.get("requests", [])), lambda item: request_from_stored(item, names)
        )
        for request_id in record.get("removed", ()):
            if self.requests.pop(request_id, None) is not None:
                self._index.refresh(request_id, None)
        self._next_id = max(self._next_id, int(record.get("next_id", 1)))
        return unreadable

    def _lay_over(self, items: list[Any], read: Callable[[Any], Request]) -> list[Any]:
        """Add (or replace) the requests `read` can build from `items`; return the others.

        Each stored request is freed once restored, so a large store is not held twice.
        """
        unreadable: list[Any] = []
        items.reverse()  # popped from the end: oldest first, as stored
        while items:
            item = items.pop()
            try:
                request = read(item)
                number = int(request.request_id)  # ids are numbers: the next one follows them
            except (KeyError, TypeError, ValueError, AttributeError):
                unreadable.append(item)
                continue
            self.requests[request.request_id] = request
            self._index.refresh(request.request_id, request)
            self._next_id = max(self._next_id, number + 1)
        return unreadable

    @property
    def next_id(self) -> int:
        """Return the id the next new request gets."""
        return self._next_id

    def stored_request(self, request_id: str) -> dict[str, Any]:
        """Return one request's compact stored form (what a snapshot holds of it)."""
        return self._index.stored(self.requests[request_id])

    # -- for the handlers ----------------------------------------------------------------------

    def create(self, media: MediaKey, state: RequestState, now: datetime) -> Request:
        """Start tracking a new request in `state`."""
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
        self._index.refresh(request_id, request)
        self._created.add(request_id)
        return request

    def find_active(self, probe: Probe) -> Request | None:
        """Return the active request an event belongs to (DESIGN §3), if any."""
        return self.find(probe, lambda request: request.is_active)

    def find(self, probe: Probe, where: Callable[[Request], bool]) -> Request | None:
        """Return the request `where` accepts that the probe belongs to (DESIGN §3), if any.

        Only the requests sharing an id with the probe are candidates; a probe with no id at
        all (a title and year) is compared with every request.
        """
        has_ids = probe.has_ids()
        candidates = self.holding(probe.keys()) if has_ids else list(self.requests.values())
        return find_request((request for request in candidates if where(request)), probe)

    def holding(self, keys: Iterable[Key]) -> list[Request]:
        """Return the requests with any of these keys, oldest first."""
        return self._holding_ids(self._index.holders(keys))

    def _holding_ids(self, request_ids: Iterable[str]) -> list[Request]:
        return [self.requests[request_id] for request_id in request_ids]

    def with_torrent(self, qbit_hash: str) -> list[Request]:
        """Return the active requests that have (or had) this torrent, oldest first."""
        return [request for request in self.holding([("hash", qbit_hash)]) if request.is_active]

    def finished_with(
        self, *, jellyseerr_id: int | None = None, qbit_hash: str | None = None
    ) -> bool:
        """Return whether a finished request already has this Jellyseerr id or torrent.

        Such an event is a redelivery of one that request already absorbed, not a new request.
        """
        keys: list[Key] = []
        if jellyseerr_id is not None:
            keys.append(("jellyseerr_id", jellyseerr_id))
        if qbit_hash is not None:
            keys.append(("hash", qbit_hash))
        return any(
            (jellyseerr_id is not None and request.jellyseerr_id == jellyseerr_id)
            or (qbit_hash is not None and qbit_hash in request.hashes())
            for request in self.holding(keys)
            if not request.is_active
        )

    # -- queries -------------------------------------------------------------------------------

    def active(self) -> Iterator[Request]:
        """Yield the requests that can still absorb lifecycle events, oldest first."""
        return (request for request in self.requests.values() if request.is_active)

    def tracked_hashes(self) -> set[str]:
        """Return the torrent hashes of requests (TV: of episodes) whose download is under way."""
        return self._index.downloading()

    def unlisted_hashes(self) -> set[str]:
        """Return the tracked hashes the download client has not listed yet (about to start)."""
        tracked = self.tracked_hashes()
        self.listed_hashes &= tracked
        return tracked - self.listed_hashes

    def season_pack_hashes(self) -> set[str]:
        """Return the tracked hashes that carry several episodes (their files show each one)."""
        return self._index.torrents_of_several_episodes() & self.tracked_hashes()

    def packs_to_read(self, torrents: Iterable[TorrentProgress]) -> list[str]:
        """Return the season packs among `torrents` whose files are worth reading now."""
        packs = self.season_pack_hashes()
        return [
            torrent.qbit_hash
            for torrent in torrents
            if torrent.qbit_hash in packs and torrent.phase is TorrentPhase.DOWNLOADING
        ]

    def first_finished(self, count: int) -> list[Request]:
        """Take the `count` finished requests that finished first, to forget them now."""
        return self._index.first_finished(self.requests, count)

    def library_candidates(self) -> list[Request]:
        """Return the requests that may wait for a media-server check, oldest first."""
        return self._holding_ids(self._index.library_candidates())

    def due_for_verification(self, now: datetime) -> list[Request]:
        """Return the requests whose media-server check is due."""
        return [
            request
            for request in awaiting_library(self.requests, self._index)
            if request.next_verify_at is not None and request.next_verify_at <= now
        ]

    def next_verification_at(self) -> datetime | None:
        """Return when the next media-server check is due, if any is planned."""
        times = [
            request.next_verify_at
            for request in awaiting_library(self.requests, self._index, ordered=False)
            if request.next_verify_at is not None
        ]
        return min(times, default=None)

    def explainable(
        self, upcoming: StuckCheckDue | None = None, now: datetime | None = None
    ) -> dict[str, MediaType]:
        """Return the hashes of stuck downloads an *arr queue can explain (see housekeeping)."""
        return housekeeping.explainable_downloads(self, upcoming, now)
