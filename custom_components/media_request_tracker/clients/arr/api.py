"""The Radarr and Sonarr v3 API: the set-up check, the download queue and the health check.

The queue is read for the movies or series of stuck downloads only, a bounded number of pages.
`GET /api/v3/queue` takes `movieIds` (Radarr 5.1 and later) or `seriesIds` (Sonarr 4 and
later), each repeated once per id; it drops the records matched to no movie or series unless
`includeUnknownMovieItems` / `includeUnknownSeriesItems` is true (Radarr
`src/Radarr.Api.V3/Queue/QueueController.cs`, Sonarr `src/Sonarr.Api.V3/Queue/QueueController.cs`,
both since the commit "New: Queue custom filters"). Older versions ignore the filter and answer
the whole queue; their `GET /api/v3/queue/details?movieId=` / `?seriesId=` (every v3 version,
`QueueDetailsController.cs`) lists the records of one movie or series instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import batched
from typing import Any

import aiohttp

from ..api import CannotConnect, JsonApiClient

# Records per page; the most pages read per batch of ids, and of the whole queue (a stuck
# download no id names is looked for among the first 1,000 records, not to the end).
QUEUE_PAGE_SIZE = 100
QUEUE_PAGES_BY_ID = 5
QUEUE_PAGES_WHOLE = 10
# Movies or series asked for in one query (a short URL, whatever the number of stuck ones).
QUEUE_IDS_PER_CALL = 50


@dataclass(frozen=True, slots=True)
class ArrApp:
    """What tells Radarr's queue from Sonarr's: the app's name and its queue's parameters."""

    name: str
    # The /queue filter, repeated once per id.
    ids: str
    # Whether /queue also lists the records matched to no movie or series.
    unknown: str
    # A record's movie or series id, which is also /queue/details' filter.
    record_id: str


RADARR = ArrApp("Radarr", "movieIds", "includeUnknownMovieItems", "movieId")
SONARR = ArrApp("Sonarr", "seriesIds", "includeUnknownSeriesItems", "seriesId")


class ArrClient(JsonApiClient):
    """The Radarr or Sonarr v3 API: the set-up check, the download queue and the health check."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str) -> None:
        """Bind to the *arr app at `url` with its API key."""
        super().__init__(session, url, {"X-Api-Key": api_key})

    async def async_validate(self) -> None:
        """Call `/api/v3/system/status`, which needs the API key."""
        await self.get_json("/api/v3/system/status")

    async def _page(self, number: int, query: Sequence[tuple[str, str]]) -> tuple[list[Any], bool]:
        """Return one page of the queue, and whether more follow.

        Paging stops at `totalRecords`: a page past the end answers with an earlier page, not
        an empty one.
        """
        body = await self.get_json(
            "/api/v3/queue", [("page", str(number)), ("pageSize", str(QUEUE_PAGE_SIZE)), *query]
        )
        batch = body.get("records") if isinstance(body, dict) else None
        total = body.get("totalRecords") if isinstance(body, dict) else None
        if not isinstance(batch, list) or not isinstance(total, int):
            raise CannotConnect("the queue is not a page of records")
        return batch, bool(batch) and number * QUEUE_PAGE_SIZE < total

    async def async_queue(
        self, app: ArrApp, *, unknown: bool = True, include: Sequence[str] = ()
    ) -> list[Any]:
        """Return the records of the queue's first pages, unknown items included by default.

        For stuck downloads no movie or series id names: a download the app could not match
        to a title (a title mismatch) is one of its unknown items. `include` names the
        `include*` flags to set (the movie, series or episode of each record).
        """
        query = [(app.unknown, str(unknown).lower()), *((flag, "true") for flag in include)]
        records: list[Any] = []
        for number in range(1, QUEUE_PAGES_WHOLE + 1):
            batch, more = await self._page(number, query)
            records += batch
            if not more:
                break
        return records

    async def async_queue_of(self, app: ArrApp, ids: Iterable[int]) -> list[Any]:
        """Return the queue records of these movies (Radarr) or series (Sonarr)."""
        records: list[Any] = []
        for chunk in batched(sorted(set(ids)), QUEUE_IDS_PER_CALL, strict=False):
            query = [*((app.ids, str(arr_id)) for arr_id in chunk), (app.unknown, "false")]
            for number in range(1, QUEUE_PAGES_BY_ID + 1):
                batch, more = await self._page(number, query)
                if any(_foreign(app, record, chunk) for record in batch):
                    # An older version, which ignores the filter: ask per movie or series.
                    records += await self._async_details(app, chunk)
                    break
                records += batch
                if not more:
                    break
        return records

    async def _async_details(self, app: ArrApp, ids: Iterable[int]) -> list[Any]:
        """Return the queue records of each movie or series, one /queue/details call each."""
        records: list[Any] = []
        for arr_id in ids:
            body = await self.get_json("/api/v3/queue/details", {app.record_id: str(arr_id)})
            if not isinstance(body, list):
                raise CannotConnect("the queue details are not a list")
            records += body
        return records

    async def async_command(self, body: dict[str, Any]) -> None:
        """Ask the app to run a command (`POST /api/v3/command`, a CommandResource body).

        Radarr: `{"name": "MoviesSearch", "movieIds": [7]}`; Sonarr: `{"name": "EpisodeSearch",
        "episodeIds": [...]}` or `{"name": "SeriesSearch", "seriesId": 4}`.
        """
        await self.post_json("/api/v3/command", body)

    async def async_blocklist(self, queue_id: int) -> None:
        """Remove a queue item from the download client and blocklist its release.

        `DELETE /api/v3/queue/{id}?removeFromClient=true&blocklist=true&skipRedownload=false`
        (both apps' `QueueController.cs`): with `skipRedownload` false the app searches for
        another release at once.
        """
        await self.delete(
            f"/api/v3/queue/{queue_id}",
            {"removeFromClient": "true", "blocklist": "true", "skipRedownload": "false"},
        )

    async def async_qbittorrent_names(self) -> set[str]:
        """Return the names the app gives its qBittorrent download clients.

        `GET /api/v3/downloadclient` lists DownloadClientResource (a ProviderResource: `name`,
        `implementation` "QBittorrent"); queue records name their client by that name only.
        """
        body = await self.get_json("/api/v3/downloadclient")
        if not isinstance(body, list):
            raise CannotConnect("the download clients are not a list")
        return {
            item["name"]
            for item in body
            if isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and str(item.get("implementation")).casefold() == "qbittorrent"
        }

    async def async_health(self) -> list[Any]:
        """Return the app's health check results ([{source, type, message, wikiUrl}])."""
        body = await self.get_json("/api/v3/health")
        if not isinstance(body, list):
            raise CannotConnect("the health answer is not a list")
        return body


def _foreign(app: ArrApp, record: Any, ids: Sequence[int]) -> bool:
    """Return whether a record is of a movie or series other than those asked for."""
    if not isinstance(record, dict):
        return False
    arr_id = record.get(app.record_id)
    return isinstance(arr_id, int) and arr_id not in ids
