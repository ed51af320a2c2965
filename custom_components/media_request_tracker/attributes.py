"""What users read of a request: its full fields (actions), and a bounded copy for the sensor.

The recorder drops the attributes of a state whose JSON passes 16,384 bytes
(`homeassistant/components/recorder/db_schema.py`, MAX_STATE_ATTRS_BYTES), and every state
write sends them to each dashboard. So the sensor never lists a TV request's episodes: it
shows counts, a per-season summary and the first unfinished and stuck episodes, each list
held to a count and a byte budget; every text is cut to a byte limit, whatever a payload sent.
The `get_request` action returns everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from itertools import groupby
from typing import Any

from homeassistant.helpers.json import json_bytes

from .tracker import Episode, MediaType, Request, RequestState

# Tracker bookkeeping: when Jellyfin is asked next, and how often it was.
BOOKKEEPING_FIELDS = frozenset({"verify_attempts", "next_verify_at"})
# Not attributes: the sensor's state itself, and what only the get_request action returns.
NOT_ATTRIBUTES = BOOKKEEPING_FIELDS | {"state", "episodes", "torrents", "history"}
# Fields that never apply to a kind of request (shown as "Unknown" they would only confuse);
# `total_episodes` repeats the TV summary's `episodes_total`. get_request returns them all.
NOT_APPLICABLE = {
    MediaType.MOVIE: frozenset({"sonarr_id", "tvdb_id", "total_episodes", "stuck_by_episode"}),
    MediaType.TV: frozenset({"radarr_id", "total_episodes", "final_path"}),
}
ANIME_ONLY = frozenset({"anidb_id", "anidb_episode_id", "shoko_file_id", "shoko_series_id"})

# How many items the summaries list at most (the rest is counted in "<list>_folded").
SEASONS_LISTED = 30
UNFINISHED_LISTED = 25
STUCK_LISTED = 10
HISTORY_LISTED = 10
REQUESTED_SEASONS_LISTED = 50

# Byte budgets, as JSON, of the sensor's lists: with the texts below, the whole attributes
# stay under 15 KB for any request (tests/test_attributes.py proves the worst case).
SEASONS_BUDGET = 2500
UNFINISHED_BUDGET = 3000
STUCK_BUDGET = 3000
HISTORY_BUDGET = 1500
REQUESTED_SEASONS_BUDGET = 300
# The longest text (bytes of JSON) an attribute holds, per key; other keys hold short texts.
TEXT_LIMITS = {
    "overview": 1000,
    "title": 200,
    "release_title": 200,
    "final_path": 300,
    "poster_url": 300,
    "stuck_reason": 300,
    "failure_reason": 300,
    "note": 200,
}
SHORT_TEXT_LIMIT = 120
ELLIPSIS = "…"


def json_size(value: Any) -> int:
    """Return how many bytes `value` takes in Home Assistant's JSON."""
    return len(json_bytes(value))


