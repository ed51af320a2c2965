"""Housekeeping events: the tracker's own timers, and what they read for it (a queue's reason).

None is news from a service: what they change is no sign of life (`limits.HOUSEKEEPING_EVENTS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from .states import RequestState


@dataclass(frozen=True, slots=True)
class StuckCheckDue:
    """Time to flag the requests that outlived their state's limit (states without one: never)."""

    limits: Mapping[RequestState, timedelta]


@dataclass(frozen=True, slots=True)
class RetentionDue:
    """Time to forget finished requests older than `keep`, and fail those idle `abandon_after`."""

    keep: timedelta
    abandon_after: timedelta | None = None  # None: never abandoned


@dataclass(frozen=True, slots=True)
class RequestCapExceeded:
    """More requests are tracked than `cap`: make room, the oldest finished first."""

    cap: int


@dataclass(frozen=True, slots=True)
class DownloadExplained:
    """Radarr's/Sonarr's queue says why the download with this hash does not go on."""

    qbit_hash: str
    reason: str
    code: str
