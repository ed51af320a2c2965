"""The queue's texts → reason codes, and a record → a readable reason.

The texts are Radarr v5's and Sonarr v4's own (CompletedDownloadService, TrackedDownloadService,
the import specifications and QBittorrent.cs of each; the qBittorrent ones from en.json).
"""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.media_request_tracker.clients.arr.queue import (
    MAX_REASON_LENGTH,
    QueueExplanation,
    explain_queue,
    explain_record,
    reason_code,
    with_health,
)
from custom_components.media_request_tracker.tracker.stuck import StuckCode

HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"

REAL_MESSAGES: list[tuple[str, StuckCode]] = [
    (
        "[/data/torrents/Arrival] is not a valid local path. You may need a Remote Path "
        "Mapping. Check the download troubleshooting entry on the wiki for details.",
        StuckCode.REMOTE_PATH_MAPPING,
    ),
    (
        "[/data/torrents/Arrival] is not a valid local path. You may need a Remote Path Mapping.",
        StuckCode.REMOTE_PATH_MAPPING,
    ),
    ("Download doesn't contain intermediate path, Skipping.", StuckCode.REMOTE_PATH_MAPPING),
    (
        "Series title mismatch; automatic import is not possible. Check the download "
        "troubleshooting entry on the wiki for common causes.",
        StuckCode.TITLE_MISMATCH,
    ),
    (
        "Movie title mismatch, automatic import is not possible. Manual Import required.",
        StuckCode.TITLE_MISMATCH,
    ),
    ("Unable to parse download, automatic import is not possible.", StuckCode.TITLE_MISMATCH),
    (
        "Unable to import automatically, found multiple series: Frieren, Frieren (2023)",
        StuckCode.TITLE_MISMATCH,
    ),
    ("Unknown Movie", StuckCode.TITLE_MISMATCH),
    (
        "Found matching series via grab history, but release was matched to series by ID. "
        "Automatic import is not possible. See the FAQ for details.",
        StuckCode.ID_MATCHED_GRAB,
    ),
    (
        "Found matching movie via grab history, but release was matched to movie by ID. "
        "Manual Import required.",
        StuckCode.ID_MATCHED_GRAB,
    ),
    (
        "Not an upgrade for existing episode file(s). Existing quality: Bluray-1080p. New "
        "Quality WEBDL-1080p.",
        StuckCode.NOT_UPGRADE,
    ),
    ("Not an upgrade for existing movie file. New Quality is WEBDL-1080p", StuckCode.NOT_UPGRADE),
    ("Not a quality revision upgrade for existing movie file(s)", StuckCode.NOT_UPGRADE),
    (
        "Not a Custom Format upgrade for existing episode file(s). New: [x265] (0) do not "
        "improve on Existing: [HDR] (100)",
        StuckCode.NOT_UPGRADE,
    ),
    ("Episode file already imported at 2026-11-20 10:00:00", StuckCode.NOT_UPGRADE),
    (
        "No files found are eligible for import in /downloads/movies/Arrival",
        StuckCode.NO_ELIGIBLE_FILES,
    ),
    (
        "One or more episodes expected in this release were not imported or missing from the "
        "release",
        StuckCode.NO_ELIGIBLE_FILES,
    ),
    ("Invalid video file, unsupported extension: '.rar'", StuckCode.NO_ELIGIBLE_FILES),
    ("Found archive file, might need to be extracted", StuckCode.NO_ELIGIBLE_FILES),
    ("Caution: Found executable file", StuckCode.NO_ELIGIBLE_FILES),
    ("Episode 3 was not found in the grabbed release: Frieren.S01E04", StuckCode.NO_ELIGIBLE_FILES),
    ("Sample", StuckCode.SAMPLE),
    ("Unable to determine if file is a sample", StuckCode.SAMPLE),
    ("The download is stalled with no connections", StuckCode.STALLED_NO_PEERS),
    ("qBittorrent cannot resolve magnet link with DHT disabled", StuckCode.MAGNET_NO_DHT),
    ("qBittorrent is reporting an error", StuckCode.CLIENT_ERROR),
    ("qBittorrent is reporting missing files", StuckCode.CLIENT_ERROR),
    ("Unknown download state: moving", StuckCode.CLIENT_ERROR),
    (
        "Unable to Import. Path matches client base download directory, it's possible 'Keep "
        "top-level folder' is disabled for this torrent or 'Torrent Content Layout' is NOT set "
        "to 'Original' or 'Create Subfolder'?",
        StuckCode.CLIENT_ERROR,
    ),
    ("Not enough free space", StuckCode.DISK_FULL),
    ("Unpacking failed, write error or disk is full?", StuckCode.DISK_FULL),
    ("Failed to import episode, Root folder missing.", StuckCode.UNKNOWN),
    ("qBittorrent is downloading metadata", StuckCode.UNKNOWN),
]


