"""Tests of the pure tracking core: states, correlation, the reducer and its models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    Request,
    RequestState,
    Tracker,
    TrackerEvent,
)

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """Return the moment `seconds` after the story starts."""
    return T0 + timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    """Return the stored (ISO) form of `at(seconds)`."""
    return at(seconds).isoformat()


def tracker_after(*events: TrackerEvent) -> Tracker:
    """Return a tracker that received `events` one minute apart, starting at T0."""
    tracker = Tracker()
    for minute, event in enumerate(events):
        tracker.apply(event, at(60 * minute))
    return tracker


def history(request: Request) -> list[dict[str, Any]]:
    """Return a request's history as stored."""
    return [entry.to_dict() for entry in request.history]


def fields_of(request: Request, *names: str) -> dict[str, Any]:
    """Return some stored fields of a request."""
    stored = request.to_dict()
    return {name: stored[name] for name in names}


def transition(source: RequestState, target: RequestState, request_id: str = "1") -> Change:
    """Return the change a state transition reports."""
    return Change(request_id, ChangeKind.TRANSITION, source, target)


def updated(state: RequestState, request_id: str = "1") -> Change:
    """Return the change a field-only update reports."""
    return Change(request_id, ChangeKind.UPDATED, state, state)
