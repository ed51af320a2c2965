"""Radarr's history as the events its webhooks would have given (and the failures they never do).

grabbed → ReleaseGrabbed, downloadFolderImported → FileImported (an upgrade when Radarr deleted
the old file for it: movieFileDeleted with reason "Upgrade"), downloadFailed → DownloadFailed.
Records carry the movie (`includeMovie=true`), whose tags are ids: their labels come from
`/api/v3/tag` when an anime tag is set. Shapes: Radarr `HistoryResource.cs`, `MovieResource.cs`,
`HistoryService.cs` (notes: docs/service-records.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ...schema_library import vol
from ...tracker import FileImported, MediaKey, MediaType, TrackerEvent
from ...tracker.events import DownloadFailed
from ..schema import lenient_id, nullable, object_schema
from . import history, payload as arr
from .api import ArrClient

_LOGGER = logging.getLogger(__name__)

INCLUDE = ("includeMovie",)
# The record types that need their movie; the others (renames, ignored downloads) do not count.
_TRACKED = (history.GRABBED, history.IMPORTED, history.FAILED, *history.DELETED)
SCHEMA = object_schema(
    {
        **history.RECORD_FIELDS,
        vol.Optional("movieId"): lenient_id,
        vol.Optional("movie"): nullable(object_schema(arr.ITEM_FIELDS)),
    }
)


async def async_radarr_history(
    client: ArrClient, since: datetime, anime_tag: str, settled_before: datetime | None = None
) -> history.HistoryBatch:
    """Read Radarr's history since `since` (one call, plus the tags when an anime tag is set)."""
    records = await history.async_history_since(client, since, INCLUDE)
    labels = await history.async_anime_labels(client, anime_tag)
    return parse_radarr_history(records, anime_tag, labels, settled_before)


def parse_radarr_history(
    records: Iterable[Any],
    anime_tag: str,
    tag_labels: Mapping[int, str],
    settled_before: datetime | None = None,
) -> history.HistoryBatch:
    """Turn Radarr history records into tracker events, oldest first."""
    read, skipped = history.read_records(SCHEMA, records)
    kept, newest, truncated = history.window(read, settled_before)
    deletions: dict[int, list[datetime]] = {}
    events: list[TrackerEvent] = []
    for record in kept:
        movie = record.body.get("movie")
        if not movie or movie.get("id") is None:
            if record.kind in _TRACKED:
                skipped += 1
                _LOGGER.debug("Skipped a Radarr history record without its movie")
            continue
        if history.is_upgrade_deletion(record):
            deletions.setdefault(movie["id"], []).append(record.date)
        elif (event := _event(record, movie, anime_tag, tag_labels, deletions)) is not None:
            events.append(event)
    return history.HistoryBatch(history.drop_superseded(events), newest, skipped, truncated)


def _event(
    record: history.HistoryRecord,
    movie: dict[str, Any],
    anime_tag: str,
    tag_labels: Mapping[int, str],
    deletions: dict[int, list[datetime]],
) -> TrackerEvent | None:
    media = movie_media(movie)
    is_anime = arr.has_tag(labels(movie.get("tags") or [], tag_labels), anime_tag)
    shape = history.webhook_shape(record)
    if record.kind == history.GRABBED:
        return arr.release_grabbed(shape, movie, media, is_anime=is_anime)
    if record.kind == history.IMPORTED:
        return FileImported(
            media=media,
            arr_id=movie["id"],
            qbit_hash=arr.qbittorrent_hash(shape),
            final_path=record.data.get("importedPath"),
            is_upgrade=history.upgraded(deletions.get(movie["id"], ()), record.date),
            is_anime=is_anime,
        )
    if record.kind == history.FAILED:
        return DownloadFailed(
            media=media,
            arr_id=movie["id"],
            qbit_hash=arr.qbittorrent_hash(shape),
            reason=history.failure_reason(record, "Radarr"),
        )
    return None


def movie_media(movie: dict[str, Any]) -> MediaKey:
    """Return the ids and name of an API record's `movie` (MovieResource)."""
    return MediaKey(
        media_type=MediaType.MOVIE,
        tmdb_id=movie.get("tmdbId"),
        imdb_id=movie.get("imdbId"),
        title=movie.get("title"),
        year=movie.get("year"),
    )


def labels(tags: Iterable[str], tag_labels: Mapping[int, str]) -> list[str]:
    """Return the labels of tag ids (as the schema read them: digit strings)."""
    return [tag_labels[int(tag)] for tag in tags if tag.isdigit() and int(tag) in tag_labels]
