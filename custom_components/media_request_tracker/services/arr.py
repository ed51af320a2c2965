"""What Radarr and Sonarr share: payload pieces, anime tags, the hash rule and the API check.

Both serialise camelCase with null keys omitted, except `eventType`, which is PascalCase
(`Notifications/Webhook/*.cs` in both apps; PAYLOADS.md §1-2).
"""

from __future__ import annotations

from typing import Any

import aiohttp
import voluptuous as vol

from .api import JsonApiClient
from .schema import lenient_int, lenient_str, lenient_str_list, object_schema, torrent_hash

IMAGE_SCHEMA = object_schema(
    {
        vol.Optional("coverType"): lenient_str,
        vol.Optional("remoteUrl"): lenient_str,
    }
)
RELEASE_SCHEMA = object_schema(
    {
        vol.Optional("quality"): lenient_str,
        vol.Optional("releaseGroup"): lenient_str,
        vol.Optional("releaseTitle"): lenient_str,
        vol.Optional("indexer"): lenient_str,
        vol.Optional("size"): lenient_int,
    }
)
STATUS_MESSAGE_SCHEMA = object_schema(
    {vol.Optional("title"): lenient_str, vol.Optional("messages"): lenient_str_list}
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


def poster(item: dict[str, Any]) -> str | None:
    """Return the remote poster URL of a movie or a series."""
    return next(
        (
            image.get("remoteUrl")
            for image in item.get("images") or []
            if image.get("coverType") == "poster" and image.get("remoteUrl")
        ),
        None,
    )


class ArrClient(JsonApiClient):
    """The Radarr or Sonarr v3 API, used to check the URL and API key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str) -> None:
        """Bind to the *arr app at `url` with its API key."""
        super().__init__(session, url, {"X-Api-Key": api_key})

    async def async_validate(self) -> None:
        """Call `/api/v3/system/status`, which needs the API key."""
        await self.get_json("/api/v3/system/status")
