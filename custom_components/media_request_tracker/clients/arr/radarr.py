"""Radarr: Grab, Download (import) and ManualInteractionRequired webhooks.

Radarr serialises camelCase with null keys omitted, except `eventType`, which is PascalCase
(Radarr `Notifications/Webhook/*.cs`; PAYLOADS.md §1). Upgrades arrive as `Download` with
`isUpgrade: true`. Radarr has no series type, so anime is recognised by the configured tag only.
"""

from __future__ import annotations

from typing import Any

from ...schema_library import vol
from ...tracker import FileImported, ImportNeedsAttention, MediaKey, MediaType, TrackerEvent
from ..schema import (
    ParsedWebhook,
    lenient_bool,
    lenient_id,
    lenient_str,
    nullable,
    object_schema,
)
from . import payload as arr

_MOVIE = object_schema(arr.ITEM_FIELDS)
_REMOTE_MOVIE = object_schema(
    {
        vol.Optional("title"): lenient_str,
        vol.Optional("year"): lenient_id,
        vol.Optional("tmdbId"): lenient_id,
        vol.Optional("imdbId"): lenient_str,
    }
)
_MOVIE_FILE = object_schema({vol.Optional("path"): lenient_str})
SCHEMA = object_schema(
    {
        vol.Required("eventType"): vol.All(str, vol.Length(max=64)),
        vol.Optional("movie"): _MOVIE,
        vol.Optional("remoteMovie"): nullable(_REMOTE_MOVIE),
        vol.Optional("downloadClientType"): lenient_str,
        vol.Optional("release"): nullable(arr.RELEASE_SCHEMA),
        vol.Optional("movieFile"): nullable(_MOVIE_FILE),
        vol.Optional("isUpgrade"): lenient_bool,
        vol.Optional("downloadClient"): lenient_str,
        vol.Optional("downloadId"): lenient_str,
        vol.Optional("downloadStatusMessages"): nullable([arr.STATUS_MESSAGE_SCHEMA]),
    }
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
    opened = arr.open_event(SCHEMA, payload, "movie")
    if isinstance(opened, ParsedWebhook):
        return opened
    kind, data, movie = opened
    media = _media(movie, data.get("remoteMovie") or {})
    is_anime = arr.has_tag(movie.get("tags") or [], anime_tag)
    event: TrackerEvent
    if kind == "Grab":
        event = arr.release_grabbed(data, movie, media, is_anime=is_anime)
    elif kind == "Download":
        event = FileImported(
            media=media,
            arr_id=movie["id"],
            qbit_hash=arr.qbittorrent_hash(data),
            final_path=(data.get("movieFile") or {}).get("path"),
            is_upgrade=data.get("isUpgrade", False),
            is_anime=is_anime,
        )
    else:
        reason, code = arr.attention_reason(data.get("downloadStatusMessages"), "Radarr")
        event = ImportNeedsAttention(
            media=media,
            arr_id=movie["id"],
            qbit_hash=arr.qbittorrent_hash(data),
            reason=reason,
            code=code,
        )
    return ParsedWebhook((event,))
