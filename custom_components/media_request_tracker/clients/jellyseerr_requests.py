"""Seerr's request list: the requests that changed while no notification reached us.

`GET /api/v1/request?take=&skip=&filter=all&sort=modified&sortDirection=desc` pages the requests
newest change first (`request.updatedAt`); the answer is `{pageInfo: {pages, pageSize, results,
page}, results: [MediaRequest]}` (Seerr `server/routes/request.ts`). A request names its media by
ids only (`server/entity/MediaRequest.ts`, `Media.ts`); `requestedBy.displayName` is the name
the notification template sends. Each request becomes the RequestNotified its last
notification would have given; statuses from `server/constants/media.ts`. Notes:
docs/service-records.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from ..schema_library import vol
from ..tracker import MediaKey, MediaType, RequestNotified, RequestState
from .api import CannotConnect, PayloadError
from .jellyseerr import JellyseerrClient
from .schema import (
    lenient_bool,
    lenient_id,
    lenient_int,
    lenient_str,
    nullable,
    object_schema,
    validate as validate_schema,
)

_LOGGER = logging.getLogger(__name__)

# Requests per page, and the most pages one reconciliation reads (the newest changes first).
REQUEST_PAGE_SIZE = 50
REQUEST_PAGES = 10


class SeerrRequestStatus(IntEnum):
    """`MediaRequestStatus`: where Seerr's request stands (COMPLETED: Seerr, not Jellyseerr)."""

    PENDING = 1
    APPROVED = 2
    DECLINED = 3
    FAILED = 4
    COMPLETED = 5


class SeerrMediaStatus(IntEnum):
    """`MediaStatus`: where the requested title stands (BLOCKLISTED, DELETED: Seerr)."""

    UNKNOWN = 1
    PENDING = 2
    PROCESSING = 3
    PARTIALLY_AVAILABLE = 4
    AVAILABLE = 5
    BLOCKLISTED = 6
    DELETED = 7


# The request's status → the state its notification (NOTIFICATION_TARGETS) would move it to.
STATUS_TARGETS: dict[int, RequestState] = {
    SeerrRequestStatus.PENDING: RequestState.REQUESTED,
    SeerrRequestStatus.APPROVED: RequestState.APPROVED,
    SeerrRequestStatus.DECLINED: RequestState.DECLINED,
    SeerrRequestStatus.FAILED: RequestState.FAILED,
    SeerrRequestStatus.COMPLETED: RequestState.AVAILABLE,
}

_MEDIA = object_schema(
    {
        vol.Optional("mediaType"): lenient_str,
        vol.Optional("tmdbId"): lenient_id,
        vol.Optional("tvdbId"): lenient_id,
        vol.Optional("imdbId"): lenient_str,
        vol.Optional("status"): lenient_int,
        vol.Optional("status4k"): lenient_int,
    }
)
_USER = object_schema(
    {vol.Optional("displayName"): lenient_str, vol.Optional("username"): lenient_str}
)
_SEASON = object_schema({vol.Required("seasonNumber"): lenient_int})
SCHEMA = object_schema(
    {
        vol.Required("id"): lenient_id,
        vol.Required("status"): lenient_int,
        vol.Required("updatedAt"): vol.All(str, vol.Length(max=64)),
        vol.Optional("type"): lenient_str,
        vol.Optional("is4k"): lenient_bool,
        vol.Required("media"): _MEDIA,
        vol.Optional("requestedBy"): nullable(_USER),
        vol.Optional("seasons"): nullable([_SEASON]),
    }
)


@dataclass(frozen=True, slots=True)
class RequestBatch:
    """The requests that changed since a date, as notifications, and the newest change seen."""

    events: tuple[RequestNotified, ...]
    newest: datetime | None
    skipped: int = 0
    # More changes followed than REQUEST_PAGES pages hold: the oldest of them were not read.
    truncated: bool = False


def seerr_date(value: str) -> datetime:
    """Return a Seerr timestamp ("2026-11-25T10:00:00.000Z") as an aware datetime."""
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


