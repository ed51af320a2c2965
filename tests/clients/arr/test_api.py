"""Radarr's and Sonarr's queue asked for the stuck downloads' movies or series: the exact queries.

Radarr 5.1+ and Sonarr 4+ filter `/api/v3/queue` by `movieIds` / `seriesIds` (their
`src/*.Api.V3/Queue/QueueController.cs`); older versions ignore it, and their
`/api/v3/queue/details?movieId=` / `?seriesId=` is asked instead.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients.api import CannotConnect
from custom_components.media_request_tracker.clients.arr.api import (
    QUEUE_PAGES_BY_ID,
    QUEUE_PAGES_WHOLE,
    RADARR,
    SONARR,
    ArrClient,
)

from ...helpers.arr_queue import FakeQueue, other_records
from .. import mocked_http, sent

URL = "http://radarr.lan:7878"


def by_id(app: str, *ids: int, per_id: int = 1) -> list[dict[str, Any]]:
    """Return `per_id` records for each movie (series) id."""
    name = "movieId" if app == "radarr" else "seriesId"
    return [
        {"id": n, name: arr_id, "title": f"Title.{arr_id}.{n}", "downloadId": f"{n:040X}"}
        for arr_id in ids
        for n in range(arr_id * 1000, arr_id * 1000 + per_id)
    ]


async def test_radarr_is_asked_for_the_movies_only(aioclient_mock: AiohttpClientMocker) -> None:
    """Ids sorted and once each, unknown items left out; the other movies never come back."""
    queue = FakeQueue(URL, [*other_records(300), *by_id("radarr", 7, 9)])
    async with mocked_http(aioclient_mock) as (session, mocked):
        queue.serve(mocked)
        records = await ArrClient(session, URL, "key").async_queue_of(RADARR, [9, 7, 9])

    assert [record["movieId"] for record in records] == [7, 9]
    assert queue.asked == [
        "/api/v3/queue?page=1&pageSize=100&movieIds=7&movieIds=9&includeUnknownMovieItems=false"
    ]
    assert sent(mocked)[0]["headers"] == {"X-Api-Key": "key"}


async def test_sonarr_is_asked_for_the_series_only(aioclient_mock: AiohttpClientMocker) -> None:
    """A season pack is a record per episode: they page, up to the end."""
    records = [*by_id("sonarr", 4, per_id=130), *other_records(50, "sonarr")]
    queue = FakeQueue(URL, records, app="sonarr")
    async with mocked_http(aioclient_mock) as (session, mocked):
        queue.serve(mocked)
        records = await ArrClient(session, URL, "key").async_queue_of(SONARR, {4})

    assert len(records) == 130
    assert queue.asked == [
        f"/api/v3/queue?page={n}&pageSize=100&seriesIds=4&includeUnknownSeriesItems=false"
        for n in (1, 2)
    ]


async def test_the_pages_of_some_ids_are_bounded(aioclient_mock: AiohttpClientMocker) -> None:
    queue = FakeQueue(URL, by_id("radarr", 7, per_id=2000))
    async with mocked_http(aioclient_mock) as (session, mocked):
        queue.serve(mocked)
        records = await ArrClient(session, URL, "key").async_queue_of(RADARR, [7])

    assert len(records) == QUEUE_PAGES_BY_ID * 100
    assert [call.split("&")[0] for call in queue.asked] == [
        f"/api/v3/queue?page={n}" for n in range(1, QUEUE_PAGES_BY_ID + 1)
    ]


async def test_many_ids_are_asked_fifty_at_a_time(aioclient_mock: AiohttpClientMocker) -> None:
    ids = list(range(1, 121))
    queue = FakeQueue(URL, by_id("radarr", *ids))
    async with mocked_http(aioclient_mock) as (session, mocked):
        queue.serve(mocked)
        records = await ArrClient(session, URL, "key").async_queue_of(RADARR, ids)

    assert len(records) == 120
    assert [call["url"].count("movieIds=") for call in sent(mocked)] == [50, 50, 20]
    assert "movieIds=51&" in sent(mocked)[1]["url"]


async def test_an_older_version_is_asked_per_movie(aioclient_mock: AiohttpClientMocker) -> None:
    """Radarr before 5.1 answers the whole queue: each movie's records come from queue/details."""
    queue = FakeQueue(URL, [*other_records(30), *by_id("radarr", 7, 9)], filters=False)
    async with mocked_http(aioclient_mock) as (session, mocked):
        queue.serve(mocked)
        records = await ArrClient(session, URL, "key").async_queue_of(RADARR, [7, 9])

    assert [record["movieId"] for record in records] == [7, 9]
    assert queue.asked == [
        "/api/v3/queue?page=1&pageSize=100&movieIds=7&movieIds=9&includeUnknownMovieItems=false",
        "/api/v3/queue/details?movieId=7",
        "/api/v3/queue/details?movieId=9",
    ]


