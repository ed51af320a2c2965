"""Radarr's and Sonarr's download queue as the grabs it stands for (read at backfill).

A download grabbed before the retention period that is still in the queue has no history
record the backfill reads; its queue record names the download (`downloadId`, `title`,
`quality`, `size`, `indexer`, `downloadClient`, `protocol`, `trackedDownloadState`) and, with
`includeMovie` (Radarr) or `includeSeries` and `includeEpisode` (Sonarr), its title. Sonarr has
a record per episode: a season pack's records make one grab naming all their episodes. A record
names its download client by the user's name for it, so the hash counts as qBittorrent's only
when `/api/v3/downloadclient` says that client is one. Shapes: Radarr
`src/Radarr.Api.V3/Queue/QueueResource.cs`, Sonarr `src/Sonarr.Api.V3/Queue/QueueResource.cs`
(notes: docs/service-records.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...schema_library import vol
from ...tracker import ReleaseGrabbed
from ...tracker.events import EpisodeRef
from ..api import PayloadError
from ..schema import lenient_int, lenient_str, nullable, object_schema, validate
from . import history, payload as arr
from .api import RADARR, SONARR, ArrClient
from .radarr_history import labels, movie_media
from .sonarr_history import (
    EPISODE_SCHEMA,
    SERIES_SCHEMA,
    episode_ref,
    series_is_anime,
    series_media,
)

_LOGGER = logging.getLogger(__name__)

# The download client type of a record no qBittorrent client of the app took (no hash).
OTHER = "other"
# Records whose download is over: their history records (or none) tell the rest.
FINISHED_STATES = frozenset({"imported", "failed", "failedPending", "ignored"})
_QUALITY = object_schema(
    {vol.Optional("quality"): nullable(object_schema({vol.Optional("name"): lenient_str}))}
)
RECORD_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional("title"): lenient_str,
    vol.Optional("downloadId"): lenient_str,
    vol.Optional("downloadClient"): lenient_str,
    vol.Optional("indexer"): lenient_str,
    vol.Optional("protocol"): lenient_str,
    vol.Optional("size"): lenient_int,
    vol.Optional("quality"): nullable(_QUALITY),
    vol.Optional("trackedDownloadState"): lenient_str,
}
RADARR_SCHEMA = object_schema(
    {**RECORD_FIELDS, vol.Optional("movie"): nullable(object_schema(arr.ITEM_FIELDS))}
)
SONARR_SCHEMA = object_schema(
    {
        **RECORD_FIELDS,
        vol.Optional("series"): nullable(SERIES_SCHEMA),
        vol.Optional("episode"): nullable(EPISODE_SCHEMA),
    }
)


@dataclass(frozen=True, slots=True)
class QueueBatch:
    """The grabs a queue stands for; a queue has no dates (nothing to read on from)."""

    events: tuple[ReleaseGrabbed, ...]
    skipped: int = 0
    newest: datetime | None = None
    truncated: bool = False


async def async_radarr_queue_grabs(client: ArrClient, anime_tag: str) -> QueueBatch:
    """Read Radarr's queue (with each record's movie) as grabs."""
    records = await client.async_queue(RADARR, unknown=False, include=("includeMovie",))
    names = await client.async_qbittorrent_names()
    tag_labels = await history.async_anime_labels(client, anime_tag)
    return parse_radarr_queue(records, names, anime_tag, tag_labels)


async def async_sonarr_queue_grabs(client: ArrClient, anime_tag: str) -> QueueBatch:
    """Read Sonarr's queue (with each record's series and episode) as grabs."""
    include = ("includeSeries", "includeEpisode")
    records = await client.async_queue(SONARR, unknown=False, include=include)
    names = await client.async_qbittorrent_names()
    tag_labels = await history.async_anime_labels(client, anime_tag)
    return parse_sonarr_queue(records, names, anime_tag, tag_labels)


def _read(schema: vol.Schema, records: Iterable[Any], subject: str) -> tuple[list[Any], int]:
    """Validate the records of downloads under way that name their title; count the others."""
    read: list[dict[str, Any]] = []
    skipped = 0
    for record in records:
        try:
            body = validate(schema, record)
        except PayloadError as err:
            skipped += 1
            _LOGGER.debug("Skipped a queue record: %s", str(err).encode("unicode_escape"))
            continue
        if body.get("trackedDownloadState") in FINISHED_STATES:
            continue
        if not body.get(subject) or body[subject].get("id") is None:
            skipped += 1
            _LOGGER.debug("Skipped a queue record without its %s", subject)
            continue
        read.append(body)
    return read, skipped


def webhook_shape(record: dict[str, Any], qbittorrent_names: set[str]) -> dict[str, Any]:
    """Return a queue record's download fields as a Grab webhook names them."""
    client = record.get("downloadClient")
    torrent = (record.get("protocol") or "torrent").casefold() == "torrent"
    quality = (record.get("quality") or {}).get("quality") or {}
    return {
        "release": {
            "releaseTitle": record.get("title"),
            "quality": quality.get("name"),
            "indexer": record.get("indexer"),
            "size": record.get("size"),
        },
        "downloadClient": client,
        "downloadClientType": "qBittorrent" if torrent and client in qbittorrent_names else OTHER,
        "downloadId": record.get("downloadId"),
    }


def parse_radarr_queue(
    records: Iterable[Any],
    qbittorrent_names: set[str],
    anime_tag: str,
    tag_labels: Mapping[int, str],
) -> QueueBatch:
    """Turn Radarr queue records into grabs (one per download)."""
    read, skipped = _read(RADARR_SCHEMA, records, "movie")
    grabs: dict[str, ReleaseGrabbed] = {}
    for record in read:
        movie = record["movie"]
        media = movie_media(movie)
        is_anime = arr.has_tag(labels(movie.get("tags") or [], tag_labels), anime_tag)
        shape = webhook_shape(record, qbittorrent_names)
        key = record.get("downloadId") or f"movie-{movie['id']}"
        grabs.setdefault(key, arr.release_grabbed(shape, movie, media, is_anime=is_anime))
    return QueueBatch(tuple(grabs.values()), skipped)


def parse_sonarr_queue(
    records: Iterable[Any],
    qbittorrent_names: set[str],
    anime_tag: str,
    tag_labels: Mapping[int, str],
) -> QueueBatch:
    """Turn Sonarr queue records into grabs: a download's records make one, with its episodes."""
    read, skipped = _read(SONARR_SCHEMA, records, "series")
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for record in read:
        if not record.get("episode"):
            skipped += 1
            _LOGGER.debug("Skipped a Sonarr queue record without its episode")
            continue
        download = record.get("downloadId") or record.get("title") or ""
        groups.setdefault((record["series"]["id"], download), []).append(record)
    grabs = [
        _series_grab(group, qbittorrent_names, anime_tag, tag_labels) for group in groups.values()
    ]
    return QueueBatch(tuple(grabs), skipped)


def _series_grab(
    group: list[dict[str, Any]],
    qbittorrent_names: set[str],
    anime_tag: str,
    tag_labels: Mapping[int, str],
) -> ReleaseGrabbed:
    first = group[0]
    series = first["series"]
    refs: dict[tuple[int, int], EpisodeRef] = {}
    for record in group:
        ref = episode_ref(record["episode"])
        refs.setdefault(ref.key, ref)
    shape = webhook_shape(first, qbittorrent_names)
    episodes = tuple(sorted(refs.values(), key=lambda ref: ref.key))
    is_anime = series_is_anime(series, anime_tag, tag_labels)
    return arr.release_grabbed(
        shape, series, series_media(series), is_anime=is_anime, episodes=episodes
    )
