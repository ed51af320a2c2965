"""Failed downloads: Radarr/Sonarr gave up on a torrent (only their history tells; no webhook does)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .changes import Change, collect
from .correlation import Probe
from .events import DownloadFailed
from .lifecycle import aggregate, transition
from .models import MediaType, Request
from .states import RequestState
from .stuck import FailureCode

if TYPE_CHECKING:
    from .tracker import Tracker

# A download can only fail before its files were imported.
FAILABLE_STATES: frozenset[RequestState] = frozenset(
    {
        RequestState.APPROVED,
        RequestState.GRABBING,
        RequestState.DOWNLOADING,
        RequestState.DOWNLOADED,
    }
)


def on_download_failed(tracker: Tracker, event: DownloadFailed, now: datetime) -> list[Change]:
    """Fail the request (TV: the episodes of that download) with the app's own message.

    A failure of a torrent the request no longer follows (another release was grabbed since)
    changes nothing, and neither does one delivered again.
    """
    probe = Probe(
        event.media,
        qbit_hash=event.qbit_hash,
        arr_id=event.arr_id,
        seasons=frozenset(ref.season_number for ref in event.episodes),
    )
    request = tracker.find_active(probe)
    if request is None:
        return []
    if request.media_type is MediaType.TV:
        return _fail_episodes(request, event, now)
    if event.qbit_hash and request.qbit_hash and request.qbit_hash != event.qbit_hash:
        return []
    if request.state not in FAILABLE_STATES:
        return []
    _note_failure(request, event)
    return collect(request, transition(request, RequestState.FAILED, now, event.reason), True)


def _fail_episodes(request: Request, event: DownloadFailed, now: datetime) -> list[Change]:
    named = {ref.key for ref in event.episodes}
    failed = [
        episode
        for episode in request.episodes
        if episode.state in FAILABLE_STATES
        and (
            episode.qbit_hash == event.qbit_hash
            if event.qbit_hash and episode.qbit_hash
            else episode.key in named
        )
    ]
    if not failed:
        return []
    for episode in failed:
        episode.state = RequestState.FAILED
    _note_failure(request, event)
    return collect(request, aggregate(request, now), updated=True)


def _note_failure(request: Request, event: DownloadFailed) -> None:
    request.failure_reason = event.reason
    request.failure_code = FailureCode.DOWNLOAD_FAILED
