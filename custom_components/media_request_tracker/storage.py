"""The tracker on disk: one Store per entry, its migration, and a file that cannot be read."""

from __future__ import annotations

import inspect
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from homeassistant import exceptions as ha_exceptions
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.json import save_json
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    DOMAIN,
    LOGGER,
    SAVE_DELAY,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
    VOLATILE_SAVE_DELAY,
)
from .journal import JOURNAL_SEQ, ChangeJournal
from .tracker import Change, ChangeKind, Tracker
from .tracker.stored import EPISODE_FIELDS, migrate_from_version_1

STORAGE_KEY = DOMAIN + ".{entry_id}"


class TrackerStore(Store[dict[str, Any]]):
    """The tracker's storage file, with the hook that migrates older layouts."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Bring a stored snapshot up to the current layout.

        Version 1 stored every field by name; version 2 is the compact form (tracker/stored.py).
        A newer major version (written by a newer release, before a downgrade) is refused:
        read as ours and saved back, it would lose what that release stored.
        """
        if old_major_version > STORAGE_VERSION:
            raise StorageTooNew(old_major_version)
        LOGGER.debug(
            "Migrating stored requests from version %s.%s", old_major_version, old_minor_version
        )
        if old_major_version == 1:
            return migrate_from_version_1(old_data)
        return old_data


class StorageTooNew(Exception):
    """The stored requests were written by a newer release of the integration."""


# Newer Home Assistant releases (2026.10 does, 2026.2 does not) have the Store refuse a newer
# major version itself, before the hook above runs, with this error (it carries found_version).
STORE_REFUSES_NEWER: type[Exception] = getattr(
    ha_exceptions, "UnsupportedStorageVersionError", StorageTooNew
)

# A snapshot is made of fresh dicts nobody changes: Home Assistant may turn it into JSON in a
# worker thread, off the event loop (2026.2 and newer ask to be told so; older ones always do).
_OFF_THE_LOOP: dict[str, Any] = (
    {"serialize_in_event_loop": False}
    if "serialize_in_event_loop" in inspect.signature(Store.__init__).parameters
    else {}
)


