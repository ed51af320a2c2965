"""The shared Shoko frames through the parser, and onto the episodes Sonarr imported."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.media_request_tracker.clients import shoko
from custom_components.media_request_tracker.clients.api import PayloadError
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import (
    FileMatched,
    FileNotMatched,
    RequestState,
    Tracker,
)

from . import (
    FRIEREN_ANIDB,
    IMPORT_COMPLETE_OF_PACK,
    _assert_covered,
    _load,
    _sonarr_import,
)

# The files the Sonarr fixtures import, as Shoko names them: relative to its import folder (here
# the library's /data/media/anime), with Shoko's PascalCase ids.
SHOKO_E01 = (
    "Frieren - Beyond Journey's End/Season 1/"
    "Frieren - Beyond Journey's End - S01E01 - The Journey's End [WEBDL-1080p].mkv"
)
SHOKO_E04 = (
    "Frieren - Beyond Journey's End/Season 1/"
    "Frieren - Beyond Journey's End - S01E04 - The Land Where Souls Rest [WEBDL-1080p].mkv"
)
SHOKO_E01_REFERENCE = {
    "anidb_episode_id": 271915,
    "anidb_anime_id": FRIEREN_ANIDB,
    "shoko_series_id": 87,
    "shoko_episode_id": 1523,
}

# SignalR frames: file → (note, event class, the event's fields), or (note, None, None) for a
# frame that is acknowledged and ignored (the note names its target).
SHOKO: dict[str, tuple[str, type | None, dict[str, Any] | None]] = {
    "signalr_file_detected_v5__authored.json": ("ignored: ShokoEvent:FileDetected", None, None),
    # FileHashed has the file's id and (empty) CrossReferences, like FileMatched; it is ignored.
    "signalr_file_hashed_v5__authored.json": ("ignored: ShokoEvent:FileHashed", None, None),
    "signalr_file_matched_v5__authored.json": (
        "accepted",
        FileMatched,
        {
            "relative_path": SHOKO_E01,
            "shoko_file_id": 4211,
            "cross_references": (SHOKO_E01_REFERENCE,),
        },
    ),
    "signalr_file_not_matched_v5__authored.json": (
        "accepted",
        FileNotMatched,
        {"relative_path": SHOKO_E04, "shoko_file_id": 4214, "attempts": 1, "udp_banned": False},
    ),
    "signalr_series_updated_v5__authored.json": ("ignored: ShokoEvent:SeriesUpdated", None, None),
}
# POST /api/auth's answer: not a SignalR frame.
SHOKO_AUTH = "auth_apikey_response_v5__authored.json"


def test_every_shoko_fixture_is_covered() -> None:
    _assert_covered("shoko", {*SHOKO, SHOKO_AUTH})


@pytest.mark.parametrize(("name", "expected"), SHOKO.items(), ids=list(SHOKO))
def test_shoko_fixture(name: str, expected: tuple[str, type | None, dict[str, Any] | None]) -> None:
    note, event_type, fields = expected
    frame = _load("shoko", name)
    assert frame["type"] == shoko.INVOCATION
    result = shoko.parse_webhook(frame)
    assert isinstance(result, ParsedWebhook)
    assert result.note == note
    # The listener reads one frame at a time; it must agree with the webhook.
    single = shoko.parse_frame(frame)
    if event_type is None or fields is None:
        assert result.events == ()
        assert single == frame["target"]
        return
    assert len(result.events) == 1
    event = result.events[0]
    assert type(event) is event_type
    assert dataclasses.asdict(event) == fields
    assert single == event


def test_shoko_frames_of_one_file_in_the_observed_order() -> None:
    # A bridge may forward a new file's frames together: detected, hashed, matched, then the
    # series update (PAYLOADS.md §4). Only the match is an event.
    frames = [
        _load("shoko", name)
        for name in (
            "signalr_file_detected_v5__authored.json",
            "signalr_file_hashed_v5__authored.json",
            "signalr_file_matched_v5__authored.json",
            "signalr_series_updated_v5__authored.json",
        )
    ]
    result = shoko.parse_webhook(frames)
    assert result.note == "accepted"
    assert result.events == (shoko.parse_frame(frames[2]),)


def test_shoko_auth_answer_is_an_api_key_not_a_frame() -> None:
    body = _load("shoko", SHOKO_AUTH)
    assert list(body) == ["apikey"]
    assert isinstance(body["apikey"], str)
    assert body["apikey"].strip()
    with pytest.raises(PayloadError) as err:
        shoko.parse_webhook(body)
    assert str(err.value) == "invalid frame: required key not provided"
    with pytest.raises(PayloadError):
        shoko.parse_frame(body)


def test_shoko_frames_land_on_the_episodes_sonarr_imported() -> None:
    # The shared Sonarr Import Complete of the Frieren pack puts E01-E04 in the library; Shoko's
    # frames name two of those files relative to its import folder.
    tracker = Tracker()
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    tracker.apply(_sonarr_import(IMPORT_COMPLETE_OF_PACK), now)
    (request,) = tracker.requests.values()
    assert request.state is RequestState.ANIME_MATCHING
    for name in (
        "signalr_file_matched_v5__authored.json",
        "signalr_file_not_matched_v5__authored.json",
    ):
        (event,) = shoko.parse_webhook(_load("shoko", name)).events
        assert len(tracker.apply(event, now)) == 1, name

    episodes = {episode.episode_number: episode for episode in request.episodes}
    assert (episodes[1].shoko_file_id, episodes[1].anidb_episode_id) == (4211, 271915)
    assert (request.shoko_series_id, request.anidb_id) == (87, FRIEREN_ANIDB)
    assert episodes[4].stuck
    assert (episodes[4].stuck_reason or "").startswith("no AniDB match after 1 attempt")
    assert [number for number, episode in episodes.items() if episode.shoko_file_id] == [1]
    assert [number for number, episode in episodes.items() if episode.stuck] == [4]
