"""What the benchmarks count on a running stack: sensor writes, storage writes, loop stalls."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from unittest.mock import patch

from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store

from bench._harness import BenchStack
from custom_components.media_request_tracker.const import DOMAIN


class EntityWrites:
    """Counts the state writes of the entry's sensors (state_changed and state_reported)."""

    def __init__(self, stack: BenchStack) -> None:
        """Listen on the bus from now on."""
        self.count = 0
        self.last_changed: Event[Any] | None = None
        self._registry = er.async_get(stack.hass)
        for event_type in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED):
            stack.entry.async_on_unload(
                stack.hass.bus.async_listen(event_type, self._heard, event_filter=self._ours)
            )

    @callback
    def _ours(self, event_data: Mapping[str, Any]) -> bool:
        entry = self._registry.async_get(event_data["entity_id"])
        return entry is not None and entry.platform == DOMAIN

    @callback
    def _heard(self, event: Event[Any]) -> None:
        self.count += 1
        if event.event_type == EVENT_STATE_CHANGED:
            self.last_changed = event

    def take(self) -> int:
        """Return the writes counted since the last call."""
        count, self.count = self.count, 0
        return count


class StoreWrites:
    """Counts the writes of the entry's storage file (calls of Home Assistant's Store write)."""

    def __init__(self) -> None:
        """Count nothing until entered."""
        self.count = 0
        # (start, end) of each write, on the clock of time.perf_counter().
        self.spans: list[tuple[float, float]] = []

    @contextlib.contextmanager
    def counting(self) -> Iterator[StoreWrites]:
        """Wrap `Store._async_write_data` (one call per file write) while in the block."""
        original = Store._async_write_data
        counter = self

        async def write(store: Store[Any], *args: Any, **kwargs: Any) -> None:
            start = time.perf_counter()
            await original(store, *args, **kwargs)
            if store.key.startswith(f"{DOMAIN}."):
                counter.count += 1
                counter.spans.append((start, time.perf_counter()))

        with patch.object(Store, "_async_write_data", write):
            yield self

    def take(self) -> int:
        """Return the writes counted since the last call."""
        count, self.count = self.count, 0
        return count


class LoopStalls:
    """Measures how long the event loop is kept from running (gaps between its turns)."""

    TICK = 0.001

    def __init__(self) -> None:
        """Measure nothing until started."""
        self.longest = 0.0
        # (start, end) of every gap over 2 ms, on the clock of time.perf_counter().
        self.gaps: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.TICK)
            after = time.perf_counter()
            gap = after - before - self.TICK
            self.longest = max(self.longest, gap)
            if gap > 2 * self.TICK:
                self.gaps.append((before, after))

    def longest_within(self, spans: list[tuple[float, float]]) -> float:
        """Return the longest gap that overlaps any of these (start, end) spans."""
        return max(
            (
                end - start - self.TICK
                for start, end in self.gaps
                if any(start < span_end and end > span_start for span_start, span_end in spans)
            ),
            default=0.0,
        )

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[LoopStalls]:
        """Watch the loop while in the block."""
        self.longest = 0.0
        self.gaps = []
        self._task = asyncio.create_task(self._watch())
        await asyncio.sleep(0)
        try:
            yield self
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
