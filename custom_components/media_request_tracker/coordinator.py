"""The coordinator: owns the tracker, persists it, polls qBittorrent and checks Jellyfin."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util, slugify

from .const import (
    CONF_ANIME_TAG,
    CONF_KEEP_DAYS,
    CONF_POLL_ACTIVE,
    CONF_POLL_IDLE,
    CONF_STUCK_AFTER,
    DEFAULT_ANIME_TAG,
    DEFAULT_KEEP_DAYS,
    DEFAULT_POLL_ACTIVE,
    DEFAULT_POLL_IDLE,
    DOMAIN,
    EVENT_STATE_CHANGED,
    EVENT_STUCK,
    HOUSEKEEPING_INTERVAL,
    LOGGER,
    SAVE_DELAY,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
)
from .services.api import CannotConnect, InvalidAuth
from .services.arr import ArrClient
from .services.arr_queue import explain_queue, with_health
from .services.jellyfin import JellyfinClient
from .services.qbittorrent import QBittorrentClient
from .tracker import (
    Change,
    ChangeKind,
    LibraryItemFound,
    LibraryItemMissing,
    MediaType,
    Request,
    RequestState,
    TorrentPhase,
    Tracker,
    TrackerEvent,
)
from .tracker.events import DownloadExplained, LibraryEpisodesFound, TorrentMissing
from .tracker.states import VERIFY_STATES
from .tracker.stuck import STUCK_LIMITS, StuckCode

type MediaRequestConfigEntry = ConfigEntry[MediaRequestCoordinator]


STORAGE_KEY = DOMAIN + ".{entry_id}"


def request_unique_id(entry_id: str, request_id: str) -> str:
    """Return the entity unique id of a request."""
    return f"{entry_id}-request-{request_id}"


class TrackerStore(Store[dict[str, Any]]):
    """The tracker's storage file, with the hook that migrates older layouts."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Bring a stored snapshot up to the current layout (no older layout exists yet)."""
        LOGGER.debug(
            "Migrating stored requests from version %s.%s", old_major_version, old_minor_version
        )
        return old_data


