"""Import phase: Radarr/Sonarr imported a file (or an upgrade), or need a hand to import it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from . import tv
from .changes import Change, collect
from .correlation import Probe
from .events import FileImported, ImportNeedsAttention, MediaKey
from .flags import set_stuck, stuck_from_episodes, update_fields
from .lifecycle import aggregate, merge_media, transition
from .models import HistoryEntry, MediaType, Request
from .printable import printable
from .states import RequestState

if TYPE_CHECKING:
    from .tracker import Tracker

_LOGGER = logging.getLogger(__name__)


def on_file_imported(tracker: Tracker, event: FileImported, now: datetime) -> list[Change]:
    """Move the request (TV: the imported episodes) to importing, or anime matching."""
    probe = Probe(
        event.media,
        qbit_hash=event.qbit_hash,
        arr_id=event.arr_id,
        seasons=frozenset(item.episode.season_number for item in event.episodes),
    )
    if event.is_upgrade and tracker.find_active(probe) is None:
        # Upgrades of a finished request only leave a note (DESIGN §2).
        finished = tracker.find(probe, lambda request: request.state is RequestState.AVAILABLE)
        if finished is not None:
            return _note_upgrade(finished, event, now)
    request = tracker.find_active(probe)
    created = request is None
    if request is None:
        if tracker.finished_with(qbit_hash=event.qbit_hash):
            return []  # a redelivered import
        # An import of something not tracked yet (often before Jellyseerr's and Radarr's
        # grab webhooks, upgrade or not) starts its request: those that follow join it.
        if not _has_media_ids(event.media):
            _LOGGER.info(
                "Ignored the import of %s: it matches no tracked request and names no "
                "TMDB, TVDB or IMDb id to start one",
                _describe(event.media),
            )
            return []
        request = tracker.create(event.media, _import_target(event.is_anime), now)
    updated = merge_media(request, event.media, event.arr_id)
    updated |= update_fields(
        request,
        final_path=event.final_path,
        is_anime=event.is_anime or None,
    )
    if request.media_type is MediaType.TV:
        updated |= tv.import_episodes(request, event, now)
        moved = aggregate(request, now)
        return collect(request, None if created else moved, updated, created)
    # An import means the download is complete, whether or not we saw it finish.
    updated |= update_fields(request, progress=1.0, download_speed=0)
    if request.eta is not None:
        request.eta = None  # nothing left to download
        updated = True
    moved = None if created else transition(request, _import_target(request.is_anime), now)
    return collect(request, moved, updated, created)


def _note_upgrade(finished: Request, event: FileImported, now: datetime) -> list[Change]:
    """Write an upgrade into the history of the finished request it replaced a file of."""
    note = _upgrade_note(event)
    last = finished.history[-1]
    if last.note == note and finished.final_path == (event.final_path or finished.final_path):
        return []  # the same upgrade delivered again
    finished.add_history(HistoryEntry(finished.state, now, note))
    finished.final_path = event.final_path or finished.final_path
    return collect(finished, None, updated=True)


def on_import_needs_attention(
    tracker: Tracker, event: ImportNeedsAttention, _now: datetime
) -> list[Change]:
    """Flag the request (TV: the episodes named) stuck with the app's own reason."""
    request = tracker.find_active(
        Probe(event.media, qbit_hash=event.qbit_hash, arr_id=event.arr_id)
    )
    if request is None:
        _LOGGER.info(
            "Ignored a manual-interaction notice for %s: it matches no tracked request",
            _describe(event.media),
        )
        return []
    if request.media_type is MediaType.TV:
        named, changed = tv.mark_stuck(request, event)
        if named:
            return collect(request, None, stuck_from_episodes(request) or changed)
    return collect(request, None, set_stuck(request, event.reason, event.code))


def _upgrade_note(event: FileImported) -> str:
    """Return the history note of an upgrade: "upgraded", naming the episodes for TV."""
    episodes = ", ".join(
        f"S{item.episode.season_number:02d}E{item.episode.episode_number:02d}"
        for item in event.episodes
    )
    return f"upgraded {episodes}" if episodes else "upgraded"


def _import_target(is_anime: bool) -> RequestState:
    """Anime waits for Shoko to match the file; everything else goes straight to verification."""
    return RequestState.ANIME_MATCHING if is_anime else RequestState.IMPORTING


def _describe(media: MediaKey) -> str:
    """Name a title in a log line: "Title (Year)", or its media type when unnamed."""
    if media.title is None:
        return f"an unnamed {media.media_type.value}"
    title = printable(media.title)
    return f"{title} ({media.year})" if media.year else title


def _has_media_ids(media: MediaKey) -> bool:
    return any(value is not None for value in (media.tmdb_id, media.tvdb_id, media.imdb_id))
