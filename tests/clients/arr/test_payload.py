"""What Radarr and Sonarr share (services/arr.py): tags, and the reason in a status message."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.media_request_tracker.clients.arr.payload import has_tag, status_reason


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        (None, "fallback"),
        ([], "fallback"),
        ([{"title": None, "messages": []}], "fallback"),
        ([{"title": "a.mkv", "messages": ["Sample", "Sample"]}], "a.mkv; Sample"),
        (
            [{"title": "a.mkv", "messages": ["No audio"]}, {"title": "b.mkv", "messages": None}],
            "a.mkv; No audio; b.mkv",
        ),
    ],
)
def test_status_reason(messages: list[dict[str, Any]] | None, reason: str) -> None:
    assert status_reason(messages, "fallback") == reason


def test_has_tag() -> None:
    assert has_tag(["1-alice", "Anime"], "anime") is True
    assert has_tag(["1-alice"], "anime") is False
    assert has_tag(["anime"], "   ") is False
