"""What Radarr and Sonarr share: payload pieces, anime tags, the hash rule and the API check.

Both serialise camelCase with null keys omitted, except `eventType`, which is PascalCase
(`Notifications/Webhook/*.cs` in both apps; PAYLOADS.md §1-2).
"""

from __future__ import annotations

from typing import Any

import aiohttp
import voluptuous as vol

from .api import CannotConnect, JsonApiClient
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


# Queue records per page, and the most pages read (a queue of 10,000 downloads is enough).
QUEUE_PAGE_SIZE = 100
QUEUE_MAX_PAGES = 100


class ArrClient(JsonApiClient):
    """The Radarr or Sonarr v3 API: the set-up check and the download queue."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str) -> None:
        """Bind to the *arr app at `url` with its API key."""
        super().__init__(session, url, {"X-Api-Key": api_key})

    async def async_validate(self) -> None:
        """Call `/api/v3/system/status`, which needs the API key."""
        await self.get_json("/api/v3/system/status")

    async def async_queue(self) -> list[Any]:
        """Return every record of the download queue, reading it page by page.

        Unknown items (downloads the app could not match to a title, such as a title
        mismatch) are asked for too; each app ignores the other app's parameter. Paging stops
        at `totalRecords`: a page past the end answers with an earlier page, not an empty one.
        """
        records: list[Any] = []
        for page in range(1, QUEUE_MAX_PAGES + 1):
            body = await self.get_json(
                "/api/v3/queue",
                {
                    "page": str(page),
                    "pageSize": str(QUEUE_PAGE_SIZE),
                    "includeUnknownMovieItems": "true",
                    "includeUnknownSeriesItems": "true",
                },
            )
            batch = body.get("records") if isinstance(body, dict) else None
            total = body.get("totalRecords") if isinstance(body, dict) else None
            if not isinstance(batch, list) or not isinstance(total, int):
                raise CannotConnect("the queue is not a page of records")
            records += batch
            if not batch or page * QUEUE_PAGE_SIZE >= total:
                break
        return records

    async def async_health(self) -> list[Any]:
        """Return the app's health check results ([{source, type, message, wikiUrl}])."""
        body = await self.get_json("/api/v3/health")
        if not isinstance(body, list):
            raise CannotConnect("the health answer is not a list")
        return body
