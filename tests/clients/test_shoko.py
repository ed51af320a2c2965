"""Shoko's webhook frames (FileMatched, FileNotMatched, the others acknowledged) and its API client."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients import shoko
from custom_components.media_request_tracker.clients.api import InvalidAuth, PayloadError
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import FileMatched, FileNotMatched
from custom_components.media_request_tracker.tracker.events import ShokoCrossReference

from . import mocked_http, requests_made, sent

FILE_MATCHED = {
    "type": 1,
    "target": "ShokoEvent:FileMatched",
    "arguments": [
        {
            "FileID": 4211,
            "ImportFolderID": 2,
            "RelativePath": "Frieren\\Season 1\\Frieren - S01E01 [WEBDL-1080p].mkv",
            "CrossReferences": [{"EpisodeID": 1523, "AnidbEpisodeID": 271915, "SeriesID": 87}],
        }
    ],
}
FILE_NOT_MATCHED = {**FILE_MATCHED, "target": "ShokoEvent:FileNotMatched"}


MATCHED_EVENT = FileMatched(
    relative_path="Frieren\\Season 1\\Frieren - S01E01 [WEBDL-1080p].mkv",
    shoko_file_id=4211,
    cross_references=(
        ShokoCrossReference(
            anidb_episode_id=271915, anidb_anime_id=None, shoko_series_id=87, shoko_episode_id=1523
        ),
    ),
)
NOT_MATCHED_EVENT = FileNotMatched(
    relative_path=MATCHED_EVENT.relative_path, shoko_file_id=4211, attempts=0, udp_banned=False
)
FILE_DETECTED = {
    "type": 1,
    "target": "ShokoEvent:FileDetected",
    "arguments": [{"RelativePath": "x.mkv"}],
}


@pytest.mark.parametrize(
    ("payload", "events"),
    [
        (FILE_MATCHED, (MATCHED_EVENT,)),
        ([FILE_MATCHED], (MATCHED_EVENT,)),
        ([FILE_MATCHED, FILE_NOT_MATCHED], (MATCHED_EVENT, NOT_MATCHED_EVENT)),
        ([FILE_DETECTED, FILE_MATCHED], (MATCHED_EVENT,)),
    ],
    ids=["single frame", "list of one", "list of two", "ignored frame beside a match"],
)
def test_shoko_frames_become_events(payload: Any, events: tuple[Any, ...]) -> None:
    assert shoko.parse_webhook(payload) == ParsedWebhook(events)


@pytest.mark.parametrize(
    ("payload", "note"),
    [
        ({"type": 6}, "ignored: frame type 6"),
        (FILE_DETECTED, "ignored: ShokoEvent:FileDetected"),
        ({**FILE_MATCHED, "type": 3}, "ignored: ShokoEvent:FileMatched"),
    ],
    ids=["ping", "event we do not need", "not an invocation"],
)
def test_other_shoko_frames_are_acknowledged(payload: Any, note: str) -> None:
    assert shoko.parse_webhook(payload) == ParsedWebhook((), note)


def test_shoko_note_stays_short() -> None:
    assert len(shoko.parse_webhook([FILE_DETECTED] * 10).note) == 120


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({**FILE_MATCHED, "arguments": []}, "ShokoEvent:FileMatched without an event object"),
        ({**FILE_MATCHED, "arguments": [{"FileID": 1}]}, "invalid ShokoEvent:FileMatched"),
    ],
)
def test_unusable_shoko_events_are_refused(frame: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        shoko.parse_webhook(frame)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "no SignalR frames"),
        (None, "a frame must be a JSON object"),
        ("ShokoEvent:FileMatched", "a frame must be a JSON object"),
        ([FILE_MATCHED, 1], "a frame must be a JSON object"),
        ({"target": "ShokoEvent:FileMatched"}, "invalid frame: required key not provided"),
        ({"type": "1"}, "invalid frame: expected int"),
        ({"type": 1, "target": "x" * 129}, "invalid frame: length of value must be at most 128"),
        ({"type": 1, "arguments": {"FileID": 1}}, "invalid frame: expected list"),
    ],
)
def test_invalid_shoko_frames_are_refused(payload: Any, message: str) -> None:
    with pytest.raises(PayloadError) as err:
        shoko.parse_webhook(payload)
    assert str(err.value) == message


SHOKO_URL = "http://127.0.0.1:8111"


async def test_shoko_client_sends_the_apikey_header(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{SHOKO_URL}/api/v3/ImportFolder", json=[{"ID": 2, "Name": "Anime"}])

        await shoko.ShokoClient(session, f"{SHOKO_URL}/", "shoko-key").async_validate()

    assert requests_made(mocked) == {("GET", f"{SHOKO_URL}/api/v3/ImportFolder"): 1}
    assert sent(mocked)[0]["headers"] == {"apikey": "shoko-key"}


async def test_shoko_client_reports_a_refused_key(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{SHOKO_URL}/api/v3/ImportFolder", status=401)

        with pytest.raises(InvalidAuth, match="HTTP 401"):
            await shoko.ShokoClient(session, SHOKO_URL, "wrong").async_validate()
