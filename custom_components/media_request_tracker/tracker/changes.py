"""What applying an event did to the requests: the reducer's output."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .models import Request
from .states import RequestState


class ChangeKind(StrEnum):
    """How a request changed."""

    CREATED = "created"
    TRANSITION = "transition"
    UPDATED = "updated"
    STUCK = "stuck"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Change:
    """One request changed: created, moved to another state, fields changed, or forgotten."""

    request_id: str
    kind: ChangeKind
    from_state: RequestState | None
    to_state: RequestState


def collect(
    request: Request, transition: Change | None, updated: bool, created: bool = False
) -> list[Change]:
    """Return the one change a handler made to `request`: creation, transition or update."""
    if created:
        return [Change(request.request_id, ChangeKind.CREATED, None, request.state)]
    if transition is not None:
        return [transition]
    if updated:
        return [Change(request.request_id, ChangeKind.UPDATED, request.state, request.state)]
    return []
