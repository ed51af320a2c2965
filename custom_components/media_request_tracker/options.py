"""The options of a stack, read once from its config entry with their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .const import (
    CONF_ANIME_TAG,
    CONF_KEEP_DAYS,
    CONF_LOCAL_ONLY,
    CONF_POLL_ACTIVE,
    CONF_POLL_IDLE,
    CONF_STUCK_AFTER,
    DEFAULT_ANIME_TAG,
    DEFAULT_KEEP_DAYS,
    DEFAULT_LOCAL_ONLY,
    DEFAULT_POLL_ACTIVE,
    DEFAULT_POLL_IDLE,
)
from .tracker import RequestState
from .tracker.stuck import STUCK_LIMITS


@dataclass(frozen=True, slots=True)
class StackOptions:
    """What the user tuned: polling, anime tag, retention, stuck limits, webhook access."""

    poll_active: timedelta
    poll_idle: timedelta
    anime_tag: str
    keep: timedelta
    local_only: bool
    # How long each state may last before a request is stuck; a state set to 0 h is left out.
    stuck_limits: Mapping[RequestState, timedelta]

    @classmethod
    def from_entry(cls, options: Mapping[str, Any]) -> StackOptions:
        """Read an entry's options, each missing one at its default."""
        hours: Mapping[str, float] = options.get(CONF_STUCK_AFTER, {})
        limits = {
            state: timedelta(hours=hours[state.value]) if state.value in hours else default
            for state, default in STUCK_LIMITS.items()
        }
        return cls(
            poll_active=timedelta(seconds=options.get(CONF_POLL_ACTIVE, DEFAULT_POLL_ACTIVE)),
            poll_idle=timedelta(seconds=options.get(CONF_POLL_IDLE, DEFAULT_POLL_IDLE)),
            anime_tag=str(options.get(CONF_ANIME_TAG, DEFAULT_ANIME_TAG)),
            keep=timedelta(days=options.get(CONF_KEEP_DAYS, DEFAULT_KEEP_DAYS)),
            local_only=bool(options.get(CONF_LOCAL_ONLY, DEFAULT_LOCAL_ONLY)),
            stuck_limits={state: limit for state, limit in limits.items() if limit > timedelta(0)},
        )
