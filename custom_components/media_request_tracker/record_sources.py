"""The services whose records reconciliation reads, and how each is read since a date.

Radarr's and Sonarr's history (`/api/v3/history/since`) and Jellyseerr's request list go on
from a cursor per service; at backfill, Radarr's and Sonarr's queues come first, for the
downloads grabbed before the retention period that are still under way (a queue has no dates).
Jellyseerr's list says where each request stands now: it comes last, and its requests that no
tracked request names yet are named from Seerr's details. Shapes: docs/service-records.md.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from .clients import StackClients
from .clients.arr.api import ArrClient
from .clients.arr.queue_grabs import async_radarr_queue_grabs, async_sonarr_queue_grabs
from .clients.arr.radarr_history import async_radarr_history
from .clients.arr.sonarr_history import async_sonarr_history
from .clients.jellyseerr_requests import async_requests_since
from .clients.jellyseerr_titles import async_with_titles
from .options import StackOptions
from .tracker import Tracker, TrackerEvent
from .tracker.events import RequestNotified
from .tracker.index import Key

# A failed download is applied once this old: the app grabs another release right after it.
FAILURE_SETTLE = timedelta(minutes=10)


class Batch(Protocol):
    """What one reading of a service gives (HistoryBatch, RequestBatch)."""

    @property
    def events(self) -> Sequence[TrackerEvent]:
        """The events, oldest first."""

    @property
    def newest(self) -> datetime | None:
        """Where the next reading goes on from (None: nothing was read)."""

    @property
    def truncated(self) -> bool:
        """Whether more records wait to be read from `newest`."""


type Reader = Callable[[datetime, StackOptions, datetime], Awaitable[Batch]]


@dataclass(frozen=True, slots=True)
class Source:
    """A service whose records are read: its name and how to read it since a date."""

    name: str
    read: Reader
    # Whether a truncated reading goes on from its newest record (history: oldest first).
    reads_on: bool
    # Read at backfill only, with no cursor (a queue says what is under way now, undated).
    backfill_only: bool = False


def untitled(tracker: Tracker, event: RequestNotified) -> bool:
    """Return whether no request the event names has a title yet (Seerr's list has none)."""
    media = event.media
    keys: list[Key] = [("tmdb_id", media.media_type, media.tmdb_id)]
    if event.jellyseerr_id is not None:
        keys.append(("jellyseerr_id", event.jellyseerr_id))
    return not any(request.title for request in tracker.holding(keys))


async def _read_queue(
    read: Callable[[ArrClient, str], Awaitable[Batch]],
    client: ArrClient,
    _since: datetime,
    options: StackOptions,
    _now: datetime,
) -> Batch:
    """Read an app's queue (undated: no cursor)."""
    return await read(client, options.anime_tag)


async def _read_history(
    read: Callable[[ArrClient, datetime, str, datetime], Awaitable[Batch]],
    client: ArrClient,
    since: datetime,
    options: StackOptions,
    now: datetime,
) -> Batch:
    """Read an app's history since `since`, failures newer than the settle time held back."""
    return await read(client, since, options.anime_tag, now - FAILURE_SETTLE)


def sources(clients: StackClients, tracker: Callable[[], Tracker]) -> list[Source]:
    """Return the configured services' records to read, in the order they are read.

    The queues (at backfill), Radarr's and Sonarr's history, then Jellyseerr's request list.
    """
    apps = [
        (name, client, queue, history)
        for name, client, queue, history in (
            ("Radarr", clients.radarr, async_radarr_queue_grabs, async_radarr_history),
            ("Sonarr", clients.sonarr, async_sonarr_queue_grabs, async_sonarr_history),
        )
        if client is not None
    ]
    found = [
        Source(
            f"{name} queue",
            functools.partial(_read_queue, queue, client),
            reads_on=False,
            backfill_only=True,
        )
        for name, client, queue, _history in apps
    ]
    found += [
        Source(name, functools.partial(_read_history, history, client), reads_on=True)
        for name, client, _queue, history in apps
    ]
    if (seerr := clients.jellyseerr) is not None:

        async def read_requests(since: datetime, _options: StackOptions, _now: datetime) -> Batch:
            batch = await async_requests_since(seerr, since)
            wanted = functools.partial(untitled, tracker())
            named = await async_with_titles(seerr, batch.events, wanted)
            return dataclasses.replace(batch, events=named)

        found.append(Source("Jellyseerr", read_requests, reads_on=False))
    return found
