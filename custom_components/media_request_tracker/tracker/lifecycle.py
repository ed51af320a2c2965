"""Moving a request along its lifecycle: transitions, the TV aggregate, the first library check."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import tv
from .changes import Change, ChangeKind
from .events import MediaKey
from .flags import set_stuck, update_fields
from .models import HistoryEntry, MediaType, Request
from .states import VERIFY_STATES, RequestState, can_transition

# Seconds between media-server checks after an import: quick at first (a library scan usually
# follows the import within a minute), then backing off to every half hour.
VERIFY_BACKOFF: tuple[int, ...] = (10, 30, 60, 120, 300, 600, 1800)
# Seconds between checks while the media server cannot be reached: an outage is no answer, so
# the back-off stays where it was and the check comes soon after the server is back.
UNREACHABLE_RETRY = 30


def transition(
    request: Request, target: RequestState, now: datetime, note: str | None = None
) -> Change | None:
    """Move the request to `target` if the lifecycle allows it; a move clears the stuck flag."""
    if not can_transition(request.state, target):
        return None
    previous = request.state
    request.state = target
    request.state_since = now
    set_stuck(request, None)
    request.add_history(HistoryEntry(target, now, note))
    if target in VERIFY_STATES:
        request.verify_attempts = 0
        request.next_verify_at = now + timedelta(seconds=VERIFY_BACKOFF[0])
    return Change(request.request_id, ChangeKind.TRANSITION, previous, target)


def aggregate(request: Request, now: datetime) -> Change | None:
    """Give a TV request the state of its episodes; return the transition if it moved."""
    previous = tv.aggregate(request, now)
    if previous is None:
        return None
    return Change(request.request_id, ChangeKind.TRANSITION, previous, request.state)


def merge_media(request: Request, media: MediaKey, arr_id: int | None = None) -> bool:
    """Learn the ids an event names, its Radarr or Sonarr id too; title and year stay once known."""
    movie = media.media_type is MediaType.MOVIE
    return update_fields(
        request,
        tmdb_id=media.tmdb_id,
        tvdb_id=media.tvdb_id,
        imdb_id=media.imdb_id,
        title=request.title or media.title,
        year=request.year or media.year,
        radarr_id=arr_id if movie else None,
        sonarr_id=None if movie else arr_id,
    )


def schedule_backoff(request: Request, now: datetime) -> None:
    """The media server does not have the item yet: ask again later, a little later each time.

    A request that is available already (Jellyseerr said so) is only being linked to its
    library item: once the back-off has run its course, nobody asks any more.
    """
    request.verify_attempts += 1
    if not request.is_active and request.verify_attempts >= len(VERIFY_BACKOFF):
        request.next_verify_at = None
        return
    delay = VERIFY_BACKOFF[min(request.verify_attempts, len(VERIFY_BACKOFF) - 1)]
    request.next_verify_at = now + timedelta(seconds=delay)


def awaits_library(request: Request) -> bool:
    """Return whether the media server is to be asked about the request.

    Those waiting for their item, and available ones not yet linked to it (Jellyseerr said
    available before the library was checked).
    """
    if request.next_verify_at is None:
        return False
    if request.is_active:
        return request.state in VERIFY_STATES
    return request.state is RequestState.AVAILABLE and request.jellyfin_id is None
