"""Actions: one request with every field and episode, or many requests with their summaries.

Registered once in `async_setup` (quality-scale rule action-setup), as Home Assistant core's
`overseerr` and `sonarr` do; a call names a request or a stack, and one that is unknown or
not loaded gets a translated ServiceValidationError.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er

from .attributes import episode_summary, request_fields
from .const import DOMAIN
from .coordinator import MediaRequestConfigEntry
from .entity import request_unique_id
from .schema_library import vol
from .tracker import MediaType, Request, RequestState
from .tracker.printable import printable

SERVICE_GET_REQUEST = "get_request"
SERVICE_GET_REQUESTS = "get_requests"

# homeassistant.const has ATTR_CONFIG_ENTRY_ID from 2025.5 on only.
ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_REQUEST_ID = "request_id"
ATTR_STATE = "state"
ATTR_MEDIA_TYPE = "media_type"
ATTR_STUCK_ONLY = "stuck_only"

GET_REQUEST_SCHEMA = vol.Schema(
    {
        # A list too: `target: entity_id:` arrives as one (it must name one sensor).
        vol.Optional(ATTR_ENTITY_ID): cv.entity_ids,
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_REQUEST_ID): cv.string,
    }
)
GET_REQUESTS_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_STATE): vol.All(
            cv.ensure_list, [vol.In([state.value for state in RequestState])]
        ),
        vol.Optional(ATTR_MEDIA_TYPE): vol.In([media.value for media in MediaType]),
        vol.Optional(ATTR_STUCK_ONLY, default=False): cv.boolean,
    }
)


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> MediaRequestConfigEntry:
    """Return the loaded stack with this config entry id."""
    entry: MediaRequestConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"config_entry_id": printable(entry_id)},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    return entry


def _not_a_request_sensor(entity_id: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_request_sensor",
        translation_placeholders={"entity_id": entity_id},
    )


def request_of_sensor(
    hass: HomeAssistant, entity_id: str
) -> tuple[MediaRequestConfigEntry, Request]:
    """Return the stack and the request a request sensor shows."""
    registered = er.async_get(hass).async_get(entity_id)
    if (
        registered is None
        or registered.platform != DOMAIN
        or registered.domain != Platform.SENSOR
        or registered.config_entry_id is None
    ):
        raise _not_a_request_sensor(entity_id)
    entry = _loaded_entry(hass, registered.config_entry_id)
    prefix = request_unique_id(entry.entry_id, "")
    request_id = registered.unique_id.removeprefix(prefix)
    request = entry.runtime_data.coordinator.tracker.requests.get(request_id)
    if request is None or not registered.unique_id.startswith(prefix):
        raise _not_a_request_sensor(entity_id)
    return entry, request


def _named_request(call: ServiceCall) -> tuple[MediaRequestConfigEntry, Request]:
    """Return the request a get_request call names: by its sensor, or by stack and id."""
    entity_ids: list[str] | None = call.data.get(ATTR_ENTITY_ID)
    entry_id: str | None = call.data.get(ATTR_CONFIG_ENTRY_ID)
    request_id: str | None = call.data.get(ATTR_REQUEST_ID)
    if entity_ids is not None and len(entity_ids) == 1 and entry_id is None and request_id is None:
        return request_of_sensor(call.hass, entity_ids[0])
    if entity_ids is None and entry_id is not None and request_id is not None:
        entry = _loaded_entry(call.hass, entry_id)
        request = entry.runtime_data.coordinator.tracker.requests.get(request_id)
        if request is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="request_not_found",
                translation_placeholders={
                    "request_id": printable(request_id),
                    "title": entry.title,
                },
            )
        return entry, request
    raise ServiceValidationError(translation_domain=DOMAIN, translation_key="name_one_request")


def _whose(hass: HomeAssistant, entry: MediaRequestConfigEntry, request: Request) -> dict[str, Any]:
    """Return where a request lives: its sensor and its stack."""
    unique_id = request_unique_id(entry.entry_id, request.request_id)
    return {
        "entity_id": er.async_get(hass).async_get_entity_id(Platform.SENSOR, DOMAIN, unique_id),
        "config_entry_id": entry.entry_id,
    }


async def _async_get_request(call: ServiceCall) -> ServiceResponse:
    """Return one request: every field, every episode, the whole stored history."""
    entry, request = _named_request(call)
    return {"request": request_fields(request) | _whose(call.hass, entry, request)}


def _matches(request: Request, data: dict[str, Any]) -> bool:
    """Return whether a request passes the filters of a get_requests call."""
    states = data.get(ATTR_STATE)
    media_type = data.get(ATTR_MEDIA_TYPE)
    return (
        (not states or request.state.value in states)
        and (media_type is None or request.media_type.value == media_type)
        and (request.stuck or not data[ATTR_STUCK_ONLY])
    )


def _listed(
    hass: HomeAssistant, entry: MediaRequestConfigEntry, request: Request
) -> dict[str, Any]:
    """Return a request's fields, its episodes in short (TV), its sensor and its stack."""
    fields = request_fields(request, with_episodes=False)
    summary = episode_summary(request) if request.media_type is MediaType.TV else {}
    return fields | summary | _whose(hass, entry, request)


async def _async_get_requests(call: ServiceCall) -> ServiceResponse:
    """Return the requests of one stack, or of every loaded one, that pass the filters."""
    entry_id: str | None = call.data.get(ATTR_CONFIG_ENTRY_ID)
    entries: list[MediaRequestConfigEntry] = (
        [_loaded_entry(call.hass, entry_id)]
        if entry_id is not None
        else call.hass.config_entries.async_loaded_entries(DOMAIN)
    )
    return {
        "requests": [
            _listed(call.hass, entry, request)
            for entry in entries
            for request in entry.runtime_data.coordinator.tracker.requests.values()
            if _matches(request, call.data)
        ]
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_REQUEST,
        _async_get_request,
        schema=GET_REQUEST_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_REQUESTS,
        _async_get_requests,
        schema=GET_REQUESTS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
