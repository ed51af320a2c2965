"""Bounded growth: a cap on the requests tracked, and active ones abandoned when long idle.

A request's activity is any change an event from a service made to it: a webhook, a poll of
the download client, an answer of the media server. The tracker's own timers change requests
too (a stuck flag, a queue's explanation, retention, the cap), but that is no sign of life.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING

from .changes import Change, ChangeKind
from .events import TrackerEvent
from .housekeeping_events import (
    DownloadExplained,
    RequestCapExceeded,
    RetentionDue,
    StuckCheckDue,
)
from .lifecycle import transition
from .models import Request
from .states import TERMINAL_STATES, RequestState
from .stuck import FailureCode, describe_duration

if TYPE_CHECKING:
    from .tracker import Tracker

# The tracker's own timers, and what they read for it: what they change is not activity.
HOUSEKEEPING_EVENTS = (StuckCheckDue, DownloadExplained, RetentionDue, RequestCapExceeded)


def note_activity(
    tracker: Tracker, event: TrackerEvent, changes: Iterable[Change], now: datetime
) -> None:
    """Stamp `now` as the last activity of the requests an event from a service changed."""
    if isinstance(event, HOUSEKEEPING_EVENTS):
        return
    for change in changes:
        if (request := tracker.requests.get(change.request_id)) is not None:
            request.last_activity_at = now


def forget(tracker: Tracker, requests: Iterable[Request]) -> list[Change]:
    """Stop tracking these requests; their entities go with them."""
    changes = []
    for request in requests:
        del tracker.requests[request.request_id]
        changes.append(Change(request.request_id, ChangeKind.REMOVED, request.state, request.state))
    return changes


def abandon(request: Request, reason: str, now: datetime) -> list[Change]:
    """Fail an active request as abandoned (TV: its unfinished episodes with it)."""
    request.failure_reason = reason
    request.failure_code = FailureCode.ABANDONED
    for episode in request.episodes:
        if episode.state not in TERMINAL_STATES:
            episode.state = RequestState.FAILED
    change = transition(request, RequestState.FAILED, now, reason)
    return [change] if change is not None else []


def abandon_idle(tracker: Tracker, after: timedelta | None, now: datetime) -> list[Change]:
    """Fail the active requests without activity for `after` (None: never)."""
    if after is None:
        return []
    idle = [request for request in tracker.active() if request.last_activity + after <= now]
    reason = f"abandoned: no activity for {describe_duration(after)}"
    return [change for request in idle for change in abandon(request, reason, now)]


def on_request_cap_exceeded(
    tracker: Tracker, event: RequestCapExceeded, now: datetime
) -> list[Change]:
    """Make room: forget the finished requests that finished first, then abandon the stalest.

    An abandoned request stays tracked (failed, its event fired, its entity shown) until a
    later request needs its place: it is finished then, and forgotten before any active one.
    """
    excess = len(tracker.requests) - event.cap
    if excess <= 0:
        return []
    changes = forget(tracker, tracker.first_finished(excess))
    excess -= len(changes)
    if excess <= 0:
        return changes
    stalest = heapq.nsmallest(excess, tracker.active(), key=attrgetter("last_activity"))
    reason = f"abandoned: more than {event.cap} requests tracked"
    return changes + [change for request in stalest for change in abandon(request, reason, now)]
