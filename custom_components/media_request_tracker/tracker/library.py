"""Library phase: the media server has the item (TV: which episodes), or not yet, or no answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import tv
from .changes import Change, collect
from .correlation import Probe
from .events import (
    LibraryCheckRequested,
    LibraryEpisodesFound,
    LibraryItemFound,
    LibraryItemMissing,
    LibraryUnreachable,
)
from .lifecycle import UNREACHABLE_RETRY, aggregate, awaits_library, schedule_backoff, transition
from .models import HistoryEntry, Request
from .states import VERIFY_STATES, RequestState

if TYPE_CHECKING:
    from .tracker import Tracker


def on_library_check_requested(
    tracker: Tracker, event: LibraryCheckRequested, now: datetime
) -> list[Change]:
    """Check the waiting requests (or the one the media server named) at once."""
    if event.media is not None:
        match = tracker.find(Probe(event.media), _waiting)
        waiting = [match] if match is not None else []
    else:
        waiting = [request for request in tracker.library_candidates() if _waiting(request)]
    for request in waiting:
        request.next_verify_at = now
    return []


def _waiting(request: Request) -> bool:
    """Return whether an active request waits for the media server to have its item."""
    return request.is_active and request.state in VERIFY_STATES


def seasons_to_check(request: Request) -> list[int]:
    """Return the seasons whose episodes the media server is asked for (TV).

    Those of the episodes still waiting; for a request already available (to be linked to the
    library), those of all its episodes.
    """
    episodes = request.episodes
    if request.is_active:
        episodes = [episode for episode in episodes if episode.state in VERIFY_STATES]
    return sorted({episode.season_number for episode in episodes})


def _awaiting(tracker: Tracker, request_id: str) -> Request | None:
    request = tracker.requests.get(request_id)
    return request if request is not None and awaits_library(request) else None


def _link(request: Request, jellyfin_id: str, method: str, now: datetime) -> list[Change]:
    """Link an available request to its library item (Jellyseerr had said available)."""
    request.jellyfin_id = jellyfin_id
    request.next_verify_at = None
    request.add_history(HistoryEntry(request.state, now, f"found in Jellyfin ({method})"))
    return collect(request, None, updated=True)


def on_library_item_found(tracker: Tracker, event: LibraryItemFound, now: datetime) -> list[Change]:
    """The movie is in the library and playable: the request is available."""
    request = _awaiting(tracker, event.request_id)
    if request is None:
        return []
    if not request.is_active:
        return _link(request, event.jellyfin_id, event.method, now)
    request.jellyfin_id = event.jellyfin_id
    request.available_at = now
    request.next_verify_at = None
    moved = transition(request, RequestState.AVAILABLE, now, f"found in Jellyfin ({event.method})")
    return collect(request, moved, updated=True)


def on_library_episodes_found(
    tracker: Tracker, event: LibraryEpisodesFound, now: datetime
) -> list[Change]:
    """The series is in the library: its playable episodes that were waiting become available.

    The event may list every episode the series has; only those still waiting count, and when
    none of them is there yet it is a miss like any other (DESIGN §2: per-episode checks).
    """
    request = _awaiting(tracker, event.request_id)
    if request is None:
        return []
    if not request.is_active:
        items = {(season, number): item_id for season, number, item_id in event.episodes}
        for episode in request.episodes:
            episode.jellyfin_id = items.get(episode.key, episode.jellyfin_id)
        return _link(request, event.series_jellyfin_id, event.method, now)
    waiting = {episode.key for episode in request.episodes if episode.state in VERIFY_STATES}
    found = tuple(item for item in sorted(event.episodes) if (item[0], item[1]) in waiting)
    if not found:
        return on_library_item_missing(tracker, LibraryItemMissing(request.request_id), now)
    updated = tv.mark_found(request, replace(event, episodes=found))
    moved = aggregate(request, now)
    if request.state is RequestState.AVAILABLE:
        request.history[-1].note = f"found in Jellyfin ({event.method})"
    elif tv.waiting_for_library(request):
        schedule_backoff(request, now)
    return collect(request, moved, updated)


def on_library_item_missing(
    tracker: Tracker, event: LibraryItemMissing, now: datetime
) -> list[Change]:
    """Not in the library yet: ask again later."""
    if (request := _awaiting(tracker, event.request_id)) is not None:
        schedule_backoff(request, now)
    return []


def on_library_unreachable(
    tracker: Tracker, event: LibraryUnreachable, now: datetime
) -> list[Change]:
    """No answer from the media server: ask again soon, the back-off where it was."""
    if (request := _awaiting(tracker, event.request_id)) is not None:
        request.next_verify_at = now + timedelta(seconds=UNREACHABLE_RETRY)
    return []
