"""Radarr's history as events: the same events its webhooks give, failures and upgrades too.

Fixture `radarr_history_since.json` follows Radarr `src/Radarr.Api.V3/History/HistoryResource.cs`
with `includeMovie=true` (`MovieResource.cs`: tags are ids), `data` keys as
`src/NzbDrone.Core/History/HistoryService.cs` writes them; it records the Grab and Download of
`radarr_grab.json` / `radarr_download.json`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.media_request_tracker.clients.arr.radarr import parse_webhook
from custom_components.media_request_tracker.clients.arr.radarr_history import (
    parse_radarr_history,
)
from custom_components.media_request_tracker.tracker import (
    FileImported,
    RequestState,
    Tracker,
)
from custom_components.media_request_tracker.tracker.events import DownloadFailed

from ... import load_fixture

TAGS = {3: "12-carol"}
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def records() -> list[dict[str, Any]]:
    """Return the Arrival history: grabbed, downloadFolderImported, movieFileRenamed."""
    value: list[dict[str, Any]] = load_fixture("radarr_history_since.json")
    return value


@pytest.mark.parametrize("anime_tag", ["", "12-carol"])
def test_grab_and_import_equal_the_webhooks(anime_tag: str) -> None:
    """A rename is not tracked; the movie's tag ids are read as the webhook's labels."""
    batch = parse_radarr_history(records(), anime_tag, TAGS)

    grab = parse_webhook(load_fixture("radarr_grab.json"), anime_tag).events
    download = parse_webhook(load_fixture("radarr_download.json"), anime_tag).events
    assert batch.events == (*grab, *download)
    assert batch.skipped == 0


def test_replaying_history_after_the_webhooks_changes_nothing() -> None:
    tracker = Tracker()
    for name in ("radarr_grab.json", "radarr_download.json"):
        for event in parse_webhook(load_fixture(name), "").events:
            tracker.apply(event, NOW)
    before = tracker.to_dict()

    for _ in range(2):
        for event in parse_radarr_history(records(), "", TAGS).events:
            assert tracker.apply(event, NOW) == []
    assert tracker.to_dict() == before


def failed(**data: str) -> dict[str, Any]:
    """Return Radarr's downloadFailed record of the Arrival torrent."""
    grab = records()[0]
    return {
        **grab,
        "id": 104,
        "eventType": "downloadFailed",
        "date": "2026-11-25T10:05:00Z",
        "data": {"downloadClient": "qBittorrent", "downloadClientName": "qBittorrent", **data},
    }


def test_a_failed_download_fails_the_request_with_radarrs_message() -> None:
    grab = records()[0]
    batch = parse_radarr_history([grab, failed(message="Manually marked as failed")], "", TAGS)

    assert isinstance(batch.events[-1], DownloadFailed)
    tracker = Tracker()
    for event in batch.events:
        tracker.apply(event, NOW)
    request = tracker.requests["1"]
    assert request.state is RequestState.FAILED
    assert request.failure_reason == "Manually marked as failed"
    assert request.failure_code == "download_failed"


def test_a_failure_without_message_says_radarr_marked_it() -> None:
    (event,) = parse_radarr_history([failed()], "", TAGS).events
    assert isinstance(event, DownloadFailed)
    assert event.reason == "Radarr marked the download failed"
    assert event.qbit_hash == "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"


def test_a_failure_followed_by_another_grab_is_superseded() -> None:
    """Radarr searches again after a failure: the new grab carries the request on."""
    second = {**records()[0], "id": 105, "date": "2026-11-25T10:06:00Z", "downloadId": "A" * 40}
    batch = parse_radarr_history([records()[0], failed(message="stalled"), second], "", TAGS)

    assert not any(isinstance(event, DownloadFailed) for event in batch.events)
    assert len(batch.events) == 2


def deleted(date: str, reason: str) -> dict[str, Any]:
    """Return a movieFileDeleted record of Arrival's old file."""
    return {
        **records()[2],
        "id": 106,
        "eventType": "movieFileDeleted",
        "date": date,
        "data": {"reason": reason, "releaseGroup": "OLD", "size": "1"},
    }


@pytest.mark.parametrize(
    ("deletion", "is_upgrade"),
    [
        (deleted("2026-11-25T10:01:59Z", "Upgrade"), True),
        (deleted("2026-11-25T09:40:00Z", "Upgrade"), False),
        (deleted("2026-11-25T10:01:59Z", "Manual"), False),
    ],
)
def test_an_import_right_after_an_upgrade_deletion_is_an_upgrade(
    deletion: dict[str, Any], is_upgrade: bool
) -> None:
    batch = parse_radarr_history([deletion, records()[1]], "", TAGS)

    (event,) = batch.events
    assert isinstance(event, FileImported)
    assert event.is_upgrade is is_upgrade
    webhook = "radarr_download.json"
    expected = parse_webhook({**load_fixture(webhook), "isUpgrade": is_upgrade}, "").events
    assert batch.events == expected
