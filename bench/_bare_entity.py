"""A second baseline webhook: one that adds a bare sensor entity, as a new title adds one.

A new title makes a request and its sensor, so its webhook costs what Home Assistant spends on
a new entity (the entity-registry entry, the first state write and its `state_changed` event)
besides the HTTP stack. This webhook reads the body and adds one plain `SensorEntity` with a
unique id (so it is registered) to an entity platform of its own, and nothing else: what Home
Assistant alone costs per new entity, to set a new title beside.
"""

from __future__ import annotations

import itertools
import logging
import secrets
from datetime import timedelta

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import EntityPlatform

LOGGER = logging.getLogger(__name__)


class BareSensor(SensorEntity):
    """A sensor with a unique id and a state, and nothing else."""

    _attr_should_poll = False

    def __init__(self, number: int) -> None:
        """Name it after its number."""
        self._attr_unique_id = f"bench-bare-{number}"
        self._attr_name = f"Bare {number}"
        self._attr_native_value = "grabbing"


def register_bare_entity_webhook(hass: HomeAssistant) -> str:
    """Register the webhook; return its id. Each call adds one BareSensor."""
    platform = EntityPlatform(
        hass=hass,
        logger=LOGGER,
        domain="sensor",
        platform_name="bench",
        platform=None,
        scan_interval=timedelta(seconds=30),
        entity_namespace=None,
    )
    numbers = itertools.count()

    async def add_one(hass: HomeAssistant, webhook_id: str, request: web.Request) -> None:  # noqa: ARG001
        await request.read()
        await platform.async_add_entities([BareSensor(next(numbers))])

    webhook_id = secrets.token_hex(32)
    webhook.async_register(
        hass, "bench", "Bare entity", webhook_id, add_one, allowed_methods=["POST"]
    )
    return webhook_id
