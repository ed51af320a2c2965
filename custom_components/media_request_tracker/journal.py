"""The journal: what a webhook changed, on disk before the webhook is answered.

The store file holds every request and is rewritten a few seconds after a change (a burst
of webhooks gives one write of it). What changed in between is appended to the journal, one
JSON line per batch of changes, before the webhook that caused it is answered: a process
killed right after a 200 loses nothing. A line holds the changed requests in their stored
form, the ids of those forgotten, and a sequence number; the store file records the last
number its snapshot includes, so a load lays only the newer lines over it (lines the file
already holds, left by a stop between the file's write and the journal's truncation, are
skipped). Once the file holds every line written, the journal is emptied.

Concurrent appends share one write: the first caller writes every line queued by then.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import STORAGE_DIR
from homeassistant.util.json import json_loads

from .const import DOMAIN, LOGGER

# The key under which a stored snapshot records the last journal line it includes.
JOURNAL_SEQ = "journal_seq"


class JournalWriteFailed(Exception):
    """The journal could not be written (the change is applied, but not yet on disk)."""


class ChangeJournal:
    """The append-only journal of one entry's store."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind to the entry's journal file (created by the first append)."""
        self.hass = hass
        self.path = Path(hass.config.path(STORAGE_DIR, f"{DOMAIN}.{entry_id}.journal"))
        # The number of the last line queued, and of the last line on disk.
        self.seq = 0
        self._written = 0
        self._queued: list[tuple[bytes, asyncio.Future[None]]] = []
        self._lock = asyncio.Lock()

    async def async_read(self, after: int) -> list[dict[str, Any]]:
        """Return the lines numbered after `after`, oldest first; go on numbering from there.

        A line that cannot be read (the last one, cut short by a stop mid-write) is skipped.
        """
        lines = await self.hass.async_add_executor_job(self._read_lines)
        records: list[dict[str, Any]] = []
        skipped = 0
        for line in lines:
            try:
                record = json_loads(line)
                if not isinstance(record, dict):
                    raise TypeError("a journal line is an object")
                seq = int(record["seq"])  # type: ignore[arg-type]
            except (ValueError, TypeError, KeyError):
                skipped += 1
                continue
            self.seq = max(self.seq, seq)
            if seq > after:
                records.append(record)
        if skipped:
            LOGGER.warning("%d journal lines could not be read and were skipped", skipped)
        self.seq = self._written = max(self.seq, after)
        return records

    def _read_lines(self) -> list[bytes]:
        try:
            return [line for line in self.path.read_bytes().splitlines() if line.strip()]
        except FileNotFoundError:
            return []

    async def async_append(
        self, requests: Iterable[dict[str, Any]], removed: Iterable[str], **extra: Any
    ) -> None:
        """Write one line (changed requests in stored form, forgotten ids) and return once on disk.

        Raises JournalWriteFailed when the disk refuses it.
        """
        self.seq += 1
        line = json_bytes(
            {"seq": self.seq, "requests": list(requests), "removed": list(removed), **extra}
        )
        written: asyncio.Future[None] = self.hass.loop.create_future()
        self._queued.append((line + b"\n", written))
        async with self._lock:
            if not written.done():
                await self._write_queued()
        await written

    async def _write_queued(self) -> None:
        """Write every queued line at once (called under the lock)."""
        batch, self._queued = self._queued, []
        last = self.seq
        data = b"".join(line for line, _ in batch)
        try:
            # Shielded: a caller that gives up (its client went away) does not stop the write
            # the others wait for.
            await asyncio.shield(self.hass.async_add_executor_job(self._write, data))
        except OSError as err:
            failure = JournalWriteFailed(str(err))
            for _, written in batch:
                written.set_exception(failure)
            LOGGER.error("The journal %s could not be written: %s", self.path, err)
            return
        self._written = last
        for _, written in batch:
            written.set_result(None)

    def _write(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as journal:
            journal.write(data)
            journal.flush()
            os.fsync(journal.fileno())

    async def async_truncate(self, through: int) -> None:
        """Empty the journal once a snapshot including line `through` is in the store file."""
        async with self._lock:
            if self._queued or self._written > through:
                return  # lines the file does not hold yet: the next save empties it
            try:
                await self.hass.async_add_executor_job(self._truncate)
            except OSError as err:  # its lines are in the file: a later load skips them
                LOGGER.warning("The journal %s could not be emptied: %s", self.path, err)

    def _truncate(self) -> None:
        if self.path.exists():
            self.path.write_bytes(b"")

    async def async_remove(self) -> None:
        """Delete the journal (the entry is removed)."""
        await self.hass.async_add_executor_job(self.path.unlink, True)
