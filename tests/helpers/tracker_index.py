"""A check that the tracker's index agrees with its requests, run after every event in tests.

The index (tracker/index.py) is refreshed from the changes handlers report; a handler that
changes a request without saying so would leave it stale. This recomputes every answer the
index gives from the requests themselves and compares.
"""

from __future__ import annotations

from custom_components.media_request_tracker.tracker import Tracker
from custom_components.media_request_tracker.tracker.index import (
    downloading_hashes,
    request_keys,
)
from custom_components.media_request_tracker.tracker.lifecycle import awaits_library
from custom_components.media_request_tracker.tracker.stored import (
    stored_request,
    stored_verification,
)


def index_disagreements(tracker: Tracker) -> list[str]:
    """Return what the index answers differently from a scan of every request (empty: none)."""
    found: list[str] = []
    requests = list(tracker.requests.values())
    downloading = set().union(*(downloading_hashes(request) for request in requests))
    if tracker.tracked_hashes() != downloading:
        found.append(f"downloading hashes {tracker.tracked_hashes()} != {downloading}")
    packs = {
        torrent
        for torrent in downloading
        if sum(
            episode.qbit_hash == torrent
            for request in requests
            if request.is_active
            for episode in request.episodes
        )
        > 1
    }
    if tracker.season_pack_hashes() != packs:
        found.append(f"season packs {tracker.season_pack_hashes()} != {packs}")
    for request in requests:
        for key in request_keys(request):
            holders = tracker.holding([key])
            if request not in holders:
                found.append(f"request {request.request_id} not found by {key}")
    candidates = tracker.library_candidates()
    found += [
        f"request {request.request_id} awaits the library but is no candidate"
        for request in requests
        if awaits_library(request) and request not in candidates
    ]
    stored = tracker.to_stored()["requests"]
    fresh = [stored_request(request) | stored_verification(request) for request in requests]
    for stored_form, fresh_form in zip(stored, fresh, strict=True):
        names = fresh_form.keys() | stored_form.keys()
        stale = sorted(name for name in names if stored_form.get(name) != fresh_form.get(name))
        if stale:
            found.append(f"request {fresh_form['request_id']}: stored {stale} are stale")
    return found