@pytest.mark.parametrize(("text", "code"), REAL_MESSAGES)
def test_each_real_message_has_its_code(text: str, code: StuckCode) -> None:
    assert reason_code([text]) is code


def test_every_code_is_reached_by_a_real_message() -> None:
    assert {code for _, code in REAL_MESSAGES} == set(StuckCode)


def test_the_specific_cause_wins_over_the_multi_file_heading() -> None:
    texts = [
        "One or more movies expected in this release were not imported or missing",
        "Arrival.2016.sample.mkv",
        "Sample",
        "Arrival.2016.mkv",
        "Not enough free space",
    ]
    assert reason_code(texts) is StuckCode.DISK_FULL
    assert reason_code(texts[:3]) is StuckCode.SAMPLE
    assert reason_code(["Arrival.2016.Sample.Edition.mkv"]) is StuckCode.UNKNOWN


def record(**fields: Any) -> dict[str, Any]:
    return {"title": "Arrival.2016.1080p", "downloadId": HASH.upper(), **fields}


def test_the_release_title_is_not_repeated_and_the_client_speaks_first() -> None:
    explained = explain_record(
        "Radarr",
        record(
            trackedDownloadState="importPending",
            errorMessage="The download is stalled with no connections",
            statusMessages=[
                {"title": "Arrival.2016.1080p", "messages": ["Not enough free space"]},
                {"title": "Arrival.2016.1080p", "messages": ["Not enough free space"]},
            ],
        ),
    )
    assert explained == QueueExplanation(
        HASH,
        "Radarr (import pending): The download is stalled with no connections; "
        "Not enough free space",
        StuckCode.DISK_FULL,
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"downloadId": None, "errorMessage": "x"},
        {"downloadId": 42, "errorMessage": "x"},
        {"downloadId": "SABnzbd_nzo_1", "errorMessage": "x"},
        {"statusMessages": [], "errorMessage": "  "},
        {"statusMessages": ["not an object", {"title": "Arrival.2016.1080p", "messages": []}]},
        {"statusMessages": [{"title": "Arrival.2016.1080p", "messages": "not a list"}]},
    ],
)
def test_records_that_explain_nothing(fields: dict[str, Any]) -> None:
    assert explain_record("Sonarr", record(**fields)) is None


def test_odd_shapes_are_read_leniently() -> None:
    explained = explain_record(
        "Sonarr",
        record(
            trackedDownloadState="somethingNew",
            statusMessages=[{"title": 7, "messages": ["Sample", 3, None]}, "x"],
        ),
    )
    assert explained is not None
    assert explained.reason == "Sonarr: Sample"
    assert explained.code is StuckCode.SAMPLE


def test_a_long_reason_is_cut() -> None:
    explained = explain_record("Radarr", record(errorMessage="x" * 2000))
    assert explained is not None
    assert len(explained.reason) == MAX_REASON_LENGTH
    assert explained.reason.endswith("…")


def test_the_first_record_of_a_download_wins() -> None:
    first = record(errorMessage="The download is stalled with no connections")
    later = record(errorMessage="qBittorrent is reporting an error")
    explained = explain_queue("Sonarr", [None, first, later, record()])
    assert list(explained) == [HASH]
    assert explained[HASH].code is StuckCode.STALLED_NO_PEERS


NO_FILES = QueueExplanation(
    HASH,
    "Sonarr (import pending): No files found are eligible for import in /tv",
    StuckCode.NO_ELIGIBLE_FILES,
)
MAPPING = {
    "source": "RemotePathMappingCheck",
    "type": "warning",
    "message": "Likely missing remote path mapping.",
}


def test_health_names_the_mapping_behind_no_eligible_files() -> None:
    explained = with_health(NO_FILES, ["odd", MAPPING])
    assert explained.code is StuckCode.REMOTE_PATH_MAPPING
    assert explained.reason == f"{NO_FILES.reason}; Likely missing remote path mapping."


@pytest.mark.parametrize(
    ("explanation", "health"),
    [
        (NO_FILES, []),
        (NO_FILES, [{**MAPPING, "type": "ok"}]),
        (NO_FILES, [{**MAPPING, "source": "DownloadClientCheck"}]),
        (QueueExplanation(HASH, "Sonarr: Sample", StuckCode.SAMPLE), [MAPPING]),
    ],
)
def test_health_changes_nothing_else(explanation: QueueExplanation, health: list[Any]) -> None:
    assert with_health(explanation, health) == explanation


def test_health_keeps_the_reason_short() -> None:
    explained = with_health(NO_FILES, [{**MAPPING, "message": "m" * 1000}])
    assert len(explained.reason) == MAX_REASON_LENGTH
