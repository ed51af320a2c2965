"""Diagnostics: the entry and every tracked request, with secrets, URLs and webhook ids redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .const import CONF_WEBHOOK_IDS, Service
from .coordinator import MediaRequestConfigEntry

TO_REDACT = {CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_WEBHOOK_IDS}
# Who asked for what, and library paths (they often hold a user's or a share's name): the
# state, ids and timeline of a request are what helps to debug it.
REQUEST_TO_REDACT = {"requested_by", "final_path"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant,  # noqa: ARG001
    entry: MediaRequestConfigEntry,
) -> dict[str, Any]:
    """Return what helps to debug a stack, without anything secret."""
    coordinator = entry.runtime_data.coordinator
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
            "services": sorted(service.value for service in Service if service in entry.data),
        },
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "update_interval": str(coordinator.update_interval),
            "tracked_hashes": len(coordinator.tracker.tracked_hashes()),
        },
        "requests": [
            async_redact_data(request.to_dict(), REQUEST_TO_REDACT)
            for request in coordinator.tracker.requests.values()
        ],
    }