class MediaRequestCoordinator(DataUpdateCoordinator[Tracker]):
    """Holds every tracked request of one stack and keeps it moving."""

    config_entry: MediaRequestConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: MediaRequestConfigEntry,
        qbittorrent: QBittorrentClient,
        jellyfin: JellyfinClient | None,
        queues: dict[MediaType, tuple[str, ArrClient]] | None = None,
    ) -> None:
        """Set up the coordinator; nothing is loaded or polled until the first refresh."""
        super().__init__(hass, LOGGER, config_entry=entry, name=DOMAIN, update_interval=None)
        self.tracker = Tracker()
        self.qbittorrent = qbittorrent
        self.jellyfin = jellyfin
        # Radarr for movies, Sonarr for TV (by name, for reasons): the queues that explain.
        self.queues = queues or {}
        self._store = TrackerStore(
            hass,
            STORAGE_VERSION,
            STORAGE_KEY.format(entry_id=entry.entry_id),
            minor_version=STORAGE_MINOR_VERSION,
        )
        self._unsub_verify: CALLBACK_TYPE | None = None
        self._unsub_purge: CALLBACK_TYPE | None = None
        self._jellyfin_reachable = True
        self._loaded = False
        self.torrents_active = False
        self._seen_hashes: set[str] = set()
        self.started_with_options = dict(entry.options)

    # -- options -------------------------------------------------------------------------------

    def _option(self, key: str, default: Any) -> Any:
        return self.config_entry.options.get(key, default)

    @property
    def anime_tag(self) -> str:
        """Return the tag that marks anime in Radarr/Sonarr."""
        return str(self._option(CONF_ANIME_TAG, DEFAULT_ANIME_TAG))

    @property
    def stuck_limits(self) -> dict[RequestState, timedelta]:
        """Return how long each state may last before a request is stuck (0 h: never)."""
        hours: dict[str, float] = self._option(CONF_STUCK_AFTER, {})
        limits = {
            state: timedelta(hours=hours[state.value]) if state.value in hours else default
            for state, default in STUCK_LIMITS.items()
        }
        return {state: limit for state, limit in limits.items() if limit > timedelta(0)}

    # -- life cycle ----------------------------------------------------------------------------

    async def _async_setup(self) -> None:
        """Restore the tracker from storage, then start the periodic clean-up."""
        # A file that is not JSON is set aside (and a repair raised) by Home Assistant's Store
        # itself; one we cannot read, or whose content is not a tracker, is handled here.
        try:
            stored = await self._store.async_load()
            if stored is not None:
                self.tracker = Tracker.from_dict(stored)
        except (HomeAssistantError, KeyError, TypeError, ValueError, AttributeError) as err:
            await self._async_set_storage_aside(err)
        self._loaded = True
        self._unsub_purge = async_track_time_interval(
            self.hass, self._async_housekeeping, HOUSEKEEPING_INTERVAL
        )
        self._purge(dt_util.utcnow())
        self._schedule_verification()

    async def _async_set_storage_aside(self, err: Exception) -> None:
        """Keep the bad file beside the new one, start empty, and tell the user."""
        path = Path(self._store.path)
        aside = path.with_name(f"{path.name}.unreadable.{dt_util.utcnow():%Y%m%dT%H%M%S%f}")

        def rename() -> bool:
            if not path.exists():
                return False
            path.rename(aside)  # a new name each time: an earlier copy is never overwritten
            return True

        kept = await self.hass.async_add_executor_job(rename)
        LOGGER.error(
            "The stored requests could not be read (%s); starting with none. %s",
            type(err).__name__,
            f"The file was kept as {aside}" if kept else "No file was left to keep",
        )
        self.tracker = Tracker()
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"storage_unreadable_{self.config_entry.entry_id}",
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="storage_unreadable",
            translation_placeholders={"path": str(aside) if kept else str(path)},
        )

    async def async_shutdown(self) -> None:
        """Stop timers and write the tracker to disk."""
        await super().async_shutdown()
        for unsub in (self._unsub_verify, self._unsub_purge):
            if unsub is not None:
                unsub()
        self._unsub_verify = self._unsub_purge = None
        if self._loaded:
            # Never overwrite stored requests with an empty tracker that was not loaded.
            await self._store.async_save(self.tracker.to_dict())

    # -- polling -------------------------------------------------------------------------------

    async def _async_update_data(self) -> Tracker:
        """Poll qBittorrent for the torrents of requests that are downloading."""
        try:
            hashes = self.tracker.tracked_hashes()
            torrents = await self.qbittorrent.async_torrents(hashes)
        except InvalidAuth as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="qbittorrent_auth_failed"
            ) from err
        except CannotConnect as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="qbittorrent_unreachable",
                translation_placeholders={"error": str(err)},
            ) from err
        self.torrents_active = any(
            torrent.phase in (TorrentPhase.QUEUED, TorrentPhase.DOWNLOADING) for torrent in torrents
        )
        events: list[TrackerEvent] = list(torrents)
        present = {torrent.qbit_hash for torrent in torrents}
        self._seen_hashes |= present
        events += [TorrentMissing(missing) for missing in sorted(hashes - present)]
        packs = self.tracker.season_pack_hashes()
        for torrent in torrents:
            if torrent.qbit_hash in packs and torrent.phase is TorrentPhase.DOWNLOADING:
                try:
                    events.append(await self.qbittorrent.async_files(torrent.qbit_hash))
                except CannotConnect as err:
                    LOGGER.debug("Per-file progress unavailable this time: %s", err)
        self._apply(events, notify=False)
        return self.tracker

    def _adapt_interval(self) -> None:
        """Poll fast while data flows, slowly while torrents wait, not at all otherwise."""
        hashes = self.tracker.tracked_hashes()
        if not hashes:
            self.update_interval = None
            return
        # A torrent qBittorrent has not listed yet is about to start: poll it fast.
        self._seen_hashes &= hashes
        waiting_for_first_listing = bool(hashes - self._seen_hashes)
        active = self.torrents_active or waiting_for_first_listing
        seconds = (
            self._option(CONF_POLL_ACTIVE, DEFAULT_POLL_ACTIVE)
            if active
            else self._option(CONF_POLL_IDLE, DEFAULT_POLL_IDLE)
        )
        self.update_interval = timedelta(seconds=seconds)

    # -- applying events -----------------------------------------------------------------------

    async def async_handle_events(self, events: Iterable[TrackerEvent]) -> None:
        """Apply events that arrived by webhook, then poll at once if a new torrent appeared."""
        hashes_before = self.tracker.tracked_hashes()
        self._apply(events, notify=True)
        if self.tracker.tracked_hashes() - hashes_before:
            await self.async_request_refresh()

    @callback
    def _apply(self, events: Iterable[TrackerEvent], *, notify: bool) -> None:
        now = dt_util.utcnow()
        changes: list[Change] = []
        for event in events:
            changes += self.tracker.apply(event, now)
        for change in changes:
            if change.kind in (ChangeKind.CREATED, ChangeKind.TRANSITION):
                self._fire_state_changed(change)
        if changes:
            self._save()
        self._schedule_verification()
        self._adapt_interval()
        if notify:
            self.async_set_updated_data(self.tracker)

    def _save(self) -> None:
        """Save a snapshot soon (taken now: older Home Assistant serialises in a thread)."""
        snapshot = self.tracker.to_dict()
        self._store.async_delay_save(lambda: snapshot, SAVE_DELAY)

    def _fire(self, event_type: str, request: Request, **data: Any) -> None:
        """Fire a bus event about a request: who it is, what happened, and its entity."""
        self.hass.bus.async_fire(
            event_type,
            {
                "request_id": request.request_id,
                "title": request.title,
                "media_type": request.media_type.value,
                **data,
                "entity_id": self._entity_id(request),
            },
        )

    def _fire_state_changed(self, change: Change) -> None:
        request = self.tracker.requests[change.request_id]
        self._fire(
            EVENT_STATE_CHANGED,
            request,
            from_state=change.from_state.value if change.from_state else None,
            to_state=change.to_state.value,
            episodes_available=sum(
                episode.state is RequestState.AVAILABLE for episode in request.episodes
            ),
            episodes_total=len(request.episodes),
        )

    def _entity_id(self, request: Request) -> str:
        """Return the request sensor's entity id, registering it now if it is new.

        Registering here (the sensor platform adds the entity a moment later, under this id)
        lets the very first state-changed event name the entity automations will see.
        """
        entry = self.config_entry
        return (
            er.async_get(self.hass)
            .async_get_or_create(
                Platform.SENSOR,
                DOMAIN,
                request_unique_id(entry.entry_id, request.request_id),
                config_entry=entry,
                suggested_object_id=slugify(f"{entry.title} {request.display_name}"),
            )
            .entity_id
        )

    # -- media-server verification -------------------------------------------------------------

    def _schedule_verification(self) -> None:
        if self._unsub_verify is not None:
            self._unsub_verify()
            self._unsub_verify = None
        if self.jellyfin is None:
            # Without Jellyfin, Jellyseerr's MEDIA_AVAILABLE is what completes a request.
            return
        due = self.tracker.next_verification_at()
        if due is not None:
            self._unsub_verify = async_track_point_in_utc_time(
                self.hass,
                partial(self._async_verify_due, self.jellyfin),
                max(due, dt_util.utcnow()),
            )

    async def _async_verify_due(self, jellyfin: JellyfinClient, now: datetime) -> None:
        """Ask Jellyfin about every request whose check is due."""
        self._unsub_verify = None
        events = [
            await self._async_verify(jellyfin, request)
            for request in self.tracker.due_for_verification(now)
        ]
        self._apply(events, notify=True)

    async def _async_verify(self, jellyfin: JellyfinClient, request: Request) -> TrackerEvent:
        try:
            if request.media_type is MediaType.TV:
                event = await self._async_verify_episodes(jellyfin, request)
            else:
                match = await jellyfin.async_find_movie(
                    request.tmdb_id,
                    request.title,
                    request.year,
                    anime=request.is_anime,
                    anidb_id=request.anidb_id,
                )
                event = (
                    LibraryItemFound(request.request_id, match.item_id, match.method)
                    if match is not None
                    else LibraryItemMissing(request.request_id)
                )
        except (CannotConnect, InvalidAuth) as err:
            if self._jellyfin_reachable:
                LOGGER.info("Jellyfin cannot be reached, retrying later: %s", err)
                self._jellyfin_reachable = False
            return LibraryItemMissing(request.request_id)
        if not self._jellyfin_reachable:
            LOGGER.info("Jellyfin can be reached again")
            self._jellyfin_reachable = True
        return event

    @staticmethod
    async def _async_verify_episodes(jellyfin: JellyfinClient, request: Request) -> TrackerEvent:
        """Find the series, then each waiting episode in it (DESIGN §2: per-episode checks)."""
        series = await jellyfin.async_find_series(
            request.tvdb_id, request.tmdb_id, request.title, request.year
        )
        if series is None:
            return LibraryItemMissing(request.request_id)
        available = await jellyfin.async_find_episodes(series.item_id)
        waiting = {episode.key for episode in request.episodes if episode.state in VERIFY_STATES}
        found = tuple(
            (season, number, item_id)
            for (season, number), item_id in sorted(available.items())
            if (season, number) in waiting
        )
        if not found:
            return LibraryItemMissing(request.request_id)
        return LibraryEpisodesFound(request.request_id, series.item_id, found, series.method)

    # -- retention -----------------------------------------------------------------------------

    async def _async_housekeeping(self, now: datetime) -> None:
        """Flag requests that stay too long in a state, and forget old finished ones."""
        changes = self.tracker.check_stuck(now, self.stuck_limits)
        # Explain what the limits just flagged before telling anyone (and refresh older ones).
        explained = await self._async_explain_stuck_downloads()
        for change in changes:
            request = self.tracker.requests[change.request_id]
            if change.kind is ChangeKind.TRANSITION:
                self._fire_state_changed(change)  # a removed download that failed
                continue
            if not request.stuck:
                continue  # it moved on while the queues were read
            self._fire(
                EVENT_STUCK,
                request,
                state=request.state.value,
                stuck_reason=request.stuck_reason,
                stuck_code=request.stuck_code,
            )
        if changes or explained:
            self._save()
            self.async_update_listeners()
        self._purge(now)

    async def _async_explain_stuck_downloads(self) -> bool:
        """Read Radarr's/Sonarr's queue for stuck downloads; return whether a reason changed."""
        waiting = self.tracker.explainable()
        events: list[TrackerEvent] = []
        for media_type, (app, client) in self.queues.items():
            hashes = {h for h, kind in waiting.items() if kind is media_type}
            if not hashes:
                continue
            try:
                explanations = explain_queue(app, await client.async_queue())
            except (CannotConnect, InvalidAuth) as err:
                LOGGER.debug("%s's queue cannot be read, the stuck reasons stay: %s", app, err)
                continue
            found = [explanations[h] for h in sorted(hashes) if h in explanations]
            if any(item.code is StuckCode.NO_ELIGIBLE_FILES for item in found):
                try:
                    health = await client.async_health()
                except (CannotConnect, InvalidAuth) as err:
                    LOGGER.debug("%s's health cannot be read: %s", app, err)
                else:
                    found = [with_health(item, health) for item in found]
            events += [DownloadExplained(item.qbit_hash, item.reason, item.code) for item in found]
        now = dt_util.utcnow()
        changed = False
        for event in events:
            changed |= bool(self.tracker.apply(event, now))
        return changed

    def _purge(self, now: datetime) -> None:
        keep = timedelta(days=self._option(CONF_KEEP_DAYS, DEFAULT_KEEP_DAYS))
        removed = self.tracker.purge_finished(now, keep)
        if not removed:
            return
        registry = er.async_get(self.hass)
        for request_id in removed:
            unique_id = request_unique_id(self.config_entry.entry_id, request_id)
            if entity_id := registry.async_get_entity_id(Platform.SENSOR, DOMAIN, unique_id):
                registry.async_remove(entity_id)
        LOGGER.debug("Forgot %d finished requests", len(removed))
        self._save()
        self.async_update_listeners()
