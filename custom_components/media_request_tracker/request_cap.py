"""The cap on tracked requests: kept after every event, and the repair issue it may raise.

The rules (who is forgotten, who is abandoned) are the tracker's: `tracker/limits.py`.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER
from .tracker import Change, ChangeKind, Tracker
from .tracker.housekeeping_events import RequestCapExceeded


def cap_issue_id(entry_id: str) -> str:
    """Return the id of the entry's repair issue about requests abandoned for the cap."""
    return f"requests_abandoned_{entry_id}"


@callback
def keep_within_cap(
    hass: HomeAssistant,
    entry: ConfigEntry,
    tracker: Tracker,
    changes: list[Change],
    *,
    cap: int,
    now: datetime,
) -> list[Change]:
    """After `changes` created requests beyond `cap`, make room; raise or clear the repair issue.

    Under the cap this costs a count and a look-up, however many requests are tracked. Only a
    new request triggers it: a request abandoned for the cap stays (failed) until the next
    new one needs its place. The issue goes once the entry has room again (fewer requests
    than the cap: the cap was raised, or retention forgot finished ones).
    """
    tracked = len(tracker.requests)
    if tracked < cap:
        ir.async_delete_issue(hass, DOMAIN, cap_issue_id(entry.entry_id))
    if tracked <= cap or not any(change.kind is ChangeKind.CREATED for change in changes):
        return []
    made_room = tracker.apply(RequestCapExceeded(cap), now)
    if abandoned := sum(change.kind is ChangeKind.TRANSITION for change in made_room):
        _tell_user(hass, entry.entry_id, cap, abandoned)
    return made_room


def _tell_user(hass: HomeAssistant, entry_id: str, cap: int, abandoned: int) -> None:
    """Raise (or update) the repair issue with the number of requests abandoned so far."""
    issue_id = cap_issue_id(entry_id)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    earlier = 0
    if issue is not None and issue.active and issue.translation_placeholders:
        earlier = int(issue.translation_placeholders.get("count", 0))
    else:
        LOGGER.warning(
            "More than %d requests are tracked and none of them has finished: the stalest "
            "fail as abandoned (raise the limit in the options if you track that many)",
            cap,
        )
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="requests_abandoned",
        translation_placeholders={"count": str(earlier + abandoned), "limit": str(cap)},
    )
