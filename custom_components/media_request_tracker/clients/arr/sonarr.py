"""Sonarr: Grab, both Download shapes and ManualInteractionRequired webhooks (PAYLOADS.md §2).

Sonarr shares Radarr's transport and casing rules. `Download` comes in two shapes under the same
event type: "On File Import" (one POST per file, a singular `episodeFile`) and "On Import
Complete" (one POST per download, `episodeFiles[]` + `fileCount`). Its episode files carry no
episode ids, so an Import Complete file is matched to its episodes by the SxxEyy in its name.
Anime is `series.type == "anime"` or the configured tag.
"""

from __future__ import annotations

from typing import Any

from ...schema_library import vol
from ...tracker import FileImported, ImportNeedsAttention, MediaKey, MediaType, TrackerEvent
from ...tracker.episodes import episode_keys_in_name
from ...tracker.events import EpisodeRef, ImportedEpisode
from ..api import PayloadError
from ..schema import (
    ParsedWebhook,
    lenient_bool,
    lenient_count,
    lenient_id,
    lenient_str,
    nullable,
    object_schema,
)
from . import payload as arr

_SERIES = object_schema(
    {
        **arr.ITEM_FIELDS,
        vol.Optional("tvdbId"): lenient_id,
        vol.Optional("type"): lenient_str,
    }
)
_EPISODE = object_schema(
    {
        vol.Optional("id"): lenient_id,
        # Season 0 holds the specials; nothing is numbered below 0.
        vol.Required("seasonNumber"): lenient_count,
        vol.Required("episodeNumber"): lenient_count,
        vol.Optional("title"): lenient_str,
        vol.Optional("tvdbId"): lenient_id,
    }
)
_EPISODE_FILE = object_schema(
    {vol.Optional("path"): lenient_str, vol.Optional("relativePath"): lenient_str}
)
SCHEMA = object_schema(
    {
        vol.Required("eventType"): vol.All(str, vol.Length(max=64)),
        vol.Optional("series"): _SERIES,
        vol.Optional("episodes"): nullable([_EPISODE]),
        vol.Optional("release"): nullable(arr.RELEASE_SCHEMA),
        vol.Optional("episodeFile"): nullable(_EPISODE_FILE),
        vol.Optional("episodeFiles"): nullable([_EPISODE_FILE]),
        vol.Optional("isUpgrade"): lenient_bool,
        vol.Optional("downloadClient"): lenient_str,
        vol.Optional("downloadClientType"): lenient_str,
        vol.Optional("downloadId"): lenient_str,
        vol.Optional("downloadStatusMessages"): nullable([arr.STATUS_MESSAGE_SCHEMA]),
    }
)


def _refs(data: dict[str, Any]) -> tuple[EpisodeRef, ...]:
    episodes = data.get("episodes") or []
    for item in episodes:
        if item["seasonNumber"] is None or item["episodeNumber"] is None:
            raise PayloadError("an episode without seasonNumber or episodeNumber")
    return tuple(
        EpisodeRef(
            season_number=item["seasonNumber"],
            episode_number=item["episodeNumber"],
            title=item.get("title"),
            sonarr_episode_id=item.get("id"),
            tvdb_id=item.get("tvdbId"),
        )
        for item in episodes
    )


def _file_path(item: dict[str, Any]) -> str | None:
    return item.get("path") or item.get("relativePath")


def imported_episodes(
    data: dict[str, Any], refs: tuple[EpisodeRef, ...]
) -> tuple[ImportedEpisode, ...]:
    """Pair each imported episode with its library file, for either Download shape."""
    if single := data.get("episodeFile"):
        # On File Import: every episode listed lives in this one file (multi-episode files too).
        return tuple(ImportedEpisode(ref, _file_path(single)) for ref in refs)
    paths: dict[tuple[int, int], str] = {}
    for item in data.get("episodeFiles") or []:
        path = _file_path(item)
        if path is None:
            continue
        for key in episode_keys_in_name(item.get("relativePath") or path):
            paths.setdefault(key, path)
    files = data.get("episodeFiles") or []
    if len(refs) == 1 and len(files) == 1:
        # One episode, one file: they belong together whatever the file is called.
        return (ImportedEpisode(refs[0], _file_path(files[0])),)
    return tuple(ImportedEpisode(ref, paths.get(ref.key)) for ref in refs)


def parse_webhook(payload: Any, anime_tag: str) -> ParsedWebhook:
    """Turn a Sonarr webhook body into tracker events."""
    opened = arr.open_event(SCHEMA, payload, "series")
    if isinstance(opened, ParsedWebhook):
        return opened
    kind, data, series = opened
    refs = _refs(data)
    if not refs:
        raise PayloadError(f"{kind} without episodes")
    media = MediaKey(
        media_type=MediaType.TV,
        tmdb_id=series.get("tmdbId"),
        tvdb_id=series.get("tvdbId"),
        imdb_id=series.get("imdbId"),
        title=series.get("title"),
        year=series.get("year"),
    )
    is_anime = (series.get("type") or "").casefold() == "anime" or arr.has_tag(
        series.get("tags") or [], anime_tag
    )
    event: TrackerEvent
    if kind == "Grab":
        event = arr.release_grabbed(data, series, media, is_anime=is_anime, episodes=refs)
    elif kind == "Download":
        event = FileImported(
            media=media,
            arr_id=series["id"],
            qbit_hash=arr.qbittorrent_hash(data),
            final_path=None,
            is_upgrade=data.get("isUpgrade", False),
            is_anime=is_anime,
            episodes=imported_episodes(data, refs),
        )
    else:
        messages = data.get("downloadStatusMessages")
        named = {
            key for item in messages or [] for key in episode_keys_in_name(item.get("title") or "")
        }
        reason, code = arr.attention_reason(messages, "Sonarr")
        event = ImportNeedsAttention(
            media=media,
            arr_id=series["id"],
            qbit_hash=arr.qbittorrent_hash(data),
            reason=reason,
            episodes=tuple(ref for ref in refs if not named or ref.key in named),
            code=code,
        )
    return ParsedWebhook((event,))
