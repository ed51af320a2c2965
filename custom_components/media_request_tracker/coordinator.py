"""The coordinator: owns the tracker, polls qBittorrent, and applies every event the same way."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .bus import fire_changes
from .clients import StackClients
from .const import DOMAIN, HOUSEKEEPING_INTERVAL, LOGGER
from .entity import remove_request_entities
from .errors import best_effort, polling_errors
from .housekeeping import Housekeeper
from .options import StackOptions
from .storage import TrackerStorage
from .tracker import Change, ChangeKind, TorrentPhase, Tracker, TrackerEvent
from .tracker.events import RetentionDue, TorrentsPolled
from .verification import LibraryVerifier


@dataclass
class MediaRequestData:
    """What a loaded entry holds: its coordinator and the clients of its services."""

    coordinator: MediaRequestCoordinator
    clients: StackClients
    # The options the entry was set up with (Home Assistant before 2025.8 reloads on a change).
    started_with_options: dict[str, Any]


type MediaRequestConfigEntry = ConfigEntry[MediaRequestData]


class MediaRequestCoordinator(DataUpdateCoordinator[Tracker]):
    """Holds every tracked request of one stack and keeps it moving."""

    config_entry: MediaRequestConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: MediaRequestConfigEntry, clients: StackClients
    ) -> None:
        """Set up the coordinator; nothing is loaded or polled until the first refresh."""
        super().__init__(hass, LOGGER, config_entry=entry, name=DOMAIN, update_interval=None)
        self.tracker = Tracker()
        self.clients = clients
        self.storage = TrackerStorage(hass, entry.entry_id)
        self.torrents_active = False
        self._verifier = (
            LibraryVerifier(hass, clients.jellyfin, self.async_apply) if clients.jellyfin else None
        )
        self._housekeeper = Housekeeper(clients, self.async_apply)

    @property
    def options(self) -> StackOptions:
        """Return the entry's options."""
        return StackOptions.from_entry(self.config_entry.options)

    async def _async_setup(self) -> None:
        """Restore the tracker from storage, then start the periodic housekeeping."""
        self.tracker = await self.storage.async_load()
        self.config_entry.async_on_unload(
            async_track_time_interval(self.hass, self._async_housekeeping, HOUSEKEEPING_INTERVAL)
        )
        # Forget what expired while Home Assistant was off.
        self.async_apply([RetentionDue(self.options.keep)])

    async def _async_housekeeping(self, now: datetime) -> None:
        await self._housekeeper.async_run(self.tracker, self.options, now)

    async def async_shutdown(self) -> None:
        """Stop timers and write the tracker to disk."""
        await super().async_shutdown()
        if self._verifier is not None:
            self._verifier.cancel()
        await self.storage.async_save(self.tracker)

    async def _async_update_data(self) -> Tracker:
        """Poll qBittorrent for the torrents of requests that are downloading."""
        qbittorrent = self.clients.qbittorrent
        hashes = self.tracker.tracked_hashes()
        with polling_errors("qbittorrent"):
            torrents = await qbittorrent.async_torrents(hashes)
        self.torrents_active = any(
            torrent.phase in (TorrentPhase.QUEUED, TorrentPhase.DOWNLOADING) for torrent in torrents
        )
        files = []
        for pack in self.tracker.packs_to_read(torrents):
            found = await best_effort(
                qbittorrent.async_files(pack), "Per-file progress unavailable this time: %s"
            )
            if found is not None:
                files.append(found)
        self.async_apply(
            [TorrentsPolled(frozenset(hashes), tuple(torrents), tuple(files))], from_poll=True
        )
        return self.tracker

    async def async_handle_events(self, events: Iterable[TrackerEvent]) -> None:
        """Apply events that arrived by webhook, then poll at once if a new torrent appeared."""
        hashes_before = self.tracker.tracked_hashes()
        self.async_apply(events)
        if self.tracker.tracked_hashes() - hashes_before:
            await self.async_refresh()  # a new torrent: see it now

    @callback
    def async_apply(
        self, events: Iterable[TrackerEvent], *, from_poll: bool = False
    ) -> list[Change]:
        """Apply events; then fire bus events, save, update entities and reschedule.

        After a poll the coordinator tells its entities itself; events from webhooks and
        timers tell them here, and never postpone or stand in for the next poll.
        """
        now = dt_util.utcnow()
        changes = [change for event in events for change in self.tracker.apply(event, now)]
        removed = [change.request_id for change in changes if change.kind is ChangeKind.REMOVED]
        if removed:
            remove_request_entities(self.hass, self.config_entry, removed)
            LOGGER.debug("Forgot %d finished requests", len(removed))
        fire_changes(self.hass, self.config_entry, self.tracker, changes)
        if changes:
            self.storage.save_soon(self.tracker)
        if self._verifier is not None:
            self._verifier.schedule(self.tracker)
        self._adapt_interval()
        if changes and not from_poll:
            self.async_update_listeners()
        return changes

    def _adapt_interval(self) -> None:
        """Poll fast while data flows, slowly while torrents wait, not at all otherwise."""
        if not self.tracker.tracked_hashes():
            self.update_interval = None
            return
        # A torrent qBittorrent has not listed yet is about to start: poll it fast.
        active = self.torrents_active or bool(self.tracker.unlisted_hashes())
        options = self.options
        self.update_interval = options.poll_active if active else options.poll_idle
