"""Pure tracking core: models, states, correlation and the reducer; no Home Assistant imports."""

from .changes import Change, ChangeKind
from .events import (
    FileImported,
    FileMatched,
    FileNotMatched,
    ImportNeedsAttention,
    LibraryCheckRequested,
    LibraryItemFound,
    LibraryItemMissing,
    MediaKey,
    ReleaseGrabbed,
    RequestNotified,
    TorrentPhase,
    TorrentProgress,
    TrackerEvent,
)
from .models import Episode, HistoryEntry, MediaType, Request
from .states import RequestState
from .tracker import Tracker

__all__ = [
    "Change",
    "ChangeKind",
    "Episode",
    "FileImported",
    "FileMatched",
    "FileNotMatched",
    "HistoryEntry",
    "ImportNeedsAttention",
    "LibraryCheckRequested",
    "LibraryItemFound",
    "LibraryItemMissing",
    "MediaKey",
    "MediaType",
    "ReleaseGrabbed",
    "Request",
    "RequestNotified",
    "RequestState",
    "TorrentPhase",
    "TorrentProgress",
    "Tracker",
    "TrackerEvent",
]
