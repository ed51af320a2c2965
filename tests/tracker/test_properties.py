"""Property tests (hypothesis) of the pure tracker core: delivery order, redelivery, monotony.

DESIGN §2 (monotonic lifecycle; a TV request aggregates its episodes and may step back) and §3
(correlation; duplicated and out-of-order deliveries are idempotent). Four flows, each a fixed,
ordered list of at most 8 events: the regular movie, the regular TV season pack, the anime movie
and the anime TV pack. Every property runs a bounded, derandomised number of examples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from custom_components.media_request_tracker.tracker import (
    FileImported,
    FileMatched,
    LibraryItemFound,
    MediaKey,
    MediaType,
    ReleaseGrabbed,
    RequestNotified,
    RequestState,
    TorrentPhase,
    TorrentProgress,
    Tracker,
    TrackerEvent,
)
from custom_components.media_request_tracker.tracker.events import (
    EpisodeRef,
    ImportedEpisode,
    LibraryEpisodesFound,
    ShokoCrossReference,
)
from custom_components.media_request_tracker.tracker.states import LIFECYCLE

from . import at

S = RequestState

# Bounded and deterministic, so CI runs the same examples every time.
EXAMPLES = settings(max_examples=150, deadline=None, derandomize=True)
# How many redeliveries a generated delivery adds to the ordered flow.
MAX_EXTRA = 4


def step_time(step: int) -> datetime:
    """Return when the `step`-th delivery arrives: one minute apart, always later."""
    return at(60 * step)


# -- flow 1: the regular movie (Arrival) ---------------------------------------------------------

ARRIVAL = MediaKey(MediaType.MOVIE, tmdb_id=329865, imdb_id="tt2543164", title="Arrival", year=2016)
ARRIVAL_HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"
ARRIVAL_PATH = "/media/movies/Arrival (2016)/Arrival (2016) [Bluray-1080p].mkv"
ARRIVAL_JELLYSEERR_ID = 12
REGRAB_HASH = "0123456789abcdef0123456789abcdef01234567"


def arrival_seerr(jellyseerr_id: int = ARRIVAL_JELLYSEERR_ID) -> RequestNotified:
    """Return Jellyseerr's approval of Carol's Arrival request."""
    return RequestNotified(ARRIVAL, S.APPROVED, jellyseerr_id=jellyseerr_id, requested_by="carol")


def arrival_grab(qbit_hash: str = ARRIVAL_HASH) -> ReleaseGrabbed:
    """Return Radarr's Grab of Arrival (movie 7)."""
    return ReleaseGrabbed(
        ARRIVAL,
        7,
        qbit_hash,
        release_title="Arrival.2016.1080p.BluRay.x264-SPARKS",
        quality="Bluray-1080p",
        file_size=8_589_934_592,
        download_client="qBittorrent",
    )


MOVIE_FLOW: tuple[TrackerEvent, ...] = (
    arrival_seerr(),
    arrival_grab(),
    TorrentProgress(ARRIVAL_HASH, TorrentPhase.DOWNLOADING, "downloading", 0.25, 2_000_000, 600),
    TorrentProgress(ARRIVAL_HASH, TorrentPhase.COMPLETE, "stalledUP", 1.0, 0, 0, 8_589_934_592),
    FileImported(ARRIVAL, 7, ARRIVAL_HASH, ARRIVAL_PATH),
    LibraryItemFound("1", "5a7f0c2e9b8d4e1fa3c6b9d2e4f60718", "movie by tmdb id"),
)

# -- flow 2: the regular TV season pack (two episodes of Mad Men) --------------------------------

MAD_MEN = MediaKey(
    MediaType.TV, tmdb_id=1104, tvdb_id=80337, imdb_id="tt0804503", title="Mad Men", year=2007
)
PACK_HASH = "3c9e1f0a2b4d6e8f0a1b2c3d4e5f60718293a4b5"
MAD_MEN_TITLES = {1: "Smoke Gets in Your Eyes", 2: "Ladies Room"}


