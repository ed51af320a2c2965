"""Bounded growth: what counts as activity, idle requests abandoned, the cap on tracked requests."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    MediaKey,
    MediaType,
    ReleaseGrabbed,
    RequestNotified,
    RequestState,
    TorrentPhase,
    TorrentProgress,
    Tracker,
)
from custom_components.media_request_tracker.tracker.housekeeping_events import (
    DownloadExplained,
    RequestCapExceeded,
    RetentionDue,
    StuckCheckDue,
)
from tests.helpers import mad_men_events as mad_men
from tests.helpers.arrival_events import ARRIVAL_HASH, DOWNLOADING_25, grab, seerr

from . import at, fields_of, history, tracker_after, transition

S = RequestState
DAY = 86400
KEEP = timedelta(days=30)
ABANDON_AFTER = timedelta(days=90)


def movie(number: int) -> MediaKey:
    """Return a distinct movie, "Movie <number>"."""
    return MediaKey(MediaType.MOVIE, tmdb_id=1000 + number, title=f"Movie {number}", year=2000)


def movie_hash(number: int) -> str:
    """Return the torrent hash of movie `number`'s release."""
    return f"{number:040x}"


def direct_grab(number: int) -> ReleaseGrabbed:
    """Return Radarr's grab of movie `number` with no Jellyseerr request before it."""
    return ReleaseGrabbed(movie(number), arr_id=100 + number, qbit_hash=movie_hash(number))


def notified(number: int, target: RequestState) -> RequestNotified:
    """Return Jellyseerr's notification about its request for movie `number`."""
    return RequestNotified(movie(number), target, jellyseerr_id=number)


def progress(number: int, done: float) -> TorrentProgress:
    """Return qBittorrent downloading movie `number`'s torrent, `done` of it complete."""
    return TorrentProgress(movie_hash(number), TorrentPhase.DOWNLOADING, "downloading", done, 1, 60)


def removed(request_id: str, state: RequestState) -> Change:
    """Return the change of a request forgotten in `state`."""
    return Change(request_id, ChangeKind.REMOVED, state, state)


# -- activity ---------------------------------------------------------------------------------


def test_news_from_a_service_is_activity_the_trackers_own_timers_are_not() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), DOWNLOADING_25)
    request = tracker.requests["1"]
    assert request.last_activity_at == at(120)

    checks = (
        StuckCheckDue({S.DOWNLOADING: timedelta(hours=1)}),
        DownloadExplained(ARRIVAL_HASH, "Radarr (downloading): stalled", "stalled_no_peers"),
        RetentionDue(KEEP, ABANDON_AFTER),
        RequestCapExceeded(1),
    )
    assert [tracker.apply(check, at(7200)) for check in checks] == [
        [Change("1", ChangeKind.STUCK, S.DOWNLOADING, S.DOWNLOADING)],
        [Change("1", ChangeKind.UPDATED, S.DOWNLOADING, S.DOWNLOADING)],
        [],
        [],
    ]
    assert request.last_activity_at == at(120)  # flagged and explained, but no news

    tracker.apply(replace(DOWNLOADING_25, progress=0.3), at(7300))
    assert request.last_activity_at == at(7300)
    assert request.last_activity == at(7300)


def test_a_store_from_before_last_activity_reads_it_from_the_timeline() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())
    tracker.apply(grab(qbit_hash="a" * 40), at(600))  # another release: a note, same state
    stored = tracker.to_dict()
    del stored["requests"][0]["last_activity_at"]

    restored = Tracker.from_dict(stored).requests["1"]

    assert restored.last_activity_at is None
    assert restored.state_since == at(60)
    assert restored.last_activity == at(600)  # the history's last entry


# -- abandoned after a period without activity ------------------------------------------------


