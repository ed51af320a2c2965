"""Requests read from Seerr's list are named from Seerr's movie and TV details.

The detail shapes follow Seerr `server/models/Movie.ts` (`title`, `releaseDate`, `overview`,
`posterPath`) and `server/models/Tv.ts` (`name`, `firstAirDate`), answered by
`server/routes/movie.ts` and `server/routes/tv.ts`; the notification's subject, message and
image come from the same fields (`server/entity/MediaRequest.ts`).
"""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients import jellyseerr_titles as titles
from custom_components.media_request_tracker.clients.jellyseerr import JellyseerrClient
from custom_components.media_request_tracker.tracker import MediaType, RequestState
from custom_components.media_request_tracker.tracker.events import MediaKey, RequestNotified

from . import mocked_http, sent

URL = "http://seerr.lan:5055"
MOVIE = {
    "id": 840430,
    "title": "The Holdovers",
    "releaseDate": "2023-10-27",
    "overview": "A curmudgeonly instructor at a New England prep school remains on campus.",
    "posterPath": "/VHSzNBTwxV8vh7wylo7O9CLdac.jpg",
}
SHOW = {"id": 1396, "name": "Breaking Bad", "firstAirDate": "2008-01-20", "posterPath": None}


def listed(media_type: MediaType, tmdb_id: int | None, **media: object) -> RequestNotified:
    """Return an event as Seerr's list gives it: ids, no title."""
    return RequestNotified(
        media=MediaKey(media_type, tmdb_id=tmdb_id, **media),  # type: ignore[arg-type]
        target=RequestState.APPROVED,
        jellyseerr_id=tmdb_id,
    )


async def test_a_movie_and_a_show_are_named_as_their_notifications_name_them(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(f"{URL}/api/v1/movie/840430", json=MOVIE)
    aioclient_mock.get(f"{URL}/api/v1/tv/1396", json=SHOW)
    events = [listed(MediaType.MOVIE, 840430), listed(MediaType.TV, 1396)]
    async with mocked_http(aioclient_mock) as (session, mocked):
        movie, show = await titles.async_with_titles(
            JellyseerrClient(session, URL, "key"), events, lambda _event: True
        )
    assert [call["headers"] for call in sent(mocked)] == [{"X-Api-Key": "key"}] * 2
    assert (movie.media.title, movie.media.year) == ("The Holdovers", 2023)
    assert movie.overview == MOVIE["overview"]
    assert movie.poster_url == f"{titles.POSTER_BASE}/VHSzNBTwxV8vh7wylo7O9CLdac.jpg"
    assert (show.media.title, show.media.year) == ("Breaking Bad", 2008)
    assert show.overview is None
    assert show.poster_url is None
    assert (movie.media.tmdb_id, movie.target) == (840430, RequestState.APPROVED)


async def test_only_untitled_wanted_events_are_looked_up(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    named = listed(MediaType.MOVIE, 1, title="Known")
    unwanted = listed(MediaType.MOVIE, 2)
    no_id = listed(MediaType.MOVIE, None)
    events = [named, unwanted, no_id]
    async with mocked_http(aioclient_mock) as (session, mocked):
        result = await titles.async_with_titles(
            JellyseerrClient(session, URL, "key"), events, lambda event: event is not unwanted
        )
    assert result == tuple(events)
    assert sent(mocked) == []


async def test_lookups_are_bounded_per_reading(aioclient_mock: AiohttpClientMocker) -> None:
    count = titles.TITLE_LOOKUPS + 5
    for tmdb_id in range(count):
        aioclient_mock.get(f"{URL}/api/v1/movie/{tmdb_id}", json={"title": f"Film {tmdb_id}"})
    events = [listed(MediaType.MOVIE, tmdb_id) for tmdb_id in range(count)]
    async with mocked_http(aioclient_mock) as (session, mocked):
        result = await titles.async_with_titles(
            JellyseerrClient(session, URL, "key"), events, lambda _event: True
        )
    assert len(sent(mocked)) == titles.TITLE_LOOKUPS
    assert [event.media.title for event in result[-5:]] == [None] * 5
    assert result[0].media.title == "Film 0"


@pytest.mark.parametrize(
    "response", [{"status": 404}, {"exc": TimeoutError()}, {"json": ["not", "details"]}]
)
async def test_details_that_cannot_be_read_leave_the_event_as_it_was(
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    response: dict[str, object],
) -> None:
    aioclient_mock.get(f"{URL}/api/v1/tv/1396", **response)  # type: ignore[arg-type]
    event = listed(MediaType.TV, 1396)
    with caplog.at_level("DEBUG", logger=titles.__name__):
        async with mocked_http(aioclient_mock) as (session, _):
            result = await titles.async_with_titles(
                JellyseerrClient(session, URL, "key"), [event], lambda _event: True
            )
    assert result == (event,)
    assert "No title for Seerr request 1396" in caplog.text


def test_a_release_date_without_a_year_gives_none() -> None:
    event = titles.with_details(
        listed(MediaType.MOVIE, 7), {"title": "Untitled", "releaseDate": ""}
    )
    assert (event.media.title, event.media.year) == ("Untitled", None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("x" * 500, "x" * 500),
        ("word " * 120, ("word " * 99).rstrip() + "…"),
        ("y" * 600, "y" * 499 + "…"),
    ],
)
def test_an_overview_is_shortened_as_seerrs_notification_does(text: str, expected: str) -> None:
    assert titles.truncate(text) == expected
