"""Radarr's and Sonarr's history since a date: what they did while no webhook reached us.

`GET /api/v3/history/since?date=` is one list, not paged, oldest first, every record with
`date >= date` (Radarr and Sonarr `src/*.Api.V3/History/HistoryController.cs`,
`src/NzbDrone.Core/History/HistoryRepository.cs`). `includeMovie` (Radarr), `includeSeries` and
`includeEpisode` (Sonarr) add the title each record is of. `eventType` is a camelCase string
and `data` a dictionary of strings with camelCase keys (`STJson.cs`); its keys per type are
those `HistoryService.cs` writes. Sonarr writes one record per episode. Sources and shapes:
docs/service-records.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ...schema_library import vol
from ...tracker import TrackerEvent
from ...tracker.events import DownloadFailed, FileImported, ReleaseGrabbed
from ..api import CannotConnect, PayloadError
from ..schema import lenient_id, lenient_int, lenient_str, nullable, object_schema, validate
from .api import ArrClient

_LOGGER = logging.getLogger(__name__)

# The most records one reconciliation reads; the rest follow on the next (from the last date).
HISTORY_RECORD_LIMIT = 1000
# An upgrade deletes the old file just before the new one's import record.
UPGRADE_WINDOW = timedelta(minutes=10)

GRABBED = "grabbed"
IMPORTED = "downloadFolderImported"
FAILED = "downloadFailed"
# Deletions say only whether an import replaced a file (`reason` "Upgrade").
DELETED = ("movieFileDeleted", "episodeFileDeleted")
UPGRADE_REASON = "upgrade"

_QUALITY = object_schema(
    {vol.Optional("quality"): nullable(object_schema({vol.Optional("name"): lenient_str}))}
)
RECORD_FIELDS: dict[vol.Marker, Any] = {
    vol.Required("id"): lenient_id,
    vol.Required("date"): vol.All(str, vol.Length(max=64)),
    vol.Required("eventType"): vol.All(str, vol.Length(max=64)),
    vol.Optional("sourceTitle"): lenient_str,
    vol.Optional("downloadId"): lenient_str,
    vol.Optional("quality"): nullable(_QUALITY),
    vol.Optional("data"): nullable({str: lenient_str}),
}


@dataclass(frozen=True, slots=True)
class HistoryBatch:
    """What a stretch of history amounts to: events in order, and where to go on from."""

    events: tuple[TrackerEvent, ...]
    # The date of the newest record read (the next `since`), None if there was none.
    newest: datetime | None
    # Records that could not be read (each logged once at debug level).
    skipped: int = 0
    # More records followed than HISTORY_RECORD_LIMIT: ask again from `newest`.
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One validated history record and its date."""

    date: datetime
    kind: str
    body: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        """Return the record's `data` dictionary (empty if it has none)."""
        return self.body.get("data") or {}


def history_date(value: str) -> datetime:
    """Return an *arr date ("2026-11-25T10:00:00Z", fractions possible) as an aware datetime."""
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def since_param(since: datetime) -> str:
    """Return `since` as the `date` query value, in UTC (the apps compare it in UTC)."""
    moment = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def async_history_since(
    client: ArrClient, since: datetime, include: Sequence[str]
) -> list[Any]:
    """Return the history records since `since`, with the `include*` flags set (one call)."""
    query = [("date", since_param(since)), *((flag, "true") for flag in include)]
    body = await client.get_json("/api/v3/history/since", query)
    if not isinstance(body, list):
        raise CannotConnect("the history is not a list")
    return body


async def async_tag_labels(client: ArrClient) -> dict[int, str]:
    """Return the app's tag labels by id (the API's titles carry tag ids; webhooks, labels)."""
    body = await client.get_json("/api/v3/tag")
    if not isinstance(body, list):
        raise CannotConnect("the tags are not a list")
    return {
        item["id"]: item["label"]
        for item in body
        if isinstance(item, dict)
        and isinstance(item.get("id"), int)
        and isinstance(item.get("label"), str)
    }


async def async_anime_labels(client: ArrClient, anime_tag: str) -> dict[int, str]:
    """Return the app's tag labels when an anime tag is set (none to look for otherwise)."""
    return await async_tag_labels(client) if anime_tag.strip() else {}


