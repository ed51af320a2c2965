"""One sensor per tracked request: its lifecycle state, with every known field as attributes."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MediaRequestConfigEntry, MediaRequestCoordinator
from .entity import MediaRequestEntity, request_unique_id
from .tracker import MediaType, Request, RequestState
from .tracker.states import TORRENT_STATES
from .tracker.tv import episode_counts

# Read-only coordinator entities: no update concurrency to limit.
PARALLEL_UPDATES = 0

# Bookkeeping fields of the tracker that mean nothing to a user.
HIDDEN_FIELDS = frozenset({"state", "verify_attempts", "next_verify_at", "episodes", "torrents"})


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: MediaRequestConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a sensor for every request, now and whenever a new one appears."""
    coordinator = entry.runtime_data.coordinator
    known: set[str] = set()

    @callback
    def add_new_requests() -> None:
        current = set(coordinator.tracker.requests)
        known.intersection_update(current)
        new = [request_id for request_id in coordinator.tracker.requests if request_id not in known]
        known.update(new)
        if new:
            async_add_entities(RequestSensor(coordinator, request_id) for request_id in new)

    add_new_requests()
    entry.async_on_unload(coordinator.async_add_listener(add_new_requests))


def request_attributes(request: Request) -> dict[str, Any]:
    """Return the attributes shown for a request."""
    attributes = {
        key: value for key, value in request.to_dict().items() if key not in HIDDEN_FIELDS
    }
    attributes["progress"] = round(request.progress * 100, 1)
    if request.media_type is MediaType.TV:
        attributes["episodes_total"] = len(request.episodes)
        attributes["episodes_available"] = sum(
            episode.state is RequestState.AVAILABLE for episode in request.episodes
        )
        attributes["episode_states"] = episode_counts(request)
        attributes["episodes"] = [
            {
                "season": episode.season_number,
                "episode": episode.episode_number,
                "title": episode.episode_title,
                "state": episode.state.value,
                "progress": round(episode.progress * 100, 1),
                "jellyfin_id": episode.jellyfin_id,
                **(
                    {"stuck_reason": episode.stuck_reason, "stuck_code": episode.stuck_code}
                    if episode.stuck
                    else {}
                ),
            }
            for episode in request.episodes
        ]
    return attributes


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
        }
    )

    def __init__(self, coordinator: MediaRequestCoordinator, request_id: str) -> None:
        """Follow the request with this id."""
        super().__init__(coordinator)
        self._attr_options = [state.value for state in RequestState]
        self.request_id = request_id
        self._attr_unique_id = request_unique_id(coordinator.config_entry.entry_id, request_id)
        request = coordinator.tracker.requests[request_id]
        self._attr_name = request.display_name

    @property
    def _request(self) -> Request | None:
        return self.coordinator.tracker.requests.get(self.request_id)

    @property
    def available(self) -> bool:
        """Return False while the request is unknown, or depends on an unreachable qBittorrent."""
        request = self._request
        if request is None:
            return False
        return super().available or request.state not in TORRENT_STATES

    @property
    def native_value(self) -> str | None:
        """Return the lifecycle state."""
        request = self._request
        return request.state.value if request else None

    @property
    def entity_picture(self) -> str | None:
        """Return the poster, when Jellyseerr or Radarr gave one."""
        request = self._request
        return request.poster_url if request else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the request's fields."""
        request = self._request
        return request_attributes(request) if request else None
