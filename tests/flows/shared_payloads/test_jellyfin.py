"""The shared Jellyfin captures: webhook notifications, /Items answers, and the searches on them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.media_request_tracker.clients import jellyfin
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import LibraryCheckRequested

from ...clients import mocked_http, sent
from . import (
    FRIEREN_ANIDB,
    FRIEREN_FOLDER,
    _assert_covered,
    _load,
    _movie,
)

PAST_LIVES_JELLYFIN = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
FRIEREN_JELLYFIN = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
JELLYFIN_URL = "http://127.0.0.1:8096"

# Webhook plugin bodies: file → (note, the LibraryCheckRequested media, None for "check all").
JELLYFIN_WEBHOOKS: dict[str, tuple[str, dict[str, Any] | None]] = {
    # An episode's provider ids are its own (here Shoko's), never its series'.
    "webhook_item_added_episode_send_all_properties__authored.json": ("accepted", None),
    # Every value a string, Provider_tvdb "" → no tvdb id; Name/Year are not read.
    "webhook_item_added_movie_handlebars_template__authored.json": (
        "accepted",
        _movie(666277, None, None, "tt13238346"),
    ),
    "webhook_item_added_movie_send_all_properties__authored.json": (
        "accepted",
        _movie(666277, None, None, "tt13238346"),
    ),
}

# The provider id keys asked of every /Items entry (case-sensitive, as Jellyfin spells them).
PROVIDER_KEYS = ("Tmdb", "Tvdb", "Imdb", "AniDB", "Shoko Series", "Shoko Episode", "Shoko File")

# /Items answers: file → [(Id, is_playable, the provider ids that are set)] for every item.
JELLYFIN_ITEMS: dict[str, list[tuple[str, bool, dict[str, str]]]] = {
    "api_items_empty__authored.json": [],
    # Episodes as listed without fields=Path: nothing says there is a file.
    "api_items_episodes__authored.json": [
        (
            "0f1e2d3c4b5a69788796a5b4c3d2e1f1",
            False,
            {"Shoko Episode": "1523", "Shoko File": "4211"},
        ),
        (
            "0f1e2d3c4b5a69788796a5b4c3d2e1f2",
            False,
            {"Shoko Episode": "1524", "Shoko File": "4212"},
        ),
        (
            "0f1e2d3c4b5a69788796a5b4c3d2e1f3",
            False,
            {"Shoko Episode": "1525", "Shoko File": "4213"},
        ),
    ],
    "api_items_movie_search__authored.json": [
        (PAST_LIVES_JELLYFIN, True, {"Tmdb": "666277", "Imdb": "tt13238346"}),
    ],
    # A Shokofin series: AniDB and Shoko ids only; its folder Path makes it "playable".
    "api_items_series_shokofin__authored.json": [
        (FRIEREN_JELLYFIN, True, {"Shoko Series": "87", "AniDB": "17617"}),
    ],
}


def test_every_jellyfin_fixture_is_covered() -> None:
    _assert_covered("jellyfin", {*JELLYFIN_WEBHOOKS, *JELLYFIN_ITEMS})


@pytest.mark.parametrize(
    ("name", "expected"), JELLYFIN_WEBHOOKS.items(), ids=list(JELLYFIN_WEBHOOKS)
)
def test_jellyfin_webhook_fixture(name: str, expected: tuple[str, dict[str, Any] | None]) -> None:
    note, media = expected
    result = jellyfin.parse_webhook(_load("jellyfin", name))
    assert isinstance(result, ParsedWebhook)
    assert result.note == note
    assert len(result.events) == 1
    event = result.events[0]
    assert type(event) is LibraryCheckRequested
    assert dataclasses.asdict(event) == {"media": media}


@pytest.mark.parametrize(("name", "expected"), JELLYFIN_ITEMS.items(), ids=list(JELLYFIN_ITEMS))
def test_jellyfin_items_fixture(
    name: str, expected: list[tuple[str, bool, dict[str, str]]]
) -> None:
    body = _load("jellyfin", name)
    items = body["Items"]
    assert body["TotalRecordCount"] == len(items)
    assert [item["Id"] for item in items] == [item_id for item_id, _, _ in expected]
    for item, (item_id, playable, ids) in zip(items, expected, strict=True):
        assert set(item["ProviderIds"]) <= set(PROVIDER_KEYS), item_id
        assert jellyfin.is_playable(item) is playable, item_id
        assert {key: jellyfin.provider_id(item, key) for key in PROVIDER_KEYS} == {
            key: ids.get(key) for key in PROVIDER_KEYS
        }, item_id


@asynccontextmanager
async def _jellyfin(
    mocker: AiohttpClientMocker, path: str, body: Any
) -> AsyncIterator[tuple[jellyfin.JellyfinClient, AiohttpClientMocker]]:
    """Yield a client on a mocked session whose GETs of `path` (any query) all answer `body`."""
    mocker.get(re.compile(rf"^{re.escape(JELLYFIN_URL + path)}\?.*$"), json=body)
    async with mocked_http(mocker) as (session, mocked):
        yield jellyfin.JellyfinClient(session, JELLYFIN_URL, "api-key"), mocked


def _queries(mocked: AiohttpClientMocker) -> list[dict[str, str]]:
    return [call["params"] for call in sent(mocked)]


async def test_jellyfin_find_movie_in_the_title_search(aioclient_mock: AiohttpClientMocker) -> None:
    body = _load("jellyfin", "api_items_movie_search__authored.json")
    async with _jellyfin(aioclient_mock, "/Items", body) as (client, mocked):
        found = await client.async_find_movie(666277, "Past Lives", 2023)
    assert found == jellyfin.LibraryMatch(PAST_LIVES_JELLYFIN, "tmdb id, title search")
    (query,) = _queries(mocked)
    assert query["searchTerm"] == "Past Lives"
    assert query["includeItemTypes"] == "Movie"


async def test_jellyfin_find_movie_in_an_empty_library(aioclient_mock: AiohttpClientMocker) -> None:
    body = _load("jellyfin", "api_items_empty__authored.json")
    async with _jellyfin(aioclient_mock, "/Items", body) as (client, mocked):
        assert await client.async_find_movie(666277, "Past Lives", 2023) is None
    # Both searches ran: the title search, then the year scan.
    assert [query.get("searchTerm") or query.get("years") for query in _queries(mocked)] == [
        "Past Lives",
        "2023",
    ]


async def test_jellyfin_find_shokofin_series_by_title_and_year(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # The request knows Frieren's TVDB and TMDB ids; the Shokofin series has neither.
    body = _load("jellyfin", "api_items_series_shokofin__authored.json")
    async with _jellyfin(aioclient_mock, "/Items", body) as (client, mocked):
        found = await client.async_find_series(
            424536, 209867, "Frieren: Beyond Journey's End", 2023
        )
        assert await client.async_find_series(424536, 209867, "Frieren", 2023) is None
        assert (
            await client.async_find_series(424536, 209867, "Frieren: Beyond Journey's End", 2024)
            is None
        )
    assert found == jellyfin.LibraryMatch(FRIEREN_JELLYFIN, "title and year")
    assert _queries(mocked)[0]["includeItemTypes"] == "Series"


@pytest.mark.parametrize(
    ("with_path", "expected"),
    [
        (False, {}),
        (
            True,
            {
                (1, 1): "0f1e2d3c4b5a69788796a5b4c3d2e1f1",
                (1, 2): "0f1e2d3c4b5a69788796a5b4c3d2e1f2",
                (1, 3): "0f1e2d3c4b5a69788796a5b4c3d2e1f3",
            },
        ),
    ],
    ids=["as captured: no Path", "with a Path added to each"],
)
async def test_jellyfin_find_episodes(
    aioclient_mock: AiohttpClientMocker, with_path: bool, expected: dict[tuple[int, int], str]
) -> None:
    body = _load("jellyfin", "api_items_episodes__authored.json")
    if with_path:
        for item in body["Items"]:
            item["Path"] = f"{FRIEREN_FOLDER}/{item['Name']}.mkv"
    episodes = f"/Shows/{FRIEREN_JELLYFIN}/Episodes"
    async with _jellyfin(aioclient_mock, episodes, body) as (client, mocked):
        assert await client.async_find_episodes(FRIEREN_JELLYFIN, [1]) == expected
    (query,) = _queries(mocked)
    assert query["season"] == "1"
    assert query["fields"] == "Path"


# An anime movie that Shokofin files as a Series with only AniDB and Shoko ids (PAYLOADS.md §5):
# every step of the fallback chain, in order, with the query it sends besides `recursive` and
# `fields`. The TMDB steps cannot see the item (it has no Tmdb id); the last one accepts it.
FRIEREN_TITLE = "Frieren: Beyond Journey's End"


def _anime_movie_steps(title: str, year: int) -> list[tuple[str, dict[str, str]]]:
    return [
        (
            "tmdb id, title search",
            {"includeItemTypes": "Movie", "hasTmdbId": "true", "searchTerm": title},
        ),
        (
            "tmdb id, year scan",
            {"includeItemTypes": "Movie", "hasTmdbId": "true", "years": str(year)},
        ),
        ("series by tmdb id", {"includeItemTypes": "Series", "searchTerm": title}),
        ("any type by tmdb id", {"searchTerm": title}),
        ("anidb id or title search", {"includeItemTypes": "Movie,Series", "searchTerm": title}),
    ]


def _items_query(params: dict[str, str]) -> dict[str, str]:
    return {
        "recursive": "true",
        "fields": "ProviderIds,Path",
        # Every search is bounded: the newest 50, without images, user data or a total count.
        "enableImages": "false",
        "enableUserData": "false",
        "limit": "50",
        "sortBy": "DateCreated",
        "sortOrder": "Descending",
        "enableTotalRecordCount": "false",
        **params,
    }


@pytest.mark.parametrize(
    ("anidb_id", "title", "year", "found"),
    [
        # The request's AniDB id (learnt from Shoko) and title: the Shokofin series.
        (FRIEREN_ANIDB, FRIEREN_TITLE, 2023, True),
        # Another title (the Japanese one): the AniDB id alone finds it.
        (FRIEREN_ANIDB, "Sousou no Frieren", 2023, True),
        # Shoko never matched the file: the same name and year find it.
        (None, FRIEREN_TITLE, 2023, True),
        # Another AniDB id and another year: not this item.
        (9999, FRIEREN_TITLE, 2024, False),
    ],
    ids=["anidb id and title", "anidb id only", "title and year only", "neither"],
)
async def test_jellyfin_anime_movie_found_as_a_shokofin_series(
    aioclient_mock: AiohttpClientMocker, anidb_id: int | None, title: str, year: int, found: bool
) -> None:
    empty = _load("jellyfin", "api_items_empty__authored.json")
    series = _load("jellyfin", "api_items_series_shokofin__authored.json")
    steps = _anime_movie_steps(title, year)
    # One answer per step, each for its exact query and used once (an unexpected or repeated
    # query fails the test): nothing for the steps before the last, the Shokofin series for it.
    answers = [
        (_items_query(params), series if number == len(steps) else empty)
        for number, (_, params) in enumerate(steps, start=1)
    ]

    async def answer_by_query(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        query = dict(url.query)
        matching = [answer for answer in answers if answer[0] == query]
        assert matching, f"no answer left for the query {query}"
        answers.remove(matching[0])
        return AiohttpClientMockResponse(method, url, json=matching[0][1])

    aioclient_mock.get(
        re.compile(rf"^{re.escape(JELLYFIN_URL)}/Items\?"), side_effect=answer_by_query
    )
    async with mocked_http(aioclient_mock) as (session, mocked):
        client = jellyfin.JellyfinClient(session, JELLYFIN_URL, "api-key")
        result = await client.async_find_movie(209867, title, year, anime=True, anidb_id=anidb_id)

    expected = jellyfin.LibraryMatch(FRIEREN_JELLYFIN, "anidb id or title search")
    assert result == (expected if found else None)
    assert _queries(mocked) == [_items_query(params) for _, params in steps]
    for call in sent(mocked):
        assert call["headers"] == {"Authorization": 'MediaBrowser Token="api-key"'}


async def test_jellyfin_non_anime_movie_never_takes_the_shokofin_series(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # Even when every query answers with the series, a regular movie search only accepts a
    # movie with its TMDB id, and stops after the two movie searches.
    body = _load("jellyfin", "api_items_series_shokofin__authored.json")
    async with _jellyfin(aioclient_mock, "/Items", body) as (client, mocked):
        result = await client.async_find_movie(
            209867, FRIEREN_TITLE, 2023, anime=False, anidb_id=FRIEREN_ANIDB
        )
    assert result is None
    assert _queries(mocked) == [
        _items_query(params) for _, params in _anime_movie_steps(FRIEREN_TITLE, 2023)[:2]
    ]
