"""Sonarr's history as the events its webhooks would have given (and the failures they never do).

Sonarr writes a record per episode (`HistoryService.cs`): the records of one download and type
(a season pack's grab, its imports, its failure) become one event naming all their episodes,
like the Grab and Import Complete webhooks. grabbed → ReleaseGrabbed, downloadFolderImported →
FileImported (an upgrade when Sonarr deleted an episode's old file for it: episodeFileDeleted with
reason "Upgrade"), downloadFailed → DownloadFailed. Records carry their series and episode
(`includeSeries`, `includeEpisode`); the series' tags are ids. Shapes: Sonarr
`HistoryResource.cs`, `SeriesResource.cs`, `EpisodeResource.cs` (notes:
docs/service-records.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...schema_library import vol
from ...tracker import FileImported, MediaKey, MediaType, TrackerEvent
from ...tracker.events import DownloadFailed, EpisodeRef, ImportedEpisode
from ..schema import lenient_count, lenient_id, lenient_str, nullable, object_schema
from . import history, payload as arr
from .api import ArrClient
from .radarr_history import labels

_LOGGER = logging.getLogger(__name__)

INCLUDE = ("includeSeries", "includeEpisode")
SERIES_SCHEMA = object_schema(
    {
        **arr.ITEM_FIELDS,
        vol.Optional("tvdbId"): lenient_id,
        vol.Optional("seriesType"): lenient_str,
    }
)


def _number(value: Any) -> int:
    """Return a season or episode number (0 or more), which an episode always has."""
    number = lenient_count(value)
    if number is None:
        raise vol.Invalid("expected a number")
    return number


EPISODE_SCHEMA = object_schema(
    {
        vol.Optional("id"): lenient_id,
        vol.Required("seasonNumber"): _number,
        vol.Required("episodeNumber"): _number,
        vol.Optional("title"): lenient_str,
        vol.Optional("tvdbId"): lenient_id,
    }
)
SCHEMA = object_schema(
    {
        **history.RECORD_FIELDS,
        vol.Optional("seriesId"): lenient_id,
        vol.Optional("episodeId"): lenient_id,
        vol.Optional("series"): nullable(SERIES_SCHEMA),
        vol.Optional("episode"): nullable(EPISODE_SCHEMA),
    }
)
_GROUPED = (history.GRABBED, history.IMPORTED, history.FAILED)


@dataclass(slots=True)
class _Group:
    """The records of one download and type: the event they make together."""

    first: history.HistoryRecord
    series: dict[str, Any]
    records: list[history.HistoryRecord] = field(default_factory=list)


async def async_sonarr_history(
    client: ArrClient, since: datetime, anime_tag: str, settled_before: datetime | None = None
) -> history.HistoryBatch:
    """Read Sonarr's history since `since` (one call, plus the tags when an anime tag is set)."""
    records = await history.async_history_since(client, since, INCLUDE)
    tag_labels = await history.async_anime_labels(client, anime_tag)
    return parse_sonarr_history(records, anime_tag, tag_labels, settled_before)


def parse_sonarr_history(
    records: Iterable[Any],
    anime_tag: str,
    tag_labels: Mapping[int, str],
    settled_before: datetime | None = None,
) -> history.HistoryBatch:
    """Turn Sonarr history records into tracker events, oldest first."""
    read, skipped = history.read_records(SCHEMA, records)
    kept, newest, truncated = history.window(read, settled_before)
    deletions: dict[int, list[datetime]] = {}
    groups: dict[tuple[str, int, str], _Group] = {}
    for record in kept:
        series, episode = record.body.get("series"), record.body.get("episode")
        if history.is_upgrade_deletion(record) and episode and episode.get("id"):
            deletions.setdefault(episode["id"], []).append(record.date)
            continue
        if record.kind not in _GROUPED:
            continue
        if not series or series.get("id") is None or not episode:
            skipped += 1
            _LOGGER.debug("Skipped a Sonarr history record without its series or episode")
            continue
        download = record.body.get("downloadId") or record.body.get("sourceTitle") or ""
        key = (record.kind, series["id"], download)
        groups.setdefault(key, _Group(record, series)).records.append(record)
    events = [_event(group, anime_tag, tag_labels, deletions) for group in groups.values()]
    return history.HistoryBatch(history.drop_superseded(events), newest, skipped, truncated)


def _refs(group: _Group) -> tuple[EpisodeRef, ...]:
    """Return the episodes a group's records name, once each, in Sonarr's order."""
    refs: dict[tuple[int, int], EpisodeRef] = {}
    for record in group.records:
        ref = episode_ref(record.body["episode"])
        refs.setdefault(ref.key, ref)
    return tuple(refs.values())


def episode_ref(item: dict[str, Any]) -> EpisodeRef:
    """Return the episode an API record's `episode` (EpisodeResource) is."""
    return EpisodeRef(
        season_number=item["seasonNumber"],
        episode_number=item["episodeNumber"],
        title=item.get("title"),
        sonarr_episode_id=item.get("id"),
        tvdb_id=item.get("tvdbId"),
    )


def series_media(series: dict[str, Any]) -> MediaKey:
    """Return the ids and name of an API record's `series` (SeriesResource)."""
    return MediaKey(
        media_type=MediaType.TV,
        tmdb_id=series.get("tmdbId"),
        tvdb_id=series.get("tvdbId"),
        imdb_id=series.get("imdbId"),
        title=series.get("title"),
        year=series.get("year"),
    )


def series_is_anime(series: dict[str, Any], anime_tag: str, tag_labels: Mapping[int, str]) -> bool:
    """Return whether a series is anime: its type, or the anime tag among its tag ids."""
    return (series.get("seriesType") or "").casefold() == "anime" or arr.has_tag(
        labels(series.get("tags") or [], tag_labels), anime_tag
    )


def _event(
    group: _Group,
    anime_tag: str,
    tag_labels: Mapping[int, str],
    deletions: dict[int, list[datetime]],
) -> TrackerEvent:
    series, record = group.series, group.first
    media = series_media(series)
    is_anime = series_is_anime(series, anime_tag, tag_labels)
    shape = history.webhook_shape(record)
    refs = _refs(group)
    if record.kind == history.GRABBED:
        return arr.release_grabbed(shape, series, media, is_anime=is_anime, episodes=refs)
    if record.kind == history.IMPORTED:
        return FileImported(
            media=media,
            arr_id=series["id"],
            qbit_hash=arr.qbittorrent_hash(shape),
            final_path=None,
            is_upgrade=any(_upgraded(item, deletions) for item in group.records),
            is_anime=is_anime,
            episodes=_imported(group, refs),
        )
    return DownloadFailed(
        media=media,
        arr_id=series["id"],
        qbit_hash=arr.qbittorrent_hash(shape),
        reason=history.failure_reason(record, "Sonarr"),
        episodes=refs,
    )


def _imported(group: _Group, refs: tuple[EpisodeRef, ...]) -> tuple[ImportedEpisode, ...]:
    paths: dict[tuple[int, int], str | None] = {}
    for record in group.records:
        item = record.body["episode"]
        paths.setdefault(
            (item["seasonNumber"], item["episodeNumber"]), record.data.get("importedPath")
        )
    return tuple(ImportedEpisode(ref, paths.get(ref.key)) for ref in refs)


def _upgraded(record: history.HistoryRecord, deletions: dict[int, list[datetime]]) -> bool:
    episode_id = record.body["episode"].get("id")
    return episode_id is not None and history.upgraded(deletions.get(episode_id, ()), record.date)
