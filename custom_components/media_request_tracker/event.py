"""The entry's event entity: each request that became available, failed, was declined or stuck.

It fires on the same transitions as the bus events (bus.py), so the automation editor offers
the outcomes as a trigger (an `event` entity's state change) without YAML; each event carries
the request's id, title, media type, requester, sensor and reason.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .attributes import bounded_text
from .bus import OUTCOMES, STUCK_OUTCOME
from .coordinator import MediaRequestConfigEntry, MediaRequestCoordinator
from .entity import MediaRequestEntity, outcome_signal

PARALLEL_UPDATES = 0

EVENT_TYPES = [*OUTCOMES.values(), STUCK_OUTCOME]
# The data an event shows; texts bounded as the request sensor's are (bytes of JSON).
EVENT_FIELDS = ("request_id", "title", "media_type", "requested_by", "entity_id", "reason")
TEXT_LIMIT = 600


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: MediaRequestConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's outcome event entity."""
    async_add_entities([RequestOutcomeEvent(entry.runtime_data.coordinator)])


class RequestOutcomeEvent(MediaRequestEntity, EventEntity):
    """What became of a request: available, failed, declined or stuck."""

    _attr_translation_key = "outcome"
    _attr_event_types = EVENT_TYPES

    def __init__(self, coordinator: MediaRequestCoordinator) -> None:
        """Report the outcomes of the coordinator's requests."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}-outcome"

    async def async_added_to_hass(self) -> None:
        """Listen for the entry's outcomes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                outcome_signal(self.coordinator.config_entry.entry_id),
                self._outcome,
            )
        )

    @callback
    def _outcome(self, outcome: str, data: dict[str, Any]) -> None:
        attributes = {
            key: bounded_text(value, TEXT_LIMIT) if isinstance(value, str) else value
            for key in EVENT_FIELDS
            if (value := data.get(key)) is not None
        }
        self._trigger_event(outcome, attributes)
        self.async_write_ha_state()
