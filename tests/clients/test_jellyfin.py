"""Jellyfin: playable items, the Webhook plugin's ItemAdded, and the /Items search with ids matched here."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients.api import PayloadError
from custom_components.media_request_tracker.clients.jellyfin import (
    JellyfinClient,
    LibraryMatch,
    is_playable,
    parse_webhook,
    provider_id,
)
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import (
    LibraryCheckRequested,
    MediaKey,
    MediaType,
)

from ..helpers.scripted_server import ScriptedServer
from . import answer_in_turn, mocked_http, requests_made, sent

PAST_LIVES_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
PAST_LIVES_PATH = "/data/media/movies/Past Lives (2023)/Past Lives (2023) [WEBDL-1080p].mkv"


def item(**changes: Any) -> dict[str, Any]:
    """Return the Past Lives movie as /Items lists it, with some fields changed."""
    value: dict[str, Any] = {
        "Name": "Past Lives",
        "Id": PAST_LIVES_ID,
        "Path": PAST_LIVES_PATH,
        "ProductionYear": 2023,
        "ProviderIds": {"Tmdb": "666277", "Imdb": "tt13238346"},
        "Type": "Movie",
        "LocationType": "FileSystem",
    }
    return {**value, **changes}


@pytest.mark.parametrize(
    ("changes", "playable"),
    [
        ({}, True),
        ({"IsPlaceHolder": False}, True),
        ({"Path": None}, False),
        ({"Path": ""}, False),
        ({"Path": None, "MediaSources": [{"Id": PAST_LIVES_ID}]}, False),
        ({"LocationType": "Virtual"}, False),
        ({"IsPlaceHolder": True}, False),
    ],
    ids=[
        "path",
        "not a placeholder",
        "no path",
        "empty path",
        "sources without a file",
        "virtual",
        "placeholder",
    ],
)
def test_is_playable(changes: dict[str, Any], playable: bool) -> None:
    assert is_playable(item(**changes)) is playable


@pytest.mark.parametrize(
    ("ids", "key", "value"),
    [
        ({"Tmdb": "666277"}, "Tmdb", "666277"),
        ({"Tmdb": 666277}, "Tmdb", "666277"),
        ({"Tmdb": "666277"}, "tmdb", None),
        ({"Tmdb": ""}, "Tmdb", None),
        ({"Tmdb": None}, "Tmdb", None),
        ({}, "Tmdb", None),
        (None, "Tmdb", None),
        (["Tmdb"], "Tmdb", None),
    ],
)
def test_provider_id(ids: Any, key: str, value: str | None) -> None:
    assert provider_id({"ProviderIds": ids}, key) == value


def handlebars_item_added(**changes: Any) -> dict[str, Any]:
    """Return the plugin's ItemAdded from a Handlebars template: every value a string."""
    payload: dict[str, Any] = {
        "NotificationType": "ItemAdded",
        "ItemId": "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90",
        "ItemType": "Movie",
        "Name": "Past Lives",
        "Year": "2023",
        "SeriesId": "",
        "Provider_tmdb": "666277",
        "Provider_tvdb": "",
        "Provider_imdb": "tt13238346",
    }
    return {**payload, **changes}


PAST_LIVES = MediaKey(MediaType.MOVIE, tmdb_id=666277, imdb_id="tt13238346")


@pytest.mark.parametrize(
    ("changes", "media"),
    [
        ({}, PAST_LIVES),
        ({"Provider_tmdb": 666277, "Provider_tvdb": None}, PAST_LIVES),
        ({"Provider_imdb": ""}, MediaKey(MediaType.MOVIE, tmdb_id=666277)),
        (
            {
                "ItemType": "Episode",
                "Provider_tmdb": "",
                "Provider_tvdb": "9001",
                "Provider_imdb": "",
            },
            None,  # an episode's ids are its own, not its series': check every waiting request
        ),
        ({"Provider_tmdb": "", "Provider_imdb": ""}, None),
        ({"ItemType": "BoxSet"}, None),
        ({"ItemType": None}, None),
        (
            {"Provider_imdb": "{{Provider_imdb}}"},
            MediaKey(MediaType.MOVIE, tmdb_id=666277),
        ),
        ({"Provider_tmdb": "{{Provider_tmdb}}", "Provider_imdb": "{{Provider_imdb}}"}, None),
        ({"ItemType": "{{ItemType}}"}, None),
    ],
    ids=[
        "template strings",
        "send all properties numbers",
        "empty imdb",
        "episode",
        "no ids: check every waiting request",
        "item type without requests",
        "no item type",
        "unfilled imdb placeholder",
        "unfilled id placeholders: check every waiting request",
        "unfilled item type",
    ],
)
def test_item_added_asks_for_a_library_check(
    changes: dict[str, Any], media: MediaKey | None
) -> None:
    assert parse_webhook(handlebars_item_added(**changes)) == ParsedWebhook(
        (LibraryCheckRequested(media),)
    )