async def async_requests_since(client: JellyseerrClient, since: datetime) -> RequestBatch:
    """Read the requests changed at or after `since`, newest first, a bounded number of pages."""
    records: list[Any] = []
    truncated = False
    for page in range(REQUEST_PAGES):
        batch, total = await _page(client, page)
        records += batch
        dates = [_date(record) for record in batch]
        if any(date is not None and date < since for date in dates):
            break
        if not batch or (page + 1) * REQUEST_PAGE_SIZE >= total:
            break
    else:
        truncated = True
    parsed = parse_requests(records, since)
    return RequestBatch(parsed.events, parsed.newest, parsed.skipped, truncated)


async def _page(client: JellyseerrClient, page: int) -> tuple[list[Any], int]:
    body = await client.get_json(
        "/api/v1/request",
        {
            "take": str(REQUEST_PAGE_SIZE),
            "skip": str(page * REQUEST_PAGE_SIZE),
            "filter": "all",
            "sort": "modified",
            "sortDirection": "desc",
        },
    )
    results = body.get("results") if isinstance(body, dict) else None
    info = body.get("pageInfo") if isinstance(body, dict) else None
    total = info.get("results") if isinstance(info, dict) else None
    if not isinstance(results, list) or not isinstance(total, int):
        raise CannotConnect("the request list is not a page of results")
    return results, total


def _date(record: Any) -> datetime | None:
    value = record.get("updatedAt") if isinstance(record, dict) else None
    try:
        return seerr_date(value) if isinstance(value, str) else None
    except ValueError:
        return None


def parse_requests(records: Iterable[Any], since: datetime) -> RequestBatch:
    """Turn the requests changed at or after `since` into notifications, oldest change first."""
    dated: list[tuple[datetime, RequestNotified]] = []
    skipped = 0
    for record in records:
        try:
            data = validate_schema(SCHEMA, record)
            changed = seerr_date(data["updatedAt"])
        except (PayloadError, ValueError) as err:
            skipped += 1
            _LOGGER.debug("Skipped a Seerr request: %s", str(err).encode("unicode_escape"))
            continue
        if changed < since:
            continue
        event = request_notified(data)
        if event is None:
            skipped += 1
            _LOGGER.debug("Skipped Seerr request %s: nothing to track", data["id"])
            continue
        dated.append((changed, event))
    dated.sort(key=lambda item: item[0])
    newest = dated[-1][0] if dated else None
    return RequestBatch(tuple(event for _, event in dated), newest, skipped)


def request_target(data: dict[str, Any]) -> RequestState | None:
    """Return the state a request is in by Seerr's statuses, None if it is nothing we track.

    Jellyseerr leaves a request approved when its media becomes available (Seerr completes it),
    so the media's status (4K: `status4k`) counts too; a deleted or blocklisted title does not.
    """
    media = data["media"]
    media_status = media.get("status4k" if data.get("is4k") else "status")
    if media_status in (SeerrMediaStatus.BLOCKLISTED, SeerrMediaStatus.DELETED):
        return None
    target = STATUS_TARGETS.get(data["status"])
    if target is RequestState.APPROVED and media_status == SeerrMediaStatus.AVAILABLE:
        return RequestState.AVAILABLE
    return target


def request_notified(data: dict[str, Any]) -> RequestNotified | None:
    """Return the notification a validated request amounts to, None if it names no title."""
    media = data["media"]
    media_type = media.get("mediaType") or data.get("type")
    if media_type not in (MediaType.MOVIE, MediaType.TV):
        return None
    if media.get("tmdbId") is None and media.get("tvdbId") is None:
        return None
    target = request_target(data)
    if target is None:
        return None
    user = data.get("requestedBy") or {}
    seasons = (
        sorted({item["seasonNumber"] for item in data.get("seasons") or []})
        if media_type == MediaType.TV
        else []
    )
    return RequestNotified(
        media=MediaKey(
            media_type=MediaType(media_type),
            tmdb_id=media.get("tmdbId"),
            tvdb_id=media.get("tvdbId"),
            imdb_id=media.get("imdbId"),
        ),
        target=target,
        jellyseerr_id=data["id"],
        requested_by=user.get("displayName") or user.get("username"),
        requested_seasons=tuple(season for season in seasons if season is not None),
        is_4k=data.get("is4k", False),
    )