def mad_men_ref(number: int) -> EpisodeRef:
    """Return how Sonarr names Mad Men episode 1x`number`."""
    return EpisodeRef(
        1, number, MAD_MEN_TITLES[number], sonarr_episode_id=1000 + number, tvdb_id=300100 + number
    )


def mad_men_path(number: int) -> str:
    """Return the library file Sonarr imports episode 1x`number` to."""
    return (
        f"/media/tv/Mad Men (2007)/Season 01/Mad Men (2007) - S01E{number:02d} - "
        f"{MAD_MEN_TITLES[number]} [Bluray-1080p].mkv"
    )


def mad_men_imported(*numbers: int) -> FileImported:
    """Return Sonarr's import of the given episodes (several: the Import Complete POST)."""
    return FileImported(
        MAD_MEN,
        4,
        PACK_HASH,
        None,
        episodes=tuple(ImportedEpisode(mad_men_ref(n), mad_men_path(n)) for n in numbers),
    )


TV_FLOW: tuple[TrackerEvent, ...] = (
    RequestNotified(MAD_MEN, S.APPROVED, jellyseerr_id=21, requested_seasons=(1,)),
    ReleaseGrabbed(
        MAD_MEN,
        4,
        PACK_HASH,
        release_title="Mad.Men.S01.1080p.BluRay.x264-DEMAND",
        episodes=(mad_men_ref(1), mad_men_ref(2)),
    ),
    TorrentProgress(PACK_HASH, TorrentPhase.DOWNLOADING, "downloading", 0.3, 5_000_000, 1800),
    TorrentProgress(PACK_HASH, TorrentPhase.COMPLETE, "stalledUP", 1.0, 0, 0),
    mad_men_imported(1),
    mad_men_imported(2),
    mad_men_imported(1, 2),
    LibraryEpisodesFound(
        "1",
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        ((1, 1, "01" + "e" * 30), (1, 2, "02" + "e" * 30)),
        "series by tvdb id, episodes by number",
    ),
)

# -- flow 3: the anime movie (Violet Evergarden, grabbed in Radarr directly) ---------------------

VIOLET = MediaKey(MediaType.MOVIE, tmdb_id=533514, title="Violet Evergarden: The Movie", year=2020)
VIOLET_HASH = "6b1d0e2f3a4c5b6d7e8f90a1b2c3d4e5f6071829"
VIOLET_RELATIVE = (
    "Violet Evergarden The Movie (2020)/Violet Evergarden The Movie (2020) [Bluray-1080p].mkv"
)
VIOLET_PATH = f"/data/media/anime-movies/{VIOLET_RELATIVE}"

ANIME_MOVIE_FLOW: tuple[TrackerEvent, ...] = (
    ReleaseGrabbed(VIOLET, 31, VIOLET_HASH, quality="Bluray-1080p", is_anime=True),
    TorrentProgress(VIOLET_HASH, TorrentPhase.COMPLETE, "stalledUP", 1.0, 0, 0),
    # Radarr has no series type: the import carries no anime flag, the grab's tag decides.
    FileImported(VIOLET, 31, VIOLET_HASH, VIOLET_PATH),
    FileMatched(VIOLET_RELATIVE, 5120, (ShokoCrossReference(221034, 14797, 311, 1944),)),
    LibraryItemFound("1", "7c1e2d3f4a5b69788796a5b4c3d2e1f0", "anidb id or title search"),
)

# -- flow 4: the anime TV pack (two episodes of Frieren, grabbed in Sonarr directly) -------------

FRIEREN = MediaKey(
    MediaType.TV, tmdb_id=209867, tvdb_id=424536, title="Frieren: Beyond Journey's End", year=2023
)
FRIEREN_HASH = "ffbed3a6ba079d610d434035c9d6138f7db36aaf"
FRIEREN_TITLES = {1: "The Journey's End", 2: "It Didn't Have to Be Magic..."}
FRIEREN_FOLDER = "Frieren - Beyond Journey's End/Season 1"


def frieren_ref(number: int) -> EpisodeRef:
    """Return how Sonarr names Frieren episode 1x`number`."""
    return EpisodeRef(
        1, number, FRIEREN_TITLES[number], sonarr_episode_id=900 + number, tvdb_id=9990000 + number
    )


