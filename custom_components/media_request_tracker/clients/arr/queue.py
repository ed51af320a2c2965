"""Radarr's and Sonarr's download queue: why a download does not go on, in words and a code.

`GET /api/v3/queue` (paged) has a record per download (Sonarr: per episode, so a season pack
repeats its download id). A record's `trackedDownloadState` says where it stands, its
`statusMessages` [{title, messages[]}] carry the app's own warnings and import rejections, and
`errorMessage` the download client's message (for qBittorrent: "The download is stalled with no
connections", …). Null fields are left out. The texts come from `CompletedDownloadService`,
`TrackedDownloadService`, the import specifications and `QBittorrent.cs` of both apps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ...tracker.stuck import StuckCode
from ..schema import torrent_hash

# Lower-case fragments of the real messages, per code. Codes are tried in this order: the
# specific causes first, the general "nothing importable" last (Radarr and Sonarr head a
# multi-file rejection with it, then give each file's own reason).
REASON_FRAGMENTS: tuple[tuple[StuckCode, tuple[str, ...]], ...] = (
    (
        StuckCode.REMOTE_PATH_MAPPING,
        (
            "you may need a remote path mapping",
            "remote path mapping",
            "doesn't contain intermediate path",
            "path does not exist or is not accessible",
        ),
    ),
    (
        StuckCode.DISK_FULL,
        ("not enough free space", "disk is full", "no space left on device"),
    ),
    (
        StuckCode.ID_MATCHED_GRAB,
        ("via grab history, but release was matched to",),
    ),
    (
        StuckCode.TITLE_MISMATCH,
        (
            "title mismatch",
            "unable to parse download",
            "found multiple series",
            "unable to parse episodes from title",
            "unknown series",
            "unknown movie",
        ),
    ),
    (
        StuckCode.NOT_UPGRADE,
        (
            "not an upgrade",
            "not a quality revision upgrade",
            "not a custom format upgrade",
            "already imported",
            "contains more episodes than this file",
        ),
    ),
    (
        StuckCode.MAGNET_NO_DHT,
        ("cannot resolve magnet link with dht disabled",),
    ),
    (
        StuckCode.STALLED_NO_PEERS,
        ("stalled with no connections",),
    ),
    (
        StuckCode.CLIENT_ERROR,
        (
            "is reporting an error",
            "is reporting missing files",
            "download is missing files",
            "unknown download state",
            "path matches client base download directory",
        ),
    ),
    (
        StuckCode.SAMPLE,
        ("unable to determine if file is a sample",),
    ),
    (
        StuckCode.NO_ELIGIBLE_FILES,
        (
            "no files found are eligible for import",
            "expected in this release were not imported",
            "unable to parse file",
            "unable to parse episode",
            "invalid season or episode",
            "unsupported extension",
            "found archive file",
            "potentially dangerous file",
            "found executable file",
            "was not found in the grabbed release",
            "were not found in the grabbed release",
        ),
    ),
)

# How a record's trackedDownloadState reads in a reason.
TRACKED_STATES = {
    "downloading": "downloading",
    "importBlocked": "import blocked",
    "importPending": "import pending",
    "importing": "importing",
    "imported": "imported",
    "failedPending": "failed",
    "failed": "failed",
    "ignored": "ignored",
}

# The health check that reports download folders the app cannot see (`Source` is the check's
# class name in Radarr's and Sonarr's /api/v3/health).
REMOTE_PATH_CHECK = "RemotePathMappingCheck"

# A reason is an attribute and goes into events: keep it readable.
MAX_REASON_LENGTH = 500


def reason_code(texts: Iterable[str]) -> StuckCode:
    """Return the code of the most specific cause the texts name (UNKNOWN if none)."""
    lowered = [text.strip().casefold() for text in texts if text]
    for code, fragments in REASON_FRAGMENTS:
        if any(fragment in text for text in lowered for fragment in fragments):
            return code
        # "Sample" is a whole message of its own; release and file names often hold the word.
        if code is StuckCode.SAMPLE and "sample" in lowered:
            return code
    return StuckCode.UNKNOWN


def _strings(values: Any) -> list[str]:
    """Return the strings of a JSON list (nothing if it is not a list)."""
    return [value for value in values if isinstance(value, str)] if isinstance(values, list) else []


def _status_messages(messages: Any) -> list[tuple[str | None, list[str]]]:
    """Return (title, messages) of each well-formed *arr status message."""
    return [
        (
            item["title"] if isinstance(item.get("title"), str) else None,
            _strings(item.get("messages")),
        )
        for item in (messages if isinstance(messages, list) else [])
        if isinstance(item, dict)
    ]


def _shorten(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON_LENGTH else reason[: MAX_REASON_LENGTH - 1] + "…"


def message_texts(messages: Any) -> list[str]:
    """Return every title and message of *arr status messages ({title, messages[]})."""
    return [
        text
        for title, texts in _status_messages(messages)
        for text in ([title] if title else []) + texts
    ]


@dataclass(frozen=True, slots=True)
class QueueExplanation:
    """Why one download is held up, as its queue record says."""

    qbit_hash: str
    reason: str
    code: StuckCode


def explain_record(app: str, record: dict[str, Any]) -> QueueExplanation | None:
    """Explain one queue record, or None if it names no torrent or says nothing useful."""
    download_id = record.get("downloadId")
    qbit_hash = torrent_hash(download_id) if isinstance(download_id, str) else None
    if qbit_hash is None:
        return None
    release = record.get("title")
    error = record.get("errorMessage")
    # The download client's message first, then the app's own (one per rejected file).
    client = [error.strip()] if isinstance(error, str) and error.strip() else []
    parts = list(client)
    for title, texts in _status_messages(record.get("statusMessages")):
        messages = "; ".join(texts)
        if title and title != release:
            # A rejected file's name, or Radarr's/Sonarr's heading of a multi-file rejection.
            parts.append(f"{title}: {messages}" if messages else title)
        elif messages:
            parts.append(messages)
    if not parts:
        return None
    state = TRACKED_STATES.get(str(record.get("trackedDownloadState")))
    reason = f"{app} ({state}): " if state else f"{app}: "
    reason += "; ".join(dict.fromkeys(parts))
    texts = [*client, *message_texts(record.get("statusMessages"))]
    code = reason_code(text for text in texts if text != release)
    return QueueExplanation(qbit_hash, _shorten(reason), code)


def explain_queue(app: str, records: Iterable[Any]) -> dict[str, QueueExplanation]:
    """Explain every record of a queue, by torrent hash (the first record of a hash wins)."""
    explained: dict[str, QueueExplanation] = {}
    for record in records:
        if isinstance(record, dict) and (explanation := explain_record(app, record)):
            explained.setdefault(explanation.qbit_hash, explanation)
    return explained


def with_health(explanation: QueueExplanation, health: Iterable[Any]) -> QueueExplanation:
    """Name a remote path mapping problem that the queue shows only as "no eligible files".

    When the download folder does not exist where Radarr/Sonarr look, their queue says "No
    files found are eligible for import" (the precise message goes to their log), while their
    health check reports the missing mapping.
    """
    if explanation.code is not StuckCode.NO_ELIGIBLE_FILES:
        return explanation
    messages = [
        str(item.get("message") or "")
        for item in health
        if isinstance(item, dict)
        and item.get("source") == REMOTE_PATH_CHECK
        and item.get("type") in ("warning", "error")
    ]
    if not messages:
        return explanation
    reason = _shorten("; ".join([explanation.reason, *filter(None, messages)]))
    return replace(explanation, reason=reason, code=StuckCode.REMOTE_PATH_MAPPING)
