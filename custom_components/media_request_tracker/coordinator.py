"""The coordinator: owns the tracker, polls qBittorrent, and applies every event the same way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .bus import fire_changes
from .clients import StackClients
from .const import (
    DOMAIN,
    HOUSEKEEPING_INTERVAL,
    LOGGER,
    NEW_TORRENT_POLL_COOLDOWN,
    POLL_RETRY_MAX,
)
from .entity import new_requests_signal, remove_request_entities, request_signal, summary_signal
from .errors import best_effort, polling_errors
from .housekeeping import Housekeeper
from .journal import JournalWriteFailed
from .options import StackOptions
from .reconciliation import Reconciler
from .request_cap import keep_within_cap
from .storage import TrackerStorage
from .tracker import Change, ChangeKind, TorrentPhase, Tracker, TrackerEvent
from .tracker.events import TorrentFiles, TorrentProgress, TorrentsPolled
from .tracker.housekeeping_events import RetentionDue
from .tracker.states import TORRENT_STATES
from .verification import LibraryVerifier

# What the download client reports: changes of these alone are progress-like figures.
POLL_EVENTS = (TorrentsPolled, TorrentProgress, TorrentFiles)


@dataclass
class MediaRequestData:
    """What a loaded entry holds: its coordinator and the clients of its services."""

    coordinator: MediaRequestCoordinator
    clients: StackClients
    # The services' data the entry was set up with (a change of it needs a reload).
    started_with_data: dict[str, Any]


type MediaRequestConfigEntry = ConfigEntry[MediaRequestData]


class MediaRequestCoordinator(DataUpdateCoordinator[Tracker]):
    """Holds every tracked request of one stack and keeps it moving."""

    config_entry: MediaRequestConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: MediaRequestConfigEntry, clients: StackClients
    ) -> None:
        """Set up the coordinator; nothing is loaded or polled until the first refresh."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=None,
            # New torrents are polled at once; more within the cool-down wait for its end.
            request_refresh_debouncer=Debouncer(
                hass, LOGGER, cooldown=NEW_TORRENT_POLL_COOLDOWN, immediate=True
            ),
        )
        self.tracker = Tracker()
        self.clients = clients
        self.storage = TrackerStorage(hass, entry.entry_id)
        self.torrents_active = False
        self._verifier = (
            LibraryVerifier(hass, clients.jellyfin, self.async_apply) if clients.jellyfin else None
        )
        self._housekeeper = Housekeeper(clients, self.async_apply)
        self._reconciler = Reconciler(
            hass,
            entry.entry_id,
            clients,
            on_events=self.async_handle_events,
            options=lambda: self.options,
            tracker=lambda: self.tracker,
        )
        self._told_reachable = True
        self._poll_failures = 0
        self._login_refused = False
        self._options: tuple[Mapping[str, Any], StackOptions] | None = None

    @property
    def options(self) -> StackOptions:
        """Return the entry's options (read once per version of them: every event asks)."""
        source = self.config_entry.options
        if self._options is None or self._options[0] is not source:
            self._options = (source, StackOptions.from_entry(source))
        return self._options[1]

    async def async_load(self) -> None:
        """Restore the tracker from storage, then start housekeeping and reconciliation.

        Calls no service: it cannot fail because one is down (the services' records are read
        in the background).
        """
        self.tracker = await self.storage.async_load()
        self.config_entry.async_on_unload(
            async_track_time_interval(self.hass, self._async_housekeeping, HOUSEKEEPING_INTERVAL)
        )
        # The coordinator's one listener (it also keeps the polls scheduled); the entities
        # hear of their own request's changes only.
        self.config_entry.async_on_unload(self.async_add_listener(self._async_polled))
        self.config_entry.async_on_unload(self.storage.async_listen_final_write())
        # Forget what expired, and abandon what went idle, while Home Assistant was off.
        self.async_apply([RetentionDue(self.options.keep, self.options.abandon_after)])
        self.config_entry.async_on_unload(self._reconciler.cancel)
        self.config_entry.async_create_background_task(
            self.hass, self._async_start_reconciling(), f"{DOMAIN} reconciliation"
        )

    async def _async_start_reconciling(self) -> None:
        before = len(self.tracker.requests)
        if await self._reconciler.async_start():
            LOGGER.info(
                "Backfill found %d requests under way or done in the last %d days",
                len(self.tracker.requests) - before,
                self.options.keep.days,
            )

    @callback
    def async_options_changed(self) -> None:
        """Apply new options now: poll intervals, the request cap and retention."""
        self._poll_failures = 0
        self.async_apply([RetentionDue(self.options.keep, self.options.abandon_after)])
        self._adapt_interval()
        self._reconciler.reschedule()

    async def _async_housekeeping(self, now: datetime) -> None:
        await self._housekeeper.async_run(self.tracker, self.options, now)

    async def async_shutdown(self) -> None:
        """Stop timers and write the tracker to disk."""
        await super().async_shutdown()
        self._housekeeper.cancel()
        self._reconciler.cancel()
        if self._verifier is not None:
            self._verifier.cancel()
        await self.storage.async_save(self.tracker)

    async def _async_update_data(self) -> Tracker:
        """Poll qBittorrent for the torrents of requests that are downloading."""
        qbittorrent = self.clients.qbittorrent
        hashes = self.tracker.tracked_hashes()
        if self._login_refused:
            # Not asked again until re-authentication (which reloads): qBittorrent bans an
            # address after a few refused logins.
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="qbittorrent_auth_failed"
            )
        try:
            with polling_errors("qbittorrent"):
                torrents = await qbittorrent.async_torrents(hashes)
        except ConfigEntryAuthFailed:
            self._login_refused = True
            raise
        except UpdateFailed:
            # Unreachable: try again later and later (a media box that boots after us, a
            # restarting VPN), up to POLL_RETRY_MAX; events are taken meanwhile.
            self._poll_failures += 1
            if hashes:
                self.update_interval = min(
                    self.options.poll_active * 2 ** (self._poll_failures - 1), POLL_RETRY_MAX
                )
            raise
        self._poll_failures = 0
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
        self.async_apply([TorrentsPolled(frozenset(hashes), tuple(torrents), tuple(files))])
        return self.tracker

    async def async_handle_events(self, events: Iterable[TrackerEvent]) -> bool:
        """Apply events a service sent; return once what they changed is on disk.

        Returns False when the journal could not be written (logged by the journal): the
        changes stand, but a sender should not be told they are safe. A new torrent is polled
        at once, in the background (the sender does not wait for qBittorrent).
        """
        hashes_before = self.tracker.tracked_hashes()
        changes = self.async_apply(events)
        if not changes:
            return True
        if self.tracker.tracked_hashes() - hashes_before:
            # Debounced: a burst of grabs gives one poll at once and one at the end of the
            # cool-down (NEW_TORRENT_POLL_COOLDOWN), not one each.
            self.config_entry.async_create_task(
                self.hass, self.async_request_refresh(), f"{DOMAIN} poll new torrents"
            )
        try:
            await self.storage.async_record(self.tracker, changes)
        except JournalWriteFailed:
            return False
        return True

    @callback
    def async_apply(self, events: Iterable[TrackerEvent]) -> list[Change]:
        """Apply events; then fire bus events, save, update entities and reschedule.

        Only the entities of requests that changed are written: an event, a timer or a poll
        that changes nothing writes none.
        """
        now = dt_util.utcnow()
        changes: list[Change] = []
        volatile = polled = True
        for event in events:
            caused = self.tracker.apply(event, now)
            polled &= isinstance(event, POLL_EVENTS)
            volatile &= polled and all(change.kind is ChangeKind.UPDATED for change in caused)
            changes += caused
        if made_room := keep_within_cap(
            self.hass,
            self.config_entry,
            self.tracker,
            changes,
            cap=self.options.max_requests,
            now=now,
        ):
            changes += made_room
            volatile = False
        if self._verifier is not None:
            self._verifier.schedule(self.tracker)
        if not changes:
            # Nothing moved (a redelivered webhook, an unchanged poll): the entities and the
            # store stand; only a poll may have changed the interval (torrents_active).
            if polled:
                self._adapt_interval()
            return changes
        removed = [change.request_id for change in changes if change.kind is ChangeKind.REMOVED]
        if removed:
            remove_request_entities(self.hass, self.config_entry, removed)
            LOGGER.debug("Forgot %d finished requests", len(removed))
        fire_changes(self.hass, self.config_entry, self.tracker, changes)
        # A transition is saved within seconds; moving progress figures only now and then.
        self.storage.save_soon(self.tracker, volatile=volatile)
        self._adapt_interval()
        self._tell_entities(changes)
        return changes

    @callback
    def _tell_entities(self, changes: list[Change]) -> None:
        """Signal new requests, each changed request's sensor, and the summary sensors."""
        entry_id = self.config_entry.entry_id
        created = [change.request_id for change in changes if change.kind is ChangeKind.CREATED]
        if created:
            async_dispatcher_send(self.hass, new_requests_signal(entry_id), created)
        quiet = (ChangeKind.CREATED, ChangeKind.REMOVED)  # added by the platform, or gone
        for request_id in dict.fromkeys(c.request_id for c in changes if c.kind not in quiet):
            async_dispatcher_send(self.hass, request_signal(entry_id, request_id))
        async_dispatcher_send(self.hass, summary_signal(entry_id))

    @callback
    def _async_polled(self) -> None:
        """After each poll: when qBittorrent's reachability flipped, tell the sensors it hides."""
        if self.last_update_success == self._told_reachable:
            return
        self._told_reachable = self.last_update_success
        if self.last_update_success:
            # What the services recorded while qBittorrent was down may be missing too.
            self._reconciler.run_soon()
        entry_id = self.config_entry.entry_id
        for request in self.tracker.requests.values():
            if request.state in TORRENT_STATES:
                async_dispatcher_send(self.hass, request_signal(entry_id, request.request_id))

    def _adapt_interval(self) -> None:
        """Poll fast while data flows, slowly while torrents wait, not at all otherwise."""
        if not self.tracker.tracked_hashes():
            self.update_interval = None
            return
        # A torrent qBittorrent has not listed yet is about to start: poll it fast.
        active = self.torrents_active or bool(self.tracker.unlisted_hashes())
        options = self.options
        self.update_interval = options.poll_active if active else options.poll_idle
