"""Every shared webhook fixture goes through its parser, and the known ones give known events."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from custom_components.media_request_tracker.clients.arr import sonarr
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import (
    FileImported,
    ImportNeedsAttention,
)

# The fixtures live outside this repository, in `shared/fixtures/webhooks/<service>/` next to it
# (each folder's SOURCES.md says where each file comes from). `MRT_SHARED_DIR` points at another
# `shared/` folder. When the folder is missing the tests skip locally but FAIL when `CI` is set,
# so a CI checkout without the fixtures cannot pass silently.
#
# Each service has one table of expectations keyed by file name (in its test module), and a test
# that the table and the folder list the same files: a new shared fixture fails until someone
# writes down what it should produce.

ANIME_TAG = "anime"
PAST_LIVES_HASH = "2e56a6744deaa11283a143845203d774929d71a3"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _shared_dir() -> Path:
    if override := os.environ.get("MRT_SHARED_DIR"):
        return Path(override)
    return Path(__file__).resolve().parents[3].parent / "shared"


def _service_dir(service: str) -> Path:
    """Return the fixture folder of a service; skip (locally) or fail (in CI) when it is missing."""
    folder = _shared_dir() / "fixtures" / "webhooks" / service
    if not folder.is_dir():
        message = (
            f"shared webhook fixtures not found at {folder}; check out shared/ next to the "
            "repository or set MRT_SHARED_DIR to it"
        )
        if _in_ci():
            pytest.fail(f"{message} (CI is set, so this is a failure)", pytrace=False)
        pytest.skip(message)
    return folder


def _load(service: str, name: str) -> Any:
    path = _service_dir(service) / name
    assert path.is_file(), f"{path} listed in the expectations but missing from the folder"
    return json.loads(path.read_text(encoding="utf-8"))


def _assert_covered(service: str, expected: set[str]) -> None:
    present = {path.name for path in _service_dir(service).iterdir() if path.is_file()}
    present.discard("SOURCES.md")
    assert not present - expected, (
        f"{service} fixtures without expectations in this module: {sorted(present - expected)}"
    )
    assert not expected - present, (
        f"{service} fixtures expected here but gone from the folder: {sorted(expected - present)}"
    )


def _movie(
    tmdb_id: int, title: str | None, year: int | None, imdb_id: str | None
) -> dict[str, Any]:
    return {
        "media_type": "movie",
        "tmdb_id": tmdb_id,
        "tvdb_id": None,
        "imdb_id": imdb_id,
        "title": title,
        "year": year,
    }


def _tv(
    tmdb_id: int | None, tvdb_id: int, title: str, year: int | None, imdb_id: str | None = None
) -> dict[str, Any]:
    return {
        "media_type": "tv",
        "tmdb_id": tmdb_id,
        "tvdb_id": tvdb_id,
        "imdb_id": imdb_id,
        "title": title,
        "year": year,
    }


def _assert_single_event(
    result: ParsedWebhook, expected: tuple[str, type | None, dict[str, Any] | None]
) -> dict[str, Any] | None:
    """Check an *arr parse result against (note, event type, fields); return the event's fields.

    A reason in `fields` is a text (or texts) the event's reason must contain.
    """
    note, event_type, fields = expected
    assert isinstance(result, ParsedWebhook)
    assert result.note == note
    if event_type is None or fields is None:
        assert result.events == ()
        return None
    assert len(result.events) == 1
    event = result.events[0]
    assert type(event) is event_type
    actual = dataclasses.asdict(event)
    if event_type is ImportNeedsAttention:
        reason = actual["reason"]
        parts = fields["reason"]
        for part in [parts] if isinstance(parts, str) else parts:
            assert part in reason
    compared = {key: value for key, value in actual.items() if key != "reason"}
    assert compared == {key: value for key, value in fields.items() if key != "reason"} | (
        {"episodes": actual["episodes"]} if "episodes" not in fields else {}
    )
    return actual


FRIEREN_PACK = "ffbed3a6ba079d610d434035c9d6138f7db36aaf"
FRIEREN_E05_MAGNET = "5c7a3bd1e2f0a9d84b6c0e1f2a3b4c5d6e7f8091"
FRIEREN_FOLDER = "/data/media/anime/Frieren - Beyond Journey's End/Season 1"
FRIEREN_ANIDB = 17617
IMPORT_COMPLETE_OF_PACK = "import_complete_season_pack_v4__authored.json"


def _sonarr_import(name: str, anime_tag: str = ANIME_TAG) -> FileImported:
    result = sonarr.parse_webhook(_load("sonarr", name), anime_tag)
    assert len(result.events) == 1
    event = result.events[0]
    assert isinstance(event, FileImported)
    return event
