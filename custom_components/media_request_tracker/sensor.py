"""The sensors: one per tracked request, and the stack's summary sensors (summary_sensors.py).

A request's sensor shows its state, and its fields as attributes (attributes.py).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import SplitResult, urlsplit

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .attributes import bounded_text, json_size, request_attributes
from .const import DOMAIN, Service
from .coordinator import MediaRequestConfigEntry, MediaRequestCoordinator
from .entity import (
    MediaRequestEntity,
    new_requests_signal,
    request_signal,
    request_unique_id,
)
from .summary_sensors import SUMMARIES, SummarySensor
from .tracker import Request, RequestState
from .tracker.states import TORRENT_STATES

# Where Radarr, Sonarr and Seerr take their posters from (TMDB, TheTVDB, fanart.tv): the only
# hosts besides the stack's own Seerr and Jellyfin a picture may come from, and over https.
ARTWORK_HOSTS = frozenset({"image.tmdb.org", "artworks.thetvdb.com", "assets.fanart.tv"})

DEFAULT_PORTS = {"http": 80, "https": 443}

# A stuck request keeps its lifecycle state; its icon says it is held up.
STUCK_ICON = "mdi:alert-octagon"

# Read-only coordinator entities: no update concurrency to limit.
PARALLEL_UPDATES = 0

# Longest name and picture URL (bytes of JSON) a sensor shows: they are attributes too
# (friendly_name, entity_picture), held to the recorder's limit with the others (attributes.py).
NAME_LIMIT = 200
# Sensors of finished requests added at a time after set-up, a turn of the event loop apart.
FINISHED_BATCH = 250
PICTURE_URL_LIMIT = 300


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MediaRequestConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a sensor for every request, now and whenever a new one appears."""
    coordinator = entry.runtime_data.coordinator

    requests = coordinator.tracker.requests

    @callback
    def add_requests(request_ids: list[str]) -> None:
        async_add_entities(
            RequestSensor(coordinator, request_id)
            for request_id in request_ids
            if request_id in requests  # not forgotten meanwhile
        )

    async def add_finished(request_ids: list[str]) -> None:
        for start in range(0, len(request_ids), FINISHED_BATCH):
            await asyncio.sleep(0)  # a turn of the event loop between batches
            add_requests(request_ids[start : start + FINISHED_BATCH])

    # The requests under way first, at once; the finished ones (thousands, after a long
    # retention) follow in batches, without holding up the set-up or the event loop.
    add_requests([request_id for request_id, request in requests.items() if request.is_active])
    finished = [request_id for request_id, request in requests.items() if not request.is_active]
    if finished:
        entry.async_create_task(hass, add_finished(finished), f"{DOMAIN} finished requests")
    entry.async_on_unload(
        async_dispatcher_connect(hass, new_requests_signal(entry.entry_id), add_requests)
    )
    async_add_entities(SummarySensor(coordinator, description) for description in SUMMARIES)


def _origin(url: SplitResult) -> tuple[str, str, int | None]:
    """Return scheme, host and port of a URL (a picture must come from a configured server)."""
    try:
        port = url.port or DEFAULT_PORTS.get(url.scheme)
    except ValueError:  # not a port number: matches nothing
        port = -1
    return (url.scheme, url.hostname or "", port)


class RequestSensor(MediaRequestEntity, SensorEntity):
    """The state of one media request."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_translation_key = "request"
    # Large or fast-changing attributes are kept out of the recorder's history.
    _unrecorded_attributes = frozenset(
        {
            "history",
            "overview",
            "poster_url",
            "release_title",
            "final_path",
            "download_speed",
            "eta",
            "seasons",
            "unfinished_episodes",
            "stuck_episodes",
        }
    )

    def __init__(self, coordinator: MediaRequestCoordinator, request_id: str) -> None:
        """Follow the request with this id."""
        super().__init__(coordinator)
        self._attr_options = [state.value for state in RequestState]
        self.request_id = request_id
        self._attr_unique_id = request_unique_id(coordinator.config_entry.entry_id, request_id)
        request = coordinator.tracker.requests[request_id]
        self._attr_name = bounded_text(request.display_name, NAME_LIMIT)
        # The last poster address checked, and whether it is shown.
        self._picture_checked: tuple[str, bool] | None = None

    async def async_added_to_hass(self) -> None:
        """Write the state whenever the coordinator says this request changed."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                request_signal(self.coordinator.config_entry.entry_id, self.request_id),
                self.async_write_ha_state,
            )
        )

    @property
    def _request(self) -> Request | None:
        return self.coordinator.tracker.requests.get(self.request_id)

    @property
    def available(self) -> bool:
        """Return False while the request is unknown, or depends on an unreachable qBittorrent."""
        request = self._request
        if request is None:
            return False
        return self.coordinator.last_update_success or request.state not in TORRENT_STATES

    @property
    def native_value(self) -> str | None:
        """Return the lifecycle state."""
        request = self._request
        return request.state.value if request else None

    @property
    def icon(self) -> str | None:
        """Return a warning icon while the request is stuck (else the state's icon)."""
        request = self._request
        return STUCK_ICON if request is not None and request.stuck else None

    @property
    def entity_picture(self) -> str | None:
        """Return the poster, when a service gave one from a host we trust."""
        request = self._request
        if request is None or not request.poster_url:
            return None
        url = request.poster_url
        if self._picture_checked is None or self._picture_checked[0] != url:
            # Checked once per address (every state write asks).
            trusted = json_size(url) <= PICTURE_URL_LIMIT and self._trusted_picture(url)
            self._picture_checked = (url, trusted)
        return url if self._picture_checked[1] else None

    def _trusted_picture(self, url: str) -> bool:
        """Return whether every dashboard viewer's browser may fetch this picture."""
        parsed = urlsplit(url)
        if parsed.scheme == "https" and (parsed.hostname or "") in ARTWORK_HOSTS:
            return True
        entry = self.coordinator.config_entry
        origins = {
            _origin(urlsplit(conf[CONF_URL]))
            for service in (Service.JELLYSEERR, Service.JELLYFIN)
            if (conf := entry.data.get(service))
        }
        return _origin(parsed) in origins

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the request's fields."""
        request = self._request
        return request_attributes(request) if request else None
