"""Sonarr: webhook parsing (TV tracking) and the API key check.

Sonarr shares Radarr's transport and casing rules (PAYLOADS.md §2). Per-episode tracking of Grab and
Download is not built yet: until it is, those events are acknowledged and ignored.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from .radarr import ArrClient
from .schema import TEST_RECEIVED, ParsedWebhook, object_schema, validate

SCHEMA = object_schema({vol.Required("eventType"): vol.All(str, vol.Length(max=64))})

SonarrClient = ArrClient


def parse_webhook(payload: Any, anime_tag: str) -> ParsedWebhook:  # noqa: ARG001
    """Turn a Sonarr webhook body into tracker events."""
    data = validate(SCHEMA, payload)
    if data["eventType"] == "Test":
        return TEST_RECEIVED
    return ParsedWebhook.ignored(data["eventType"])