def bounded_text(text: str, limit: int) -> str:
    """Return `text`, cut and ended with "…" if its JSON form passes `limit` bytes."""
    if not text.isascii():
        # Python's json module (Shoko frames, API answers) lets a lone surrogate through,
        # which no JSON encoder accepts: show it as "?".
        text = text.encode("utf-8", "replace").decode("utf-8")
    if text.isascii() and text.isprintable():
        # Printable ASCII: one byte each, two for a quote or backslash, and the quotes.
        size = len(text) + 2 + text.count('"') + text.count("\\")
    else:
        size = json_size(text)
    if size <= limit:
        return text
    # A character takes 1 to 6 bytes of JSON (a control character is written \u00XX): cut in
    # proportion until the text fits.
    cut = min(len(text), limit)
    while True:
        candidate = text[:cut] + ELLIPSIS
        size = json_size(candidate)
        if size <= limit or cut == 0:
            return candidate
        cut = min(cut - 1, cut * limit // size)


# The values that may hold a text (a tuple: isinstance with a `str | dict | list` union is
# several times slower, and this is asked for every attribute of every state written).
_HOLDS_TEXT = (str, dict, list)


def bounded_texts(value: Any, key: str | None = None) -> Any:
    """Return `value` with every text in it cut to the limit of the key it is found under."""
    if isinstance(value, str):
        return bounded_text(value, TEXT_LIMITS.get(key or "", SHORT_TEXT_LIMIT))
    if isinstance(value, dict):
        # Asked for every attribute of every state written: numbers and flags pass as they are.
        return {
            name: bounded_texts(item, name) if isinstance(item, _HOLDS_TEXT) else item
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [bounded_texts(item, key) for item in value]
    return value


def fit(items: list[Any], budget: int) -> list[Any]:
    """Return the first items whose JSON, as a list, takes at most `budget` bytes."""
    size = 2  # the brackets
    for index, item in enumerate(items):
        size += json_size(item) + (1 if index else 0)
        if size > budget:
            return items[:index]
    return items


def percent(progress: float) -> float:
    """Return a 0-1 progress as a percentage with one decimal."""
    return round(progress * 100, 1)


def request_fields(request: Request, *, with_episodes: bool = True) -> dict[str, Any]:
    """Return every field of a request (and of each episode), progress in %, bookkeeping left out."""
    if not with_episodes:
        # Not serialised only to be dropped: a long series has a thousand episodes.
        request = replace(request, episodes=[])
    fields = {
        key: value for key, value in request.to_dict().items() if key not in BOOKKEEPING_FIELDS
    }
    fields["progress"] = percent(request.progress)
    for episode in fields["episodes"]:
        episode["progress"] = percent(episode["progress"])
    if not with_episodes:
        del fields["episodes"]
    return fields


def _ranges(numbers: Iterable[int]) -> str:
    """Return episode numbers as ranges: "1-6, 9, 11-13"."""
    parts = []
    for _, run in groupby(enumerate(sorted(numbers)), lambda item: item[1] - item[0]):
        numbers_in_run = [number for _, number in run]
        first, last = numbers_in_run[0], numbers_in_run[-1]
        parts.append(str(first) if first == last else f"{first}-{last}")
    return ", ".join(parts)


def _season(number: int, episodes: list[Episode]) -> dict[str, Any]:
    by_state: dict[str, list[int]] = {}
    for episode in episodes:
        by_state.setdefault(episode.state.value, []).append(episode.episode_number)
    return {
        "season": number,
        "episodes": len(episodes),
        "available": len(by_state.get(RequestState.AVAILABLE.value, [])),
        "states": {state: _ranges(numbers) for state, numbers in by_state.items()},
    }


def _unfinished(episode: Episode) -> dict[str, Any]:
    return {
        "season": episode.season_number,
        "episode": episode.episode_number,
        "title": episode.episode_title,
        "state": episode.state.value,
        "progress": percent(episode.progress),
    }


def _stuck(episode: Episode) -> dict[str, Any]:
    return {
        "season": episode.season_number,
        "episode": episode.episode_number,
        "state": episode.state.value,
        "stuck_code": episode.stuck_code,
        "stuck_reason": episode.stuck_reason,
    }


def episode_summary(request: Request) -> dict[str, Any]:
    """Return a TV request's episodes in short: counts, seasons, unfinished and stuck ones."""
    episodes = sorted(request.episodes, key=lambda episode: episode.key)
    counts: dict[str, int] = {}
    for episode in episodes:
        counts[episode.state.value] = counts.get(episode.state.value, 0) + 1
    seasons = [
        (number, list(in_season))
        for number, in_season in groupby(episodes, lambda episode: episode.season_number)
    ]
    unfinished = [episode for episode in episodes if episode.state is not RequestState.AVAILABLE]
    stuck = [episode for episode in episodes if episode.stuck]
    return {
        "episodes_total": len(episodes),
        "episodes_available": counts.get(RequestState.AVAILABLE.value, 0),
        "episode_states": counts,
        "seasons": [_season(*season) for season in seasons[:SEASONS_LISTED]],
        "seasons_folded": max(len(seasons) - SEASONS_LISTED, 0),
        "unfinished_episodes": [_unfinished(episode) for episode in unfinished[:UNFINISHED_LISTED]],
        "unfinished_episodes_folded": max(len(unfinished) - UNFINISHED_LISTED, 0),
        "stuck_episodes": [_stuck(episode) for episode in stuck[:STUCK_LISTED]],
        "stuck_episodes_folded": max(len(stuck) - STUCK_LISTED, 0),
    }


# The sensor's bounded lists and their budgets.
_BUDGETS = {
    "seasons": SEASONS_BUDGET,
    "unfinished_episodes": UNFINISHED_BUDGET,
    "stuck_episodes": STUCK_BUDGET,
}


def request_attributes(request: Request) -> dict[str, Any]:
    """Return the sensor attributes of a request, bounded to fit the recorder."""
    fields = request.own_fields_to_dict()
    fields["progress"] = percent(request.progress)
    left_out = NOT_ATTRIBUTES | NOT_APPLICABLE[request.media_type]
    if not request.is_anime:
        left_out |= ANIME_ONLY
    attributes: dict[str, Any] = bounded_texts(
        {key: value for key, value in fields.items() if key not in left_out}
    )
    attributes["requested_seasons"] = fit(
        request.requested_seasons[:REQUESTED_SEASONS_LISTED], REQUESTED_SEASONS_BUDGET
    )
    # The newest entries; history_folded counts every older one, stored or dropped.
    history = bounded_texts([entry.to_dict() for entry in request.history[-HISTORY_LISTED:]])
    history = fit(history[::-1], HISTORY_BUDGET)[::-1]
    attributes["history"] = history
    attributes["history_folded"] = request.history_folded + len(request.history) - len(history)
    if request.media_type is MediaType.TV:
        summary = episode_summary(request)
        for name, budget in _BUDGETS.items():
            listed = summary[name]
            kept = fit(bounded_texts(listed), budget)
            summary[name] = kept
            summary[f"{name}_folded"] += len(listed) - len(kept)
        attributes |= summary
    return attributes