@pytest.mark.parametrize("kind", ["PlaybackStart", "UserDataSaved", "ItemDeleted"])
def test_other_notifications_are_ignored(kind: str) -> None:
    assert parse_webhook({"NotificationType": kind, "Name": "x"}) == ParsedWebhook(
        (), f"ignored: {kind}"
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"ItemType": "Movie"}, "invalid NotificationType: required key not provided"),
        (handlebars_item_added(Provider_tmdb="tt1"), "invalid Provider_tmdb: expected an integer"),
        ("ItemAdded", "expected a JSON object"),
        ([handlebars_item_added()], "expected a JSON object"),
        (None, "expected a JSON object"),
    ],
)
def test_unusable_bodies_are_refused(payload: Any, message: str) -> None:
    with pytest.raises(PayloadError) as err:
        parse_webhook(payload)
    assert str(err.value) == message


# -- the /Items search ------------------------------------------------------------------------

URL = "http://127.0.0.1:8096"
ITEMS = re.compile(r"^http://127\.0\.0\.1:8096/Items\?.*$")
BASE_QUERY = {
    "recursive": "true",
    # Playability is read from the item found: its Path (LocationType and IsPlaceHolder come
    # without asking), not its MediaSources.
    "fields": "ProviderIds,Path",
    # Every search is bounded: the newest 50, without images, user data or a total count.
    "enableImages": "false",
    "enableUserData": "false",
    "limit": "50",
    "sortBy": "DateCreated",
    "sortOrder": "Descending",
    "enableTotalRecordCount": "false",
    "includeItemTypes": "Movie",
    "hasTmdbId": "true",
}


def jellyfin(session: aiohttp.ClientSession) -> JellyfinClient:
    """Return a client of Jellyfin at URL with the API key KEY."""
    return JellyfinClient(session, f"{URL}/", "KEY")


def page(*items: Any) -> dict[str, Any]:
    """Return an /Items answer."""
    return {"Items": list(items), "TotalRecordCount": len(items), "StartIndex": 0}


