"""The tracker on disk: one Store per entry, its migration, and a file that cannot be read."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from homeassistant import exceptions as ha_exceptions
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.json import save_json
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER, SAVE_DELAY, STORAGE_MINOR_VERSION, STORAGE_VERSION
from .tracker import Tracker

STORAGE_KEY = DOMAIN + ".{entry_id}"


class TrackerStore(Store[dict[str, Any]]):
    """The tracker's storage file, with the hook that migrates older layouts."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Bring a stored snapshot up to the current layout (no older layout exists yet).

        A newer major version (written by a newer release, before a downgrade) is refused:
        read as ours and saved back, it would lose what that release stored.
        """
        if old_major_version > STORAGE_VERSION:
            raise StorageTooNew(old_major_version)
        LOGGER.debug(
            "Migrating stored requests from version %s.%s", old_major_version, old_minor_version
        )
        return old_data


class StorageTooNew(Exception):
    """The stored requests were written by a newer release of the integration."""


# Newer Home Assistant releases (2026.10 does, 2026.2 does not) have the Store refuse a newer
# major version itself, before the hook above runs, with this error (it carries found_version).
STORE_REFUSES_NEWER: type[Exception] = getattr(
    ha_exceptions, "UnsupportedStorageVersionError", StorageTooNew
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
        )
        self.loaded = False

    @property
    def path(self) -> str:
        """Return the storage file's path."""
        return str(self.store.path)

    async def async_load(self) -> Tracker:
        """Return the stored tracker, or an empty one (a file we cannot read is set aside)."""
        # A file that is not JSON is set aside (and a repair raised) by Home Assistant's Store
        # itself; one we cannot read, or whose content is not a tracker, is handled here.
        tracker = Tracker()
        try:
            stored = await self.store.async_load()
            if stored is not None:
                tracker, unreadable = Tracker.from_stored(stored)
                if unreadable:
                    await self.async_set_records_aside(unreadable)
        except (StorageTooNew, STORE_REFUSES_NEWER) as err:
            version = getattr(err, "found_version", err.args[0])
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="storage_too_new",
                translation_placeholders={"version": str(version), "path": self.path},
            ) from err
        except (HomeAssistantError, KeyError, TypeError, ValueError, AttributeError) as err:
            await self.async_set_aside(err)
        self.loaded = True
        return tracker

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

    def save_soon(self, tracker: Tracker) -> None:
        """Save a snapshot soon (taken now: older Home Assistant serialises in a thread)."""
        snapshot = tracker.to_dict()
        self.store.async_delay_save(lambda: snapshot, SAVE_DELAY)

    async def async_save(self, tracker: Tracker) -> None:
        """Save now; never over stored requests that were not loaded."""
        if self.loaded:
            await self.store.async_save(tracker.to_dict())


async def async_remove_storage(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the stored requests of a removed entry."""
    await Store[dict[str, object]](hass, 1, STORAGE_KEY.format(entry_id=entry_id)).async_remove()
