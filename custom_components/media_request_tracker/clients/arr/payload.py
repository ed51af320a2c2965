"""What Radarr's and Sonarr's webhooks share: payload pieces, the opening, anime tags, the hash rule.

Both serialise camelCase with null keys omitted, except `eventType`, which is PascalCase
(`Notifications/Webhook/*.cs` in both apps; PAYLOADS.md §1-2).
"""

from __future__ import annotations

from typing import Any

from ...schema_library import vol
from ...tracker import MediaKey, ReleaseGrabbed
from ...tracker.events import EpisodeRef
from ..api import PayloadError
from ..schema import (
    TEST_RECEIVED,
    ParsedWebhook,
    lenient_id,
    lenient_int,
    lenient_str,
    lenient_str_list,
    nullable,
    object_schema,
    torrent_hash,
    validate,
)
from .queue import message_texts, reason_code

IMAGE_SCHEMA = object_schema(
    {
        vol.Optional("coverType"): lenient_str,
        vol.Optional("remoteUrl"): lenient_str,
    }
)
RELEASE_SCHEMA = object_schema(
    {
        vol.Optional("quality"): lenient_str,
        vol.Optional("releaseGroup"): lenient_str,
        vol.Optional("releaseTitle"): lenient_str,
        vol.Optional("indexer"): lenient_str,
        vol.Optional("size"): lenient_int,
    }
)
# The fields Radarr's `movie` and Sonarr's `series` have in common.
ITEM_FIELDS: dict[vol.Marker, Any] = {
    vol.Required("id"): lenient_id,
    vol.Optional("title"): lenient_str,
    vol.Optional("year"): lenient_id,
    vol.Optional("tmdbId"): lenient_id,
    vol.Optional("imdbId"): lenient_str,
    vol.Optional("overview"): lenient_str,
    vol.Optional("tags"): lenient_str_list,
    vol.Optional("images"): nullable([IMAGE_SCHEMA]),
}
STATUS_MESSAGE_SCHEMA = object_schema(
    {vol.Optional("title"): lenient_str, vol.Optional("messages"): lenient_str_list}
)

# The event types a request waits for; the others (Rename, Health, ...) are answered and ignored.
TRACKED_EVENTS = ("Grab", "Download", "ManualInteractionRequired")


def open_event(
    schema: vol.Schema, payload: Any, subject: str
) -> tuple[str, dict[str, Any], dict[str, Any]] | ParsedWebhook:
    """Validate a webhook body; return (event type, body, the movie or series) to read on.

    A Test event, or one we do not track, is answered at once with its ParsedWebhook.
    """
    data = validate(schema, payload)
    kind: str = data["eventType"]
    if kind == "Test":
        return TEST_RECEIVED
    if kind not in TRACKED_EVENTS:
        return ParsedWebhook.ignored(kind)
    item = data.get(subject)
    if not item or item.get("id") is None:
        raise PayloadError(f"{kind} without {subject}.id")
    return kind, data, item


def has_tag(tags: list[str], tag: str) -> bool:
    """Return whether `tag` is among the *arr tag labels, ignoring case."""
    wanted = tag.strip().casefold()
    return bool(wanted) and any(label.casefold() == wanted for label in tags)


def status_reason(messages: list[dict[str, Any]] | None, fallback: str) -> str:
    """Join *arr status messages ({title, messages[]}) into one readable reason."""
    parts = [
        text
        for item in messages or []
        for text in (item.get("title"), *(item.get("messages") or []))
        if text
    ]
    return "; ".join(dict.fromkeys(parts)) or fallback


def attention_reason(messages: list[dict[str, Any]] | None, app: str) -> tuple[str, str]:
    """Return the reason and code of a ManualInteractionRequired event."""
    reason = status_reason(messages, f"{app} needs manual interaction to import")
    return reason, reason_code(message_texts(messages))


def qbittorrent_hash(data: dict[str, Any]) -> str | None:
    """Return the torrent hash of an *arr event, unless another download client has it."""
    client_type = data.get("downloadClientType")
    if client_type is not None and client_type.casefold() != "qbittorrent":
        return None
    return torrent_hash(data.get("downloadId"))


def poster(item: dict[str, Any]) -> str | None:
    """Return the remote poster URL of a movie or a series."""
    return next(
        (
            image.get("remoteUrl")
            for image in item.get("images") or []
            if image.get("coverType") == "poster" and image.get("remoteUrl")
        ),
        None,
    )


def release_grabbed(
    data: dict[str, Any],
    item: dict[str, Any],
    media: MediaKey,
    *,
    is_anime: bool,
    episodes: tuple[EpisodeRef, ...] = (),
) -> ReleaseGrabbed:
    """Return the Grab event of a movie or series `item`, with its release's details."""
    release = data.get("release") or {}
    return ReleaseGrabbed(
        media=media,
        arr_id=item["id"],
        qbit_hash=qbittorrent_hash(data),
        release_title=release.get("releaseTitle"),
        quality=release.get("quality"),
        indexer=release.get("indexer"),
        release_group=release.get("releaseGroup"),
        file_size=release.get("size"),
        download_client=data.get("downloadClient"),
        is_anime=is_anime,
        overview=item.get("overview"),
        poster_url=poster(item),
        episodes=episodes,
    )
