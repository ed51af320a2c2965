"""The compact stored form of requests (storage version 2), and the reading of version 1.

Version 1 stored every field of every request, episode and history entry by name: 5,000
requests made a 22 MB file, and Home Assistant's JSON reader (orjson) takes about twelve
bytes of memory per byte of file while it parses. Version 2 keeps a request's fields by name
but leaves out those equal to their default; an episode is a row of values in the order of
the file's `episode_fields` (written once per file, so rows of a release with more or fewer
fields still read), without its trailing defaults; a history entry is a row
[state, at] or [state, at, note].
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import datetime
from typing import Any

from .models import Episode, HistoryEntry, MediaType, Request
from .states import RequestState

# The names of an episode's values in a stored row, in order (the file carries its own list).
EPISODE_FIELDS: tuple[str, ...] = tuple(item.name for item in fields(Episode))
_EPISODE_DATETIMES = frozenset({"removed_at"})
_STATE_AT = EPISODE_FIELDS.index("state")
_REMOVED_AT = EPISODE_FIELDS.index("removed_at")
_REQUEST_DATETIMES = frozenset(
    {"created_at", "state_since", "available_at", "next_verify_at", "last_activity_at"}
)
# Written whatever their value: a request cannot be built without them.
_REQUIRED = ("request_id", "media_type", "state", "created_at", "state_since")
_PARTS = frozenset({"episodes", "history", "torrents"})
# Stored apart from the rest: they move without a change (every missed library check).
_VERIFICATION = ("verify_attempts", "next_verify_at")

# [state, at] or [state, at, note].
_HISTORY_ROW_LENGTHS = (2, 3)
# Enum members by stored value: a plain lookup (an unknown value raises KeyError).
_STATES = {state.value: state for state in RequestState}
_MEDIA_TYPES = {media.value: media for media in MediaType}


def _defaults(cls: type) -> dict[str, Any]:
    """Return each field's default value (fields without one are left out)."""
    found: dict[str, Any] = {}
    for item in fields(cls):
        if item.default is not MISSING:
            found[item.name] = item.default
        elif item.default_factory is not MISSING:
            found[item.name] = item.default_factory()
    return found


_REQUEST_DEFAULTS = _defaults(Request)
_EPISODE_DEFAULTS = tuple(_defaults(Episode).get(name, MISSING) for name in EPISODE_FIELDS)
_REQUEST_NAMES = tuple(
    item.name
    for item in fields(Request)
    if item.name not in _PARTS and item.name not in _VERIFICATION
)
_KNOWN_REQUEST_NAMES = frozenset(item.name for item in fields(Request))


def _is_default(value: Any, default: Any) -> bool:
    """Return whether a value is its field's default (0 is not False, nor 1.0 the int 1)."""
    return value is default or (type(value) is type(default) and value == default)


def _stored_value(value: Any) -> Any:
    """Return a field's value as JSON holds it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (RequestState, MediaType)):
        return value.value
    if isinstance(value, list):
        return list(value)
    return value


# -- writing -------------------------------------------------------------------------------


def episode_row(episode: Episode) -> list[Any]:
    """Return an episode's values in EPISODE_FIELDS order, without the trailing defaults."""
    values = [getattr(episode, name) for name in EPISODE_FIELDS]
    end = len(values)
    while end and _is_default(values[end - 1], _EPISODE_DEFAULTS[end - 1]):
        end -= 1
    return [_stored_value(value) for value in values[:end]]


def history_row(entry: HistoryEntry) -> list[Any]:
    """Return [state, at] or [state, at, note]."""
    row: list[Any] = [entry.state.value, entry.at.isoformat()]
    if entry.note is not None:
        row.append(entry.note)
    return row


def stored_request(request: Request) -> dict[str, Any]:
    """Return the request's stored form without its planned library check (see below)."""
    data: dict[str, Any] = {}
    for name in _REQUEST_NAMES:
        value = getattr(request, name)
        if name in _REQUIRED or not _is_default(value, _REQUEST_DEFAULTS[name]):
            data[name] = _stored_value(value)
    if request.episodes:
        data["episodes"] = [episode_row(episode) for episode in request.episodes]
    if request.history:
        data["history"] = [history_row(entry) for entry in request.history]
    if request.torrents:
        data["torrents"] = {key: dict(status) for key, status in request.torrents.items()}
    return data


def stored_verification(request: Request) -> dict[str, Any]:
    """Return the planned media-server check's fields that are not their defaults."""
    data: dict[str, Any] = {}
    if request.verify_attempts:
        data["verify_attempts"] = request.verify_attempts
    if request.next_verify_at is not None:
        data["next_verify_at"] = request.next_verify_at.isoformat()
    return data


# -- reading -------------------------------------------------------------------------------


def _datetime(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def episode_from_row(row: Any, names: tuple[str, ...]) -> Episode:
    """Build an episode from a row written with the field names `names`."""
    if not isinstance(row, list) or len(row) > len(names):
        raise TypeError("an episode row is a list of at most as many values as names")
    if names == EPISODE_FIELDS:
        values = list(row)
        if len(values) > _STATE_AT:
            values[_STATE_AT] = _STATES[values[_STATE_AT]]
        if len(values) > _REMOVED_AT:
            values[_REMOVED_AT] = _datetime(values[_REMOVED_AT])
        return Episode(*values)
    known = {name: value for name, value in zip(names, row, strict=False) if name in EPISODE_FIELDS}
    if "state" in known:
        known["state"] = _STATES[known["state"]]
    for name in _EPISODE_DATETIMES & known.keys():
        known[name] = _datetime(known[name])
    return Episode(**known)


def history_from_row(row: Any) -> HistoryEntry:
    """Build a history entry from [state, at] or [state, at, note]."""
    if not isinstance(row, list) or len(row) not in _HISTORY_ROW_LENGTHS:
        raise TypeError("a history row is [state, at] or [state, at, note]")
    return HistoryEntry(_STATES[row[0]], datetime.fromisoformat(row[1]), *row[2:])


def request_from_stored(data: dict[str, Any], episode_names: tuple[str, ...]) -> Request:
    """Build a request from its stored form (keys this release does not know are ignored)."""
    values = {key: value for key, value in data.items() if key in _KNOWN_REQUEST_NAMES}
    for name in _REQUEST_DATETIMES & values.keys():
        values[name] = _datetime(values[name])
    values["media_type"] = _MEDIA_TYPES[values["media_type"]]
    values["state"] = _STATES[values["state"]]
    values["episodes"] = [episode_from_row(row, episode_names) for row in data.get("episodes", ())]
    values["history"] = [history_from_row(row) for row in data.get("history", ())]
    return Request(**values)


def migrate_from_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """Turn a version 1 snapshot into version 2, request by request, in place.

    A request version 1 cannot read is passed on as it was: version 2 cannot read it either,
    so the load sets it aside with the others (its stored text kept, nothing lost).
    """
    items = data.get("requests", [])
    if isinstance(items, list):
        for position, item in enumerate(items):
            try:
                request = Request.from_dict(item)
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
            items[position] = stored_request(request) | stored_verification(request)
    return {**data, "episode_fields": list(EPISODE_FIELDS)}
