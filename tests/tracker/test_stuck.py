"""Stuck: the reducer's flag (manual interaction, queue explanations) and the reasons' durations."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from custom_components.media_request_tracker.tracker import (
    Change,
    ChangeKind,
    ImportNeedsAttention,
    MediaType,
    RequestState,
)
from custom_components.media_request_tracker.tracker.housekeeping import (
    StuckDownload,
    stuck_downloads,
)
from custom_components.media_request_tracker.tracker.housekeeping_events import (
    DownloadExplained,
    StuckCheckDue,
)
from custom_components.media_request_tracker.tracker.stuck import STUCK_LIMITS, describe_duration
from tests.helpers.arrival_events import (
    ARRIVAL,
    ARRIVAL_HASH,
    COMPLETE,
    grab,
    imported,
    seerr,
)

from . import (
    at,
    fields_of,
    tracker_after,
    transition,
    updated,
)

S = RequestState


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (timedelta(days=7), "7 d"),
        (timedelta(hours=24), "24 h"),
        (timedelta(hours=6), "6 h"),
        (timedelta(minutes=30), "30 min"),
        (timedelta(seconds=20), "1 min"),
    ],
)
def test_durations_read_naturally(limit: timedelta, text: str) -> None:
    """Reasons say "7 d", "24 h", "30 min": whole days only past two days."""
    assert describe_duration(limit) == text


# -- stuck and state_since --------------------------------------------------------------------


def test_manual_interaction_marks_stuck_and_the_next_transition_clears_it() -> None:
    tracker = tracker_after(seerr(S.APPROVED), grab(), COMPLETE)
    attention = ImportNeedsAttention(ARRIVAL, 7, ARRIVAL_HASH, "No files found are eligible")

    assert tracker.apply(attention, at(600)) == [updated(S.DOWNLOADED)]
    assert fields_of(tracker.requests["1"], "stuck", "stuck_reason", "state_since") == {
        "stuck": True,
        "stuck_reason": "No files found are eligible",
        "state_since": "2026-11-25T09:02:00+00:00",
    }

    assert tracker.apply(imported(), at(900)) == [transition(S.DOWNLOADED, S.IMPORTING)]
    assert fields_of(tracker.requests["1"], "stuck", "stuck_reason", "state_since") == {
        "stuck": False,
        "stuck_reason": None,
        "state_since": "2026-11-25T09:15:00+00:00",
    }


# -- explanations from Radarr's/Sonarr's queue ------------------------------------------------


def test_a_queue_explanation_lands_only_on_a_stuck_download_once() -> None:
    explained = DownloadExplained(ARRIVAL_HASH, "Radarr (import blocked): Sample", "sample")
    tracker = tracker_after(grab(), COMPLETE)
    request = tracker.requests["1"]

    # Not stuck yet: nothing to explain.
    assert tracker.explainable() == {}
    assert tracker.apply(explained, at(600)) == []
    assert fields_of(request, "stuck_reason", "stuck_code") == {
        "stuck_reason": None,
        "stuck_code": None,
    }

    assert tracker.apply(StuckCheckDue(STUCK_LIMITS), at(3 * 3600)) == [
        Change("1", ChangeKind.STUCK, S.DOWNLOADED, S.DOWNLOADED)
    ]
    assert tracker.explainable() == {ARRIVAL_HASH: MediaType.MOVIE}
    # The queue is asked by the request's Radarr movie id.
    assert stuck_downloads(tracker) == [StuckDownload(ARRIVAL_HASH, MediaType.MOVIE, 7)]
    other = replace(explained, qbit_hash="0" * 40)
    assert tracker.apply(other, at(3 * 3600)) == []
    assert tracker.apply(explained, at(3 * 3600)) == [updated(S.DOWNLOADED)]
    assert tracker.apply(explained, at(3 * 3600 + 300)) == []  # the same again: no change
    assert fields_of(request, "stuck", "stuck_reason", "stuck_code") == {
        "stuck": True,
        "stuck_reason": "Radarr (import blocked): Sample",
        "stuck_code": "sample",
    }

    # Imported at last: the flag, the reason and the code go.
    assert tracker.apply(imported(), at(4 * 3600)) == [transition(S.DOWNLOADED, S.IMPORTING)]
    assert fields_of(request, "stuck", "stuck_reason", "stuck_code") == {
        "stuck": False,
        "stuck_reason": None,
        "stuck_code": None,
    }
    assert tracker.explainable() == {}


def test_a_request_stuck_before_its_download_is_not_explained_by_a_queue() -> None:
    tracker = tracker_after(seerr(S.APPROVED))
    tracker.apply(StuckCheckDue(STUCK_LIMITS), at(7 * 3600))
    assert tracker.requests["1"].stuck is True
    assert tracker.explainable() == {}
