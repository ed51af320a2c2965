"""Lenient voluptuous validators for webhook payloads.

The *arr apps omit null keys and add new ones in new versions, and Jellyseerr sends every value as a
string with "" for missing (PAYLOADS.md §1-3), so ids are accepted as ints, digit strings or integral
floats, and unknown keys are always allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..schema_library import vol
from ..tracker import TrackerEvent
from .api import PayloadError

# A guard against absurd values; real titles and paths are far shorter.
MAX_TEXT = 4096
_DIGITS = re.compile(r"\d{1,18}")
_HASH = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
# A template variable the sender left unfilled: "{{media_imdbid}}".
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ParsedWebhook:
    """What a webhook body amounts to: events for the tracker, or why there are none."""

    events: tuple[TrackerEvent, ...] = ()
    note: str = "accepted"

    @classmethod
    def ignored(cls, what: str) -> ParsedWebhook:
        """Return a result for a well-formed body we have no use for."""
        return cls(note=f"ignored: {what}"[:120])


TEST_RECEIVED = ParsedWebhook(note="test received")


def lenient_int(value: Any) -> int | None:
    """Return an int from an int, a digit string or an integral float; None for null or ""."""
    if type(value) is int:  # the usual case first: every webhook reads a dozen of them
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise vol.Invalid("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    raise vol.Invalid("expected an integer")


def lenient_id(value: Any) -> int | None:
    """Return a positive id, treating 0 (the *arr apps' "unset") as missing."""
    number = lenient_int(value)
    return number if number is not None and number > 0 else None


def lenient_str(value: Any) -> str | None:
    """Return a non-empty string (numbers are turned into text), or None."""
    if type(value) is str and len(value) <= MAX_TEXT:  # the usual case first
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        raise vol.Invalid("expected a string, got a boolean")
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise vol.Invalid("expected a string")
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise vol.Invalid("string too long")
    return text or None


def lenient_bool(value: Any) -> bool:
    """Return a flag from a bool or its usual string forms; missing is False."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"true", "false", ""}:
        return value.strip().lower() == "true"
    raise vol.Invalid("expected a boolean")


def lenient_str_list(value: Any) -> list[str]:
    """Return a list of strings (tags, genres); missing is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise vol.Invalid("expected a list")
    return [text for item in value if (text := lenient_str(item)) is not None]


def lenient_count(value: Any) -> int | None:
    """Return a non-negative int (a season or episode number), or None for null or ""."""
    number = lenient_int(value)
    if number is not None and number < 0:
        raise vol.Invalid("expected a number of zero or more")
    return number


def nullable(validator: Any) -> Callable[[Any], Any]:
    """Return a validator that passes null through and validates anything else.

    Used instead of `vol.Any(None, ...)`, which tries None first and raises for every value
    that is not null: an exception per field per webhook, whose traceback keeps the request's
    frames alive until the garbage collector runs.
    """
    check = validator if isinstance(validator, vol.Schema) else vol.Schema(validator)
    # Said by us, not by the schema library (voluptuous and probatio word it differently).
    kind: type = type(check.schema)
    shapes: dict[type, str] = {dict: "an object", list: "a list"}
    shape = shapes.get(kind)

    def validate(value: Any) -> Any:
        if value is None:
            return None
        if shape is not None and not isinstance(value, kind):
            raise vol.Invalid(f"expected {shape}")
        return check(value)

    return validate


def unfilled(value: Any) -> bool:
    """Return whether a templated value was left empty or still holds a `{{placeholder}}`."""
    return isinstance(value, str) and (not value.strip() or bool(_PLACEHOLDER.search(value)))


def templated(validator: Any) -> Callable[[Any], Any]:
    """Wrap a validator so that an unfilled template value counts as missing (None)."""
    check = validator if callable(validator) else vol.Schema(validator)

    def validate(value: Any) -> Any:
        return None if unfilled(value) else check(value)

    return validate


def template_schema(fields: dict[Any, Any]) -> vol.Schema:
    """Return an object schema for a user-templated body: every unfilled value is missing."""
    return object_schema({key: templated(value) for key, value in fields.items()})


def torrent_hash(download_id: str | None) -> str | None:
    """Return the qBittorrent hash for an *arr downloadId, or None if it is not a torrent hash.

    Radarr/Sonarr send the hash upper-case; qBittorrent reports it lower-case, and a v2-only
    torrent's 64-hex id appears there truncated to 40 characters (PAYLOADS.md §1).
    """
    if download_id is None:
        return None
    lowered = download_id.strip().lower()
    return lowered[:40] if _HASH.fullmatch(lowered) else None


def object_schema(fields: dict[Any, Any]) -> vol.Schema:
    """Return a schema for a JSON object that allows the keys it does not name."""
    return vol.Schema(fields, extra=vol.ALLOW_EXTRA)


def validate(schema: vol.Schema, payload: Any) -> dict[str, Any]:
    """Validate `payload`, turning voluptuous errors into a short PayloadError."""
    if not isinstance(payload, dict):
        raise PayloadError("expected a JSON object")
    try:
        result: dict[str, Any] = schema(payload)
    except vol.MultipleInvalid as err:
        path = ".".join(str(part) for part in err.path) or "body"
        raise PayloadError(f"invalid {path}: {err.error_message}"[:200]) from err
    return result
