"""Lifecycle states of a request and the transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum


class RequestState(StrEnum):
    """Where a request (or one episode of it) is in its life."""

    REQUESTED = "requested"
    APPROVED = "approved"
    GRABBING = "grabbing"
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    IMPORTING = "importing"
    ANIME_MATCHING = "anime_matching"
    AVAILABLE = "available"
    FAILED = "failed"
    DECLINED = "declined"


# The forward path; a request only ever moves to the right along it (DESIGN §2, "monotonic").
LIFECYCLE: tuple[RequestState, ...] = (
    RequestState.REQUESTED,
    RequestState.APPROVED,
    RequestState.GRABBING,
    RequestState.DOWNLOADING,
    RequestState.DOWNLOADED,
    RequestState.IMPORTING,
    RequestState.ANIME_MATCHING,
    RequestState.AVAILABLE,
)

TERMINAL_STATES: frozenset[RequestState] = frozenset(
    {RequestState.AVAILABLE, RequestState.FAILED, RequestState.DECLINED}
)

# States in which the torrent client is the source of progress.
TORRENT_STATES: frozenset[RequestState] = frozenset(
    {RequestState.GRABBING, RequestState.DOWNLOADING}
)

# States in which the media server is asked whether the item has arrived.
VERIFY_STATES: frozenset[RequestState] = frozenset(
    {RequestState.IMPORTING, RequestState.ANIME_MATCHING}
)


def _forward_from(state: RequestState) -> frozenset[RequestState]:
    later = LIFECYCLE[LIFECYCLE.index(state) + 1 :]
    return frozenset(later) | {RequestState.FAILED}


# Every state may move to any later lifecycle state (webhooks can be missed, so steps may be
# skipped) or fail; only a request awaiting or just given approval can be declined.
ALLOWED_TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    RequestState.REQUESTED: _forward_from(RequestState.REQUESTED) | {RequestState.DECLINED},
    RequestState.APPROVED: _forward_from(RequestState.APPROVED) | {RequestState.DECLINED},
    RequestState.GRABBING: _forward_from(RequestState.GRABBING),
    RequestState.DOWNLOADING: _forward_from(RequestState.DOWNLOADING),
    RequestState.DOWNLOADED: _forward_from(RequestState.DOWNLOADED),
    RequestState.IMPORTING: _forward_from(RequestState.IMPORTING),
    RequestState.ANIME_MATCHING: _forward_from(RequestState.ANIME_MATCHING),
    RequestState.AVAILABLE: frozenset(),
    RequestState.FAILED: frozenset(),
    RequestState.DECLINED: frozenset(),
}


def can_transition(current: RequestState, target: RequestState) -> bool:
    """Return whether a request in `current` may move to `target`."""
    return target in ALLOWED_TRANSITIONS[current]
