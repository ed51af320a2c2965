"""TV rules: each episode moves on its own; the request shows the aggregate of its episodes."""

from __future__ import annotations

from datetime import datetime, timedelta

from .episodes import episode_keys_in_name
from .events import (
    EpisodeRef,
    FileImported,
    ImportNeedsAttention,
    LibraryEpisodesFound,
    ReleaseGrabbed,
    TorrentFiles,
    TorrentPhase,
    TorrentProgress,
)
from .flags import set_stuck, stuck_from_episodes, update_fields
from .models import Episode, HistoryEntry, Request
from .states import (
    TORRENT_STATES,
    VERIFY_STATES,
    RequestState,
    aggregate_episode_states,
    can_transition,
)
from .stuck import REMOVED_REASON


def _merge_ref(episode: Episode, ref: EpisodeRef) -> bool:
    return update_fields(
        episode,
        episode_title=ref.title,
        sonarr_episode_id=ref.sonarr_episode_id,
        episode_tvdb_id=ref.tvdb_id,
    )


def _get_or_add(request: Request, ref: EpisodeRef, state: RequestState) -> tuple[Episode, bool]:
    episode = request.episode(ref.key)
    if episode is not None:
        return episode, False
    episode = Episode(ref.season_number, ref.episode_number, state=state)
    request.episodes.append(episode)
    request.episodes.sort(key=lambda item: item.key)
    request.total_episodes = len(request.episodes)
    return episode, True


def merge_grab(request: Request, event: ReleaseGrabbed) -> bool:
    """Add the grabbed episodes; a re-grab (new hash) of an unfinished episode follows the new one."""
    changed = False
    for ref in event.episodes:
        episode, added = _get_or_add(request, ref, RequestState.GRABBING)
        changed |= added | _merge_ref(episode, ref)
        if (
            event.qbit_hash
            and episode.qbit_hash != event.qbit_hash
            and (added or episode.state in TORRENT_STATES)
        ):
            old_hash, episode.qbit_hash = episode.qbit_hash, event.qbit_hash
            episode.progress = 0.0
            episode.size = None
            if old_hash and old_hash not in request.hashes():
                request.torrents.pop(old_hash, None)
            changed = True
    return refresh_download_figures(request) or changed


def apply_torrent(request: Request, event: TorrentProgress) -> bool:
    """Move the torrent's episodes on, and refresh the request's download figures."""
    status = {
        "state": event.client_state,
        "progress": round(event.progress, 4),
        "eta": event.remaining_eta,
        "download_speed": event.download_speed,
    }
    changed = request.torrents.get(event.qbit_hash) != status
    request.torrents[event.qbit_hash] = status
    # The request shows the state of the torrent polled last (usually its only one).
    changed |= update_fields(request, torrent_state=event.client_state)
    paused = event.phase is TorrentPhase.PAUSED
    if request.paused != paused:
        request.paused = paused
        changed = True
    target = event.target
    for episode in request.episodes:
        if episode.qbit_hash != event.qbit_hash or episode.state not in TORRENT_STATES:
            continue
        if target is not None and can_transition(episode.state, target):
            episode.state = target
            set_stuck(episode, None)  # it moves again: what held it is over
            changed = True
        if episode.stuck_reason == REMOVED_REASON:
            # The client lists the torrent again: it was not removed after all.
            changed |= set_stuck(episode, None)
            episode.removed_at = None
        if episode.paused != paused:
            episode.paused = paused
            changed = True
        progress = 1.0 if target is RequestState.DOWNLOADED else round(event.progress, 4)
        if episode.size is None or progress == 1.0:
            changed |= update_fields(episode, progress=progress)
    return refresh_download_figures(request) or changed


def apply_files(request: Request, event: TorrentFiles) -> bool:
    """Give each episode of a season pack the progress of its own file."""
    changed = False
    for item in event.files:
        keys = episode_keys_in_name(item.name)
        for key in keys:
            episode = request.episode(key)
            if episode is None or episode.qbit_hash != event.qbit_hash:
                continue
            if episode.state not in TORRENT_STATES:
                continue
            changed |= update_fields(
                episode, progress=round(item.progress, 4), size=item.size // len(keys)
            )
    return refresh_download_figures(request) or changed


