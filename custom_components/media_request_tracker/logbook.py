"""The logbook's words for the integration's events: what became of a request, and for whom.

"The Holdovers (2023) became available, requested by carol"; "… is stuck: no data downloaded
for 30 min". The entry is shown against the request's sensor (its logbook and history).
The logbook is not translated by Home Assistant (its messages are English in core too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.components.logbook.models import LazyEventPartialState
from homeassistant.core import HomeAssistant, callback

from .attributes import bounded_text
from .const import DOMAIN, EVENT_STATE_CHANGED, EVENT_STUCK

# The words for each state a request reaches (the states of strings.json, as a sentence).
REACHED = {
    "requested": "was requested",
    "approved": "was approved",
    "grabbing": "was sent to the download client",
    "downloading": "started downloading",
    "downloaded": "finished downloading",
    "importing": "is being imported",
    "anime_matching": "is waiting for Shoko to match it",
    "available": "became available",
    "failed": "failed",
    "declined": "was declined",
}
# Longest title and reason in a logbook line (bytes of JSON, as the sensor's attributes).
TEXT_LIMIT = 300


@callback
def async_describe_events(
    hass: HomeAssistant,  # noqa: ARG001
    async_describe_event: Callable[
        [str, str, Callable[[LazyEventPartialState], dict[str, Any]]], None
    ],
) -> None:
    """Describe a request's transitions and stuck flags."""
    async_describe_event(DOMAIN, EVENT_STATE_CHANGED, describe_state_changed)
    async_describe_event(DOMAIN, EVENT_STUCK, describe_stuck)


@callback
def describe_state_changed(event: LazyEventPartialState) -> dict[str, Any]:
    """Describe a transition: "became available, requested by carol"."""
    data = event.data
    state = str(data.get("to_state"))
    message = REACHED.get(state, f"moved to {state}")
    if state == "failed" and (reason := data.get("reason")):
        message += f": {_text(reason)}"
    return _entry(data, _by(message, data))


@callback
def describe_stuck(event: LazyEventPartialState) -> dict[str, Any]:
    """Describe a stuck flag: "is stuck: no data downloaded for 30 min"."""
    data = event.data
    reason = data.get("stuck_reason")
    return _entry(data, _by(f"is stuck: {_text(reason)}" if reason else "is stuck", data))


def _by(message: str, data: Mapping[str, Any]) -> str:
    requested_by = data.get("requested_by")
    return f"{message}, requested by {_text(requested_by)}" if requested_by else message


def _text(value: Any) -> str:
    return bounded_text(str(value), TEXT_LIMIT)


def _entry(data: Mapping[str, Any], message: str) -> dict[str, Any]:
    return {
        LOGBOOK_ENTRY_NAME: _text(data.get("title") or "A media request"),
        LOGBOOK_ENTRY_MESSAGE: message,
        LOGBOOK_ENTRY_ENTITY_ID: data.get("entity_id"),
    }