def frieren_relative(number: int) -> str:
    """Return the episode's path in Shoko's import folder."""
    return (
        f"{FRIEREN_FOLDER}/Frieren - Beyond Journey's End - S01E{number:02d} - "
        f"{FRIEREN_TITLES[number]} [WEBDL-1080p].mkv"
    )


def frieren_matched(number: int) -> FileMatched:
    """Return Shoko's FileMatched for episode `number`'s file."""
    return FileMatched(
        frieren_relative(number),
        4210 + number,
        (ShokoCrossReference(271914 + number, 17617, 87, 1522 + number),),
    )


ANIME_TV_FLOW: tuple[TrackerEvent, ...] = (
    ReleaseGrabbed(
        FRIEREN,
        12,
        FRIEREN_HASH,
        is_anime=True,
        episodes=(frieren_ref(1), frieren_ref(2)),
    ),
    TorrentProgress(FRIEREN_HASH, TorrentPhase.COMPLETE, "stalledUP", 1.0, 0, 0),
    FileImported(
        FRIEREN,
        12,
        FRIEREN_HASH,
        None,
        is_anime=True,
        episodes=tuple(
            ImportedEpisode(frieren_ref(n), f"/data/media/anime/{frieren_relative(n)}")
            for n in (1, 2)
        ),
    ),
    frieren_matched(1),
    frieren_matched(2),
    LibraryEpisodesFound(
        "1",
        "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
        ((1, 1, "01" + "f" * 30), (1, 2, "02" + "f" * 30)),
        "series by title and year, episodes by number",
    ),
)


@dataclass(frozen=True)
class Flow:
    """A flow's events in their natural order; the last one finishes the request."""

    name: str
    events: tuple[TrackerEvent, ...]

    @property
    def imports(self) -> frozenset[int]:
        """Return the positions of the imports, which the finishing library answer needs."""
        return frozenset(
            i for i, event in enumerate(self.events) if isinstance(event, FileImported)
        )


FLOWS = [
    Flow("regular movie", MOVIE_FLOW),
    Flow("regular tv", TV_FLOW),
    Flow("anime movie", ANIME_MOVIE_FLOW),
    Flow("anime tv", ANIME_TV_FLOW),
]
FLOW_IDS = [flow.name for flow in FLOWS]
EVERY_FLOW = pytest.mark.parametrize("flow", FLOWS, ids=FLOW_IDS)

assert all(len(flow.events) <= 8 for flow in FLOWS)


# -- helpers -------------------------------------------------------------------------------------


def run(flow: Flow, order: list[int], check: Callable[[Tracker], None] | None = None) -> Tracker:
    """Deliver `flow`'s events in `order` (positions, repeats allowed), one minute apart."""
    tracker = Tracker()
    for step, index in enumerate(order):
        tracker.apply(flow.events[index], step_time(step))
        if check is not None:
            check(tracker)
    return tracker


def outcome(tracker: Tracker) -> dict[str, Any]:
    """Return what the delivery order must not change: each request's state and episodes."""
    return {
        request_id: {
            "state": request.state.value,
            "jellyfin_id": request.jellyfin_id,
            "final_path": request.final_path,
            "episodes": {
                episode.key: (episode.state.value, episode.final_path, episode.jellyfin_id)
                for episode in request.episodes
            },
        }
        for request_id, request in tracker.requests.items()
    }


ORDERED_OUTCOMES = {flow.name: outcome(run(flow, list(range(len(flow.events))))) for flow in FLOWS}


def test_every_ordered_flow_ends_with_one_available_request() -> None:
    for flow in FLOWS:
        result = ORDERED_OUTCOMES[flow.name]
        assert list(result) == ["1"], flow.name
        assert result["1"]["state"] == "available", flow.name
        assert all(ep[0] == "available" for ep in result["1"]["episodes"].values()), flow.name


