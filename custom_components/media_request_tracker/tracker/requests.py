"""Request phase: Jellyseerr's notifications open, approve, decline, fail or complete a request."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .changes import Change, collect
from .correlation import Probe
from .events import RequestNotified
from .flags import update_fields
from .lifecycle import merge_media, transition
from .states import RequestState
from .stuck import FailureCode

if TYPE_CHECKING:
    from .tracker import Tracker

# Jellyseerr notifications that may open a new request when no active one matches.
OPENING_TARGETS: frozenset[RequestState] = frozenset(
    {RequestState.REQUESTED, RequestState.APPROVED}
)


def on_request_notified(tracker: Tracker, event: RequestNotified, now: datetime) -> list[Change]:
    """Open a request, or move the one it names to the state Jellyseerr reports."""
    request = tracker.find_active(Probe(event.media, jellyseerr_id=event.jellyseerr_id))
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
        if event.target not in OPENING_TARGETS or tracker.finished_with(
            jellyseerr_id=event.jellyseerr_id
        ):
            return []
        request = tracker.create(event.media, event.target, now)
        created = True
    updated = merge_media(request, event.media)
    updated |= update_fields(
        request,
        jellyseerr_id=event.jellyseerr_id,
        overview=event.overview,
        poster_url=event.poster_url,
        requested_by=event.requested_by,
        requested_seasons=list(event.requested_seasons) or None,
        is_4k=event.is_4k or None,
    )
    if event.target is RequestState.AVAILABLE:
        updated |= update_fields(request, available_at=request.available_at or now)
    moved = None if created else transition(request, event.target, now)
    if moved is not None and event.target is RequestState.FAILED:
        request.failure_reason = "Jellyseerr reports that processing the request failed"
        request.failure_code = FailureCode.PROCESSING_FAILED
    if moved is not None and event.target is RequestState.AVAILABLE and not request.jellyfin_id:
        # Available before the library was checked: link it to its library item still.
        request.verify_attempts = 0
        request.next_verify_at = now
    return collect(request, moved, updated, created)