def read_records(schema: vol.Schema, records: Iterable[Any]) -> tuple[list[HistoryRecord], int]:
    """Validate records, oldest first, skipping (and counting) those that cannot be read."""
    read: list[HistoryRecord] = []
    skipped = 0
    for record in records:
        try:
            body = validate(schema, record)
            date = history_date(body["date"])
        except (PayloadError, ValueError) as err:
            skipped += 1
            _LOGGER.debug("Skipped a history record: %s", str(err).encode("unicode_escape"))
            continue
        read.append(HistoryRecord(date, body["eventType"], body))
    read.sort(key=lambda record: record.date)
    return read, skipped


def window(
    records: list[HistoryRecord], settled_before: datetime | None
) -> tuple[list[HistoryRecord], datetime | None, bool]:
    """Return the records to apply now, the date to read on from, and whether more wait.

    At most HISTORY_RECORD_LIMIT of them (more wait: read again from the date); and none from a
    failure newer than `settled_before` on: the app searches again right after a failed
    download, and the failure read without the grab that replaces it would end the request.
    The next reading starts at that failure (dates are inclusive) and sees what followed it.
    """
    kept, more = records[:HISTORY_RECORD_LIMIT], len(records) > HISTORY_RECORD_LIMIT
    if settled_before is not None:
        for index, record in enumerate(kept):
            if record.kind == FAILED and record.date > settled_before:
                return kept[:index], record.date, False
    return kept, kept[-1].date if kept else None, more


def webhook_shape(record: HistoryRecord) -> dict[str, Any]:
    """Return a record's download fields as a Grab webhook names them.

    History `data.downloadClient` is the client's type and `downloadClientName` the user's name
    for it; the webhook calls them `downloadClientType` and `downloadClient` (`WebhookBase.cs`).
    """
    data = record.data
    quality = (record.body.get("quality") or {}).get("quality") or {}
    return {
        "release": {
            "releaseTitle": record.body.get("sourceTitle"),
            "quality": quality.get("name"),
            "indexer": data.get("indexer"),
            "releaseGroup": data.get("releaseGroup"),
            "size": _size(data.get("size")),
        },
        "downloadClient": data.get("downloadClientName"),
        "downloadClientType": data.get("downloadClient"),
        "downloadId": record.body.get("downloadId"),
    }


def _size(value: str | None) -> int | None:
    try:
        return lenient_int(value)
    except vol.Invalid:
        return None


def failure_reason(record: HistoryRecord, app: str) -> str:
    """Return why the app gave up on a download, in its own words."""
    return record.data.get("message") or f"{app} marked the download failed"


def is_upgrade_deletion(record: HistoryRecord) -> bool:
    """Return whether a record is the deletion of a file an upgrade replaced."""
    reason = record.data.get("reason") or ""
    return record.kind in DELETED and reason.casefold() == UPGRADE_REASON


def upgraded(deleted_at: Iterable[datetime], imported_at: datetime) -> bool:
    """Return whether an upgrade deletion came just before an import."""
    return any(timedelta(0) <= imported_at - moment <= UPGRADE_WINDOW for moment in deleted_at)


def drop_superseded(events: list[TrackerEvent]) -> tuple[TrackerEvent, ...]:
    """Leave out failures a later grab of the same title replaced (the app grabbed another).

    Radarr and Sonarr search again after a failed download; failing the request would end it.
    """
    kept: list[TrackerEvent] = []
    for index, event in enumerate(events):
        if isinstance(event, DownloadFailed) and any(
            _same_title(event, later) for later in events[index + 1 :]
        ):
            continue
        kept.append(event)
    return tuple(kept)


def _same_title(failure: DownloadFailed, later: TrackerEvent) -> bool:
    if not isinstance(later, ReleaseGrabbed | FileImported) or later.arr_id != failure.arr_id:
        return False
    if later.media.media_type is not failure.media.media_type:
        return False
    failed = {ref.key for ref in failure.episodes}
    if not failed:
        return True
    if isinstance(later, ReleaseGrabbed):
        return bool(failed & {ref.key for ref in later.episodes})
    return bool(failed & {item.episode.key for item in later.episodes})
