"""The options of a stack: their defaults, their form, and reading them back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)

from .const import (
    CONF_ABANDON_DAYS,
    CONF_ANIME_TAG,
    CONF_BACKFILL,
    CONF_KEEP_DAYS,
    CONF_LOCAL_ONLY,
    CONF_MAX_REQUESTS,
    CONF_POLL_ACTIVE,
    CONF_POLL_IDLE,
    CONF_RECONCILE_MINUTES,
    CONF_STUCK_AFTER,
    DEFAULT_ABANDON_DAYS,
    DEFAULT_ANIME_TAG,
    DEFAULT_BACKFILL,
    DEFAULT_KEEP_DAYS,
    DEFAULT_LOCAL_ONLY,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_POLL_ACTIVE,
    DEFAULT_POLL_IDLE,
    DEFAULT_RECONCILE_MINUTES,
)
from .schema_library import vol
from .tracker import RequestState
from .tracker.stuck import STUCK_LIMITS

# Every option but the stuck limits, with its default.
DEFAULTS: dict[str, Any] = {
    CONF_POLL_ACTIVE: DEFAULT_POLL_ACTIVE,
    CONF_POLL_IDLE: DEFAULT_POLL_IDLE,
    CONF_ANIME_TAG: DEFAULT_ANIME_TAG,
    CONF_KEEP_DAYS: DEFAULT_KEEP_DAYS,
    CONF_ABANDON_DAYS: DEFAULT_ABANDON_DAYS,
    CONF_MAX_REQUESTS: DEFAULT_MAX_REQUESTS,
    CONF_LOCAL_ONLY: DEFAULT_LOCAL_ONLY,
    CONF_RECONCILE_MINUTES: DEFAULT_RECONCILE_MINUTES,
    CONF_BACKFILL: DEFAULT_BACKFILL,
}
# Options the form gives as floats that are whole numbers.
WHOLE_NUMBERS = (
    CONF_POLL_ACTIVE,
    CONF_POLL_IDLE,
    CONF_KEEP_DAYS,
    CONF_ABANDON_DAYS,
    CONF_MAX_REQUESTS,
    CONF_RECONCILE_MINUTES,
)


def _number(low: float, high: float, step: float, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def stuck_hours(options: Mapping[str, Any]) -> dict[str, float]:
    """Return the hours each state may last before a request is stuck (0: never)."""
    chosen: Mapping[str, float] = options.get(CONF_STUCK_AFTER, {})
    return {
        state.value: chosen.get(state.value, limit.total_seconds() / 3600)
        for state, limit in STUCK_LIMITS.items()
    }


def options_schema(options: Mapping[str, Any]) -> vol.Schema:
    """Return the options form, filled with the current options."""
    current = {**DEFAULTS, **options}
    seconds = _number(1, 3600, 1, "s")
    hours = _number(0, 8760, 0.25, "h")
    stuck_after = stuck_hours(options)
    selectors = {
        CONF_POLL_ACTIVE: seconds,
        CONF_POLL_IDLE: seconds,
        CONF_ANIME_TAG: TextSelector(),
        CONF_KEEP_DAYS: _number(1, 3650, 1, "d"),
        CONF_ABANDON_DAYS: _number(0, 3650, 1, "d"),
        CONF_MAX_REQUESTS: _number(50, 100_000, 1),
        CONF_LOCAL_ONLY: BooleanSelector(),
        CONF_RECONCILE_MINUTES: _number(0, 1440, 1, "min"),
        CONF_BACKFILL: BooleanSelector(),
    }
    return vol.Schema(
        {
            **{vol.Required(key, default=current[key]): value for key, value in selectors.items()},
            # The section's default holds every value too: the frontend fills a section
            # from its own default when it has one.
            vol.Required(CONF_STUCK_AFTER, default=stuck_after): section(
                vol.Schema(
                    {
                        vol.Required(state, default=hours_in_state): hours
                        for state, hours_in_state in stuck_after.items()
                    }
                ),
                {"collapsed": True},
            ),
        }
    )


def read_form(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the options to store from what the form gave."""
    return {
        **user_input,
        **{key: int(user_input[key]) for key in WHOLE_NUMBERS},
        CONF_STUCK_AFTER: {
            state: float(hours) for state, hours in user_input.get(CONF_STUCK_AFTER, {}).items()
        },
    }


@dataclass(frozen=True, slots=True)
class StackOptions:
    """What the user tuned: polling, anime tag, retention, limits, stuck, webhooks, reconciling."""

    poll_active: timedelta
    poll_idle: timedelta
    anime_tag: str
    keep: timedelta
    # How long an active request may go without activity before it fails (None: forever).
    abandon_after: timedelta | None
    # The most requests tracked at once.
    max_requests: int
    local_only: bool
    # How often the services' own records are read (None: never).
    reconcile_every: timedelta | None
    # Whether the first set-up takes in the requests already in flight.
    backfill: bool
    # How long each state may last before a request is stuck; a state set to 0 h is left out.
    stuck_limits: Mapping[RequestState, timedelta]

    @classmethod
    def from_entry(cls, options: Mapping[str, Any]) -> StackOptions:
        """Read an entry's options, each missing one at its default."""
        current = {**DEFAULTS, **options}
        return cls(
            poll_active=timedelta(seconds=current[CONF_POLL_ACTIVE]),
            poll_idle=timedelta(seconds=current[CONF_POLL_IDLE]),
            anime_tag=str(current[CONF_ANIME_TAG]),
            keep=timedelta(days=current[CONF_KEEP_DAYS]),
            abandon_after=timedelta(days=current[CONF_ABANDON_DAYS])
            if current[CONF_ABANDON_DAYS] > 0
            else None,
            max_requests=int(current[CONF_MAX_REQUESTS]),
            local_only=bool(current[CONF_LOCAL_ONLY]),
            reconcile_every=timedelta(minutes=current[CONF_RECONCILE_MINUTES])
            if current[CONF_RECONCILE_MINUTES] > 0
            else None,
            backfill=bool(current[CONF_BACKFILL]),
            stuck_limits={
                RequestState(state): timedelta(hours=hours)
                for state, hours in stuck_hours(options).items()
                if hours > 0
            },
        )
