"""The integration's events: a transition or a stuck flag, with who and where it is.

Each goes on the bus (`media_request_tracker_state_changed`, `media_request_tracker_stuck`);
the outcomes an automation waits for (available, failed, declined, stuck) go to the entry's
event entity too (event.py), with the same data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import EVENT_STATE_CHANGED, EVENT_STUCK
from .entity import outcome_signal, request_entity_id
from .tracker import Change, ChangeKind, Request, RequestState, Tracker

# The transitions the event entity reports, by the state they reach (its event types).
OUTCOMES = {
    RequestState.AVAILABLE: "available",
    RequestState.FAILED: "failed",
    RequestState.DECLINED: "declined",
}
STUCK_OUTCOME = "stuck"


def fire_changes(
    hass: HomeAssistant, entry: ConfigEntry, tracker: Tracker, changes: Iterable[Change]
) -> None:
    """Fire the bus event of each new request, transition and stuck flag."""
    for change in changes:
        request = tracker.requests.get(change.request_id)
        if request is None:
            continue  # forgotten
        if change.kind in (ChangeKind.CREATED, ChangeKind.TRANSITION):
            failed = change.to_state is RequestState.FAILED
            data = _fire(
                hass,
                entry,
                EVENT_STATE_CHANGED,
                request,
                from_state=change.from_state.value if change.from_state else None,
                to_state=change.to_state.value,
                episodes_available=sum(
                    episode.state is RequestState.AVAILABLE for episode in request.episodes
                ),
                episodes_total=len(request.episodes),
                reason=request.failure_reason if failed else None,
            )
            if outcome := OUTCOMES.get(change.to_state):
                _tell_outcome(hass, entry, outcome, data)
        elif change.kind is ChangeKind.STUCK and request.stuck:
            # A request that moved on meanwhile (while the queues were read) is not stuck.
            data = _fire(
                hass,
                entry,
                EVENT_STUCK,
                request,
                state=request.state.value,
                stuck_reason=request.stuck_reason,
                stuck_code=request.stuck_code,
            )
            _tell_outcome(hass, entry, STUCK_OUTCOME, data | {"reason": request.stuck_reason})


def _fire(
    hass: HomeAssistant, entry: ConfigEntry, event_type: str, request: Request, **data: Any
) -> dict[str, Any]:
    """Fire a bus event about a request: who it is, what happened, and its entity."""
    event_data = {
        "request_id": request.request_id,
        "title": request.title,
        "media_type": request.media_type.value,
        "requested_by": request.requested_by,
        **data,
        "entity_id": request_entity_id(hass, entry, request),
    }
    hass.bus.async_fire(event_type, event_data)
    return event_data


def _tell_outcome(
    hass: HomeAssistant, entry: ConfigEntry, outcome: str, data: dict[str, Any]
) -> None:
    async_dispatcher_send(hass, outcome_signal(entry.entry_id), outcome, data)
