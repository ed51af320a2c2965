"""What the integration's actions do to the tracked requests (their events: action_events.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .action_events import LibraryCheckAsked, RequestForgotten, RequestNoted
from .changes import Change, ChangeKind
from .limits import forget
from .models import HistoryEntry, Request
from .states import VERIFY_STATES

if TYPE_CHECKING:
    from .tracker import Tracker


def on_request_noted(tracker: Tracker, event: RequestNoted, now: datetime) -> list[Change]:
    """Add the note to the request's history, at its current state."""
    request = tracker.requests.get(event.request_id)
    if request is None:
        return []
    request.add_history(HistoryEntry(request.state, now, event.note))
    return [Change(request.request_id, ChangeKind.UPDATED, request.state, request.state)]


def on_request_forgotten(tracker: Tracker, event: RequestForgotten, _now: datetime) -> list[Change]:
    """Stop tracking the request."""
    request = tracker.requests.get(event.request_id)
    return forget(tracker, [request]) if request is not None else []


def waits_for_library(request: Request) -> bool:
    """Return whether a request waits for the media server to have its item."""
    return request.is_active and request.state in VERIFY_STATES


def on_library_check_asked(
    tracker: Tracker, event: LibraryCheckAsked, now: datetime
) -> list[Change]:
    """Make the request due for a library check now, with its back-off started over."""
    request = tracker.requests.get(event.request_id)
    if request is None or not waits_for_library(request):
        return []
    request.verify_attempts = 0
    request.next_verify_at = now
    request.add_history(HistoryEntry(request.state, now, "library check asked"))
    return [Change(request.request_id, ChangeKind.UPDATED, request.state, request.state)]
