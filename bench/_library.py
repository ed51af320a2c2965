"""Generated libraries of tracked requests, built with the integration's own tracker model.

A library of N requests holds 4 movies for each TV show (every show: 2 seasons of 12 episodes,
one season pack each), spread over the lifecycle as a stack that has run for a while looks:
most available, some downloading, grabbing, downloaded, importing or requested. Times are
recent, so nothing is due for retention or stuck. `library.torrents` is what qBittorrent lists
for the requests whose downloads are under way (same progress as stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bench._fake_qbittorrent import downloading, queued
from bench._payloads import episode_title, torrent_hash
from custom_components.media_request_tracker.tracker import (
    Episode,
    HistoryEntry,
    MediaType,
    Request,
    RequestState,
    Tracker,
)
from custom_components.media_request_tracker.tracker.states import LIFECYCLE

MOVIES_PER_SHOW = 4
SEASONS = 2
EPISODES_PER_SEASON = 12
FILE_SIZE = 4_000_000_000

# Position in a cycle of ten requests -> state.
MOVIE_STATES = (
    *(RequestState.AVAILABLE,) * 6,
    RequestState.DOWNLOADING,
    RequestState.DOWNLOADED,
    RequestState.IMPORTING,
    RequestState.REQUESTED,
)
SHOW_STATES = (
    *(RequestState.AVAILABLE,) * 7,
    RequestState.GRABBING,
    RequestState.IMPORTING,
    RequestState.IMPORTING,
)

OVERVIEW = (
    "A retired cartographer is pulled back into one last expedition when a map she drew "
    "decades ago turns out to lead somewhere that should not exist, and everyone who "
    "followed it before her has vanished."
)


@dataclass
class Library:
    """A tracker full of requests, and the torrents qBittorrent lists for them."""

    tracker: Tracker
    torrents: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def movies(self) -> int:
        """Return how many movie requests the library holds."""
        return sum(r.media_type is MediaType.MOVIE for r in self.tracker.requests.values())

    @property
    def episodes(self) -> int:
        """Return how many episodes the library's TV requests hold."""
        return sum(len(r.episodes) for r in self.tracker.requests.values())


# With polled=False, the states whose downloads qBittorrent is asked about become the next ones.
UNPOLLED = {
    RequestState.DOWNLOADING: RequestState.DOWNLOADED,
    RequestState.GRABBING: RequestState.IMPORTING,
}


def generated_library(requests: int, now: datetime, *, polled: bool = True) -> Library:
    """Return a library of `requests` requests (a fifth of them TV shows, rounded down).

    With `polled=False` no download is under way (nothing for qBittorrent polls to read).
    """
    library = Library(Tracker())
    shows = requests // (MOVIES_PER_SHOW + 1)

    def state(states: tuple[RequestState, ...], index: int) -> RequestState:
        picked = states[index % len(states)]
        return picked if polled else UNPOLLED.get(picked, picked)

    for index in range(requests - shows):
        _add(library, _movie(index + 1, index, state(MOVIE_STATES, index), now))
    for index in range(shows):
        _add(library, _show(requests - shows + index + 1, index, state(SHOW_STATES, index), now))
    return library


def _add(library: Library, built: tuple[Request, dict[str, dict[str, Any]]]) -> None:
    request, torrents = built
    library.tracker.requests[request.request_id] = request
    library.torrents.update(torrents)


def _history(state: RequestState, since: datetime) -> list[HistoryEntry]:
    """Return one entry per lifecycle state up to `state`, an hour apart, the last at `since`."""
    path: list[RequestState] = [s for s in LIFECYCLE if s is not RequestState.ANIME_MATCHING]
    path = path[: path.index(state) + 1]
    start = since - timedelta(hours=len(path) - 1)
    return [HistoryEntry(step, start + timedelta(hours=n)) for n, step in enumerate(path)]


def _times(index: int, state: RequestState, now: datetime) -> tuple[datetime, datetime]:
    """Return (created_at, state_since): finished ones days ago, the others minutes ago."""
    since = (
        now - timedelta(days=index % 20, hours=1)
        if state is RequestState.AVAILABLE
        else now - timedelta(minutes=10)
    )
    return since - timedelta(hours=8), since


