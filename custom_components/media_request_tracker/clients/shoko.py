"""Shoko Server: SignalR event frames (file matching) and the API key check.

Shoko has no webhooks; its events are SignalR invocation frames (`{"type": 1, "target":
"ShokoEvent:FileMatched", "arguments": [{...}]}`, PAYLOADS.md §4) with PascalCase keys. The
listener (shoko_listener.py) reads them from Shoko's stream; our Shoko webhook accepts the same
frames, one or a list per body, for bridges and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

from ..schema_library import vol
from ..tracker import FileMatched, FileNotMatched, TrackerEvent
from ..tracker.events import ShokoCrossReference
from .api import JsonApiClient, PayloadError
from .schema import (
    ParsedWebhook,
    lenient_bool,
    lenient_id,
    lenient_int,
    lenient_str,
    nullable,
    object_schema,
)

# SignalR message types (JSON hub protocol): 1 invocation, 6 ping, 7 close.
INVOCATION = 1

FRAME_SCHEMA = object_schema(
    {
        vol.Required("type"): int,
        vol.Optional("target"): vol.All(str, vol.Length(max=128)),
        vol.Optional("arguments"): list,
    }
)
_CROSS_REFERENCE = object_schema(
    {
        vol.Optional("EpisodeID"): lenient_id,
        vol.Optional("AnidbEpisodeID"): lenient_id,
        vol.Optional("SeriesID"): lenient_id,
        vol.Optional("AnidbAnimeID"): lenient_id,
    }
)
_FILE_EVENT = object_schema(
    {
        vol.Required("RelativePath"): vol.All(lenient_str, vol.Length(min=1)),
        vol.Optional("FileID"): lenient_id,
        vol.Optional("CrossReferences"): nullable([_CROSS_REFERENCE]),
        vol.Optional("AutoMatchAttempts"): lenient_int,
        vol.Optional("IsUDPBanned"): lenient_bool,
    }
)


def _file_matched(data: dict[str, Any]) -> FileMatched:
    return FileMatched(
        relative_path=data["RelativePath"],
        shoko_file_id=data.get("FileID"),
        cross_references=tuple(
            ShokoCrossReference(
                anidb_episode_id=item.get("AnidbEpisodeID"),
                anidb_anime_id=item.get("AnidbAnimeID"),
                shoko_series_id=item.get("SeriesID"),
                shoko_episode_id=item.get("EpisodeID"),
            )
            for item in data.get("CrossReferences") or []
        ),
    )


def _file_not_matched(data: dict[str, Any]) -> FileNotMatched:
    return FileNotMatched(
        relative_path=data["RelativePath"],
        shoko_file_id=data.get("FileID"),
        attempts=data.get("AutoMatchAttempts") or 0,
        udp_banned=data.get("IsUDPBanned", False),
    )


# Shoko v5 event name → its reader. The other ShokoEvent names (FileDetected, FileHashed,
# FileMoved, SeriesUpdated, ...) tell us nothing a request waits for. Shoko v6 (dev builds)
# renames events (`file:*`, `release:saved`); they would be added here.
EVENT_READERS: dict[str, Callable[[dict[str, Any]], FileMatched | FileNotMatched]] = {
    "ShokoEvent:FileMatched": _file_matched,
    "ShokoEvent:FileNotMatched": _file_not_matched,
}


def parse_frame(frame: Any) -> FileMatched | FileNotMatched | str:
    """Read one SignalR frame: an event, or the name of what was ignored."""
    if not isinstance(frame, dict):
        raise PayloadError("a frame must be a JSON object")
    try:
        data = FRAME_SCHEMA(frame)
    except vol.Invalid as err:
        raise PayloadError(f"invalid frame: {err.error_message}"[:200]) from err
    target = data.get("target") or f"frame type {data['type']}"
    reader = EVENT_READERS.get(target)
    if data["type"] != INVOCATION or reader is None:
        return target
    arguments = data.get("arguments") or []
    if not arguments or not isinstance(arguments[0], dict):
        raise PayloadError(f"{target} without an event object")
    try:
        return reader(_FILE_EVENT(arguments[0]))
    except vol.Invalid as err:
        raise PayloadError(f"invalid {target}: {err}"[:200]) from err


def parse_webhook(payload: Any) -> ParsedWebhook:
    """Read one frame or a list of frames (what a bridge forwards from Shoko's stream)."""
    frames = payload if isinstance(payload, list) else [payload]
    if not frames:
        raise PayloadError("no SignalR frames")
    events: list[TrackerEvent] = []
    ignored: list[str] = []
    for frame in frames:
        result = parse_frame(frame)
        if isinstance(result, str):
            ignored.append(result)
        else:
            events.append(result)
    if events:
        return ParsedWebhook(tuple(events))
    return ParsedWebhook.ignored(", ".join(ignored))


class ShokoClient(JsonApiClient):
    """The Shoko Server API, used to check the URL and API key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str) -> None:
        """Bind to Shoko at `url`; the key goes in the `apikey` header Shoko reads."""
        super().__init__(session, url, {"apikey": api_key})

    async def async_validate(self) -> None:
        """Call `/api/v3/ImportFolder`, which needs a valid API key."""
        await self.get_json("/api/v3/ImportFolder")
