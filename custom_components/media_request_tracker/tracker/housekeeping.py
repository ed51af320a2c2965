"""Housekeeping: stuck ones flagged (and explained), removed downloads failed, idle ones failed, old ones forgotten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .changes import Change, ChangeKind, collect
from .flags import set_stuck, stuck_from_episodes
from .housekeeping_events import DownloadExplained, RetentionDue, StuckCheckDue
from .lifecycle import aggregate, transition
from .limits import abandon_idle, forget
from .models import Episode, MediaType, Request
from .states import TORRENT_STATES, RequestState
from .stuck import CLIENT_REASON, REMOVED_REASON, FailureCode, stuck_reason

if TYPE_CHECKING:
    from .tracker import Tracker

# States in which a stuck request is explained from Radarr's/Sonarr's queue.
EXPLAINED_STATES = frozenset(
    {RequestState.DOWNLOADING, RequestState.DOWNLOADED, RequestState.IMPORTING}
)


def on_stuck_check_due(tracker: Tracker, event: StuckCheckDue, now: datetime) -> list[Change]:
    """Flag requests longer in their state than its limit (once; the next move clears it)."""
    changes: list[Change] = []
    for request in list(tracker.active()):
        if failed := _fail_removed_episodes(request, event, now):
            changes.append(failed)
            continue
        if not _over_limit(request, event, now):
            continue
        if request.stuck_reason == REMOVED_REASON and request.state in TORRENT_STATES:
            # Removed from the client and no import followed within the limit: it failed.
            changes.append(_fail_removed(request, now))
            continue
        if request.stuck:
            continue
        set_stuck(request, stuck_reason(request.state, event.limits[request.state]))
        changes.append(Change(request.request_id, ChangeKind.STUCK, request.state, request.state))
    return changes


def _over_limit(request: Request, event: StuckCheckDue, now: datetime) -> bool:
    limit = event.limits.get(request.state)
    return limit is not None and request.state_since + limit <= now


def _fail_removed_episodes(request: Request, event: StuckCheckDue, now: datetime) -> Change | None:
    """Fail the episodes whose download was removed a state's limit ago (and so the request).

    An episode is timed from its removal: the request may be in another state already
    (another episode importing), so its own time in a state says nothing of this one.
    """
    expired = [
        episode
        for episode in request.episodes
        if episode.stuck_reason == REMOVED_REASON
        and episode.state in TORRENT_STATES
        and episode.removed_at is not None
        and (limit := event.limits.get(episode.state)) is not None
        and episode.removed_at + limit <= now
    ]
    if not expired:
        return None
    for episode in expired:
        episode.state = RequestState.FAILED
    request.failure_reason = "download removed"
    request.failure_code = FailureCode.DOWNLOAD_REMOVED
    return aggregate(request, now) or Change(
        request.request_id, ChangeKind.UPDATED, request.state, request.state
    )


def _fail_removed(request: Request, now: datetime) -> Change:
    request.failure_reason = "download removed"
    request.failure_code = FailureCode.DOWNLOAD_REMOVED
    if request.media_type is MediaType.TV:
        for episode in request.episodes:
            if episode.stuck_reason == REMOVED_REASON and episode.state in TORRENT_STATES:
                episode.state = RequestState.FAILED
        change = aggregate(request, now)
    else:
        change = transition(request, RequestState.FAILED, now, "download removed")
    if change is None:  # pragma: no cover - a removed download always can fail
        return Change(request.request_id, ChangeKind.UPDATED, request.state, request.state)
    return change


def _explainable(request: Request) -> bool:
    """Return whether an *arr queue may explain why this request is stuck.

    Downloads the client itself reported in error or removed keep the client's reason:
    the queue would only repeat it.
    """
    return request.state in EXPLAINED_STATES and not (request.stuck_reason or "").startswith(
        CLIENT_REASON
    )


@dataclass(frozen=True, slots=True)
class StuckDownload:
    """A stuck download an *arr queue may explain: its torrent, and what it is of."""

    qbit_hash: str
    media_type: MediaType
    # The Radarr movie or Sonarr series id of its request, by which the queue is asked.
    arr_id: int | None


def stuck_downloads(
    tracker: Tracker, upcoming: StuckCheckDue | None = None, now: datetime | None = None
) -> list[StuckDownload]:
    """Return the stuck downloads an *arr queue can explain.

    With an `upcoming` check at `now`, those it is about to flag are included, so that they
    are explained before anyone is told.
    """
    found: dict[str, StuckDownload] = {}
    for request in tracker.active():
        due = upcoming is not None and now is not None and _over_limit(request, upcoming, now)
        stuck = request.stuck or due
        if not stuck or not _explainable(request):
            continue
        holders: list[Request | Episode] = [
            e for e in request.episodes if e.state in EXPLAINED_STATES
        ] or [request]
        for holder in holders:
            if holder.qbit_hash:
                found[holder.qbit_hash] = StuckDownload(
                    holder.qbit_hash, request.media_type, request.arr_id
                )
    return list(found.values())


def explainable_downloads(
    tracker: Tracker, upcoming: StuckCheckDue | None = None, now: datetime | None = None
) -> dict[str, MediaType]:
    """Return the hashes of stuck downloads an *arr queue can explain, with their media type."""
    return {d.qbit_hash: d.media_type for d in stuck_downloads(tracker, upcoming, now)}


def on_download_explained(
    tracker: Tracker, event: DownloadExplained, _now: datetime
) -> list[Change]:
    """Give the stuck download's request (and episodes) the queue's reason and code."""
    changes: list[Change] = []
    for request in list(tracker.active()):
        if not request.stuck or not _explainable(request):
            continue
        if event.qbit_hash not in request.hashes():
            continue
        explained = [
            episode
            for episode in request.episodes
            if episode.qbit_hash == event.qbit_hash and episode.state in EXPLAINED_STATES
        ]
        updated = False
        for episode in explained:
            updated |= set_stuck(episode, event.reason, event.code)
        if explained:
            updated |= stuck_from_episodes(request)
        else:
            updated |= set_stuck(request, event.reason, event.code)
        changes += collect(request, None, updated)
    return changes


def on_retention_due(tracker: Tracker, event: RetentionDue, now: datetime) -> list[Change]:
    """Abandon the requests idle too long, and forget finished ones past the retention period."""
    changes = abandon_idle(tracker, event.abandon_after, now)
    expired = [
        request
        for request in tracker.requests.values()
        if not request.is_active and request.state_since + event.keep <= now
    ]
    return changes + forget(tracker, expired)
