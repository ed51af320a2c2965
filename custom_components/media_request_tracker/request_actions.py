"""Actions that act on requests: search again, blocklist and search, check the library, forget.

Each targets request sensors (`entity_id`, one or more). A search asks Radarr to search the
movie (`MoviesSearch`), or Sonarr to search the request's unfinished episodes (`EpisodeSearch`;
`SeriesSearch` when no episode is known yet), through `POST /api/v3/command` (Radarr and
Sonarr `src/*.Api.V3/Commands/CommandController.cs`; the command names are those of
`MoviesSearchCommand`, `EpisodeSearchCommand` and `SeriesSearchCommand`), and notes it in the
request's history. Blocklist and search removes the request's download from Radarr's or
Sonarr's queue with its release blocklisted (`DELETE /api/v3/queue/{id}`), and the app
searches for another. A library check asks Jellyfin about a request waiting for it (importing,
anime matching) at once, its back-off started over. Bad targets and missing services raise a translated
ServiceValidationError, a service's refusal or failure a translated HomeAssistantError.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .clients.api import InvalidAuth, ServiceError
from .clients.arr.api import RADARR, SONARR, ArrClient
from .clients.schema import torrent_hash
from .const import DOMAIN, LOGGER, Service
from .coordinator import MediaRequestConfigEntry
from .schema_library import vol
from .services import request_of_sensor
from .tracker import MediaType, Request, RequestState
from .tracker.action_events import LibraryCheckAsked, RequestForgotten, RequestNoted
from .tracker.actions import waits_for_library

SERVICE_SEARCH_AGAIN = "search_again"
SERVICE_FORGET_REQUEST = "forget_request"
SERVICE_CHECK_LIBRARY_NOW = "check_library_now"
SERVICE_BLOCKLIST_AND_SEARCH = "blocklist_and_search"

TARGET_SCHEMA = vol.Schema({vol.Required(ATTR_ENTITY_ID): cv.entity_ids})


def search_command(request: Request) -> tuple[Service, dict[str, Any]] | None:
    """Return the app and the command that search a request again (None: no id known)."""
    if request.media_type is MediaType.MOVIE:
        if request.radarr_id is None:
            return None
        return Service.RADARR, {"name": "MoviesSearch", "movieIds": [request.radarr_id]}
    episode_ids = [
        episode.sonarr_episode_id
        for episode in request.episodes
        if episode.state is not RequestState.AVAILABLE and episode.sonarr_episode_id is not None
    ]
    if episode_ids:
        return Service.SONARR, {"name": "EpisodeSearch", "episodeIds": episode_ids}
    if request.sonarr_id is None:
        return None
    return Service.SONARR, {"name": "SeriesSearch", "seriesId": request.sonarr_id}


def _app(entry: MediaRequestConfigEntry, service: Service) -> ArrClient:
    clients = entry.runtime_data.clients
    client = clients.radarr if service is Service.RADARR else clients.sonarr
    if client is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="service_not_configured",
            translation_placeholders={"service": service.title(), "title": entry.title},
        )
    return client


@contextmanager
def _asking(service: Service) -> Iterator[None]:
    """Turn a service's refusal or failure into a translated error naming it."""
    try:
        yield
    except InvalidAuth as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="service_refused",
            translation_placeholders={"service": service.title()},
        ) from err
    except ServiceError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="service_failed",
            translation_placeholders={"service": service.title(), "error": str(err)},
        ) from err


def _service_of(request: Request) -> Service:
    return Service.RADARR if request.media_type is MediaType.MOVIE else Service.SONARR


async def _async_search_again(call: ServiceCall) -> None:
    """Ask Radarr or Sonarr to search each targeted request again."""
    targets = [request_of_sensor(call.hass, entity_id) for entity_id in call.data[ATTR_ENTITY_ID]]
    for entry, request in targets:
        command = search_command(request)
        service = _service_of(request)
        if command is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_known_to_service",
                translation_placeholders={"service": service.title(), "name": request.display_name},
            )
        client = _app(entry, service)
        with _asking(service):
            await client.async_command(command[1])
        LOGGER.debug("Asked %s to search again (%s)", service.title(), command[1]["name"])
        note = f"search asked in {service.title()}"
        await entry.runtime_data.coordinator.async_handle_events(
            [RequestNoted(request.request_id, note)]
        )


async def _async_forget_request(call: ServiceCall) -> None:
    """Stop tracking each targeted request; its sensor is removed."""
    targets = [request_of_sensor(call.hass, entity_id) for entity_id in call.data[ATTR_ENTITY_ID]]
    for entry, request in targets:
        await entry.runtime_data.coordinator.async_handle_events(
            [RequestForgotten(request.request_id)]
        )


async def _async_check_library_now(call: ServiceCall) -> None:
    """Ask Jellyfin about each targeted request now, its back-off started over."""
    targets = [request_of_sensor(call.hass, entity_id) for entity_id in call.data[ATTR_ENTITY_ID]]
    for entry, request in targets:
        if entry.runtime_data.clients.jellyfin is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="service_not_configured",
                translation_placeholders={"service": "Jellyfin", "title": entry.title},
            )
        if not waits_for_library(request):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_waiting_for_library",
                translation_placeholders={
                    "name": request.display_name,
                    "state": request.state.value,
                },
            )
    for entry, request in targets:
        await entry.runtime_data.coordinator.async_handle_events(
            [LibraryCheckAsked(request.request_id)]
        )


def queue_items(records: list[Any], hashes: set[str]) -> list[int]:
    """Return one queue record id per download of these torrents (Sonarr repeats a download)."""
    items: dict[str, int] = {}
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("id"), int):
            continue
        download = record.get("downloadId")
        qbit_hash = torrent_hash(download) if isinstance(download, str) else None
        if qbit_hash is not None and qbit_hash in hashes:
            items.setdefault(qbit_hash, record["id"])
    return list(items.values())


async def _async_blocklist_and_search(call: ServiceCall) -> None:
    """Remove each targeted request's download with its release blocklisted; search another."""
    targets = [request_of_sensor(call.hass, entity_id) for entity_id in call.data[ATTR_ENTITY_ID]]
    for entry, request in targets:
        service = _service_of(request)
        client = _app(entry, service)
        hashes = request.hashes()
        items: list[int] = []
        if request.arr_id is not None and hashes:
            app = RADARR if service is Service.RADARR else SONARR
            with _asking(service):
                items = queue_items(await client.async_queue_of(app, [request.arr_id]), hashes)
        if not items:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_in_queue",
                translation_placeholders={"service": service.title(), "name": request.display_name},
            )
        with _asking(service):
            for queue_id in items:
                await client.async_blocklist(queue_id)
        note = f"release blocklisted in {service.title()}, another searched"
        await entry.runtime_data.coordinator.async_handle_events(
            [RequestNoted(request.request_id, note)]
        )


@callback
def async_setup_request_actions(hass: HomeAssistant) -> None:
    """Register the actions that act on requests."""
    hass.services.async_register(
        DOMAIN, SERVICE_SEARCH_AGAIN, _async_search_again, schema=TARGET_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_FORGET_REQUEST, _async_forget_request, schema=TARGET_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_CHECK_LIBRARY_NOW, _async_check_library_now, schema=TARGET_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_BLOCKLIST_AND_SEARCH, _async_blocklist_and_search, schema=TARGET_SCHEMA
    )
