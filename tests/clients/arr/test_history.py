"""Radarr's and Sonarr's `/api/v3/history/since`: the query, the tags, errors and the record bound.

Shapes from Radarr and Sonarr `src/*.Api.V3/History/HistoryController.cs` (`GetHistorySince`:
`date`, `eventType`, `includeMovie` / `includeSeries` + `includeEpisode`; a plain list, oldest
first) and `src/*.Api.V3/Tags/TagController.cs` ([{id, label}]).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients.api import CannotConnect, InvalidAuth
from custom_components.media_request_tracker.clients.arr import history
from custom_components.media_request_tracker.clients.arr.api import ArrClient
from custom_components.media_request_tracker.clients.arr.radarr_history import (
    async_radarr_history,
    parse_radarr_history,
)
from custom_components.media_request_tracker.clients.arr.sonarr_history import (
    async_sonarr_history,
)

from ... import load_fixture
from .. import mocked_http, sent

URL = "http://radarr.lan:7878"
SINCE = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


async def test_radarr_history_asks_since_the_date_with_the_movie(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(
        f"{URL}/api/v3/history/since", json=load_fixture("radarr_history_since.json")
    )
    aioclient_mock.get(f"{URL}/api/v3/tag", json=[{"id": 3, "label": "12-carol"}])
    async with mocked_http(aioclient_mock) as (session, mocked):
        batch = await async_radarr_history(ArrClient(session, URL, "key"), SINCE, "anime")

    calls = sent(mocked)
    assert calls[0]["params"] == {"date": "2026-11-25T09:30:00Z", "includeMovie": "true"}
    assert calls[0]["headers"] == {"X-Api-Key": "key"}
    assert calls[1]["url"] == f"{URL}/api/v3/tag"
    assert len(batch.events) == 2
    assert batch.newest == datetime(2026, 11, 25, 10, 3, tzinfo=UTC)


async def test_sonarr_history_asks_for_series_and_episode_without_tags_unless_anime_is_set(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(f"{URL}/api/v3/history/since", json=[])
    async with mocked_http(aioclient_mock) as (session, mocked):
        batch = await async_sonarr_history(ArrClient(session, URL, "key"), SINCE, " ")

    assert [call["params"] for call in sent(mocked)] == [
        {"date": "2026-11-25T09:30:00Z", "includeSeries": "true", "includeEpisode": "true"}
    ]
    assert batch == history.HistoryBatch((), None)


def test_the_date_is_sent_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert history.since_param(datetime(2026, 11, 25, 10, 30, tzinfo=paris)) == (
        "2026-11-25T09:30:00Z"
    )
    assert history.since_param(datetime(2026, 11, 25, 9, 30)) == "2026-11-25T09:30:00Z"
    assert history.history_date("2026-11-25T09:30:00.1234567Z"[:26] + "Z") == datetime(
        2026, 11, 25, 9, 30, 0, 123456, tzinfo=UTC
    )
    assert history.history_date("2026-11-25T09:30:00") == SINCE


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": 401}, InvalidAuth),
        ({"exc": TimeoutError()}, CannotConnect),
        ({"json": {"records": []}}, CannotConnect),
    ],
)
async def test_errors_are_the_clients_own(
    aioclient_mock: AiohttpClientMocker, answer: dict[str, Any], error: type[Exception]
) -> None:
    aioclient_mock.get(f"{URL}/api/v3/history/since", **answer)
    async with mocked_http(aioclient_mock) as (session, _):
        with pytest.raises(error):
            await async_radarr_history(ArrClient(session, URL, "key"), SINCE, "")


async def test_tags_that_are_not_a_list_are_an_error(aioclient_mock: AiohttpClientMocker) -> None:
    aioclient_mock.get(f"{URL}/api/v3/history/since", json=[])
    aioclient_mock.get(f"{URL}/api/v3/tag", json={"id": 1})
    async with mocked_http(aioclient_mock) as (session, _):
        with pytest.raises(CannotConnect):
            await async_radarr_history(ArrClient(session, URL, "key"), SINCE, "anime")


async def test_malformed_tags_are_left_out(aioclient_mock: AiohttpClientMocker) -> None:
    aioclient_mock.get(f"{URL}/api/v3/tag", json=[{"id": 1, "label": "anime"}, {"id": "2"}, 3])
    async with mocked_http(aioclient_mock) as (session, _):
        assert await history.async_tag_labels(ArrClient(session, URL, "key")) == {1: "anime"}


def grab(number: int) -> dict[str, Any]:
    """Return a minimal grabbed record of movie 7, `number` seconds after SINCE."""
    record: dict[str, Any] = load_fixture("radarr_history_since.json")[0]
    date = (SINCE + timedelta(seconds=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {**record, "id": number + 1, "date": date}


def test_the_records_read_are_bounded_and_the_next_since_resumes_after_them() -> None:
    """The oldest records first: those left are read next time, from the last date read."""
    records = [grab(number) for number in range(history.HISTORY_RECORD_LIMIT + 5)]
    batch = parse_radarr_history(reversed(records), "", {})

    assert batch.truncated
    assert len(batch.events) == history.HISTORY_RECORD_LIMIT
    assert batch.newest == SINCE + timedelta(seconds=history.HISTORY_RECORD_LIMIT - 1)


def test_bad_records_are_skipped_not_the_batch(caplog: pytest.LogCaptureFixture) -> None:
    good = grab(1)
    bad = [
        "not an object",
        {**good, "date": "yesterday"},
        {**good, "eventType": None},
        {**good, "data": {"size": ["8"]}},
        {**good, "movie": None},
    ]
    with caplog.at_level("DEBUG"):
        batch = parse_radarr_history([*bad, good], "", {})

    assert len(batch.events) == 1
    assert batch.skipped == len(bad)
    assert "Skipped a history record" in caplog.text


def test_a_size_that_is_no_number_is_unknown() -> None:
    record = {**grab(1), "data": {**grab(1)["data"], "size": "lots"}}
    (event,) = parse_radarr_history([record], "", {}).events
    assert event.file_size is None  # type: ignore[union-attr]


def test_only_a_later_grab_or_import_of_the_same_title_supersedes_a_failure() -> None:
    """Same Radarr or Sonarr id, same media type, and (TV) an episode in common."""
    from custom_components.media_request_tracker.tracker import (
        FileImported,
        MediaKey,
        MediaType,
    )
    from custom_components.media_request_tracker.tracker.events import (
        DownloadFailed,
        EpisodeRef,
        ImportedEpisode,
        TorrentMissing,
    )

    tv, movie = MediaKey(MediaType.TV), MediaKey(MediaType.MOVIE)
    failure = DownloadFailed(tv, 4, None, "bad", (EpisodeRef(2, 1),))

    def imported(media: MediaKey, arr_id: int, episode: int) -> FileImported:
        return FileImported(
            media, arr_id, None, None, episodes=(ImportedEpisode(EpisodeRef(2, episode), None),)
        )

    assert history.drop_superseded([failure, imported(tv, 4, 1)]) == (imported(tv, 4, 1),)
    for later in (
        imported(tv, 4, 2),
        imported(tv, 5, 1),
        imported(movie, 4, 1),
        TorrentMissing("a"),
    ):
        assert history.drop_superseded([failure, later]) == (failure, later)


def test_sonarr_history_is_bounded_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from custom_components.media_request_tracker.clients.arr.sonarr_history import (
        parse_sonarr_history,
    )

    monkeypatch.setattr(history, "HISTORY_RECORD_LIMIT", 13)
    batch = parse_sonarr_history(load_fixture("sonarr_history_since.json"), "", {})
    assert batch.truncated
    assert len(batch.events) == 1  # the pack's grab; its imports come next time
    assert batch.newest == datetime(2026, 11, 25, 10, 0, 0, 12000, tzinfo=UTC)


def test_an_untracked_record_without_its_movie_is_not_counted() -> None:
    renamed = {**grab(1), "eventType": "movieFileRenamed", "movie": None}
    assert parse_radarr_history([renamed], "", {}) == history.HistoryBatch(
        (), SINCE + timedelta(seconds=1)
    )
