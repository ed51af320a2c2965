"""What Radarr, Sonarr and Seerr record of the webhooks they send, for reconciliation tests.

A `ServiceRecords` ledger is told each webhook a service sends and keeps what the service's
own records then hold: Radarr's and Sonarr's history (`/api/v3/history/since`, the records
`HistoryService.cs` writes for a grab, an import and an upgrade's deletion) and Seerr's
request list (`/api/v1/request`: each request once, as it stands now). Shapes and sources:
docs/service-records.md. `mock` answers those endpoints with what the ledger holds at the
time of each call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from tests import (
    DOWNLOAD_CLIENTS,
    JELLYSEERR_URL,
    RADARR_URL,
    SEERR_DETAILS,
    SONARR_URL,
    queue_page,
)

# Seerr's MediaRequestStatus and MediaStatus for each notification (server/constants/media.ts).
SEERR_STATUS = {
    "MEDIA_PENDING": (1, 2),
    "MEDIA_APPROVED": (2, 3),
    "MEDIA_AUTO_APPROVED": (2, 3),
    "MEDIA_DECLINED": (3, 1),
    "MEDIA_FAILED": (4, 3),
    "MEDIA_AVAILABLE": (2, 5),
}
EPISODE_MARK = re.compile(r"S(\d+)E(\d+)", re.IGNORECASE)
POSTER_BASE = "https://image.tmdb.org/t/p/w600_and_h900_bestv2"
SUBJECT = re.compile(r"^(?P<title>.*?)(?: \((?P<year>\d{4})\))?$")


def _date() -> str:
    return dt_util.utcnow().isoformat().replace("+00:00", "Z")


@dataclass
class ServiceRecords:
    """The services' records of the webhooks they sent (delivered or not)."""

    radarr: list[dict[str, Any]] = field(default_factory=list)
    sonarr: list[dict[str, Any]] = field(default_factory=list)
    seerr: dict[int, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)
    # Seerr's details of each title its notifications named: (movie or tv, TMDB id) → details.
    details: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    def record(self, service: str, payload: Any) -> bool:
        """Keep what `service` records of sending `payload`; return whether it records it."""
        if not isinstance(payload, dict):
            return False
        if service == "radarr":
            return self._radarr(payload)
        if service == "sonarr":
            return self._sonarr(payload)
        if service == "jellyseerr":
            return self._seerr(payload)
        return False  # Shoko and Jellyfin keep no record of the events they send

    def mock(self, aioclient_mock: AiohttpClientMocker) -> None:
        """Answer the history, tag and request-list endpoints from the ledger (as it is then)."""

        def answer(body: Any) -> Any:
            async def respond(method: str, url: URL, _data: Any) -> AiohttpClientMockResponse:
                return AiohttpClientMockResponse(method, url, json=body())

            return respond

        tags = lambda: [{"id": tag_id, "label": label} for label, tag_id in self.tags.items()]  # noqa: E731
        for base, history in ((RADARR_URL, self.radarr), (SONARR_URL, self.sonarr)):
            aioclient_mock.get(
                f"{base}/api/v3/history/since",
                side_effect=answer(lambda history=history: list(history)),
            )
            aioclient_mock.get(f"{base}/api/v3/tag", side_effect=answer(tags))
            # The queue is read at backfill only; these flows start with nothing under way.
            for include in ("includeMovie", "includeSeries"):
                aioclient_mock.get(f"{base}/api/v3/queue?{include}=true", json=queue_page([]))
            aioclient_mock.get(f"{base}/api/v3/downloadclient", json=DOWNLOAD_CLIENTS)
        aioclient_mock.get(f"{JELLYSEERR_URL}/api/v1/request", side_effect=answer(self._page))

        async def details(method: str, url: URL, _data: Any) -> AiohttpClientMockResponse:
            kind, tmdb_id = url.parts[-2], int(url.parts[-1])
            return AiohttpClientMockResponse(method, url, json=self.details[kind, tmdb_id])

        aioclient_mock.get(SEERR_DETAILS, side_effect=details)

    def _page(self) -> dict[str, Any]:
        results = sorted(self.seerr.values(), key=lambda item: item["updatedAt"], reverse=True)
        return {
            "pageInfo": {"pages": 1, "pageSize": 50, "results": len(results), "page": 1},
            "results": results,
        }

    def _tag_ids(self, labels: list[str]) -> list[int]:
        return [self.tags.setdefault(label, len(self.tags) + 1) for label in labels]

    def _history_record(
        self, kind: str, payload: dict[str, Any], data: dict[str, str], **fields: Any
    ) -> dict[str, Any]:
        release = payload.get("release") or {}
        return {
            "id": len(self.radarr) + len(self.sonarr) + 1,
            "eventType": kind,
            "date": _date(),
            "downloadId": payload.get("downloadId"),
            "sourceTitle": release.get("releaseTitle") or payload.get("sourcePath"),
            "quality": {"quality": {"name": release.get("quality")}},
            "data": {
                "downloadClient": payload.get("downloadClientType"),
                "downloadClientName": payload.get("downloadClient"),
                **{key: value for key, value in data.items() if value is not None},
            },
            **fields,
        }

    def _grab_data(self, payload: dict[str, Any]) -> dict[str, Any]:
        release = payload.get("release") or {}
        size = release.get("size")
        return {
            "indexer": release.get("indexer"),
            "releaseGroup": release.get("releaseGroup"),
            "size": None if size is None else str(size),
        }

    def _radarr(self, payload: dict[str, Any]) -> bool:
        movie = dict(payload["movie"])
        movie["tags"] = self._tag_ids(movie.get("tags") or [])
        movie["path"] = movie.pop("folderPath", None)
        extra = {"movieId": movie["id"], "movie": movie}
        kind = payload.get("eventType")
        if kind == "Grab":
            self.radarr.append(
                self._history_record("grabbed", payload, self._grab_data(payload), **extra)
            )
            return True
        if kind == "Download":
            if payload.get("isUpgrade"):
                self.radarr.append(
                    self._history_record("movieFileDeleted", {}, {"reason": "Upgrade"}, **extra)
                )
            path = (payload.get("movieFile") or {}).get("path")
            self.radarr.append(
                self._history_record(
                    "downloadFolderImported", payload, {"importedPath": path}, **extra
                )
            )
            return True
        return False

    def _sonarr(self, payload: dict[str, Any]) -> bool:
        series = dict(payload["series"])
        series["tags"] = self._tag_ids(series.get("tags") or [])
        series["seriesType"] = series.pop("type", None)
        kind = payload.get("eventType")
        episodes = payload.get("episodes") or []
        if kind == "Grab":
            for episode in episodes:
                self.sonarr.append(
                    self._history_record(
                        "grabbed",
                        payload,
                        self._grab_data(payload),
                        seriesId=series["id"],
                        episodeId=episode["id"],
                        series=series,
                        episode=episode,
                    )
                )
            return True
        if kind == "Download":
            files = payload.get("episodeFiles") or [payload.get("episodeFile") or {}]
            for index, episode in enumerate(episodes):
                path = _file_of(episode, files, index).get("path")
                self.sonarr.append(
                    self._history_record(
                        "downloadFolderImported",
                        payload,
                        {"importedPath": path},
                        seriesId=series["id"],
                        episodeId=episode["id"],
                        series=series,
                        episode=episode,
                    )
                )
            return True
        return False

    def _seerr(self, payload: dict[str, Any]) -> bool:
        statuses = SEERR_STATUS.get(payload.get("notification_type") or "")
        request = payload.get("request") or {}
        if statuses is None or not request.get("request_id"):
            return False
        media = payload["media"]
        request_id = int(request["request_id"])
        seasons = [
            {"seasonNumber": int(number)}
            for item in payload.get("extra") or []
            if item.get("name") == "Requested Seasons"
            for number in str(item.get("value")).split(",")
            if number.strip().isdigit()
        ]
        subject = SUBJECT.match(payload.get("subject") or "")
        if subject and media.get("tmdbId"):
            # What `GET /api/v1/{movie,tv}/{tmdbId}` answers: the fields its notification used.
            year = subject["year"]
            self.details[media["media_type"], int(media["tmdbId"])] = {
                "title" if media["media_type"] == "movie" else "name": subject["title"],
                "releaseDate" if media["media_type"] == "movie" else "firstAirDate": (
                    f"{year}-01-01" if year else None
                ),
                "overview": payload.get("message"),
                "posterPath": (payload.get("image") or "").removeprefix(POSTER_BASE) or None,
            }
        self.seerr[request_id] = {
            "id": request_id,
            "status": statuses[0],
            "createdAt": self.seerr.get(request_id, {}).get("createdAt", _date()),
            "updatedAt": _date(),
            "type": media["media_type"],
            "is4k": False,
            "media": {
                "mediaType": media["media_type"],
                "tmdbId": int(media["tmdbId"]) if media.get("tmdbId") else None,
                "tvdbId": int(media["tvdbId"]) if media.get("tvdbId") else None,
                "status": statuses[1],
                "status4k": 1,
            },
            "requestedBy": {"username": request.get("requestedBy_username")},
            "seasons": seasons,
        }
        return True


def _file_of(episode: dict[str, Any], files: list[dict[str, Any]], index: int) -> dict[str, Any]:
    """Return the file an Import Complete lists for `episode` (by its SxxEyy), else by place."""
    for item in files:
        mark = EPISODE_MARK.search(item.get("relativePath") or item.get("path") or "")
        if mark and (int(mark[1]), int(mark[2])) == (
            episode["seasonNumber"],
            episode["episodeNumber"],
        ):
            return item
    return files[index] if index < len(files) else {}
