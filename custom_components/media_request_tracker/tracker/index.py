"""The tracker's lookups that cost no scan: requests by id or torrent, downloads, library checks.

An event names a torrent hash, a Seerr id, a Radarr/Sonarr id or a TMDB/TVDB/IMDb id; the index
maps each such key to the requests that carry it, so finding an event's request costs the same
with 10 or 10,000 tracked. It also keeps, per request, what the tracker is asked after every
event: the torrents still downloading, whether the media server is to be asked, and the
request's stored form. The tracker refreshes a request's entry whenever the request changed
(every change a handler reports, every request it creates).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .lifecycle import awaits_library
from .models import MediaType, Request
from .states import TORRENT_STATES, VERIFY_STATES, RequestState
from .stored import stored_request, stored_verification

# A lookup key: ("hash", hash), ("jellyseerr_id", id) or (field, media type, id).
type Key = tuple[str, object] | tuple[str, MediaType, object]

# The ids of a request that name its media, with the media type (a movie and a series may
# share a TMDB number).
MEDIA_ID_FIELDS = ("arr_id", "tmdb_id", "tvdb_id", "imdb_id")


def request_keys(request: Request) -> frozenset[Key]:
    """Return every key an event could find the request by."""
    keys: set[Key] = {("hash", torrent) for torrent in request.hashes() | request.torrents.keys()}
    if request.jellyseerr_id is not None:
        keys.add(("jellyseerr_id", request.jellyseerr_id))
    for name in MEDIA_ID_FIELDS:
        value = getattr(request, name)
        if value is not None:
            keys.add((name, request.media_type, value))
    return frozenset(keys)


def downloading_hashes(request: Request) -> frozenset[str]:
    """Return the request's torrents whose download is under way (TV: its episodes')."""
    if not request.is_active:
        return frozenset()
    if request.media_type is MediaType.TV:
        return frozenset(
            episode.qbit_hash
            for episode in request.episodes
            if episode.state in TORRENT_STATES and episode.qbit_hash
        )
    if request.state in TORRENT_STATES and request.qbit_hash:
        return frozenset({request.qbit_hash})
    return frozenset()


def episode_torrents(request: Request) -> Counter[str]:
    """Return how many of an active request's episodes each of its torrents carries."""
    if not request.is_active:
        return Counter()
    return Counter(episode.qbit_hash for episode in request.episodes if episode.qbit_hash)


def may_await_library(request: Request) -> bool:
    """Return whether the request may wait for a media-server check (its state says so).

    `awaits_library` also reads the planned check time, which moves without a change; this
    coarser test holds for as long as the request's state and library link do.
    """
    if request.is_active:
        return request.state in VERIFY_STATES
    return request.state is RequestState.AVAILABLE and request.jellyfin_id is None


def oldest_first(request_ids: Iterable[str]) -> list[str]:
    """Sort request ids by creation (ids are counted up from 1)."""
    return sorted(request_ids, key=int)


