"""Lifecycle states of a request and the transitions allowed between them."""

from __future__ import annotations

from collections.abc import Iterable
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


# How far an in-progress episode has come, most advanced first (DESIGN §2): a TV request shows
# the most advanced state any of its unfinished episodes is in.
EPISODE_PRIORITY: tuple[RequestState, ...] = (
    RequestState.ANIME_MATCHING,
    RequestState.IMPORTING,
    RequestState.DOWNLOADED,
    RequestState.DOWNLOADING,
    RequestState.GRABBING,
)


def aggregate_episode_states(states: Iterable[RequestState]) -> RequestState | None:
    """Return a TV request's state from its episodes' states; None when it has no episodes.

    All available → available; any failed → failed; otherwise the most advanced in-progress
    state by EPISODE_PRIORITY.
    """
    present = set(states)
    if not present:
        return None
    if RequestState.FAILED in present:
        return RequestState.FAILED
    if present == {RequestState.AVAILABLE}:
        return RequestState.AVAILABLE
    return next((state for state in EPISODE_PRIORITY if state in present), RequestState.AVAILABLE)
