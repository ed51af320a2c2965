"""The base entity: one device per configured stack, fed by the coordinator."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import MediaRequestCoordinator


class MediaRequestEntity(CoordinatorEntity[MediaRequestCoordinator]):
    """An entity of the Media Request Tracker service device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: MediaRequestCoordinator) -> None:
        """Attach the entity to the stack's service device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer="Media Request Tracker",
            model="Media request pipeline",
            entry_type=DeviceEntryType.SERVICE,
        )
