"""The shared Seerr / Jellyseerr notifications through the parser: requests, seasons, users."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from custom_components.media_request_tracker.clients import jellyseerr
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import RequestNotified

from . import (
    _assert_covered,
    _load,
    _movie,
    _tv,
)

PAST_LIVES_SEERR = _movie(666277, "Past Lives", 2023, None)
FRIEREN_SEERR = _tv(209867, 424536, "Frieren: Beyond Journey's End", 2023)
BOB = {"jellyseerr_id": 7, "requested_by": "bob"}
ALICE = {"jellyseerr_id": 8, "requested_by": "alice"}
NO_SEASONS: dict[str, Any] = {"requested_seasons": (), "is_4k": False}
SEASON_1: dict[str, Any] = {"requested_seasons": (1,), "is_4k": False}

# file → (note, the RequestNotified fields except overview/poster_url, or None for no event).
SEERR: dict[str, tuple[str, dict[str, Any] | None]] = {
    "issue_reported_ha_custom_template__ha_core.json": ("ignored: ISSUE_REPORTED", None),
    "media_approved_movie__authored.json": (
        "accepted",
        {"media": PAST_LIVES_SEERR, "target": "approved", **BOB, **NO_SEASONS},
    ),
    "media_auto_approved_movie__ha_core.json": (
        "accepted",
        {
            "media": _movie(123, "Something", 2024, None),
            "target": "approved",
            "jellyseerr_id": 16,
            "requested_by": "henk",
            **NO_SEASONS,
        },
    ),
    "media_auto_approved_movie_anime__status-tracker_capture.json": (
        "accepted",
        {
            "media": _movie(533514, "Violet Evergarden: The Movie", 2020, None),
            "target": "approved",
            "jellyseerr_id": 69,
            "requested_by": "adept",
            **NO_SEASONS,
        },
    ),
    "media_auto_approved_tv__authored.json": (
        "accepted",
        {"media": FRIEREN_SEERR, "target": "approved", **ALICE, **SEASON_1},
    ),
    "media_auto_approved_tv_anime__status-tracker_capture.json": (
        "accepted",
        {
            "media": _tv(154494, 414057, "Lycoris Recoil", 2022),
            "target": "approved",
            "jellyseerr_id": 68,
            "requested_by": "adept",
            **SEASON_1,
        },
    ),
    "media_available_movie__authored.json": (
        "accepted",
        {"media": PAST_LIVES_SEERR, "target": "available", **BOB, **NO_SEASONS},
    ),
    "media_available_tv__authored.json": (
        "accepted",
        {"media": FRIEREN_SEERR, "target": "available", **ALICE, **SEASON_1},
    ),
    "media_declined_movie__authored.json": (
        "accepted",
        {"media": PAST_LIVES_SEERR, "target": "declined", **BOB, **NO_SEASONS},
    ),
    "media_failed_tv__authored.json": (
        "accepted",
        {"media": FRIEREN_SEERR, "target": "failed", **ALICE, **SEASON_1},
    ),
    "media_pending_movie__authored.json": (
        "accepted",
        {"media": PAST_LIVES_SEERR, "target": "requested", **BOB, **NO_SEASONS},
    ),
    "media_pending_tv__authored.json": (
        "accepted",
        # "Requested Seasons": "1, 2"; this authored file reuses Bob's request id 7.
        {
            "media": FRIEREN_SEERR,
            "target": "requested",
            **BOB,
            "requested_seasons": (1, 2),
            "is_4k": False,
        },
    ),
    "test_notification__ha_core.json": ("test received", None),
}


def test_every_seerr_fixture_is_covered() -> None:
    _assert_covered("seerr", set(SEERR))


@pytest.mark.parametrize(("name", "expected"), SEERR.items(), ids=list(SEERR))
def test_seerr_fixture(name: str, expected: tuple[str, dict[str, Any] | None]) -> None:
    note, fields = expected
    payload = _load("seerr", name)
    result = jellyseerr.parse_webhook(payload)
    assert isinstance(result, ParsedWebhook)
    assert result.note == note
    if fields is None:
        assert result.events == ()
        return
    assert len(result.events) == 1
    event = result.events[0]
    assert isinstance(event, RequestNotified)
    actual = dataclasses.asdict(event)
    assert actual.pop("overview") == payload["message"]
    assert actual.pop("poster_url") == payload["image"]
    assert actual == fields
