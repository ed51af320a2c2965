"""Radarr: Grab, Download (import) and ManualInteractionRequired webhooks, and the API key check.

Radarr serialises camelCase with null keys omitted, except `eventType`, which is PascalCase
(Radarr `Notifications/Webhook/*.cs`; PAYLOADS.md §1). Upgrades arrive as `Download` with
`isUpgrade: true`. Radarr has no series type, so anime is recognised by the configured tag only.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import voluptuous as vol

from ..tracker import (
    FileImported,
    ImportNeedsAttention,
    MediaKey,
    MediaType,
    ReleaseGrabbed,
)
from .api import JsonApiClient, PayloadError
from .schema import (
    TEST_RECEIVED,
    ParsedWebhook,
    lenient_bool,
    lenient_id,
    lenient_int,
    lenient_str,
    lenient_str_list,
    object_schema,
    torrent_hash,
    validate,
)

_IMAGE = object_schema(
    {
        vol.Optional("coverType"): lenient_str,
        vol.Optional("remoteUrl"): lenient_str,
    }
)
_MOVIE = object_schema(
    {
        vol.Required("id"): lenient_id,
        vol.Optional("title"): lenient_str,
        vol.Optional("year"): lenient_id,
        vol.Optional("tmdbId"): lenient_id,
        vol.Optional("imdbId"): lenient_str,
        vol.Optional("overview"): lenient_str,
        vol.Optional("tags"): lenient_str_list,
        vol.Optional("images"): vol.Any(None, [_IMAGE]),
    }
)
_REMOTE_MOVIE = object_schema(
    {
        vol.Optional("title"): lenient_str,
        vol.Optional("year"): lenient_id,
        vol.Optional("tmdbId"): lenient_id,
        vol.Optional("imdbId"): lenient_str,
    }
)
_RELEASE = object_schema(
    {
        vol.Optional("quality"): lenient_str,
        vol.Optional("releaseGroup"): lenient_str,
        vol.Optional("releaseTitle"): lenient_str,
        vol.Optional("indexer"): lenient_str,
        vol.Optional("size"): lenient_int,
    }
)
_MOVIE_FILE = object_schema({vol.Optional("path"): lenient_str})
_STATUS_MESSAGE = object_schema(
    {vol.Optional("title"): lenient_str, vol.Optional("messages"): lenient_str_list}
)
SCHEMA = object_schema(
    {
        vol.Required("eventType"): vol.All(str, vol.Length(max=64)),
        vol.Optional("movie"): _MOVIE,
        vol.Optional("remoteMovie"): vol.Any(None, _REMOTE_MOVIE),
        vol.Optional("downloadClientType"): lenient_str,
        vol.Optional("release"): vol.Any(None, _RELEASE),
        vol.Optional("movieFile"): vol.Any(None, _MOVIE_FILE),
        vol.Optional("isUpgrade"): lenient_bool,
        vol.Optional("downloadClient"): lenient_str,
        vol.Optional("downloadId"): lenient_str,
        vol.Optional("downloadStatusMessages"): vol.Any(None, [_STATUS_MESSAGE]),
    }
)


def has_tag(tags: list[str], tag: str) -> bool:
    """Return whether `tag` is among the *arr tag labels, ignoring case."""
    wanted = tag.strip().casefold()
    return bool(wanted) and any(label.casefold() == wanted for label in tags)


def status_reason(messages: list[dict[str, Any]] | None, fallback: str) -> str:
    """Join *arr status messages ({title, messages[]}) into one readable reason."""
    parts = [
        text
        for item in messages or []
        for text in (item.get("title"), *(item.get("messages") or []))
        if text
    ]
    return "; ".join(dict.fromkeys(parts)) or fallback


def qbittorrent_hash(data: dict[str, Any]) -> str | None:
    """Return the torrent hash of an *arr event, unless another download client has it."""
    client_type = data.get("downloadClientType")
    if client_type is not None and client_type.casefold() != "qbittorrent":
        return None
    return torrent_hash(data.get("downloadId"))


def _poster(movie: dict[str, Any]) -> str | None:
    return next(
        (
            image.get("remoteUrl")
            for image in movie.get("images") or []
            if image.get("coverType") == "poster" and image.get("remoteUrl")
        ),
        None,
    )


def _media(movie: dict[str, Any], remote: dict[str, Any]) -> MediaKey:
    """Read the title's ids; Radarr v3 payloads leave some only in `remoteMovie`."""

    def pick(key: str) -> Any:
        value = movie.get(key)
        return value if value is not None else remote.get(key)

    return MediaKey(
        media_type=MediaType.MOVIE,
        tmdb_id=pick("tmdbId"),
        imdb_id=pick("imdbId"),
        title=pick("title"),
        year=pick("year"),
    )


def parse_webhook(payload: Any, anime_tag: str) -> ParsedWebhook:
    """Turn a Radarr webhook body into tracker events."""
    data = validate(SCHEMA, payload)
    kind = data["eventType"]
    if kind == "Test":
        return TEST_RECEIVED
    if kind not in ("Grab", "Download", "ManualInteractionRequired"):
        return ParsedWebhook.ignored(kind)
    movie = data.get("movie")
    if not movie or movie.get("id") is None:
        raise PayloadError(f"{kind} without movie.id")
    media = _media(movie, data.get("remoteMovie") or {})
    qbit_hash = qbittorrent_hash(data)
    is_anime = has_tag(movie.get("tags") or [], anime_tag)
    if kind == "Grab":
        release = data.get("release") or {}
        event: ReleaseGrabbed | FileImported | ImportNeedsAttention = ReleaseGrabbed(
            media=media,
            arr_id=movie["id"],
            qbit_hash=qbit_hash,
            release_title=release.get("releaseTitle"),
            quality=release.get("quality"),
            indexer=release.get("indexer"),
            release_group=release.get("releaseGroup"),
            file_size=release.get("size"),
            download_client=data.get("downloadClient"),
            is_anime=is_anime,
            overview=movie.get("overview"),
            poster_url=_poster(movie),
        )
    elif kind == "Download":
        event = FileImported(
            media=media,
            arr_id=movie["id"],
            qbit_hash=qbit_hash,
            final_path=(data.get("movieFile") or {}).get("path"),
            is_upgrade=data.get("isUpgrade", False),
            is_anime=is_anime,
        )
    else:
        event = ImportNeedsAttention(
            media=media,
            arr_id=movie["id"],
            qbit_hash=qbit_hash,
            reason=status_reason(
                data.get("downloadStatusMessages"), "Radarr needs manual interaction to import"
            ),
        )
    return ParsedWebhook((event,))


class ArrClient(JsonApiClient):
    """The Radarr or Sonarr v3 API, used to check the URL and API key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str) -> None:
        """Bind to the *arr app at `url` with its API key."""
        super().__init__(session, url, {"X-Api-Key": api_key})

    async def async_validate(self) -> None:
        """Call `/api/v3/system/status`, which needs the API key."""
        await self.get_json("/api/v3/system/status")
