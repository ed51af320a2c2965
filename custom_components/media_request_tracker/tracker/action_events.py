"""Events a person causes through the integration's actions.

A note in a request's history (a new search asked), a library check now, or forgetting a
request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestNoted:
    """An action did something for the request (a new search asked): note it in its history."""

    request_id: str
    note: str


@dataclass(frozen=True, slots=True)
class RequestForgotten:
    """Stop tracking the request (the forget_request action); its sensor goes with it."""

    request_id: str


@dataclass(frozen=True, slots=True)
class LibraryCheckAsked:
    """Ask the media server about the request now, its back-off started over."""

    request_id: str
