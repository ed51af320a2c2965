"""Which tracked request an incoming event belongs to (DESIGN §3).

The strongest id wins: the torrent hash, then the Radarr/Sonarr id, then TMDB/TVDB/IMDb ids, and only as
a last resort the normalised title and year. Among several matches the newest request wins.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .events import MediaKey
from .index import Key
from .models import Request


@dataclass(frozen=True, slots=True)
class Probe:
    """What an event tells us about the request it belongs to."""

    media: MediaKey
    qbit_hash: str | None = None
    arr_id: int | None = None
    jellyseerr_id: int | None = None
    # TV: the seasons the event is about; a request whose requested seasons cover them wins.
    seasons: frozenset[int] = frozenset()

    def has_ids(self) -> bool:
        """Return whether the event names its media by any id (not by title alone)."""
        return bool(self.keys())

    def keys(self) -> list[Key]:
        """Return the index keys of every id the event names (see `index.request_keys`)."""
        media = self.media
        keys: list[Key] = []
        if self.qbit_hash is not None:
            keys.append(("hash", self.qbit_hash))
        if self.jellyseerr_id is not None:
            keys.append(("jellyseerr_id", self.jellyseerr_id))
        for name, value in (
            ("arr_id", self.arr_id),
            ("tmdb_id", media.tmdb_id),
            ("tvdb_id", media.tvdb_id),
            ("imdb_id", media.imdb_id),
        ):
            if value is not None:
                keys.append((name, media.media_type, value))
        return keys

    def covered_by(self, request: Request) -> bool:
        """Return whether the request asked for every season the event is about."""
        return not request.requested_seasons or self.seasons <= set(request.requested_seasons)


def normalise_title(title: str) -> str:
    """Fold a title to its letters and digits in any script, without case or accents."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def _same(left: object | None, right: object | None) -> bool:
    return left is not None and left == right


def _title_year(request: Request, probe: Probe) -> bool:
    media = probe.media
    if not media.title or not request.title:
        return False
    if media.year is not None and request.year is not None and media.year != request.year:
        return False
    folded = normalise_title(media.title)
    return bool(folded) and folded == normalise_title(request.title)


type Matcher = Callable[[Request, Probe], bool]

# Ordered strongest first. The title rule is only used when the event carries no id at all.
MATCHERS: tuple[tuple[str, Matcher], ...] = (
    ("qbit_hash", lambda r, p: p.qbit_hash is not None and p.qbit_hash in r.hashes()),
    ("jellyseerr_id", lambda r, p: _same(r.jellyseerr_id, p.jellyseerr_id)),
    ("arr_id", lambda r, p: r.media_type is p.media.media_type and _same(r.arr_id, p.arr_id)),
    (
        "tmdb_id",
        lambda r, p: r.media_type is p.media.media_type and _same(r.tmdb_id, p.media.tmdb_id),
    ),
    (
        "tvdb_id",
        lambda r, p: r.media_type is p.media.media_type and _same(r.tvdb_id, p.media.tvdb_id),
    ),
    (
        "imdb_id",
        lambda r, p: r.media_type is p.media.media_type and _same(r.imdb_id, p.media.imdb_id),
    ),
)


def find_request(requests: Iterable[Request], probe: Probe) -> Request | None:
    """Return the newest request the probe belongs to, or None; callers pass only candidates."""
    newest_first = list(requests)[::-1]
    fallback: Request | None = None
    for name, matches in MATCHERS:
        found = [request for request in newest_first if matches(request, probe)]
        if found and name == "qbit_hash":
            return found[0]  # the very torrent: no doubt which request it is
        if covering := next((r for r in found if probe.covered_by(r)), None):
            return covering
        fallback = fallback or (found[0] if found else None)
    # No request asked for these seasons: the strongest match takes them.
    if fallback is not None:
        return fallback
    if probe.has_ids():
        return None
    for request in newest_first:
        if request.media_type is probe.media.media_type and _title_year(request, probe):
            return request
    return None
