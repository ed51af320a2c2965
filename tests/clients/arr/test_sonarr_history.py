"""Sonarr's history as events: a record per episode, one event per download, as the webhooks give.

Fixture `sonarr_history_since.json` follows Sonarr `src/Sonarr.Api.V3/History/HistoryResource.cs`
with `includeSeries` and `includeEpisode` (`SeriesResource.cs`: `seriesType`, tag ids;
`EpisodeResource.cs`), `data` keys as `src/NzbDrone.Core/History/HistoryService.cs` writes them
(a record per episode); it records the season pack of `sonarr_grab_season_pack.json` and
`sonarr_import_complete.json`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.media_request_tracker.clients.arr.sonarr import parse_webhook
from custom_components.media_request_tracker.clients.arr.sonarr_history import (
    parse_sonarr_history,
)
from custom_components.media_request_tracker.tracker import FileImported, RequestState, Tracker
from custom_components.media_request_tracker.tracker.events import DownloadFailed

from ... import load_fixture

TAGS = {5: "21-dave"}
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def records() -> list[dict[str, Any]]:
    """Return the Breaking Bad S02 pack: 13 grabbed, then 13 downloadFolderImported records."""
    value: list[dict[str, Any]] = load_fixture("sonarr_history_since.json")
    return value


@pytest.mark.parametrize("anime_tag", ["", "21-dave"])
def test_a_season_pack_is_one_grab_and_one_import_as_the_webhooks(anime_tag: str) -> None:
    batch = parse_sonarr_history(records(), anime_tag, TAGS)

    grab = parse_webhook(load_fixture("sonarr_grab_season_pack.json"), anime_tag).events
    imported = parse_webhook(load_fixture("sonarr_import_complete.json"), anime_tag).events
    assert batch.events == (*grab, *imported)
    assert batch.newest == datetime(2026, 11, 25, 11, 0, 12, tzinfo=UTC)


def test_an_anime_series_is_anime_by_its_type() -> None:
    anime = [
        {**record, "series": {**record["series"], "seriesType": "anime"}} for record in records()
    ]
    assert all(event.is_anime for event in parse_sonarr_history(anime, "", {}).events)  # type: ignore[union-attr]


def test_replaying_history_after_the_webhooks_changes_nothing() -> None:
    tracker = Tracker()
    for name in ("sonarr_grab_season_pack.json", "sonarr_import_complete.json"):
        for event in parse_webhook(load_fixture(name), "").events:
            tracker.apply(event, NOW)
    before = tracker.to_dict()

    for _ in range(2):
        for event in parse_sonarr_history(records(), "", TAGS).events:
            assert tracker.apply(event, NOW) == []
    assert tracker.to_dict() == before


def failed(record: dict[str, Any], message: str | None) -> dict[str, Any]:
    """Return Sonarr's downloadFailed record of a grabbed episode."""
    data = {"downloadClient": "qBittorrent", "message": message} if message else {}
    return {
        **record,
        "id": record["id"] + 100,
        "eventType": "downloadFailed",
        "data": data,
        "date": "2026-11-25T10:30:00Z",
    }


def test_a_failed_pack_fails_its_episodes_with_sonarrs_message() -> None:
    grabs = records()[:13]
    failures = [failed(record, "Download client reports an error") for record in grabs]
    batch = parse_sonarr_history([*grabs, *failures], "", TAGS)

    failure = batch.events[-1]
    assert isinstance(failure, DownloadFailed)
    assert len(failure.episodes) == 13
    tracker = Tracker()
    for event in batch.events:
        tracker.apply(event, NOW)
    request = tracker.requests["1"]
    assert request.state is RequestState.FAILED
    assert request.failure_reason == "Download client reports an error"
    assert {episode.state for episode in request.episodes} == {RequestState.FAILED}


def test_a_failure_without_message_says_sonarr_marked_it() -> None:
    (event,) = parse_sonarr_history([failed(records()[0], None)], "", TAGS).events
    assert isinstance(event, DownloadFailed)
    assert event.reason == "Sonarr marked the download failed"


def test_a_failed_episode_grabbed_again_is_superseded() -> None:
    first, second = records()[0], records()[1]
    again = {**first, "id": 900, "downloadId": "C" * 40, "date": "2026-11-25T10:40:00Z"}
    other = {**second, "id": 901, "downloadId": "D" * 40, "date": "2026-11-25T10:41:00Z"}
    batch = parse_sonarr_history([first, failed(first, "bad"), other], "", TAGS)
    assert isinstance(batch.events[1], DownloadFailed)  # another episode's grab: still failed

    batch = parse_sonarr_history([first, failed(first, "bad"), again], "", TAGS)
    assert not any(isinstance(event, DownloadFailed) for event in batch.events)


def test_an_episode_upgraded_makes_the_import_an_upgrade() -> None:
    imports = records()[13:]
    deletion = {
        **imports[0],
        "id": 950,
        "eventType": "episodeFileDeleted",
        "date": "2026-11-25T10:59:59Z",
        "data": {"reason": "Upgrade"},
    }
    (event,) = parse_sonarr_history([deletion, *imports], "", TAGS).events
    assert isinstance(event, FileImported)
    assert event.is_upgrade


def test_records_without_series_or_episode_are_skipped() -> None:
    grab = records()[0]
    broken = [
        {**grab, "series": None},
        {key: value for key, value in grab.items() if key != "episode"},
        {**grab, "episode": {**grab["episode"], "seasonNumber": None}},
    ]
    renamed = {**grab, "eventType": "episodeFileRenamed", "series": None}
    batch = parse_sonarr_history([*broken, renamed, grab], "", TAGS)

    assert len(batch.events) == 1
    assert batch.skipped == 3
