"""Sonarr's webhook: the test event, untracked events, unusable bodies; and its API client."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients.api import PayloadError
from custom_components.media_request_tracker.clients.arr import sonarr
from custom_components.media_request_tracker.clients.arr.api import ArrClient
from custom_components.media_request_tracker.clients.schema import ParsedWebhook

from .. import mocked_http, requests_made, sent

SONARR_TEST = {
    "series": {
        "id": 1,
        "title": "Test Title",
        "tvdbId": 1234,
        "type": "standard",
        "tags": ["test-tag"],
    },
    "episodes": [{"id": 123, "episodeNumber": 1, "seasonNumber": 1, "title": "Test title"}],
    "eventType": "Test",
    "instanceName": "Sonarr",
    "applicationUrl": "",
}


def test_sonarr_test_event_is_acknowledged() -> None:
    assert sonarr.parse_webhook(SONARR_TEST, "anime") == ParsedWebhook((), "test received")


@pytest.mark.parametrize(
    "event_type", ["Rename", "SeriesAdd", "SeriesDelete", "EpisodeFileDelete", "Health"]
)
def test_untracked_sonarr_events_are_ignored(event_type: str) -> None:
    payload = {**SONARR_TEST, "eventType": event_type}

    assert sonarr.parse_webhook(payload, "anime") == ParsedWebhook((), f"ignored: {event_type}")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"series": {"id": 1}}, "invalid eventType: required key not provided"),
        ({"eventType": 5}, "invalid eventType: expected str"),
        ([SONARR_TEST], "expected a JSON object"),
        (None, "expected a JSON object"),
    ],
)
def test_unusable_sonarr_bodies_are_refused(payload: Any, message: str) -> None:
    with pytest.raises(PayloadError) as err:
        sonarr.parse_webhook(payload, "anime")
    assert str(err.value) == message


@pytest.mark.parametrize(("season", "number"), [(1, -4), (-1, 2)])
def test_negative_episode_numbers_are_refused(season: int, number: int) -> None:
    payload = {
        "eventType": "Grab",
        "series": {"id": 1},
        "episodes": [{"seasonNumber": season, "episodeNumber": number}],
    }
    with pytest.raises(PayloadError, match=r"invalid episodes\.0"):
        sonarr.parse_webhook(payload, "anime")


SONARR_URL = "http://127.0.0.1:8989"


async def test_sonarr_client_checks_the_api_key(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{SONARR_URL}/api/v3/system/status", json={"appName": "Sonarr"})

        await ArrClient(session, SONARR_URL, "sonarr-key").async_validate()

    assert requests_made(mocked) == {("GET", f"{SONARR_URL}/api/v3/system/status"): 1}
    assert sent(mocked)[0]["headers"] == {"X-Api-Key": "sonarr-key"}
