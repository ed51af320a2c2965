"""Which handler applies which event, by phase of a request's life."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import actions, anime, downloads, failures, housekeeping, imports, library, limits, requests
from .action_events import LibraryCheckAsked, RequestForgotten, RequestNoted
from .changes import Change
from .events import (
    DownloadFailed,
    FileImported,
    FileMatched,
    FileNotMatched,
    ImportNeedsAttention,
    LibraryCheckRequested,
    LibraryEpisodesFound,
    LibraryItemFound,
    LibraryItemMissing,
    LibraryUnreachable,
    ReleaseGrabbed,
    RequestNotified,
    TorrentFiles,
    TorrentMissing,
    TorrentProgress,
    TorrentsPolled,
    TrackerEvent,
)
from .housekeeping_events import (
    DownloadExplained,
    RequestCapExceeded,
    RetentionDue,
    StuckCheckDue,
)

if TYPE_CHECKING:
    from .tracker import Tracker

type Handler = Callable[[Tracker, Any, datetime], list[Change]]

HANDLERS: dict[type[TrackerEvent], Handler] = {
    RequestNotified: requests.on_request_notified,
    ReleaseGrabbed: downloads.on_release_grabbed,
    TorrentsPolled: downloads.on_torrents_polled,
    TorrentProgress: downloads.on_torrent_progress,
    TorrentFiles: downloads.on_torrent_files,
    TorrentMissing: downloads.on_torrent_missing,
    FileImported: imports.on_file_imported,
    ImportNeedsAttention: imports.on_import_needs_attention,
    DownloadFailed: failures.on_download_failed,
    FileMatched: anime.on_shoko_event,
    FileNotMatched: anime.on_shoko_event,
    LibraryCheckRequested: library.on_library_check_requested,
    LibraryItemFound: library.on_library_item_found,
    LibraryEpisodesFound: library.on_library_episodes_found,
    LibraryItemMissing: library.on_library_item_missing,
    LibraryUnreachable: library.on_library_unreachable,
    StuckCheckDue: housekeeping.on_stuck_check_due,
    DownloadExplained: housekeeping.on_download_explained,
    RetentionDue: housekeeping.on_retention_due,
    RequestCapExceeded: limits.on_request_cap_exceeded,
    RequestNoted: actions.on_request_noted,
    RequestForgotten: actions.on_request_forgotten,
    LibraryCheckAsked: actions.on_library_check_asked,
}
