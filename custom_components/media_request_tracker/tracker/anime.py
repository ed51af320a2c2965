"""Anime rules: Shoko's file matching, correlated by path (DESIGN §7, PAYLOADS.md §4).

Shoko knows neither TMDB nor TVDB ids: its events name a file by its path relative to an import
folder, with OS separators. That path is matched as the tail of the library path Radarr or
Sonarr imported the file to, case-sensitively first and then ignoring case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from .changes import Change, collect
from .events import FileMatched, FileNotMatched
from .flags import set_stuck, stuck_from_episodes
from .models import Episode, Request
from .states import RequestState

if TYPE_CHECKING:
    from .tracker import Tracker

# The states in which Shoko's answer about a file still matters.
MATCHING_STATES = frozenset({RequestState.IMPORTING, RequestState.ANIME_MATCHING})


def _normalise(path: str) -> str:
    return path.replace("\\", "/").strip().strip("/")


def _is_tail(final_path: str, relative: str, *, fold: bool) -> bool:
    full = _normalise(final_path)
    if fold:
        full, relative = full.casefold(), relative.casefold()
    return full == relative or full.endswith("/" + relative)


# The request a file belongs to, and the episodes in that file (none for a movie; two or more
# for a multi-episode file).
type Target = tuple[Request, list[Episode]]


def find_file(requests: Iterable[Request], relative_path: str) -> Target | None:
    """Return the request (and episodes) whose imported file ends with `relative_path`."""
    relative = _normalise(relative_path)
    if not relative:
        return None
    candidates: list[tuple[Request, Episode | None, str]] = []
    for request in requests:
        if request.episodes:
            candidates += [
                (request, episode, episode.final_path)
                for episode in request.episodes
                if episode.final_path and episode.state in MATCHING_STATES
            ]
        elif request.final_path and request.state in MATCHING_STATES:
            candidates.append((request, None, request.final_path))
    for fold in (False, True):
        for request, _, final_path in candidates:
            if _is_tail(final_path, relative, fold=fold):
                return _target(candidates, request, final_path)
    # Shoko's import folder and the library may be laid out differently: the file name alone
    # decides, as long as one tracked file has it.
    for fold in (False, True):
        named = {
            (request.request_id, final_path): request
            for request, _, final_path in candidates
            if _same_name(final_path, relative, fold=fold)
        }
        if len(named) == 1:
            ((_, final_path), request), *_ = named.items()
            return _target(candidates, request, final_path)
        if named:
            return None  # two tracked files share the name: no guess
    return None


def _same_name(final_path: str, relative: str, *, fold: bool) -> bool:
    name, wanted = _normalise(final_path).rsplit("/", 1)[-1], relative.rsplit("/", 1)[-1]
    return name.casefold() == wanted.casefold() if fold else name == wanted


def _target(
    candidates: list[tuple[Request, Episode | None, str]], request: Request, final_path: str
) -> Target:
    """Return the request and every episode of it in the file at `final_path`."""
    return request, [
        item
        for owner, item, path in candidates
        if owner is request and item is not None and path == final_path
    ]


def apply_match(target: Target, event: FileMatched, now: datetime) -> bool:
    """Store Shoko's ids for the file and ask for the library check at once."""
    request, episodes = target
    if not event.cross_references:
        return False  # Shoko saw the file but has not matched it yet: keep waiting
    references = event.cross_references
    holders: list[Request | Episode] = list(episodes) or [request]
    changed = False
    for index, holder in enumerate(holders):
        # A multi-episode file has a cross reference per AniDB episode, in episode order.
        reference = references[min(index, len(references) - 1)]
        before = (holder.shoko_file_id, holder.anidb_episode_id, holder.stuck)
        holder.shoko_file_id = event.shoko_file_id
        holder.anidb_episode_id = reference.anidb_episode_id
        set_stuck(holder, None)
        changed |= before != (holder.shoko_file_id, holder.anidb_episode_id, False)
    for name, value in (
        ("shoko_series_id", references[0].shoko_series_id),
        ("anidb_id", references[0].anidb_anime_id),
    ):
        if value is not None and getattr(request, name) != value:
            setattr(request, name, value)
            changed = True
    if episodes:
        stuck_from_episodes(request)
    else:
        set_stuck(request, None)
    # Jellyfin usually lists the item soon after the match: check now, then from the start of
    # the back-off again, not after the long waits earlier misses built up.
    request.verify_attempts = 0
    request.next_verify_at = now
    return changed


def not_matched_reason(event: FileNotMatched) -> str:
    """Explain why Shoko could not match a file, from what its event says."""
    if event.udp_banned:
        return "AniDB is banning lookups"
    if event.attempts:
        plural = "" if event.attempts == 1 else "s"
        return f"no AniDB match after {event.attempts} attempt{plural}"
    return "Shoko could not match the file to AniDB"


def apply_not_matched(target: Target, event: FileNotMatched) -> bool:
    """Flag the file's episodes (or the movie request) stuck with Shoko's reason."""
    request, episodes = target
    reason = not_matched_reason(event)
    changed = False
    for episode in episodes:
        changed |= set_stuck(episode, reason)
    if episodes:
        return stuck_from_episodes(request) or changed
    return set_stuck(request, reason) or changed


def on_shoko_event(
    tracker: Tracker, event: FileMatched | FileNotMatched, now: datetime
) -> list[Change]:
    """Apply Shoko's verdict on a file to the request (and episodes) that imported it."""
    target = find_file(tracker.active(), event.relative_path)
    if target is None:
        return []
    if isinstance(event, FileMatched):
        updated = apply_match(target, event, now)
    else:
        updated = apply_not_matched(target, event)
    return collect(target[0], None, updated)