class RequestIndex:
    """Keys, downloads, library waits and stored form of every tracked request."""

    def __init__(self) -> None:
        """Start empty."""
        self._keys: dict[str, frozenset[Key]] = {}
        self._holders: dict[Key, set[str]] = {}
        self._downloading: dict[str, frozenset[str]] = {}
        self._hash_users: dict[str, int] = {}
        # Per active TV request, its episodes per torrent; and the totals (a pack has several).
        self._episode_torrents: dict[str, Counter[str]] = {}
        self._episodes_per_torrent: Counter[str] = Counter()
        self._library: set[str] = set()
        self._stored: dict[str, dict[str, Any]] = {}
        # Finished requests by when they finished (entries of changed or forgotten ones are
        # skipped when met): the cap forgets the first of them without a scan.
        self._finished: list[tuple[datetime, int, str]] = []

    def refresh(self, request_id: str, request: Request | None) -> None:
        """Index the request as it is now (None: it was forgotten)."""
        self._stored.pop(request_id, None)
        self._set_keys(request_id, request_keys(request) if request else frozenset())
        self._set_downloading(request_id, downloading_hashes(request) if request else frozenset())
        self._set_episode_torrents(request_id, episode_torrents(request) if request else Counter())
        if request is not None and may_await_library(request):
            self._library.add(request_id)
        else:
            self._library.discard(request_id)
        if request is not None and not request.is_active:
            heapq.heappush(self._finished, (request.state_since, int(request_id), request_id))

    def _set_keys(self, request_id: str, keys: frozenset[Key]) -> None:
        old = self._keys.get(request_id, frozenset())
        if keys == old:
            return
        for key in old - keys:
            holders = self._holders[key]
            holders.discard(request_id)
            if not holders:
                del self._holders[key]
        for key in keys - old:
            self._holders.setdefault(key, set()).add(request_id)
        if keys:
            self._keys[request_id] = keys
        else:
            self._keys.pop(request_id, None)

    def _set_downloading(self, request_id: str, hashes: frozenset[str]) -> None:
        old = self._downloading.get(request_id, frozenset())
        if hashes == old:
            return
        for torrent in old - hashes:
            self._hash_users[torrent] -= 1
            if not self._hash_users[torrent]:
                del self._hash_users[torrent]
        for torrent in hashes - old:
            self._hash_users[torrent] = self._hash_users.get(torrent, 0) + 1
        if hashes:
            self._downloading[request_id] = hashes
        else:
            self._downloading.pop(request_id, None)

    def _set_episode_torrents(self, request_id: str, counts: Counter[str]) -> None:
        old = self._episode_torrents.pop(request_id, Counter())
        if counts == old:
            if counts:
                self._episode_torrents[request_id] = counts
            return
        self._episodes_per_torrent.subtract(old)
        self._episodes_per_torrent.update(counts)
        self._episodes_per_torrent = +self._episodes_per_torrent  # drop the zeros
        if counts:
            self._episode_torrents[request_id] = counts

    # -- lookups -------------------------------------------------------------------------------

    def holders(self, keys: Iterable[Key]) -> list[str]:
        """Return the ids of the requests with any of these keys, oldest first."""
        found: set[str] = set()
        for key in keys:
            found |= self._holders.get(key, set())
        return oldest_first(found) if len(found) > 1 else list(found)

    def torrents_of_several_episodes(self) -> set[str]:
        """Return the torrents that carry several episodes of active requests (season packs)."""
        return {torrent for torrent, count in self._episodes_per_torrent.items() if count > 1}

    def downloading(self) -> set[str]:
        """Return the torrent hashes whose download is under way."""
        return set(self._hash_users)

    def library_candidates(self, *, ordered: bool = True) -> list[str]:
        """Return the ids of requests that may wait for a media-server check (oldest first)."""
        return oldest_first(self._library) if ordered else list(self._library)

    def first_finished(self, requests: dict[str, Request], count: int) -> list[Request]:
        """Take the `count` requests that finished first (the caller forgets them)."""
        if len(self._finished) > 2 * len(requests) + 64:
            self._finished = [
                (request.state_since, int(request_id), request_id)
                for request_id, request in requests.items()
                if not request.is_active
            ]
            heapq.heapify(self._finished)
        taken: dict[str, Request] = {}
        while self._finished and len(taken) < count:
            since, _, request_id = heapq.heappop(self._finished)
            request = requests.get(request_id)
            if request is not None and not request.is_active and request.state_since == since:
                taken[request_id] = request
        return list(taken.values())

    def stored(self, request: Request) -> dict[str, Any]:
        """Return the request's compact stored form, made once per change (never mutated).

        The planned media-server check moves without a change (every miss backs it off): it
        is read afresh each time.
        """
        stored = self._stored.get(request.request_id)
        if stored is None:
            stored = self._stored[request.request_id] = stored_request(request)
        verification = stored_verification(request)
        return {**stored, **verification} if verification else stored


def awaiting_library(
    requests: dict[str, Request], index: RequestIndex, *, ordered: bool = True
) -> list[Request]:
    """Return the requests whose media-server check is planned (oldest first if `ordered`)."""
    return [
        request
        for request_id in index.library_candidates(ordered=ordered)
        if awaits_library(request := requests[request_id])
    ]
