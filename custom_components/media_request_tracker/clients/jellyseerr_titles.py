"""The titles of requests read from Jellyseerr's list, which names them by TMDB id only.

`GET /api/v1/movie/{tmdbId}` answers Seerr's MovieDetails (`title`, `releaseDate`, `overview`,
`posterPath`) and `GET /api/v1/tv/{tmdbId}` its TvDetails (`name`, `firstAirDate`,
`overview`, `posterPath`): Seerr `server/routes/movie.ts`, `server/routes/tv.ts`,
`server/models/Movie.ts`, `server/models/Tv.ts`. Its notifications build their subject,
message and image from the same TMDB fields (`server/entity/MediaRequest.ts`), so a request
read from the list is named as its webhook would have named it. Notes:
docs/service-records.md.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from typing import Any

from ..schema_library import vol
from ..tracker import MediaType
from ..tracker.events import RequestNotified
from .api import PayloadError, ServiceError
from .jellyseerr import JellyseerrClient
from .schema import lenient_str, object_schema, validate

_LOGGER = logging.getLogger(__name__)

# The most titles one reading asks for (a backfill of hundreds of requests names the rest
# when their grab or webhook comes).
TITLE_LOOKUPS = 50
# Seerr's notification image and message (`MediaRequest.ts`: w600 poster, 500 characters).
POSTER_BASE = "https://image.tmdb.org/t/p/w600_and_h900_bestv2"
OVERVIEW_LIMIT = 500

DETAILS = object_schema(
    {
        vol.Optional("title"): lenient_str,
        vol.Optional("name"): lenient_str,
        vol.Optional("releaseDate"): lenient_str,
        vol.Optional("firstAirDate"): lenient_str,
        vol.Optional("overview"): lenient_str,
        vol.Optional("posterPath"): lenient_str,
    }
)


async def async_with_titles(
    client: JellyseerrClient,
    events: Iterable[RequestNotified],
    wanted: Callable[[RequestNotified], bool],
) -> tuple[RequestNotified, ...]:
    """Return the events, those `wanted` named from Seerr's details (at most TITLE_LOOKUPS).

    A title that cannot be read leaves its event as it was (named later by its grab).
    """
    named: list[RequestNotified] = []
    lookups = 0
    for event in events:
        tmdb_id = event.media.tmdb_id
        if tmdb_id is None or event.media.title or lookups >= TITLE_LOOKUPS or not wanted(event):
            named.append(event)
            continue
        lookups += 1
        kind = "movie" if event.media.media_type is MediaType.MOVIE else "tv"
        try:
            details = validate(DETAILS, await client.get_json(f"/api/v1/{kind}/{tmdb_id}"))
        except (ServiceError, PayloadError) as err:
            _LOGGER.debug("No title for Seerr request %s: %s", event.jellyseerr_id, err)
            named.append(event)
            continue
        named.append(with_details(event, details))
    return tuple(named)


def with_details(event: RequestNotified, details: dict[str, Any]) -> RequestNotified:
    """Return the event with the title, year, overview and poster Seerr's details give."""
    title = details.get("title") or details.get("name")
    date = details.get("releaseDate") or details.get("firstAirDate") or ""
    poster = details.get("posterPath")
    overview = details.get("overview")
    return dataclasses.replace(
        event,
        media=dataclasses.replace(
            event.media, title=title, year=int(date[:4]) if date[:4].isdigit() else None
        ),
        overview=truncate(overview) if overview else event.overview,
        poster_url=f"{POSTER_BASE}{poster}" if poster else event.poster_url,
    )


def truncate(text: str) -> str:
    """Shorten an overview as Seerr's notifications do (at a space, with an ellipsis)."""
    if len(text) <= OVERVIEW_LIMIT:
        return text
    cut = text[: OVERVIEW_LIMIT - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
    return (cut[:space] if space > 0 else cut) + "…"
