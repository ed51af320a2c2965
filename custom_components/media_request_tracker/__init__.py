"""Media Request Tracker: follow every media request from Jellyseerr to a playable Jellyfin item."""

from __future__ import annotations

from functools import partial

import aiohttp
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import (
    async_create_clientsession,
    async_get_clientsession,
)
from homeassistant.helpers.typing import ConfigType

from .clients import StackClients
from .clients.arr.api import ArrClient
from .clients.jellyfin import JellyfinClient
from .clients.jellyseerr import JellyseerrClient
from .clients.qbittorrent import QBittorrentClient
from .clients.shoko_listener import ShokoListener
from .const import DOMAIN, Service
from .coordinator import MediaRequestConfigEntry, MediaRequestCoordinator, MediaRequestData
from .entry_gate import entry_gate
from .reconciliation import async_remove_cursors
from .request_actions import async_setup_request_actions
from .services import async_setup_services
from .storage import async_remove_storage
from .webhook import async_register_webhooks, async_unregister_webhooks

PLATFORMS: list[Platform] = [Platform.EVENT, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:  # noqa: ARG001
    """Register the actions (once, for every stack); stacks come from config entries only."""
    async_setup_services(hass)
    async_setup_request_actions(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: MediaRequestConfigEntry) -> bool:
    """Start tracking a stack: restore requests, open the webhooks, then poll qBittorrent.

    No service being down fails the set-up: the webhooks take events from the moment the
    requests are restored, and an unreachable qBittorrent only makes the download entities
    unavailable while polling retries (a refused login starts re-authentication).
    """
    qbit = entry.data[Service.QBITTORRENT]
    # qBittorrent's session cookie comes from what is often a bare IP host: keep it in a jar of
    # its own that accepts such cookies (aiohttp's default jar drops them). Created during set-up,
    # Home Assistant detaches this session when the entry unloads.
    qbit_session = async_create_clientsession(hass, cookie_jar=aiohttp.CookieJar(unsafe=True))
    session = async_get_clientsession(hass)

    def arr(service: Service) -> ArrClient | None:
        conf = entry.data.get(service)
        return ArrClient(session, conf[CONF_URL], conf[CONF_API_KEY]) if conf else None

    jellyfin = entry.data.get(Service.JELLYFIN)
    seerr = entry.data.get(Service.JELLYSEERR)
    clients = StackClients(
        qbittorrent=QBittorrentClient(
            qbit_session, qbit[CONF_URL], qbit[CONF_USERNAME], qbit[CONF_PASSWORD]
        ),
        radarr=arr(Service.RADARR),
        sonarr=arr(Service.SONARR),
        jellyfin=JellyfinClient(session, jellyfin[CONF_URL], jellyfin[CONF_API_KEY])
        if jellyfin
        else None,
        jellyseerr=JellyseerrClient(session, seerr[CONF_URL], seerr[CONF_API_KEY])
        if seerr
        else None,
    )
    coordinator = MediaRequestCoordinator(hass, entry, clients)
    await coordinator.async_load()
    entry.runtime_data = MediaRequestData(coordinator, clients, dict(entry.data))
    gate = async_register_webhooks(hass, entry)
    gate.coordinator = coordinator  # events are taken from now on
    entry.async_on_unload(partial(setattr, gate, "coordinator", None))
    await coordinator.async_refresh()
    if shoko := entry.data.get(Service.SHOKO):
        listener = ShokoListener(
            session,
            shoko[CONF_URL],
            shoko[CONF_API_KEY],
            coordinator.async_handle_events,
        )
        # A background task of the entry: cancelled when the entry unloads.
        entry.async_create_background_task(hass, listener.run(), f"{DOMAIN} Shoko listener")
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    return True


async def _async_entry_updated(hass: HomeAssistant, entry: MediaRequestConfigEntry) -> None:
    """Reload for new service data (reauth, reconfigure); apply new options without one."""
    if entry.data != entry.runtime_data.started_with_data:
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    entry.runtime_data.coordinator.async_options_changed()


async def async_unload_entry(hass: HomeAssistant, entry: MediaRequestConfigEntry) -> bool:
    """Stop tracking; timers and the session are released by the unload callbacks.

    The webhooks stay registered through a reload (entry_gate.py); a disabled entry's go.
    """
    entry_gate(hass, entry.entry_id).coordinator = None  # calls from now on wait, or get 503
    if entry.disabled_by is not None:
        async_unregister_webhooks(hass, entry.entry_id)
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: MediaRequestConfigEntry) -> None:
    """Unregister the webhooks and delete the stored requests of a removed stack."""
    async_unregister_webhooks(hass, entry.entry_id)
    await async_remove_storage(hass, entry.entry_id)
    await async_remove_cursors(hass, entry.entry_id)
