"""Seerr's request list as notifications: sorted by change, paged, stopped at the first older one.

Fixture `seerr_request_list.json` follows Seerr `server/routes/request.ts` (GET `/api/v1/request`:
`pageInfo` + `results`), `server/entity/MediaRequest.ts`, `Media.ts`, `User.ts` (`displayName`)
and the statuses of `server/constants/media.ts`; its requests 12 and 21 are those of
`seerr_movie_approved.json` and `seerr_tv_approved.json`.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients import jellyseerr_requests as seerr
from custom_components.media_request_tracker.clients.api import CannotConnect, InvalidAuth
from custom_components.media_request_tracker.clients.jellyseerr import (
    JellyseerrClient,
    parse_webhook,
)
from custom_components.media_request_tracker.tracker import RequestState, Tracker

from .. import load_fixture
from . import answer_in_turn, mocked_http, sent

URL = "http://seerr.lan:5055"
SINCE = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def page() -> dict[str, Any]:
    """Return the request list: tv 21 and movie 12 approved (newest change first), 9 declined."""
    value: dict[str, Any] = load_fixture("seerr_request_list.json")
    return value


async def test_changed_requests_are_read_newest_first_until_an_older_one(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(f"{URL}/api/v1/request", json=page())
    async with mocked_http(aioclient_mock) as (session, mocked):
        batch = await seerr.async_requests_since(JellyseerrClient(session, URL, "key"), SINCE)

    (call,) = sent(mocked)
    assert call["params"] == {
        "take": "50",
        "skip": "0",
        "filter": "all",
        "sort": "modified",
        "sortDirection": "desc",
    }
    assert call["headers"] == {"X-Api-Key": "key"}
    assert [event.jellyseerr_id for event in batch.events] == [12, 21]  # oldest change first
    assert batch.newest == datetime(2026, 11, 25, 9, 10, tzinfo=UTC)
    assert not batch.truncated


def test_each_request_correlates_as_its_notification() -> None:
    """The list names no title: ids, requester, seasons and target match the webhook's."""
    events = seerr.parse_requests(page()["results"], SINCE).events
    for event, name in zip(
        events, ("seerr_movie_approved.json", "seerr_tv_approved.json"), strict=True
    ):
        (webhook,) = parse_webhook(load_fixture(name)).events
        assert event.target is webhook.target  # type: ignore[union-attr]
        assert event.jellyseerr_id == webhook.jellyseerr_id  # type: ignore[union-attr]
        assert event.requested_by == webhook.requested_by  # type: ignore[union-attr]
        assert event.requested_seasons == webhook.requested_seasons  # type: ignore[union-attr]
        assert (event.media.tmdb_id, event.media.tvdb_id) == (
            webhook.media.tmdb_id,  # type: ignore[union-attr]
            webhook.media.tvdb_id,  # type: ignore[union-attr]
        )


def test_replaying_the_list_after_the_notifications_changes_nothing() -> None:
    tracker = Tracker()
    for name in ("seerr_movie_approved.json", "seerr_tv_approved.json"):
        for event in parse_webhook(load_fixture(name)).events:
            tracker.apply(event, NOW)
    before = tracker.to_dict()
    for _ in range(2):
        for event in seerr.parse_requests(page()["results"], SINCE).events:
            assert tracker.apply(event, NOW) == []
    assert tracker.to_dict() == before


def request(status: int, media_status: int, **changes: Any) -> dict[str, Any]:
    """Return movie request 12 with these request and media statuses."""
    record = copy.deepcopy(page()["results"][1])
    record["status"] = status
    record["media"]["status"] = media_status
    return {**record, **changes}


@pytest.mark.parametrize(
    ("status", "media_status", "target"),
    [
        (1, 2, RequestState.REQUESTED),
        (2, 3, RequestState.APPROVED),
        (2, 5, RequestState.AVAILABLE),
        (2, 4, RequestState.APPROVED),
        (3, 1, RequestState.DECLINED),
        (4, 3, RequestState.FAILED),
        (5, 5, RequestState.AVAILABLE),
        (5, 7, None),
        (2, 6, None),
        (9, 3, None),
    ],
)
def test_the_target_comes_from_the_request_and_media_status(
    status: int, media_status: int, target: RequestState | None
) -> None:
    events = seerr.parse_requests([request(status, media_status)], SINCE).events
    assert [event.target for event in events] == ([target] if target else [])


