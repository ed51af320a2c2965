"""Jellyseerr / Overseerr / Seerr: the request notifications and the API key check.

The webhook body comes from a user-editable template (PAYLOADS.md §3): every value is a string, "" means
missing, and the keys are either the default template's camelCase (`tmdbId`, `requestedBy_username`) or
Home Assistant core's snake_case (`tmdb_id`, `requested_by_username`). Both are read.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from ..schema_library import vol
from ..tracker import MediaKey, MediaType, RequestNotified, RequestState
from .api import JsonApiClient, PayloadError
from .schema import (
    TEST_RECEIVED,
    ParsedWebhook,
    lenient_id,
    lenient_str,
    nullable,
    template_schema,
    validate,
)

# notification_type → the state the request enters (seerr server/lib/notifications/index.ts).
NOTIFICATION_TARGETS: dict[str, RequestState] = {
    "MEDIA_PENDING": RequestState.REQUESTED,
    "MEDIA_APPROVED": RequestState.APPROVED,
    "MEDIA_AUTO_APPROVED": RequestState.APPROVED,
    "MEDIA_DECLINED": RequestState.DECLINED,
    "MEDIA_FAILED": RequestState.FAILED,
    "MEDIA_AVAILABLE": RequestState.AVAILABLE,
}

_SUBJECT_YEAR = re.compile(r"^(?P<title>.*\S)\s+\((?P<year>\d{4})\)$")

_MEDIA = template_schema(
    {
        vol.Optional("media_type"): lenient_str,
        vol.Optional("tmdbId"): lenient_id,
        vol.Optional("tmdb_id"): lenient_id,
        vol.Optional("tvdbId"): lenient_id,
        vol.Optional("tvdb_id"): lenient_id,
        vol.Optional("imdbId"): lenient_str,
        vol.Optional("imdb_id"): lenient_str,
        vol.Optional("status4k"): lenient_str,
    }
)
_REQUEST = template_schema(
    {
        vol.Optional("request_id"): lenient_id,
        vol.Optional("requestedBy_username"): lenient_str,
        vol.Optional("requested_by_username"): lenient_str,
    }
)
_EXTRA = template_schema({vol.Optional("name"): lenient_str, vol.Optional("value"): lenient_str})
SCHEMA = template_schema(
    {
        vol.Required("notification_type"): vol.All(str, vol.Length(max=64)),
        vol.Optional("event"): lenient_str,
        vol.Optional("subject"): lenient_str,
        vol.Optional("message"): lenient_str,
        vol.Optional("image"): lenient_str,
        vol.Optional("media"): nullable(_MEDIA),
        vol.Optional("request"): nullable(_REQUEST),
        vol.Optional("extra"): nullable([_EXTRA]),
    }
)


def split_subject(subject: str | None) -> tuple[str | None, int | None]:
    """Split Seerr's "Title (Year)" subject into title and year."""
    if subject is None:
        return None, None
    if match := _SUBJECT_YEAR.match(subject):
        return match["title"], int(match["year"])
    return subject, None


# The most digits a season number has (Seerr numbers seasons from 0).
SEASON_DIGITS = 4


def parse_seasons(text: str | None) -> tuple[int, ...]:
    """Read the "Requested Seasons" extra ("1, 2"; season 0 possible) as sorted numbers.

    A number of more than four digits is no season (and could not be stored): it is skipped.
    """
    if not text:
        return ()
    return tuple(
        sorted({int(part) for part in re.findall(r"\d+", text) if len(part) <= SEASON_DIGITS})
    )


def _either(data: dict[str, Any], camel: str, snake: str) -> Any:
    value = data.get(camel)
    return value if value is not None else data.get(snake)


def parse_webhook(payload: Any) -> ParsedWebhook:
    """Turn a Seerr notification body into tracker events."""
    data = validate(SCHEMA, payload)
    kind = data["notification_type"]
    if kind == "TEST_NOTIFICATION":
        return TEST_RECEIVED
    target = NOTIFICATION_TARGETS.get(kind)
    if target is None:
        return ParsedWebhook.ignored(kind)
    media = data.get("media")
    if not media:
        raise PayloadError(f"{kind} without media")
    media_type = media.get("media_type")
    if media_type not in (MediaType.MOVIE, MediaType.TV):
        raise PayloadError("media.media_type must be movie or tv")
    tmdb_id = _either(media, "tmdbId", "tmdb_id")
    tvdb_id = _either(media, "tvdbId", "tvdb_id")
    if tmdb_id is None and tvdb_id is None:
        raise PayloadError("media has neither a tmdbId nor a tvdbId")
    title, year = split_subject(data.get("subject"))
    request = data.get("request") or {}
    seasons = next(
        (
            parse_seasons(item.get("value"))
            for item in data.get("extra") or []
            if item.get("name") == "Requested Seasons"
        ),
        (),
    )
    event_text = data.get("event") or ""
    return ParsedWebhook(
        (
            RequestNotified(
                media=MediaKey(
                    media_type=MediaType(media_type),
                    tmdb_id=tmdb_id,
                    tvdb_id=tvdb_id,
                    imdb_id=_either(media, "imdbId", "imdb_id"),
                    title=title,
                    year=year,
                ),
                target=target,
                jellyseerr_id=request.get("request_id"),
                overview=data.get("message"),
                poster_url=data.get("image"),
                requested_by=_either(request, "requestedBy_username", "requested_by_username"),
                requested_seasons=seasons,
                # The default template has no 4K flag: Seerr prefixes the event text instead.
                is_4k=event_text.startswith("4K ") or " 4K " in event_text,
            ),
        )
    )


class JellyseerrClient(JsonApiClient):
    """The Jellyseerr API, used to check the URL and API key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str) -> None:
        """Bind to Jellyseerr at `url` with its API key."""
        super().__init__(session, url, {"X-Api-Key": api_key})

    async def async_validate(self) -> None:
        """Call an endpoint that needs the API key (`/api/v1/auth/me`)."""
        await self.get_json("/api/v1/auth/me")