def _movie(
    request_id: int, index: int, state: RequestState, now: datetime
) -> tuple[Request, dict[str, dict[str, Any]]]:
    created, since = _times(index, state, now)
    title = f"Library Movie {index}"
    past_grab = LIFECYCLE.index(state) >= LIFECYCLE.index(RequestState.GRABBING)
    done = LIFECYCLE.index(state) >= LIFECYCLE.index(RequestState.DOWNLOADED)
    qbit_hash = torrent_hash("library-movie", index) if past_grab else None
    request = Request(
        request_id=str(request_id),
        media_type=MediaType.MOVIE,
        state=state,
        created_at=created,
        state_since=since,
        title=title,
        year=1990 + index % 35,
        jellyseerr_id=request_id,
        tmdb_id=1_000_000 + index,
        imdb_id=f"tt{20_000_000 + index}",
        overview=OVERVIEW,
        poster_url=f"https://image.tmdb.org/t/p/original/{torrent_hash('poster', index)[:27]}.jpg",
        requested_by="alice",
        radarr_id=10_000 + index if past_grab else None,
        qbit_hash=qbit_hash,
        release_title=f"Library.Movie.{index}.1080p.WEB-DL.x264-GRP" if past_grab else None,
        quality="WEBDL-1080p" if past_grab else None,
        indexer="Example Tracker (Prowlarr)" if past_grab else None,
        release_group="GRP" if past_grab else None,
        file_size=FILE_SIZE if past_grab else None,
        download_client="qBittorrent" if past_grab else None,
        progress=1.0 if done else 0.5 if state is RequestState.DOWNLOADING else 0.0,
        download_speed=1_000_000 if state is RequestState.DOWNLOADING else None,
        eta=3600 if state is RequestState.DOWNLOADING else None,
        torrent_state=("stalledUP" if done else "downloading") if past_grab else None,
        final_path=(
            f"/data/media/movies/{title} ({1990 + index % 35})/{title}.mkv"
            if state in (RequestState.IMPORTING, RequestState.AVAILABLE)
            else None
        ),
        jellyfin_id=torrent_hash("jellyfin", index)[:32]
        if state is RequestState.AVAILABLE
        else None,
        available_at=since if state is RequestState.AVAILABLE else None,
        history=_history(state, since),
    )
    torrents = {}
    if qbit_hash and state is RequestState.DOWNLOADING:
        torrents[qbit_hash] = downloading(0.5, FILE_SIZE)
    return request, torrents


def _show(
    request_id: int, index: int, state: RequestState, now: datetime
) -> tuple[Request, dict[str, dict[str, Any]]]:
    created, since = _times(index, state, now)
    title = f"Library Show {index}"
    packs = {season: torrent_hash(f"library-show-{index}", season) for season in range(1, 3)}
    folder = f"/data/media/tv/{title}"
    episodes = [
        Episode(
            season_number=season,
            episode_number=number,
            state=state,
            episode_title=episode_title(season, number),
            sonarr_episode_id=index * 1000 + season * 100 + number,
            episode_tvdb_id=30_000_000 + index * 1000 + season * 100 + number,
            qbit_hash=packs[season],
            progress=0.0 if state is RequestState.GRABBING else 1.0,
            size=FILE_SIZE // EPISODES_PER_SEASON,
            final_path=None
            if state is RequestState.GRABBING
            else f"{folder}/Season {season:02d}/{title} - S{season:02d}E{number:02d}.mkv",
            jellyfin_id=torrent_hash(f"jellyfin-{index}", season * 100 + number)[:32]
            if state is RequestState.AVAILABLE
            else None,
        )
        for season in range(1, SEASONS + 1)
        for number in range(1, EPISODES_PER_SEASON + 1)
    ]
    request = Request(
        request_id=str(request_id),
        media_type=MediaType.TV,
        state=state,
        created_at=created,
        state_since=since,
        title=title,
        year=2000 + index % 25,
        jellyseerr_id=request_id,
        tmdb_id=2_000_000 + index,
        tvdb_id=3_000_000 + index,
        imdb_id=f"tt{40_000_000 + index}",
        overview=OVERVIEW,
        poster_url=f"https://artworks.thetvdb.com/banners/v4/series/{3_000_000 + index}/posters/a.jpg",
        requested_by="bob",
        requested_seasons=list(range(1, SEASONS + 1)),
        sonarr_id=20_000 + index,
        release_title=f"Library.Show.{index}.S02.1080p.WEB-DL.x264-GRP",
        quality="WEBDL-1080p",
        indexer="Example Tracker (Prowlarr)",
        release_group="GRP",
        file_size=FILE_SIZE,
        download_client="qBittorrent",
        progress=0.0 if state is RequestState.GRABBING else 1.0,
        total_episodes=len(episodes),
        episodes=episodes,
        available_at=since if state is RequestState.AVAILABLE else None,
        history=_history(state, since),
    )
    torrents = {}
    if state is RequestState.GRABBING:
        torrents = {pack: queued(FILE_SIZE) for pack in packs.values()}
    return request, torrents
