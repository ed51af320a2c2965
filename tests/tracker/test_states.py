"""The lifecycle states and the transition table that keeps requests moving forward."""

from __future__ import annotations

import pytest

from custom_components.media_request_tracker.tracker import RequestState
from custom_components.media_request_tracker.tracker.states import (
    ALLOWED_TRANSITIONS,
    LIFECYCLE,
    TERMINAL_STATES,
    TORRENT_STATES,
    VERIFY_STATES,
    can_transition,
)

S = RequestState

FORWARD_MOVES = [
    (earlier, later) for index, earlier in enumerate(LIFECYCLE) for later in LIFECYCLE[index + 1 :]
]
BACKWARD_OR_STILL = [
    (later, earlier) for index, earlier in enumerate(LIFECYCLE) for later in LIFECYCLE[index:]
]
NON_TERMINAL = [state for state in S if state not in TERMINAL_STATES]


def test_state_values_are_the_lower_case_enum_options() -> None:
    assert [state.value for state in S] == [
        "requested",
        "approved",
        "grabbing",
        "downloading",
        "downloaded",
        "importing",
        "anime_matching",
        "available",
        "failed",
        "declined",
    ]


def test_lifecycle_is_the_forward_path_in_order() -> None:
    assert LIFECYCLE == (
        S.REQUESTED,
        S.APPROVED,
        S.GRABBING,
        S.DOWNLOADING,
        S.DOWNLOADED,
        S.IMPORTING,
        S.ANIME_MATCHING,
        S.AVAILABLE,
    )


def test_state_groups() -> None:
    assert {S.AVAILABLE, S.FAILED, S.DECLINED} == TERMINAL_STATES
    assert {S.GRABBING, S.DOWNLOADING} == TORRENT_STATES
    assert {S.IMPORTING, S.ANIME_MATCHING} == VERIFY_STATES


def test_every_state_has_a_row_in_the_table() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(S)


@pytest.mark.parametrize(
    ("state", "exits"),
    [
        (
            S.REQUESTED,
            {
                S.APPROVED,
                S.GRABBING,
                S.DOWNLOADING,
                S.DOWNLOADED,
                S.IMPORTING,
                S.ANIME_MATCHING,
                S.AVAILABLE,
                S.FAILED,
                S.DECLINED,
            },
        ),
        (
            S.APPROVED,
            {
                S.GRABBING,
                S.DOWNLOADING,
                S.DOWNLOADED,
                S.IMPORTING,
                S.ANIME_MATCHING,
                S.AVAILABLE,
                S.FAILED,
                S.DECLINED,
            },
        ),
        (
            S.GRABBING,
            {S.DOWNLOADING, S.DOWNLOADED, S.IMPORTING, S.ANIME_MATCHING, S.AVAILABLE, S.FAILED},
        ),
        (S.DOWNLOADING, {S.DOWNLOADED, S.IMPORTING, S.ANIME_MATCHING, S.AVAILABLE, S.FAILED}),
        (S.DOWNLOADED, {S.IMPORTING, S.ANIME_MATCHING, S.AVAILABLE, S.FAILED}),
        (S.IMPORTING, {S.ANIME_MATCHING, S.AVAILABLE, S.FAILED}),
        (S.ANIME_MATCHING, {S.AVAILABLE, S.FAILED}),
        (S.AVAILABLE, set()),
        (S.FAILED, set()),
        (S.DECLINED, set()),
    ],
)
def test_exits_of_each_state(state: RequestState, exits: set[RequestState]) -> None:
    assert ALLOWED_TRANSITIONS[state] == exits


@pytest.mark.parametrize(("current", "target"), FORWARD_MOVES)
def test_forward_moves_are_allowed(current: RequestState, target: RequestState) -> None:
    assert can_transition(current, target) is True


@pytest.mark.parametrize(("current", "target"), BACKWARD_OR_STILL)
def test_backward_moves_and_staying_put_are_refused(
    current: RequestState, target: RequestState
) -> None:
    assert can_transition(current, target) is False


@pytest.mark.parametrize("terminal", sorted(TERMINAL_STATES))
@pytest.mark.parametrize("target", list(S))
def test_terminal_states_have_no_exits(terminal: RequestState, target: RequestState) -> None:
    assert can_transition(terminal, target) is False


def test_declined_only_from_requested_or_approved() -> None:
    assert {state for state in S if can_transition(state, S.DECLINED)} == {
        S.REQUESTED,
        S.APPROVED,
    }


def test_failed_from_every_non_terminal_state() -> None:
    assert {state for state in S if can_transition(state, S.FAILED)} == set(NON_TERMINAL)
    assert len(NON_TERMINAL) == 7
