"""Radarr's or Sonarr's download queue on the aiohttp mocker, and Arrival's download it explains.

`/api/v3/queue` pages the records (a page past the end answers the last page, as the apps do),
keeps those of the `movieIds`/`seriesIds` asked for and drops unknown items (no movie or series
id) unless `includeUnknown…Items=true`: Radarr 5.1+/Sonarr 4+ `QueueController.cs`. An older
version (`filters=False`) ignores the ids. `/api/v3/queue/details?movieId=` (`seriesId=`) lists
one movie's (series') records, as `QueueDetailsController.cs` does in every v3 version. Each
query asked is noted in `asked` (path and query, as sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from tests import load_fixture, mock_qbittorrent, post_webhook, replace_mocks, sensor, torrent

# An app's query and record names: (ids filter, unknown items, a record's id).
QUEUE_NAMES = {
    "radarr": ("movieIds", "includeUnknownMovieItems", "movieId"),
    "sonarr": ("seriesIds", "includeUnknownSeriesItems", "seriesId"),
}


@dataclass
class FakeQueue:
    """A queue of `records` served at `url` by Radarr (app="radarr") or Sonarr ("sonarr")."""

    url: str
    records: list[dict[str, Any]]
    app: str = "radarr"
    filters: bool = True
    asked: list[str] = field(default_factory=list)

    def serve(self, mocker: AiohttpClientMocker) -> FakeQueue:
        """Answer the queue's two endpoints on `mocker` (again after `replace_mocks`)."""
        mocker.get(f"{self.url}/api/v3/queue", side_effect=self._page)
        mocker.get(f"{self.url}/api/v3/queue/details", side_effect=self._details)
        return self

    def _note(self, url: URL) -> None:
        self.asked.append(str(url.relative()))

    async def _page(self, method: str, url: URL, _data: Any) -> AiohttpClientMockResponse:
        self._note(url)
        ids_name, unknown_name, id_name = QUEUE_NAMES[self.app]
        ids = {int(value) for value in url.query.getall(ids_name, [])}
        kept = [
            record
            for record in self.records
            if (url.query.get(unknown_name) == "true" or record.get(id_name) is not None)
            and (not ids or not self.filters or record.get(id_name) in ids)
        ]
        size = int(url.query.get("pageSize", "10"))
        number = int(url.query.get("page", "1"))
        last = max(1, -(-len(kept) // size))
        shown = min(number, last)
        body = {
            "page": shown,
            "pageSize": size,
            "sortKey": "timeleft",
            "sortDirection": "ascending",
            "totalRecords": len(kept),
            "records": kept[(shown - 1) * size : shown * size],
        }
        return AiohttpClientMockResponse(method, url, json=body)

    async def _details(self, method: str, url: URL, _data: Any) -> AiohttpClientMockResponse:
        self._note(url)
        id_name = QUEUE_NAMES[self.app][2]
        wanted = int(url.query[id_name])
        records = [record for record in self.records if record.get(id_name) == wanted]
        return AiohttpClientMockResponse(method, url, json=records)


def other_records(count: int, app: str = "radarr", start: int = 100) -> list[dict[str, Any]]:
    """Return queue records of other titles (ids from `start`): a usenet download, a torrent."""
    id_name = QUEUE_NAMES[app][2]
    return [
        {"id": n, id_name: n, "title": f"Other.{n}", "downloadId": f"SABnzbd_nzo_{n}"}
        if n % 2
        else {
            "id": n,
            id_name: n,
            "title": f"Other.{n}",
            "downloadId": f"{n:040X}",
            "statusMessages": [],
        }
        for n in range(start, start + count)
    ]


async def grab_arrival(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, client: Any, **listed: Any
) -> None:
    """Post Radarr's grab of Arrival while qBittorrent lists its torrent with `listed` fields."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(**listed)])
    assert (await post_webhook(client, "radarr", load_fixture("radarr_grab.json")))[0] == 200
    await hass.async_block_till_done()


async def downloaded_arrival(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, client: Any
) -> None:
    """Grab Arrival and let its torrent finish (no import follows)."""
    await grab_arrival(hass, aioclient_mock, client, state="stalledUP", progress=1)
    assert sensor(hass).state == "downloaded"
