"""Changing a request or an episode in place: fields that changed, and the stuck flag."""

from __future__ import annotations

from typing import Any

from .models import Episode, Request


def update_fields(holder: Request | Episode, **values: Any) -> bool:
    """Set the given fields of a request or episode, skipping None; return whether any changed."""
    changed = False
    for name, value in values.items():
        if value is not None and getattr(holder, name) != value:
            setattr(holder, name, value)
            changed = True
    return changed


def set_stuck(holder: Request | Episode, reason: str | None, code: str | None = None) -> bool:
    """Flag a request or episode stuck with `reason` and its code; None clears the flag.

    Return whether anything changed.
    """
    flag = (reason is not None, reason, code if reason is not None else None)
    changed = flag != (holder.stuck, holder.stuck_reason, holder.stuck_code)
    holder.stuck, holder.stuck_reason, holder.stuck_code = flag
    if isinstance(holder, Request):
        holder.stuck_by_episode = False
    return changed


def stuck_from_episodes(request: Request) -> bool:
    """Give a TV request the stuck flag of its first stuck episode (or none)."""
    first = next((episode for episode in request.episodes if episode.stuck), None)
    if first is None:
        return set_stuck(request, None)
    changed = set_stuck(request, first.stuck_reason, first.stuck_code)
    request.stuck_by_episode = True
    return changed