class TrackerStorage:
    """Loads and saves the tracker of one entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind to the entry's storage file."""
        self.hass = hass
        self.entry_id = entry_id
        self.store = TrackerStore(
            hass,
            STORAGE_VERSION,
            STORAGE_KEY.format(entry_id=entry_id),
            minor_version=STORAGE_MINOR_VERSION,
            **_OFF_THE_LOOP,
        )
        self.journal = ChangeJournal(hass, entry_id)
        self.loaded = False
        # The tracker to write when the planned save is due (None: no save planned).
        self._pending: Tracker | None = None
        self._due: float | None = None
        self._cancel_save: CALLBACK_TYPE | None = None

    @property
    def path(self) -> str:
        """Return the storage file's path."""
        return str(self.store.path)

    async def async_load(self) -> Tracker:
        """Return the stored tracker, or an empty one (a file we cannot read is set aside)."""
        # A file that is not JSON is set aside (and a repair raised) by Home Assistant's Store
        # itself; one we cannot read, or whose content is not a tracker, is handled here.
        tracker = Tracker()
        unreadable: list[Any] = []
        seq = 0  # the last journal line the store file includes
        try:
            stored = await self.store.async_load()
            if stored is not None:
                seq = int(stored.get(JOURNAL_SEQ, 0))
                tracker, unreadable = Tracker.from_stored(stored)
        except (StorageTooNew, STORE_REFUSES_NEWER) as err:
            version = getattr(err, "found_version", err.args[0])
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="storage_too_new",
                translation_placeholders={"version": str(version), "path": self.path},
            ) from err
        except (HomeAssistantError, KeyError, TypeError, ValueError, AttributeError) as err:
            await self.async_set_aside(err)
            seq = 0
        # What webhooks changed after the file's snapshot (the file set aside: every line).
        records = await self.journal.async_read(seq)
        for record in records:
            try:
                unreadable += tracker.replay(record)
            except (KeyError, TypeError, ValueError, AttributeError):
                unreadable.append(record)
        if unreadable:
            await self.async_set_records_aside(unreadable)
        if records:
            LOGGER.info("Restored %d changes from the journal", len(records))
            self.save_soon(tracker)
        self.loaded = True
        return tracker

    async def async_record(self, tracker: Tracker, changes: list[Change]) -> None:
        """Write what `changes` did to the journal; return once it is on disk.

        Raises JournalWriteFailed when the disk refuses it (the changes stand in memory, and
        the planned save of the whole store still follows).
        """
        removed = {change.request_id for change in changes if change.kind is ChangeKind.REMOVED}
        changed = {
            change.request_id: None
            for change in changes
            if change.request_id not in removed and change.request_id in tracker.requests
        }
        await self.journal.async_append(
            [tracker.stored_request(request_id) for request_id in changed],
            removed,
            next_id=tracker.next_id,
            episode_fields=EPISODE_FIELDS,
        )

    def _aside_path(self) -> Path:
        """Return a new name beside the store (an earlier copy is never overwritten)."""
        path = Path(self.store.path)
        return path.with_name(f"{path.name}.unreadable.{dt_util.utcnow():%Y%m%dT%H%M%S%f}")

    def _tell_user(
        self, key: str, severity: ir.IssueSeverity, placeholders: dict[str, str]
    ) -> None:
        """Raise the repair issue `key` (its translation key too) for this entry."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{key}_{self.entry_id}",
            is_fixable=False,
            is_persistent=False,
            severity=severity,
            translation_key=key,
            translation_placeholders=placeholders,
        )

    async def async_set_aside(self, err: Exception) -> None:
        """Keep the bad file beside the new one, start empty, and tell the user."""
        path = Path(self.store.path)
        aside = self._aside_path()

        def rename() -> bool:
            if not path.exists():
                return False
            path.rename(aside)
            return True

        kept = await self.hass.async_add_executor_job(rename)
        LOGGER.error(
            "The stored requests could not be read (%s); starting with none. %s",
            type(err).__name__,
            f"The file was kept as {aside}" if kept else "No file was left to keep",
        )
        self._tell_user(
            "storage_unreadable",
            ir.IssueSeverity.ERROR,
            {"path": str(aside) if kept else str(path)},
        )

    async def async_set_records_aside(self, records: list[Any]) -> None:
        """Keep the requests that cannot be read in a file beside the store, and tell the user."""
        aside = self._aside_path()
        await self.hass.async_add_executor_job(
            partial(save_json, str(aside), {"requests": records})
        )
        LOGGER.error(
            "%d stored requests could not be read and were left out; they were kept in %s",
            len(records),
            aside,
        )
        self._tell_user(
            "storage_records_unreadable",
            ir.IssueSeverity.WARNING,
            {"count": str(len(records)), "path": str(aside)},
        )

    def save_soon(self, tracker: Tracker, *, volatile: bool = False) -> None:
        """Plan a save: within SAVE_DELAY, or VOLATILE_SAVE_DELAY for progress-like fields.

        A save already planned earlier stands: a burst of changes gives one write, and a
        stream of progress figures one write per VOLATILE_SAVE_DELAY (not one per poll, nor
        none while the stream lasts). The snapshot is taken when the save is due.
        """
        delay = VOLATILE_SAVE_DELAY if volatile else SAVE_DELAY
        due = self.hass.loop.time() + delay
        self._pending = tracker
        if self._due is not None and self._due <= due:
            return
        if self._cancel_save is not None:
            self._cancel_save()
        self._due = due
        self._cancel_save = async_call_later(self.hass, delay, self._save_due)

    @callback
    def _save_due(self, _now: datetime) -> None:
        """Write the snapshot of now (Home Assistant's stop waits for the write to end)."""
        self._cancel_save = self._due = None
        snapshot = self._take_snapshot()
        if snapshot is not None:
            self.hass.async_create_task(
                self._async_write(snapshot), f"{DOMAIN} save {self.entry_id}"
            )

    async def _async_write(self, snapshot: dict[str, Any]) -> None:
        """Write a snapshot to the store file, then empty the journal lines it includes."""
        await self.store.async_save(snapshot)
        await self.journal.async_truncate(snapshot[JOURNAL_SEQ])

    def _take_snapshot(self) -> dict[str, Any] | None:
        """Return the snapshot of the tracker a save is planned for, if any, and plan none."""
        tracker, self._pending = self._pending, None
        if self._cancel_save is not None:
            self._cancel_save()
            self._cancel_save = self._due = None
        if tracker is None:
            return None
        return tracker.to_stored() | {JOURNAL_SEQ: self.journal.seq}

    def async_listen_final_write(self) -> CALLBACK_TYPE:
        """Write a planned save when Home Assistant stops; return the listener's remover."""

        async def write_planned(_event: Event) -> None:
            if (snapshot := self._take_snapshot()) is not None:
                await self._async_write(snapshot)

        return self.hass.bus.async_listen(EVENT_HOMEASSISTANT_FINAL_WRITE, write_planned)

    async def async_save(self, tracker: Tracker) -> None:
        """Save now (a planned save is made now instead); never over requests not loaded."""
        self._take_snapshot()
        if self.loaded:
            await self._async_write(tracker.to_stored() | {JOURNAL_SEQ: self.journal.seq})


async def async_remove_storage(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the stored requests (and the journal) of a removed entry."""
    await Store[dict[str, object]](hass, 1, STORAGE_KEY.format(entry_id=entry_id)).async_remove()
    await ChangeJournal(hass, entry_id).async_remove()
