"""A stack's requests in figures: how many are under way, stuck, downloading, done, and how fast.

Pure functions of the tracker and the time, read by the summary sensors (summary_sensors.py).
The time to available runs from a request's approval (or, for a title grabbed in Radarr or
Sonarr directly, its grab) to `available_at`, over the requests that became available in the
last 30 days; requests are kept for the retention period (30 days by default), so a shorter
retention shortens what the figures see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from statistics import median, quantiles

from .tracker import MediaType, Request, RequestState, Tracker

RECENT = timedelta(days=7)
DURATION_WINDOW = timedelta(days=30)
# The states a request is approved in (the clock starts at the first of them it reached).
APPROVED_OR_LATER = frozenset(RequestState) - {
    RequestState.REQUESTED,
    RequestState.FAILED,
    RequestState.DECLINED,
}


def active(tracker: Tracker) -> list[Request]:
    """Return the requests under way (not available, failed or declined)."""
    return [request for request in tracker.requests.values() if request.is_active]


def state_counts(requests: Iterable[Request]) -> dict[str, int]:
    """Return how many requests are in each state, every state named (0 included)."""
    counts = Counter(request.state.value for request in requests)
    return {state.value: counts.get(state.value, 0) for state in RequestState}


def stuck(tracker: Tracker) -> list[Request]:
    """Return the requests under way that are flagged stuck."""
    return [request for request in active(tracker) if request.stuck]


def downloading(tracker: Tracker) -> list[Request]:
    """Return the requests downloading now."""
    return [
        request
        for request in tracker.requests.values()
        if request.state is RequestState.DOWNLOADING
    ]


def download_speed(tracker: Tracker) -> int:
    """Return the requests' download speed together, in bytes per second."""
    return sum(request.download_speed or 0 for request in downloading(tracker))


def available_since(tracker: Tracker, since: datetime) -> list[Request]:
    """Return the requests that became available at or after `since`."""
    return [
        request
        for request in tracker.requests.values()
        if request.state is RequestState.AVAILABLE
        and request.available_at is not None
        and request.available_at >= since
    ]


def time_to_available(request: Request) -> timedelta | None:
    """Return how long an available request took from its approval (or grab), if known."""
    if request.available_at is None:
        return None
    started = next(
        (entry.at for entry in request.history if entry.state in APPROVED_OR_LATER), None
    )
    if started is None or started > request.available_at:
        return None
    return request.available_at - started


def durations(tracker: Tracker, media_type: MediaType, now: datetime) -> list[float]:
    """Return the hours each request of a type took to become available, in the last 30 days."""
    return sorted(
        taken.total_seconds() / 3600
        for request in available_since(tracker, now - DURATION_WINDOW)
        if request.media_type is media_type and (taken := time_to_available(request)) is not None
    )


def median_hours(hours: list[float]) -> float | None:
    """Return the median (None without a request)."""
    return round(median(hours), 2) if hours else None


def p90_hours(hours: list[float]) -> float | None:
    """Return the 90th percentile (the value itself for one request; None without one)."""
    if len(hours) <= 1:
        return round(hours[0], 2) if hours else None
    return round(quantiles(hours, n=10, method="inclusive")[-1], 2)
