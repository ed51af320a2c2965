"""Reconciliation: what the services recorded while no webhook reached us, applied as events.

Radarr's and Sonarr's history (`/api/v3/history/since`) and Jellyseerr's request list are read
from where the last reading stopped (a cursor per service, kept in a small store of its own),
at start-up, every `reconcile_minutes`, and soon after a service that could not be read (or
qBittorrent) is back. Each record becomes the event its webhook would have given, so a record
of something already seen changes nothing. The first reading of a new entry reaches back over
the retention period when backfill is on, and reads Radarr's and Sonarr's queues first (the
requests already under way appear at once); otherwise it starts at set-up. Which services are
read, and how: record_sources.py; shapes and sources: docs/service-records.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .clients import StackClients
from .clients.api import ServiceError
from .const import DOMAIN, LOGGER
from .errors import Reachability
from .options import StackOptions
from .record_sources import Source, sources
from .tracker import Tracker, TrackerEvent
from .tracker.events import LibraryCheckRequested

CURSORS_KEY = DOMAIN + ".{entry_id}.cursors"
CURSORS_VERSION = 1
# A reading of every service gives up after this long (the next one goes on from the cursors).
RECONCILE_TIMEOUT = 120.0
# The most readings of one service's history in a run (each up to its record limit).
RECONCILE_ROUNDS = 10
# The first wait after a service could not be read; it doubles up to the interval.
RECONCILE_RETRY = timedelta(minutes=1)


class Reconciler:
    """Reads the services' records of one stack on a timer and hands them on as events."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        clients: StackClients,
        *,
        on_events: Callable[[list[TrackerEvent]], Awaitable[bool]],
        options: Callable[[], StackOptions],
        tracker: Callable[[], Tracker],
    ) -> None:
        """Read `clients`' services; `on_events` applies (and stores) what they recorded.

        `tracker` returns the requests they are applied to (Seerr's are named if it has none).
        """
        self.hass = hass
        self._sources = sources(clients, tracker)
        self._on_events = on_events
        self._options = options
        self._store: Store[dict[str, Any]] = Store(
            hass, CURSORS_VERSION, CURSORS_KEY.format(entry_id=entry_id)
        )
        self._cursors: dict[str, datetime] = {}
        self._reachability = {source.name: Reachability(source.name) for source in self._sources}
        self._retry = RECONCILE_RETRY
        self._unsub: CALLBACK_TYPE | None = None
        self._run: asyncio.Task[None] | None = None

    async def async_load(self) -> bool:
        """Read the cursors; return whether this is the entry's first reading (none stored)."""
        stored = await self._store.async_load()
        if stored is None:
            return True
        self._cursors = {
            name: moment
            for name, value in stored.get("cursors", {}).items()
            if isinstance(value, str) and (moment := dt_util.parse_datetime(value)) is not None
        }
        return False

    async def async_start(self) -> bool:
        """Load the cursors and run the first reading; return whether it was a backfill.

        A new entry's first reading reaches back over the retention period (backfill on), or
        the services' records count from now on (off).
        """
        first = await self.async_load()
        options = self._options()
        backfill = first and options.backfill
        if first:
            now = dt_util.utcnow()
            start = now - options.keep if backfill else now
            self._cursors = {
                source.name: start for source in self._sources if not source.backfill_only
            }
            await self._async_save()
        if options.reconcile_every is not None or backfill:
            await self.async_run(check_library=True, backfill=backfill)
        return backfill

    @callback
    def run_soon(self) -> None:
        """Read the services soon (one came back): at once unless a reading is under way."""
        if self._run is None and self._options().reconcile_every is not None:
            self._drop_timer()
            self._start(check_library=True)

    @callback
    def reschedule(self) -> None:
        """Plan the next reading by the current options (they changed)."""
        if self._run is None:
            self._plan(failed=False)

    def cancel(self) -> None:
        """Drop the planned reading and stop the one under way (the entry unloads)."""
        self._drop_timer()
        if self._run is not None:
            self._run.cancel()
            self._run = None

    async def async_run(self, *, check_library: bool = False, backfill: bool = False) -> None:
        """Read every service from its cursor and apply what it recorded; plan the next run.

        `check_library` asks Jellyfin about every request waiting for it too (a lost import
        webhook left it at downloaded or importing); `backfill` reads the queues too.
        """
        self._drop_timer()
        self._run = asyncio.current_task()
        failed = False
        try:
            async with asyncio.timeout(RECONCILE_TIMEOUT):
                for source in self._sources:
                    if source.backfill_only and not backfill:
                        continue
                    failed |= not await self._async_read(source)
        except TimeoutError:
            LOGGER.info("Reading the services' records took over %.0f s", RECONCILE_TIMEOUT)
            failed = True
        finally:
            self._run = None
        if check_library:
            await self._on_events([LibraryCheckRequested()])
        await self._async_save()
        self._plan(failed=failed)

    async def _async_read(self, source: Source) -> bool:
        """Read one service on from its cursor; return whether it could be read and stored."""
        options = self._options()
        since = self._cursors.get(source.name, dt_util.utcnow())
        for _ in range(RECONCILE_ROUNDS):
            try:
                batch = await source.read(since, options, dt_util.utcnow())
            except ServiceError as err:
                self._reachability[source.name].lost(err)
                return False
            self._reachability[source.name].back()
            if batch.events and not await self._on_events(list(batch.events)):
                return False  # not stored: read again next time
            if batch.newest is not None:
                since = self._cursors[source.name] = batch.newest
            if not (batch.truncated and source.reads_on):
                break
        return True

    def _plan(self, *, failed: bool) -> None:
        """Plan the next reading: after the interval, or sooner while a service cannot be read."""
        every = self._options().reconcile_every
        if every is None:
            return
        if failed:
            wait, self._retry = min(self._retry, every), min(self._retry * 2, every)
        else:
            wait, self._retry = every, RECONCILE_RETRY
        self._schedule(wait, check_library=failed)

    def _schedule(self, wait: timedelta, *, check_library: bool) -> None:
        self._drop_timer()

        @callback
        def _due(_now: datetime) -> None:
            self._unsub = None
            self._start(check_library=check_library)

        self._unsub = async_call_later(self.hass, wait, _due)

    def _start(self, *, check_library: bool) -> None:
        self._run = self.hass.async_create_background_task(
            self.async_run(check_library=check_library),
            f"{DOMAIN} reconciliation",
            eager_start=False,
        )

    def _drop_timer(self) -> None:
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    async def _async_save(self) -> None:
        await self._store.async_save(
            {"cursors": {name: moment.isoformat() for name, moment in self._cursors.items()}}
        )


async def async_remove_cursors(hass: HomeAssistant, entry_id: str) -> None:
    """Delete a removed entry's cursors."""
    await Store[dict[str, Any]](
        hass, CURSORS_VERSION, CURSORS_KEY.format(entry_id=entry_id)
    ).async_remove()
