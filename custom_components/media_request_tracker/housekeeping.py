"""Housekeeping every few minutes: stuck requests flagged, idle ones abandoned, old ones forgotten.

A stuck download is explained from Radarr's (movies) or Sonarr's (TV) queue before anyone is
told, so the stuck event carries the queue's reason and code. The queue is asked for the stuck
requests' movies or series only (clients/arr/api.py), and the whole round is bounded in time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .clients import StackClients
from .clients.arr.api import RADARR, SONARR, ArrApp, ArrClient
from .clients.arr.queue import explain_queue, with_health
from .const import LOGGER
from .errors import best_effort
from .options import StackOptions
from .tracker import MediaType, Tracker, TrackerEvent
from .tracker.housekeeping import StuckDownload, stuck_downloads
from .tracker.housekeeping_events import DownloadExplained, RetentionDue, StuckCheckDue
from .tracker.stuck import StuckCode

# Seconds the queues may take, in all, to explain one round; then the generic reasons stand.
EXPLAIN_TIMEOUT = 60.0


class Housekeeper:
    """Runs the periodic checks of one stack."""

    def __init__(
        self, clients: StackClients, on_events: Callable[[list[TrackerEvent]], object]
    ) -> None:
        """Explain from Radarr's and Sonarr's queues; `on_events` applies what was found."""
        # Radarr for movies, Sonarr for TV: the queues that explain.
        self.queues: dict[MediaType, tuple[ArrApp, ArrClient]] = {
            media_type: (app, client)
            for media_type, app, client in (
                (MediaType.MOVIE, RADARR, clients.radarr),
                (MediaType.TV, SONARR, clients.sonarr),
            )
            if client is not None
        }
        self._on_events = on_events
        # The run under way (None: none): the next tick skips, an unload cancels it.
        self._run: asyncio.Task[Any] | None = None

    async def async_run(self, tracker: Tracker, options: StackOptions, now: datetime) -> None:
        """Flag what outlived its limit (explained where a queue can), abandon and forget.

        A run never overlaps the previous one: while a slow queue keeps it going, the next
        timer tick is skipped.
        """
        if self._run is not None:
            LOGGER.debug("Housekeeping skipped: the previous run has not finished")
            return
        self._run = asyncio.current_task()
        check = StuckCheckDue(options.stuck_limits)
        try:
            async with asyncio.timeout(EXPLAIN_TIMEOUT):
                explained = await self._async_explain(stuck_downloads(tracker, check, now))
        except TimeoutError:
            LOGGER.info(
                "Radarr's or Sonarr's queue took over %.0f s; the stuck reasons stay",
                EXPLAIN_TIMEOUT,
            )
            explained = []
        finally:
            self._run = None
        self._on_events([check, *explained, RetentionDue(options.keep, options.abandon_after)])

    def cancel(self) -> None:
        """Stop the run under way (the entry unloads: its findings are dropped)."""
        if self._run is not None:
            self._run.cancel()
            self._run = None

    async def _async_explain(self, waiting: list[StuckDownload]) -> list[TrackerEvent]:
        """Read each queue that holds a stuck download; return what its records say."""
        events: list[TrackerEvent] = []
        for media_type, (app, client) in self.queues.items():
            downloads = [download for download in waiting if download.media_type is media_type]
            if not downloads:
                continue
            explanations = explain_queue(app.name, await _async_records(app, client, downloads))
            hashes = {download.qbit_hash for download in downloads}
            found = [explanations[h] for h in sorted(hashes) if h in explanations]
            if any(item.code is StuckCode.NO_ELIGIBLE_FILES for item in found):
                health = await best_effort(
                    client.async_health(), f"{app.name}'s health cannot be read: %s"
                )
                if health is not None:
                    found = [with_health(item, health) for item in found]
            events += [DownloadExplained(item.qbit_hash, item.reason, item.code) for item in found]
        return events


async def _async_records(
    app: ArrApp, client: ArrClient, downloads: list[StuckDownload]
) -> list[Any]:
    """Return the queue records of the downloads' movies or series (none if unreadable).

    A download whose request has no movie or series id (it came from elsewhere than the app's
    grab) is looked for in the first pages of the whole queue.
    """
    failure = f"{app.name}'s queue cannot be read, the stuck reasons stay: %s"
    records: list[Any] = []
    ids = {download.arr_id for download in downloads if download.arr_id is not None}
    if ids:
        records += await best_effort(client.async_queue_of(app, ids), failure) or []
    if any(download.arr_id is None for download in downloads):
        records += await best_effort(client.async_queue(app), failure) or []
    return records
