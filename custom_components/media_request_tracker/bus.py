"""The integration's bus events: a transition or a stuck flag, with who and where it is."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import EVENT_STATE_CHANGED, EVENT_STUCK
from .entity import request_entity_id
from .tracker import Change, ChangeKind, Request, RequestState, Tracker


def fire_changes(
    hass: HomeAssistant, entry: ConfigEntry, tracker: Tracker, changes: Iterable[Change]
) -> None:
    """Fire the bus event of each new request, transition and stuck flag."""
    for change in changes:
        request = tracker.requests.get(change.request_id)
        if request is None:
            continue  # forgotten
        if change.kind in (ChangeKind.CREATED, ChangeKind.TRANSITION):
            _fire(
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
            )
        elif change.kind is ChangeKind.STUCK and request.stuck:
            # A request that moved on meanwhile (while the queues were read) is not stuck.
            _fire(
                hass,
                entry,
                EVENT_STUCK,
                request,
                state=request.state.value,
                stuck_reason=request.stuck_reason,
                stuck_code=request.stuck_code,
            )


def _fire(
    hass: HomeAssistant, entry: ConfigEntry, event_type: str, request: Request, **data: Any
) -> None:
    """Fire a bus event about a request: who it is, what happened, and its entity."""
    hass.bus.async_fire(
        event_type,
        {
            "request_id": request.request_id,
            "title": request.title,
            "media_type": request.media_type.value,
            **data,
            "entity_id": request_entity_id(hass, entry, request),
        },
    )
