"""Download phase: grabs, the download client's progress, pack files and removed torrents."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from . import tv
from .changes import Change, collect
from .correlation import Probe
from .events import (
    ReleaseGrabbed,
    TorrentFiles,
    TorrentMissing,
    TorrentPhase,
    TorrentProgress,
    TorrentsPolled,
)
from .flags import set_stuck, stuck_from_episodes, update_fields
from .lifecycle import aggregate, merge_media, transition
from .models import Episode, HistoryEntry, MediaType, Request
from .states import TORRENT_STATES, RequestState
from .stuck import CLIENT_REASON, REMOVED_REASON, StuckCode

if TYPE_CHECKING:
    from .tracker import Tracker


def on_release_grabbed(tracker: Tracker, event: ReleaseGrabbed, now: datetime) -> list[Change]:
    """Follow the grabbed torrent: the request it belongs to, or a new one (a direct grab)."""
    probe = Probe(
        event.media,
        qbit_hash=event.qbit_hash,
        arr_id=event.arr_id,
        seasons=frozenset(ref.season_number for ref in event.episodes),
    )
    request = tracker.find_active(probe)
    created = request is None
    if request is None and tracker.finished_with(qbit_hash=event.qbit_hash):
        return []  # a redelivered grab of a download that already finished
    if request is None:
        request = tracker.create(event.media, RequestState.GRABBING, now)
    elif (
        event.media.media_type is MediaType.MOVIE
        and event.qbit_hash
        and request.qbit_hash
        and request.qbit_hash != event.qbit_hash
    ):
        # A new release for the same title (the first one failed): follow the new torrent.
        request.add_history(HistoryEntry(request.state, now, "grabbed another release"))
        request.progress = 0.0
    updated = merge_media(request, event.media, event.arr_id)
    updated |= update_fields(
        request,
        qbit_hash=event.qbit_hash,
        release_title=event.release_title,
        quality=event.quality,
        indexer=event.indexer,
        release_group=event.release_group,
        file_size=event.file_size,
        download_client=event.download_client,
        is_anime=event.is_anime or None,
        overview=request.overview or event.overview,
        poster_url=request.poster_url or event.poster_url,
    )
    if request.media_type is MediaType.TV:
        updated |= tv.merge_grab(request, event)
        moved = aggregate(request, now)
    elif not created:
        moved = transition(request, RequestState.GRABBING, now)
    else:
        moved = None
    return collect(request, None if created else moved, updated, created)


def on_torrents_polled(tracker: Tracker, event: TorrentsPolled, now: datetime) -> list[Change]:
    """Apply one poll: the listed torrents that are due, those asked for and not listed, files.

    A torrent reported exactly as in the last poll, whose requests nothing else touched since
    (any other event forgets the last poll: Tracker.apply), would change nothing: it is skipped.
    """
    last = tracker.last_polled
    listed = tracker.last_polled = {torrent.qbit_hash: torrent for torrent in event.torrents}
    tracker.listed_hashes.update(listed)
    missing = sorted(event.asked.difference(listed))
    changes: list[Change] = []
    due = _due_torrents(tracker, event, last, missing)
    for torrent in event.torrents:
        if torrent.qbit_hash in due:
            changes += on_torrent_progress(tracker, torrent, now)
    for gone in missing:
        changes += on_torrent_missing(tracker, TorrentMissing(gone), now)
    for files in event.files:
        changes += on_torrent_files(tracker, files, now)
    return changes


def _due_torrents(
    tracker: Tracker,
    event: TorrentsPolled,
    last: dict[str, TorrentProgress],
    missing: list[str],
) -> set[str]:
    """Return the listed torrents to apply: the new or moved ones, and their requests' others.

    A TV request shows the figures of the torrent applied last, so when one of its torrents
    (or a pack's files, or a torrent gone missing) is applied, all its listed torrents are.
    """
    due = {
        torrent.qbit_hash for torrent in event.torrents if last.get(torrent.qbit_hash) != torrent
    }
    if not due and not missing and not event.files:
        return due
    listed = {torrent.qbit_hash for torrent in event.torrents}
    pending = [*due, *missing, *(files.qbit_hash for files in event.files)]
    seen = set(pending)
    while pending:
        for request in tracker.with_torrent(pending.pop()):
            for other in request.hashes() - seen:
                seen.add(other)
                pending.append(other)
    return seen & listed


def on_torrent_progress(tracker: Tracker, event: TorrentProgress, now: datetime) -> list[Change]:
    """Give the torrent's requests (TV: its episodes) the client's progress and phase."""
    changes: list[Change] = []
    for request in tracker.with_torrent(event.qbit_hash):
        if request.media_type is MediaType.TV:
            if event.qbit_hash in request.hashes():
                updated = tv.apply_torrent(request, event)
                updated |= _flag_client_error(request, event)
                changes += collect(request, aggregate(request, now), updated)
        elif request.qbit_hash == event.qbit_hash and request.state in TORRENT_STATES:
            changes += _movie_progress(request, event, now)
    return changes


def _movie_progress(request: Request, event: TorrentProgress, now: datetime) -> list[Change]:
    updated = update_fields(
        request,
        progress=round(event.progress, 4),
        download_speed=event.download_speed,
        torrent_state=event.client_state,
        paused=event.phase is TorrentPhase.PAUSED,
        file_size=request.file_size or event.size,
    )
    if request.eta != event.remaining_eta:
        request.eta = event.remaining_eta
        updated = True
    updated |= _flag_client_error(request, event)
    moved = None
    if target := event.target:
        moved = transition(request, target, now)
    if moved is not None and target is RequestState.DOWNLOADED:
        request.download_speed = 0
        request.eta = None
    return collect(request, moved, updated)


def _flag_client_error(request: Request, event: TorrentProgress) -> bool:
    """Mark the request stuck while its torrent is in error; clear it once it recovers."""
    if event.phase is TorrentPhase.ERROR and not request.stuck:
        return set_stuck(request, f"{CLIENT_REASON} {event.client_state}", StuckCode.CLIENT_ERROR)
    if (
        event.phase is not TorrentPhase.ERROR
        and request.stuck
        and (request.stuck_reason or "").startswith(CLIENT_REASON)
    ):
        # The torrent recovered (files back, error cleared): so has the request.
        return set_stuck(request, None)
    return False


def on_torrent_missing(tracker: Tracker, event: TorrentMissing, now: datetime) -> list[Change]:
    """Flag a torrent that was in the client and is gone.

    One never seen yet is not removed: qBittorrent lists a new torrent a moment after it
    accepted it.
    """
    changes: list[Change] = []
    for request in tracker.with_torrent(event.qbit_hash):
        seen = (
            event.qbit_hash in request.torrents
            if request.media_type is MediaType.TV
            else request.torrent_state not in (None, "removed")
        )
        if not seen:
            continue
        holders: list[Request | Episode] = [
            episode
            for episode in request.episodes
            if episode.qbit_hash == event.qbit_hash and episode.state in TORRENT_STATES
        ]
        if request.qbit_hash == event.qbit_hash and request.state in TORRENT_STATES:
            holders.append(request)
        if holders and request not in holders:
            holders.append(request)
        updated = False
        for holder in holders:
            if holder.stuck_reason != REMOVED_REASON:
                updated |= set_stuck(holder, REMOVED_REASON)
                if isinstance(holder, Episode):
                    holder.removed_at = now
        if request.episodes and updated:
            stuck_from_episodes(request)
        if updated:
            request.torrent_state = "removed"
            changes += collect(request, None, updated)
    return changes


def on_torrent_files(tracker: Tracker, event: TorrentFiles, _now: datetime) -> list[Change]:
    """Give each episode of a season pack its own file's progress."""
    return [
        change
        for request in tracker.with_torrent(event.qbit_hash)
        if request.media_type is MediaType.TV and event.qbit_hash in request.hashes()
        for change in collect(request, None, tv.apply_files(request, event))
    ]
