"""Whether an entry takes events now: webhooks outlive a reload and wait it out.

Home Assistant answers 200 to a webhook id nobody registered, and the services deliver a
webhook once: an id unregistered during a reload would lose what arrives meanwhile, with a
success for the sender. So an entry's webhooks stay registered from its first set-up until it
is removed or disabled, and a call that arrives while the entry is loading (a reload, a
reauth, a reconfigure) waits for it, up to ENTRY_WAIT; one that arrives while the entry is
not loaded at all, or that waits in vain, is answered 503 (not taken, and the sender says so).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .coordinator import MediaRequestCoordinator

# How long a webhook call waits for its entry to finish loading.
ENTRY_WAIT = 20.0
# How often a waiting call looks again.
_LOOK_AGAIN = 0.05

GATES: HassKey[dict[str, EntryGate]] = HassKey(f"{DOMAIN}_gates")


@dataclass
class EntryGate:
    """One entry's webhooks, and the coordinator that takes their events while it is loaded."""

    webhook_ids: set[str] = field(default_factory=set)
    coordinator: MediaRequestCoordinator | None = None

    async def async_wait_open(self, entry: ConfigEntry) -> MediaRequestCoordinator | None:
        """Return the coordinator, waiting while the entry loads (its set-up lock is held).

        None: the entry is not loaded, and not loading (or did not finish in ENTRY_WAIT).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ENTRY_WAIT
        while self.coordinator is None:
            if not entry.setup_lock.locked() or loop.time() >= deadline:
                return None
            await asyncio.sleep(_LOOK_AGAIN)
        return self.coordinator


def entry_gate(hass: HomeAssistant, entry_id: str) -> EntryGate:
    """Return the entry's gate (made at its first set-up; kept across reloads)."""
    return hass.data.setdefault(GATES, {}).setdefault(entry_id, EntryGate())


def forget_gate(hass: HomeAssistant, entry_id: str) -> EntryGate | None:
    """Forget an entry's gate (removed or disabled); return it, if it had one."""
    return hass.data.get(GATES, {}).pop(entry_id, None)