def test_a_request_idle_for_the_period_fails_as_abandoned() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())
    due = RetentionDue(KEEP, ABANDON_AFTER)

    assert tracker.apply(due, at(60 + 90 * DAY - 1)) == []
    assert tracker.apply(due, at(60 + 90 * DAY)) == [transition(S.GRABBING, S.FAILED)]
    assert fields_of(tracker.requests["1"], "state", "failure_reason", "failure_code") == {
        "state": "failed",
        "failure_reason": "abandoned: no activity for 90 d",
        "failure_code": "abandoned",
    }
    assert history(tracker.requests["1"])[-1] == {
        "state": "failed",
        "at": at(60 + 90 * DAY).isoformat(),
        "note": "abandoned: no activity for 90 d",
    }
    assert tracker.tracked_hashes() == set()  # no longer polled


def test_news_puts_abandonment_off() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())
    due = RetentionDue(KEEP, ABANDON_AFTER)
    tracker.apply(DOWNLOADING_25, at(80 * DAY))

    assert tracker.apply(due, at(91 * DAY)) == []
    assert tracker.apply(due, at(170 * DAY)) == [transition(S.DOWNLOADING, S.FAILED)]


def test_without_a_period_nothing_is_abandoned() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab())

    assert tracker.apply(RetentionDue(KEEP), at(3650 * DAY)) == []
    assert tracker.requests["1"].state is S.GRABBING


def test_finished_requests_are_not_abandoned() -> None:
    tracker = tracker_after(notified(1, S.REQUESTED), notified(1, S.DECLINED))

    assert tracker.apply(RetentionDue(timedelta(days=3650), ABANDON_AFTER), at(400 * DAY)) == []
    assert tracker.requests["1"].failure_code is None


def test_an_abandoned_show_fails_its_unfinished_episodes_only() -> None:
    complete = mad_men.torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0)
    tracker = tracker_after(
        mad_men.seerr(), mad_men.grab(), complete, mad_men.imported(1), mad_men.found(1)
    )
    assert tracker.requests["1"].state is S.DOWNLOADED

    changes = tracker.apply(RetentionDue(KEEP, ABANDON_AFTER), at(91 * DAY))

    show = tracker.requests["1"]
    assert changes == [transition(S.DOWNLOADED, S.FAILED)]
    assert show.failure_code == "abandoned"
    assert [episode.state for episode in show.episodes] == [S.AVAILABLE] + [S.FAILED] * 12


# -- the cap on tracked requests --------------------------------------------------------------


def test_at_the_cap_nothing_changes() -> None:
    tracker = tracker_after(direct_grab(1), direct_grab(2))

    assert tracker.apply(RequestCapExceeded(2), at(600)) == []
    assert list(tracker.requests) == ["1", "2"]


def test_over_the_cap_the_requests_that_finished_first_are_forgotten_first() -> None:
    tracker = tracker_after(
        notified(1, S.REQUESTED),  # request 1, at 0
        notified(2, S.REQUESTED),  # request 2, at 60
        notified(2, S.DECLINED),  # finished at 120
        direct_grab(3),
        direct_grab(4),
        notified(1, S.DECLINED),  # finished at 300: created first, finished last
    )

    assert tracker.apply(RequestCapExceeded(3), at(600)) == [removed("2", S.DECLINED)]
    # Two too many: one finished left to forget, and one active request abandoned for the other.
    assert tracker.apply(RequestCapExceeded(1), at(600)) == [
        removed("1", S.DECLINED),
        transition(S.GRABBING, S.FAILED, "3"),
    ]


def test_with_nothing_finished_the_stalest_active_request_is_abandoned() -> None:
    tracker = tracker_after(direct_grab(1), direct_grab(2), direct_grab(3), progress(1, 0.1))

    assert tracker.apply(RequestCapExceeded(2), at(600)) == [transition(S.GRABBING, S.FAILED, "2")]
    assert fields_of(tracker.requests["2"], "failure_reason", "failure_code") == {
        "failure_reason": "abandoned: more than 2 requests tracked",
        "failure_code": "abandoned",
    }
    assert list(tracker.requests) == ["1", "2", "3"]  # kept, failed, until its place is needed

    tracker.apply(direct_grab(4), at(660))
    assert tracker.apply(RequestCapExceeded(2), at(660)) == [
        removed("2", S.FAILED),
        transition(S.GRABBING, S.FAILED, "3"),  # grabbed at 120; 1 moved at 180, 4 is new
    ]
    assert list(tracker.requests) == ["1", "3", "4"]
