"""Library verification: when a check is due, ask Jellyfin whether the waiting items are there."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from functools import partial

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .clients.api import ServiceError
from .clients.jellyfin import JellyfinClient
from .const import DOMAIN
from .errors import Reachability
from .tracker import (
    LibraryItemFound,
    LibraryItemMissing,
    MediaType,
    Request,
    Tracker,
    TrackerEvent,
)
from .tracker.events import LibraryEpisodesFound, LibraryUnreachable
from .tracker.library import seasons_to_check


class LibraryVerifier:
    """Asks Jellyfin about each request whose check is due, and hands the answers on."""

    def __init__(
        self,
        hass: HomeAssistant,
        jellyfin: JellyfinClient,
        on_answers: Callable[[list[TrackerEvent]], object],
    ) -> None:
        """Check with `jellyfin`; `on_answers` applies what it said."""
        self.hass = hass
        self.jellyfin = jellyfin
        self._on_answers = on_answers
        self._reachability = Reachability("Jellyfin")
        self._unsub: CALLBACK_TYPE | None = None
        # The round of checks under way: no second one starts (the round's answers schedule
        # the next), so a slow Jellyfin gets one question per request at a time; and when the
        # entry unloads (a reload) it is cancelled, so the reloaded entry's round does not ask
        # the same while it waits, and no answer reaches the unloaded one.
        self._round: asyncio.Task[None] | None = None

    def schedule(self, tracker: Tracker) -> None:
        """Plan the next check for when the tracker says one is due."""
        if self._round is not None:
            return
        self._drop_timer()
        due = tracker.next_verification_at()
        if due is not None:
            self._unsub = async_track_point_in_utc_time(
                self.hass, partial(self._async_start_round, tracker), max(due, dt_util.utcnow())
            )

    def cancel(self) -> None:
        """Drop the planned check, and stop the one under way (its answers are dropped)."""
        self._drop_timer()
        if self._round is not None:
            self._round.cancel()
            self._round = None

    def _drop_timer(self) -> None:
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    @callback
    def _async_start_round(self, tracker: Tracker, now: datetime) -> None:
        self._unsub = None
        # Not started eagerly: the round is known as under way before it runs.
        self._round = self.hass.async_create_task(
            self._async_check_due(tracker, now), f"{DOMAIN} library check", eager_start=False
        )

    async def _async_check_due(self, tracker: Tracker, now: datetime) -> None:
        answers: list[TrackerEvent] = []
        try:
            for request in tracker.due_for_verification(now):
                if answers and isinstance(answers[-1], LibraryUnreachable):
                    # Jellyfin did not answer: the others wait for it too, without a call each.
                    answers.append(LibraryUnreachable(request.request_id))
                else:
                    answers.append(await self._async_check(request))
        finally:
            if self._round is asyncio.current_task():
                self._round = None
        self._on_answers(answers)

    async def _async_check(self, request: Request) -> TrackerEvent:
        """Return what Jellyfin says of a request (no answer is not a miss)."""
        try:
            if request.media_type is MediaType.TV:
                event = await self._async_check_series(request)
            else:
                match = await self.jellyfin.async_find_movie(
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
        except ServiceError as err:
            self._reachability.lost(err)
            return LibraryUnreachable(request.request_id)
        self._reachability.back()
        return event

    async def _async_check_series(self, request: Request) -> TrackerEvent:
        """Find the series, then its episodes in the seasons that wait (the tracker picks them)."""
        series = await self.jellyfin.async_find_series(
            request.tvdb_id, request.tmdb_id, request.title, request.year
        )
        if series is None:
            return LibraryItemMissing(request.request_id)
        episodes = await self.jellyfin.async_find_episodes(
            series.item_id, seasons_to_check(request)
        )
        return LibraryEpisodesFound(
            request.request_id,
            series.item_id,
            tuple((season, number, item_id) for (season, number), item_id in episodes.items()),
            series.method,
        )