def refresh_download_figures(request: Request) -> bool:
    """Set progress (bytes-weighted where sizes are known), speed and ETA from the episodes."""
    episodes = request.episodes
    if not episodes:
        return False
    if all(episode.size for episode in episodes):
        total = sum(episode.size or 0 for episode in episodes)
        progress = sum(episode.progress * (episode.size or 0) for episode in episodes) / total
    else:
        progress = sum(episode.progress for episode in episodes) / len(episodes)
    active = {
        episode.qbit_hash
        for episode in episodes
        if episode.state in TORRENT_STATES and episode.qbit_hash in request.torrents
    }
    etas = [request.torrents[h]["eta"] for h in active if request.torrents[h]["eta"] is not None]
    speed = sum(request.torrents[h]["download_speed"] for h in active)
    changed = update_fields(request, progress=round(progress, 6), download_speed=speed)
    # Nothing left to download (or the client cannot tell): no ETA.
    new_eta = max(etas) if etas else None
    if request.eta != new_eta:
        request.eta = new_eta
        changed = True
    return changed


def import_episodes(request: Request, event: FileImported, now: datetime) -> bool:
    """Move imported episodes to importing (anime: matching); fill in paths learnt later."""
    target = RequestState.ANIME_MATCHING if request.is_anime else RequestState.IMPORTING
    changed = False
    moved = False
    for item in event.episodes:
        episode, added = _get_or_add(request, item.episode, target)
        changed |= added | _merge_ref(episode, item.episode)
        moved |= added
        if can_transition(episode.state, target):
            episode.state = target
            # Imported after all: whatever kept it from importing is over.
            set_stuck(episode, None)
            moved = changed = True
        if episode.state in VERIFY_STATES:
            changed |= update_fields(episode, final_path=item.final_path, progress=1.0)
    if moved:
        request.verify_attempts = 0
        request.next_verify_at = now + timedelta(seconds=10)
    return refresh_download_figures(request) or changed


def mark_stuck(request: Request, event: ImportNeedsAttention) -> tuple[bool, bool]:
    """Flag the episodes Sonarr cannot import (the state stays).

    Return whether any episode was named, and whether any flag changed.
    """
    named = {ref.key for ref in event.episodes}
    holders = [
        episode
        for episode in request.episodes
        if episode.key in named and episode.state is not RequestState.AVAILABLE
    ]
    changed = False
    for episode in holders:
        changed |= set_stuck(episode, event.reason, event.code)
    return bool(holders), changed


def mark_found(request: Request, event: LibraryEpisodesFound) -> bool:
    """Make the episodes the media server has available."""
    found = {(season, number): item_id for season, number, item_id in event.episodes}
    changed = update_fields(request, jellyfin_id=event.series_jellyfin_id)
    for episode in request.episodes:
        item_id = found.get(episode.key)
        if item_id is not None and episode.state in VERIFY_STATES:
            episode.state = RequestState.AVAILABLE
            episode.jellyfin_id = item_id
            set_stuck(episode, None)
            changed = True
    return changed


def waiting_for_library(request: Request) -> bool:
    """Return whether some episode still waits to be found in the media server."""
    return any(episode.state in VERIFY_STATES for episode in request.episodes)


def aggregate(request: Request, now: datetime, note: str | None = None) -> RequestState | None:
    """Set the request's state from its episodes; return the previous state if it changed."""
    state = aggregate_episode_states(episode.state for episode in request.episodes)
    if state is None or state is request.state:
        if request.stuck_by_episode or (
            not request.stuck and any(episode.stuck for episode in request.episodes)
        ):
            # Same state, but an episode's problem may have gone (or come): follow them.
            stuck_from_episodes(request)
        return None
    previous = request.state
    request.state = state
    request.state_since = now
    request.add_history(HistoryEntry(state, now, note))
    stuck_from_episodes(request)
    if state is RequestState.AVAILABLE:
        request.available_at = now
        request.next_verify_at = None
    elif state in VERIFY_STATES and request.next_verify_at is None:
        request.next_verify_at = now + timedelta(seconds=10)
    return previous


def episode_counts(request: Request) -> dict[str, int]:
    """Return how many episodes are in each state."""
    counts: dict[str, int] = {}
    for episode in request.episodes:
        counts[episode.state.value] = counts.get(episode.state.value, 0) + 1
    return counts
