"""The Radarr and Sonarr v3 API: the set-up check, the download queue and the health check."""

from __future__ import annotations

from typing import Any

import aiohttp

from ..api import CannotConnect, JsonApiClient

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