async def test_find_movie_matches_the_tmdb_id_among_several_items(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(
            ITEMS,
            json=page(
                item(Id="1" * 32, ProviderIds={"Tmdb": "1"}),
                item(Id="2" * 32, ProviderIds={"Imdb": "tt13238346"}),
                item(),
            ),
        )

        match = await jellyfin(session).async_find_movie(666277, "Past Lives", 2023)

    assert match == LibraryMatch(PAST_LIVES_ID, "tmdb id, title search")
    (call,) = sent(mocked)
    assert call["params"] == {**BASE_QUERY, "searchTerm": "Past Lives"}
    assert call["headers"] == {"Authorization": 'MediaBrowser Token="KEY"'}


async def test_find_movie_skips_items_that_cannot_play(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(
            ITEMS,
            json=page(
                item(Id="3" * 32, LocationType="Virtual"),
                item(Id="4" * 32, Path=None),
                item(Id=None),
                "not an item",
                item(Id="6" * 32, IsPlaceHolder=True),
                item(Id="5" * 32),
            ),
        )

        match = await jellyfin(session).async_find_movie(666277, "Past Lives", None)

    assert match == LibraryMatch("5" * 32, "tmdb id, title search")
    assert len(sent(mocked)) == 1


async def test_find_movie_falls_back_to_the_year_scan(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        answer_in_turn(
            mocked,
            "get",
            ITEMS,
            {"json": page(item(ProviderIds={"Tmdb": "1"}))},
            {"json": page(item())},
        )

        match = await jellyfin(session).async_find_movie(
            666277, "Past Lives (Director's Cut)", 2023
        )

    assert match == LibraryMatch(PAST_LIVES_ID, "tmdb id, year scan")
    assert [call["params"] for call in sent(mocked)] == [
        {**BASE_QUERY, "searchTerm": "Past Lives (Director's Cut)"},
        {**BASE_QUERY, "years": "2023"},
    ]


async def test_find_movie_by_year_alone_when_the_title_is_unknown(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(ITEMS, json=page(item()))

        match = await jellyfin(session).async_find_movie(666277, None, 2023)

    assert match == LibraryMatch(PAST_LIVES_ID, "tmdb id, year scan")
    assert [call["params"] for call in sent(mocked)] == [{**BASE_QUERY, "years": "2023"}]


@pytest.mark.parametrize(
    "answers",
    [
        [{"json": page()}, {"json": page()}],
        [{"json": {"Items": None}}, {"json": {"TotalRecordCount": 0}}],
        [{"json": []}, {"body": b""}],
    ],
    ids=["empty pages", "no items key", "not an object"],
)
async def test_find_movie_not_there_yet(
    server: ScriptedServer, answers: list[dict[str, Any]]
) -> None:
    # Real aiohttp: it reads an empty body as JSON null, which the mocker's json() cannot show.
    server.add("GET", "/Items", *answers)

    async with aiohttp.ClientSession() as session:
        client = JellyfinClient(session, f"{server.url}/", "KEY")
        assert await client.async_find_movie(666277, "Past Lives", 2023) is None

    assert [(r.method, r.path) for r in server.requests] == [("GET", "/Items")] * 2


@pytest.mark.parametrize(
    ("tmdb_id", "title", "year"),
    [(None, "Past Lives", 2023), (666277, None, None), (666277, "", 0)],
)
async def test_find_movie_without_something_to_search_asks_nothing(
    aioclient_mock: AiohttpClientMocker, tmdb_id: int | None, title: str | None, year: int | None
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        assert await jellyfin(session).async_find_movie(tmdb_id, title, year) is None

    assert requests_made(mocked) == {}


async def test_validate_reads_system_info_with_the_mediabrowser_token(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{URL}/System/Info", json={"Version": "10.11.5"})

        await jellyfin(session).async_validate()

    assert requests_made(mocked) == {("GET", f"{URL}/System/Info"): 1}
    assert sent(mocked)[0]["headers"] == {"Authorization": 'MediaBrowser Token="KEY"'}


async def test_find_series_asks_for_provider_ids_only(aioclient_mock: AiohttpClientMocker) -> None:
    """A series is matched by its ids, never played: no Path, bounded like every search."""
    breaking_bad = item(
        Id="b" * 32, Name="Breaking Bad", Type="Series", ProviderIds={"Tvdb": "81189"}
    )
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(ITEMS, json=page(breaking_bad))

        match = await jellyfin(session).async_find_series(81189, None, "Breaking Bad", 2008)

    assert match == LibraryMatch("b" * 32, "tvdb id")
    (call,) = sent(mocked)
    movie_only = ("hasTmdbId", "includeItemTypes")
    assert call["params"] == {
        **{key: value for key, value in BASE_QUERY.items() if key not in movie_only},
        "fields": "ProviderIds",
        "includeItemTypes": "Series",
        "searchTerm": "Breaking Bad",
    }


EPISODES = re.compile(r"^http://127\.0\.0\.1:8096/Shows/series-1/Episodes\?.*$")


def episodes_query(season: int) -> dict[str, str]:
    """Return the query of one season's episodes (jellyfin `TvShowsController.GetEpisodes`)."""
    return {
        "season": str(season),
        "fields": "Path",
        "isMissing": "false",
        "limit": "500",
        "enableImages": "false",
        "enableUserData": "false",
    }


async def test_find_episodes_asks_each_season_for_its_real_episodes(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Per season asked, lean and bounded: no virtual ones or stubs; multi-episode files count."""
    async with mocked_http(aioclient_mock) as (session, mocked):
        answer_in_turn(
            mocked,
            "get",
            EPISODES,
            {
                "json": page(
                    item(Id="e1", ParentIndexNumber=1, IndexNumber=1),
                    item(Id="e23", ParentIndexNumber=1, IndexNumber=2, IndexNumberEnd=3),
                    item(Id="virtual", ParentIndexNumber=1, IndexNumber=4, LocationType="Virtual"),
                    item(Id="stub", ParentIndexNumber=1, IndexNumber=5, IsPlaceHolder=True),
                    item(Id="unnumbered", ParentIndexNumber=1),
                )
            },
            {"json": page(item(Id="e31", ParentIndexNumber=3, IndexNumber=1))},
        )

        found = await jellyfin(session).async_find_episodes("series-1", [3, 1, 3])

    assert found == {(1, 1): "e1", (1, 2): "e23", (1, 3): "e23", (3, 1): "e31"}
    assert [call["params"] for call in sent(mocked)] == [episodes_query(1), episodes_query(3)]


async def test_find_episodes_of_no_season_asks_nothing(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        assert await jellyfin(session).async_find_episodes("series-1", []) == {}

    assert requests_made(mocked) == {}