async def test_an_older_sonarr_is_asked_per_series(aioclient_mock: AiohttpClientMocker) -> None:
    records = [*other_records(3, "sonarr"), *by_id("sonarr", 4)]
    queue = FakeQueue(URL, records, app="sonarr", filters=False)
    async with mocked_http(aioclient_mock) as (session, mocked):
        queue.serve(mocked)
        records = await ArrClient(session, URL, "key").async_queue_of(SONARR, [4])

    assert [record["seriesId"] for record in records] == [4]
    assert queue.asked[1:] == ["/api/v3/queue/details?seriesId=4"]


async def test_odd_records_do_not_make_a_version_older(aioclient_mock: AiohttpClientMocker) -> None:
    """Entries that are no record, or name no movie, are no sign that the filter was ignored."""
    odd: list[Any] = ["not a record", {"title": "no movie id"}, *by_id("radarr", 7)]
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{URL}/api/v3/queue", json={"totalRecords": 3, "records": odd})
        records = await ArrClient(session, URL, "key").async_queue_of(RADARR, [7])

    assert records == odd
    assert [call["url"].split("?")[0] for call in sent(mocked)] == [f"{URL}/api/v3/queue"]


async def test_the_whole_queue_is_read_only_so_far(aioclient_mock: AiohttpClientMocker) -> None:
    """For downloads no id names: unknown items included, and the first pages only."""
    unknown = [{"id": n, "title": f"Unknown.{n}", "downloadId": f"{n:040X}"} for n in range(5)]
    queue = FakeQueue(URL, [*unknown, *other_records(5000)])
    async with mocked_http(aioclient_mock) as (session, mocked):
        queue.serve(mocked)
        records = await ArrClient(session, URL, "key").async_queue(RADARR)

    assert len(records) == QUEUE_PAGES_WHOLE * 100
    assert records[:5] == unknown
    assert queue.asked == [
        f"/api/v3/queue?page={n}&pageSize=100&includeUnknownMovieItems=true"
        for n in range(1, QUEUE_PAGES_WHOLE + 1)
    ]


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/api/v3/queue", {"records": "not a list", "totalRecords": 1}),
        ("/api/v3/queue", {"records": []}),
        ("/api/v3/queue", ["not a page"]),
        ("/api/v3/queue/details", {"records": []}),
    ],
    ids=["records not a list", "no total", "not an object", "details not a list"],
)
async def test_an_unusable_answer_is_an_error(
    aioclient_mock: AiohttpClientMocker, path: str, answer: Any
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        # An older Radarr's whole queue, so that a bad details answer is reached too.
        mocked.get(f"{URL}/api/v3/queue/details", json=answer)
        mocked.get(
            f"{URL}/api/v3/queue",
            json=answer
            if path == "/api/v3/queue"
            else {"totalRecords": 1, "records": other_records(1)},
        )
        with pytest.raises(CannotConnect):
            await ArrClient(session, URL, "key").async_queue_of(RADARR, [7])
