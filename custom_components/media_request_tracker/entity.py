"""The entities' common ground: one device per stack, unique ids, and entity-registry work."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.util import slugify

from .const import DOMAIN
from .tracker import Request

if TYPE_CHECKING:
    from .coordinator import MediaRequestCoordinator


def request_signal(entry_id: str, request_id: str) -> str:
    """Return the dispatcher signal sent when this request changed (its sensor listens)."""
    return f"{DOMAIN}_{entry_id}_request_{request_id}"


def new_requests_signal(entry_id: str) -> str:
    """Return the dispatcher signal sent with the ids of requests that appeared."""
    return f"{DOMAIN}_{entry_id}_new_requests"


def summary_signal(entry_id: str) -> str:
    """Return the dispatcher signal sent once per batch of changed requests (the summaries)."""
    return f"{DOMAIN}_{entry_id}_summary"


def outcome_signal(entry_id: str) -> str:
    """Return the dispatcher signal sent with each outcome of a request (its event entity)."""
    return f"{DOMAIN}_{entry_id}_outcome"


def request_unique_id(entry_id: str, request_id: str) -> str:
    """Return the entity unique id of a request."""
    return f"{entry_id}-request-{request_id}"


# Longest object id we suggest: Home Assistant cuts a longer one at 255 characters of entity
# id, possibly right after a "_", which makes the entity id invalid and the sensor never appear.
MAX_OBJECT_ID = 100


def request_entity_id(hass: HomeAssistant, entry: ConfigEntry, request: Request) -> str:
    """Return the request sensor's entity id, registering it now if it is new.

    Registering here (the sensor platform adds the entity a moment later, under this id)
    lets the very first state-changed event name the entity automations will see.
    """
    registry = er.async_get(hass)
    unique_id = request_unique_id(entry.entry_id, request.request_id)
    # Looked up first: asked again, newer Home Assistant updates the registry entry, and the
    # entity writes its state once more for that update.
    if entity_id := registry.async_get_entity_id(Platform.SENSOR, DOMAIN, unique_id):
        return entity_id
    object_id = slugify(f"{entry.title} {request.display_name}")[:MAX_OBJECT_ID].rstrip("_")
    return registry.async_get_or_create(
        Platform.SENSOR, DOMAIN, unique_id, config_entry=entry, suggested_object_id=object_id
    ).entity_id


def remove_request_entities(
    hass: HomeAssistant, entry: ConfigEntry, request_ids: Iterable[str]
) -> None:
    """Remove the entities of requests that are no longer tracked."""
    registry = er.async_get(hass)
    for request_id in request_ids:
        unique_id = request_unique_id(entry.entry_id, request_id)
        if entity_id := registry.async_get_entity_id(Platform.SENSOR, DOMAIN, unique_id):
            registry.async_remove(entity_id)


class MediaRequestEntity(Entity):
    """An entity of the Media Request Tracker service device.

    Not a CoordinatorEntity: the coordinator tells each entity when what it shows changed
    (a dispatcher signal per request), so one event writes the entities it touched, not all.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, coordinator: MediaRequestCoordinator) -> None:
        """Attach the entity to the stack's service device."""
        self.coordinator = coordinator
        entry = coordinator.config_entry
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer="Media Request Tracker",
            model="Media request pipeline",
            entry_type=DeviceEntryType.SERVICE,
        )

    async def async_update(self) -> None:
        """Poll the stack now (homeassistant.update_entity), as a coordinator entity would."""
        await self.coordinator.async_request_refresh()
