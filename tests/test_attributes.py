"""The request sensor's attributes fit the recorder (16,384 bytes of JSON), whatever the request.

A 1,100-episode series, every text of every payload at its longest and costliest, goes through
every lifecycle state by real webhook posts and polls; at each step the whole attributes JSON,
as Home Assistant serialises it, stays under the recorder's limit
(`homeassistant/components/recorder/db_schema.py` MAX_STATE_ATTRS_BYTES), and nothing is lost:
the get_request action still returns every episode.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.json import json_bytes
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.attributes import bounded_text, request_attributes
from custom_components.media_request_tracker.const import DOMAIN
from custom_components.media_request_tracker.tracker import (
    MediaKey,
    MediaType,
    RequestState,
    Tracker,
)

from . import advance, post_webhook, request_states
from .helpers.long_series import (
    EPISODES,
    TITLE,
    answer,
    chunks,
    costly,
    grab,
    imported,
    needs_attention,
    seerr,
)

# homeassistant/components/recorder/db_schema.py: MAX_STATE_ATTRS_BYTES.
RECORDER_LIMIT = 16384
STRINGS = Path(__file__).parents[1] / "custom_components/media_request_tracker/strings.json"


def request_sensor(hass: HomeAssistant) -> State:
    """Return the one request sensor (its entity id comes from a title of 4,096 characters)."""
    states = [
        state
        for state in request_states(hass)
        if state.entity_id.startswith("sensor.media_request_tracker")
    ]
    assert len(states) == 1
    return states[0]


@pytest.fixture(autouse=True)
def quiet_storage_mock(caplog: pytest.LogCaptureFixture) -> None:
    """Keep the test harness's storage mock from logging each save whole (megabytes here)."""
    caplog.set_level(logging.INFO, logger="pytest_homeassistant_custom_component.common")


class Walk:
    """Posts a step of the story, then checks the size of the sensor's attributes."""

    def __init__(self, hass: HomeAssistant, client: Any) -> None:
        self.hass = hass
        self.client = client
        self.states: list[str] = []

    async def post(self, service: str, payload: dict[str, Any]) -> None:
        status, _ = await post_webhook(self.client, service, payload)
        assert status == 200
        await self.hass.async_block_till_done()
        self.check()

    def check(self) -> None:
        state = request_sensor(self.hass)
        size = len(json_bytes(state.attributes))
        assert size < RECORDER_LIMIT, f"{state.state}: {size} bytes of attributes"
        # A poster address of 4,096 characters is no poster (and would be sent whole).
        assert "entity_picture" not in state.attributes
        if not self.states or self.states[-1] != state.state:
            self.states.append(state.state)


# The states every story passes through, up to the torrent's completion.
DOWNLOAD = ["requested", "approved", "grabbing", "downloading", "downloaded"]


@pytest.mark.parametrize(
    ("anime", "ending", "states"),
    [
        (False, "available", [*DOWNLOAD, "importing", "available"]),
        (True, "available", [*DOWNLOAD, "anime_matching", "available"]),
        (False, "failed", [*DOWNLOAD, "failed"]),
    ],
    ids=["tv", "anime", "failed"],
)
async def test_a_1100_episode_request_fits_the_recorder_in_every_state(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    anime: bool,
    ending: str,
    states: list[str],
) -> None:
    walk = Walk(hass, await hass_client_no_auth())
    answer(aioclient_mock, "metaDL", 0)
    await walk.post("jellyseerr", seerr("MEDIA_PENDING"))
    await walk.post("jellyseerr", seerr("MEDIA_APPROVED"))
    for chunk in chunks(EPISODES):
        await walk.post("sonarr", grab(chunk, anime=anime))

    answer(aioclient_mock, "downloading", 0.5)
    await advance(hass, freezer, 30)
    walk.check()
    answer(aioclient_mock, "uploading", 1)
    await advance(hass, freezer, 30)
    walk.check()
    # Every third episode cannot be imported, with Sonarr's longest explanation.
    await walk.post("sonarr", needs_attention(EPISODES[::3], anime=anime))
    if ending == "failed":
        await walk.post("jellyseerr", seerr("MEDIA_FAILED"))
        assert walk.states == states
        return

    # Every other episode imported: the seasons' ranges alternate, episode by episode.
    await walk.post("sonarr", imported(EPISODES[::2], anime=anime))
    # Jellyfin has every fourth.
    answer(aioclient_mock, "uploading", 1, found=EPISODES[::4])
    await advance(hass, freezer, 11)
    walk.check()
    await walk.post("sonarr", imported(EPISODES[1::2], anime=anime))
    answer(aioclient_mock, "uploading", 1, found=EPISODES)
    await advance(hass, freezer, 11)
    walk.check()
    assert walk.states == states

    # The attributes hold a summary; the action returns every episode, every text whole.
    entity_id = request_sensor(hass).entity_id
    response = await hass.services.async_call(
        DOMAIN, "get_request", {"entity_id": entity_id}, blocking=True, return_response=True
    )
    assert response is not None
    request: dict[str, Any] = response["request"]  # type: ignore[assignment]
    assert request["title"] == TITLE
    assert [(item["season_number"], item["episode_number"]) for item in request["episodes"]] == (
        EPISODES
    )
    assert {item["episode_title"] for item in request["episodes"]} == {costly()}


async def test_a_declined_request_fits_the_recorder(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    walk = Walk(hass, await hass_client_no_auth())
    answer(aioclient_mock, "metaDL", 0)
    await walk.post("jellyseerr", seerr("MEDIA_PENDING"))
    await walk.post("jellyseerr", seerr("MEDIA_DECLINED"))
    assert walk.states == ["requested", "declined"]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Arrival", 120, "Arrival"),
        ("a" * 20, 12, "aaaaaaa…"),  # 2 quotes, 7 letters, 3 bytes of "…"
        ("\x01" * 20, 20, "\x01\x01…"),  # 6 bytes each
        ("lone \ud800 surrogate", 120, "lone ? surrogate"),  # not JSON: shown as "?"
        ("\x01" * 20, 5, "…"),
    ],
)
def test_texts_are_cut_to_their_bytes_of_json(text: str, limit: int, expected: str) -> None:
    assert bounded_text(text, limit) == expected
    assert len(json_bytes(expected)) <= limit


@pytest.mark.parametrize(
    ("media_type", "anime"), [(MediaType.MOVIE, False), (MediaType.TV, False), (MediaType.TV, True)]
)
def test_every_attribute_has_a_translated_name_and_only_what_applies_is_shown(
    media_type: MediaType, anime: bool
) -> None:
    """The more-info dialog names each attribute; ids of other services are left out."""
    strings = json.loads(STRINGS.read_text(encoding="utf-8"))
    translated = strings["entity"]["sensor"]["request"]["state_attributes"]
    request = Tracker().create(
        MediaKey(media_type, tmdb_id=1), RequestState.APPROVED, dt_util.utcnow()
    )
    request.is_anime = anime
    shown = set(request_attributes(request))
    assert shown - set(translated) == set()
    assert ("radarr_id" in shown, "sonarr_id" in shown) == (
        media_type is MediaType.MOVIE,
        media_type is MediaType.TV,
    )
    assert ("shoko_series_id" in shown) is anime
    assert "total_episodes" not in shown