def test_a_4k_request_reads_the_4k_status() -> None:
    record = request(2, 3, is4k=True)
    record["media"]["status4k"] = 5
    (event,) = seerr.parse_requests([record], SINCE).events
    assert event.is_4k
    assert event.target is RequestState.AVAILABLE


def test_bad_and_untrackable_requests_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    good = request(2, 3)
    no_ids = request(2, 3)
    no_ids["media"] = {"mediaType": "movie", "status": 3}
    music = request(2, 3)
    music["media"]["mediaType"] = "music"
    music["type"] = "music"
    bad = ["x", {**good, "updatedAt": "soon"}, {**good, "media": None}, no_ids, music]
    with caplog.at_level("DEBUG"):
        batch = seerr.parse_requests([*bad, good], SINCE)
    assert len(batch.events) == 1
    assert batch.skipped == len(bad)
    assert "Skipped a Seerr request" in caplog.text


def numbered(count: int, start: datetime) -> list[dict[str, Any]]:
    """Return `count` requests, each changed a minute before the previous one."""
    return [
        {
            **request(2, 3),
            "id": 1000 - n,
            "updatedAt": (start - timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        for n in range(count)
    ]


def answer(results: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {
        "json": {
            "pageInfo": {"pages": 0, "pageSize": 50, "results": total, "page": 1},
            "results": results,
        }
    }


async def test_paging_stops_at_the_first_page_reaching_back_past_since(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    records = numbered(120, NOW)
    since = NOW - timedelta(minutes=70)
    answer_in_turn(
        aioclient_mock,
        "GET",
        f"{URL}/api/v1/request",
        answer(records[:50], 500),
        answer(records[50:100], 500),
    )
    async with mocked_http(aioclient_mock) as (session, mocked):
        batch = await seerr.async_requests_since(JellyseerrClient(session, URL, "key"), since)
    assert [call["params"]["skip"] for call in sent(mocked)] == ["0", "50"]
    assert len(batch.events) == 71


async def test_paging_is_bounded(aioclient_mock: AiohttpClientMocker) -> None:
    records = numbered(seerr.REQUEST_PAGES * 50, NOW)
    pages = [answer(records[n : n + 50], 10_000) for n in range(0, len(records), 50)]
    answer_in_turn(aioclient_mock, "GET", f"{URL}/api/v1/request", *pages)
    async with mocked_http(aioclient_mock) as (session, _):
        batch = await seerr.async_requests_since(
            JellyseerrClient(session, URL, "key"), NOW - timedelta(days=30)
        )
    assert batch.truncated
    assert len(batch.events) == seerr.REQUEST_PAGES * 50
    assert batch.newest == NOW


async def test_an_empty_page_ends_the_list(aioclient_mock: AiohttpClientMocker) -> None:
    aioclient_mock.get(f"{URL}/api/v1/request", **answer([], 0))
    async with mocked_http(aioclient_mock) as (session, _):
        batch = await seerr.async_requests_since(JellyseerrClient(session, URL, "key"), SINCE)
    assert batch == seerr.RequestBatch((), None)


@pytest.mark.parametrize(
    ("response", "error"),
    [
        ({"status": 401}, InvalidAuth),
        ({"exc": TimeoutError()}, CannotConnect),
        ({"json": {"results": []}}, CannotConnect),
        ({"json": []}, CannotConnect),
    ],
)
async def test_errors_are_the_clients_own(
    aioclient_mock: AiohttpClientMocker, response: dict[str, Any], error: type[Exception]
) -> None:
    aioclient_mock.get(f"{URL}/api/v1/request", **response)
    async with mocked_http(aioclient_mock) as (session, _):
        with pytest.raises(error):
            await seerr.async_requests_since(JellyseerrClient(session, URL, "key"), SINCE)


def test_dates_without_zone_are_utc() -> None:
    assert seerr.seerr_date("2026-11-25T08:00:00") == SINCE
    assert seerr._date({"updatedAt": "soon"}) is None