@st.composite
def redeliveries(draw: st.DrawFn, flow: Flow) -> list[int]:
    """Return the flow in order, with up to MAX_EXTRA extra deliveries inserted anywhere.

    The ordered flow stays a subsequence, so every event is delivered at its ordered position
    or later (after everything it depends on). The extra copies model redelivery and early
    delivery: a copy of any event but the last may come at any point before the finishing
    library answer; a copy of the finishing answer comes either before the first delivery of an
    import (too early: the request is not waiting for the library, so it is dropped by design)
    or after the ordered one (a redelivery to a finished request).
    """
    last = len(flow.events) - 1
    extras = draw(st.lists(st.tuples(st.integers(0, last), st.integers(0, 63)), max_size=MAX_EXTRA))
    order = list(range(last))
    for index, place in extras:
        if index != last:
            order.insert(place % (len(order) + 1), index)
    order.append(last)
    for index, place in extras:
        if index == last:
            if place % 2:
                order.append(last)
            else:
                first_import = min(i for i, item in enumerate(order) if item in flow.imports)
                order.insert(place // 2 % (first_import + 1), last)
    return order


# -- property 1: reordering and redelivery reach the ordered outcome ---------------------------


@EVERY_FLOW
@EXAMPLES
@given(data=st.data())
def test_redelivered_and_early_events_reach_the_ordered_outcome(
    flow: Flow, data: st.DataObject
) -> None:
    """Same final result as the ordered sequence, for any delivery that still contains the flow.

    Precisely: let the delivery be the ordered flow with up to MAX_EXTRA extra copies of its
    events inserted (see `redeliveries`): every event is delivered at least once after every
    event before it in the flow, early copies may be no-ops. Then the requests that exist, each
    request's state, jellyfin id and final path, and each episode's state, final path and
    jellyfin id are the ordered run's (one request "1", available, every episode available).
    Fields that depend on what was seen on the way (progress, Shoko ids when the library answer
    overtakes Shoko, history, timestamps) are not compared.
    """
    order = data.draw(redeliveries(flow), label="order")

    assert outcome(run(flow, order)) == ORDERED_OUTCOMES[flow.name]


# -- property 2: nothing ever moves back ---------------------------------------------------------


def position(state: RequestState) -> int:
    """Return how far along the lifecycle `state` is (terminal alternatives: past the end)."""
    return LIFECYCLE.index(state) if state in LIFECYCLE else len(LIFECYCLE)


class MonotonicWatch:
    """Remember every movie request's and episode's state; fail if one moves back."""

    def __init__(self) -> None:
        """Start having seen nothing."""
        self.seen: dict[tuple[str, tuple[int, int] | None], RequestState] = {}

    def _check(self, key: tuple[str, tuple[int, int] | None], state: RequestState) -> None:
        before = self.seen.get(key)
        if before is not None:
            if before in (S.FAILED, S.DECLINED, S.AVAILABLE):
                assert state is before, (key, before, state)
            elif state not in (S.FAILED, S.DECLINED):
                assert position(state) >= position(before), (key, before, state)
        self.seen[key] = state

    def __call__(self, tracker: Tracker) -> None:
        """Check the tracker after one apply."""
        for request_id, request in tracker.requests.items():
            if request.media_type is MediaType.MOVIE:
                self._check((request_id, None), request.state)
            for episode in request.episodes:
                self._check((request_id, episode.key), episode.state)
        for request_id, key in self.seen:
            assert request_id in tracker.requests, request_id
            if key is not None:
                assert tracker.requests[request_id].episode(key) is not None, (request_id, key)


def any_delivery(flow: Flow) -> st.SearchStrategy[list[int]]:
    """Return any order of the flow's events, or any sequence of them with repeats (≤ 8)."""
    count = len(flow.events)
    return st.one_of(
        st.permutations(range(count)).map(list),
        st.lists(st.integers(0, count - 1), min_size=1, max_size=8),
    )


@EVERY_FLOW
@EXAMPLES
@given(data=st.data())
def test_no_movie_request_and_no_episode_ever_moves_back(flow: Flow, data: st.DataObject) -> None:
    """Monotonic (DESIGN §2): in any order with any duplication, checked after every apply.

    A movie request's state and every episode's state only move to a later LIFECYCLE position
    (or fail); available, failed and declined never change; an episode never disappears. A TV
    request's own state is the aggregate and may step back, so it is not checked.
    """
    order = data.draw(any_delivery(flow), label="order")

    run(flow, order, MonotonicWatch())


# -- property 3: the same event twice in a row ---------------------------------------------------


@EVERY_FLOW
@EXAMPLES
@given(data=st.data())
def test_the_same_event_twice_in_a_row_changes_nothing(flow: Flow, data: st.DataObject) -> None:
    """Idempotence (DESIGN §3): after any history, an event applied again changes nothing.

    Whatever came before (any order, any duplication, ≤ 7 events), applying one flow event and
    then the same event again at the same moment returns [] the second time and leaves
    to_dict() unchanged. This holds for every event of the four flows. (Redelivered a moment
    later it holds too, except for Shoko's FileMatched, which by design asks for the library
    check "now" again: see the next test.)
    """
    count = len(flow.events)
    before = data.draw(st.lists(st.integers(0, count - 1), max_size=7), label="before")
    index = data.draw(st.integers(0, count - 1), label="event")
    tracker = run(flow, before)
    now = step_time(len(before))

    tracker.apply(flow.events[index], now)
    snapshot = tracker.to_dict()

    assert tracker.apply(flow.events[index], now) == []
    assert tracker.to_dict() == snapshot


@EVERY_FLOW
@EXAMPLES
@given(data=st.data())
def test_the_same_event_redelivered_later_changes_nothing(flow: Flow, data: st.DataObject) -> None:
    """Idempotence of a redelivery a little later (DESIGN §3), for all but FileMatched.

    As above, but the second delivery comes 30 s later. FileMatched is left out: it returns []
    the second time but moves next_verify_at to the new "now" (Shoko's match asks for an
    immediate library check, DESIGN §2 flow 3), which is intended.
    """
    count = len(flow.events)
    candidates = [i for i in range(count) if not isinstance(flow.events[i], FileMatched)]
    before = data.draw(st.lists(st.integers(0, count - 1), max_size=7), label="before")
    index = data.draw(st.sampled_from(candidates), label="event")
    tracker = run(flow, before)
    now = step_time(len(before))

    tracker.apply(flow.events[index], now)
    snapshot = tracker.to_dict()

    assert tracker.apply(flow.events[index], now + timedelta(seconds=30)) == []
    assert tracker.to_dict() == snapshot


# -- property 4: a finished request never absorbs a new grab -------------------------------------


@EXAMPLES
@given(
    jellyseerr_id=st.integers(1, 10_000).filter(lambda value: value != ARRIVAL_JELLYSEERR_ID),
    qbit_hash=st.sampled_from([ARRIVAL_HASH, REGRAB_HASH]),
    late=st.lists(st.sampled_from(range(len(MOVIE_FLOW) - 1)), max_size=2),
)
def test_a_finished_movie_never_absorbs_a_new_grab(
    jellyseerr_id: int, qbit_hash: str, late: list[int]
) -> None:
    """Correlation (DESIGN §3): a new approval after AVAILABLE opens request "2", which grabs.

    After the movie flow reached available (and, optionally, some late torrent or library
    events for it arrived), a new Jellyseerr approval for the same TMDB id with another
    Jellyseerr id creates request "2" in approved, and the next grab for that TMDB id (with the
    old torrent hash or a new one) moves "2" to grabbing; request "1" stays as it was.
    """
    flow = FLOWS[0]
    late = [i for i in late if isinstance(flow.events[i], TorrentProgress)]
    tracker = run(flow, [*range(len(MOVIE_FLOW)), *late])
    finished = tracker.requests["1"].to_dict()
    assert finished["state"] == "available"

    tracker.apply(arrival_seerr(jellyseerr_id), at(3600))
    assert tracker.requests["2"].state is S.APPROVED
    assert tracker.requests["2"].jellyseerr_id == jellyseerr_id
    tracker.apply(arrival_grab(qbit_hash), at(3660))

    assert list(tracker.requests) == ["1", "2"]
    assert tracker.requests["2"].state is S.GRABBING
    assert tracker.requests["2"].qbit_hash == qbit_hash
    assert tracker.requests["1"].to_dict() == finished
