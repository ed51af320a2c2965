"""A download Radarr/Sonarr gave up on fails its request, unless another release took over."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from custom_components.media_request_tracker.clients.arr.radarr import parse_webhook
from custom_components.media_request_tracker.tracker import ReleaseGrabbed, RequestState, Tracker
from custom_components.media_request_tracker.tracker.events import DownloadFailed, EpisodeRef

from .. import load_fixture

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"


def grabbed(name: str = "radarr_grab.json") -> tuple[Tracker, DownloadFailed]:
    """Return a tracker following the grab in `name`, and the failure of its torrent."""
    tracker = Tracker()
    (grab,) = parse_webhook(load_fixture(name), "").events
    assert isinstance(grab, ReleaseGrabbed)
    tracker.apply(grab, NOW)
    failure = DownloadFailed(grab.media, grab.arr_id, HASH, "stalled")
    return tracker, failure


def test_a_failure_of_the_followed_torrent_fails_the_movie() -> None:
    tracker, failure = grabbed()
    (change,) = tracker.apply(failure, NOW)
    assert change.to_state is RequestState.FAILED
    assert tracker.requests["1"].history[-1].note == "stalled"
    assert tracker.apply(failure, NOW) == []  # delivered again


def test_a_failure_of_an_older_torrent_changes_nothing() -> None:
    tracker, failure = grabbed()
    assert tracker.apply(replace(failure, qbit_hash="a" * 40), NOW) == []
    assert tracker.requests["1"].state is RequestState.GRABBING


def test_a_failure_after_the_import_changes_nothing() -> None:
    tracker, failure = grabbed()
    for event in parse_webhook(load_fixture("radarr_download.json"), "").events:
        tracker.apply(event, NOW)
    assert tracker.apply(failure, NOW) == []


def test_a_failure_of_nothing_tracked_changes_nothing() -> None:
    _, failure = grabbed()
    assert Tracker().apply(failure, NOW) == []


def test_a_tv_failure_names_episodes_when_no_hash_is_known() -> None:
    from custom_components.media_request_tracker.clients.arr.sonarr import (
        parse_webhook as sonarr_webhook,
    )

    tracker = Tracker()
    grab = load_fixture("sonarr_grab_season_pack.json")
    (event,) = sonarr_webhook({**grab, "downloadId": None}, "").events
    assert isinstance(event, ReleaseGrabbed)
    tracker.apply(event, NOW)
    failure = DownloadFailed(
        event.media,
        4,
        None,
        "no peers",
        (EpisodeRef(2, 1), EpisodeRef(9, 9)),
    )
    assert len(tracker.apply(failure, NOW)) == 1
    request = tracker.requests["1"]
    assert [episode.state for episode in request.episodes].count(RequestState.FAILED) == 1
    assert request.failure_reason == "no peers"
    assert tracker.apply(failure, NOW) == []


def test_a_tv_failure_of_another_torrent_changes_nothing() -> None:
    from custom_components.media_request_tracker.clients.arr.sonarr import (
        parse_webhook as sonarr_webhook,
    )

    tracker = Tracker()
    (event,) = sonarr_webhook(load_fixture("sonarr_grab_season_pack.json"), "").events
    assert isinstance(event, ReleaseGrabbed)
    tracker.apply(event, NOW)
    failure = DownloadFailed(event.media, 4, "e" * 40, "gone", event.episodes)
    assert tracker.apply(failure, NOW) == []
