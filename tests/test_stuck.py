"""Stuck detection through the integration: limits from the options, the event, the reasons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN, EVENT_STUCK
from custom_components.media_request_tracker.tracker.stuck import describe_duration

from . import (
    ARRIVAL_ENTITY,
    ENTRY_DATA,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    setup_integration,
    torrent,
)


def entry_with(options: dict[str, Any]) -> MockConfigEntry:
    """Return the usual stack with these options."""
    return MockConfigEntry(
        domain=DOMAIN, title="Media Request Tracker", data=ENTRY_DATA, options=options
    )


async def test_limits_from_the_options_flag_and_clear(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Grabbing limited to 30 min, downloading never: flagged once, cleared by the next move."""
    entry = entry_with({"stuck_after": {"grabbing": 0.5, "downloading": 0.0}})
    mock_qbittorrent(aioclient_mock, [torrent(state="metaDL", progress=0)])
    await setup_integration(hass, entry)
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    assert (await post_webhook(client, "radarr", load_fixture("radarr_grab.json")))[0] == 200
    await hass.async_block_till_done()
    assert sensor(hass).state == "grabbing"

    await advance(hass, freezer, timedelta(minutes=25))
    assert sensor(hass).attributes["stuck"] is False
    await advance(hass, freezer, timedelta(minutes=10))
    state = sensor(hass)
    assert state.attributes["stuck"] is True
    assert state.attributes["stuck_reason"] == "no data downloaded for 30 min"
    assert [event.data["stuck_reason"] for event in stuck] == ["no data downloaded for 30 min"]
    assert stuck[0].data["entity_id"] == ARRIVAL_ENTITY
    assert stuck[0].data["state"] == "grabbing"

    await advance(hass, freezer, timedelta(hours=2))
    assert len(stuck) == 1  # once, however long it stays

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.1, dlspeed=10)])
    await advance(hass, freezer, 30)
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["stuck"] is False
    assert state.attributes["stuck_reason"] is None

    # 0 h turns the check off for downloading: a day and a half later, still not stuck.
    await advance(hass, freezer, timedelta(hours=36))
    assert sensor(hass).attributes["stuck"] is False
    assert len(stuck) == 1
    await hass.config_entries.async_unload(entry.entry_id)


async def test_default_limits_apply_without_options(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without options, downloading may last 24 h before the request is flagged."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledDL", progress=0.2, dlspeed=0)])
    client = await hass_client_no_auth()
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    assert sensor(hass).state == "downloading"
    await advance(hass, freezer, timedelta(hours=23))
    assert sensor(hass).attributes["stuck"] is False
    await advance(hass, freezer, timedelta(hours=1, minutes=5))
    assert sensor(hass).attributes["stuck_reason"] == "download not finished for 24 h"


@pytest.mark.parametrize(
    ("service", "fixture", "drop"),
    [
        ("radarr", "radarr_download.json", ("tmdbId", "imdbId")),
        ("sonarr", "sonarr_download_file.json", ("tvdbId", "tmdbId", "imdbId")),
    ],
)
async def test_import_that_cannot_start_a_request_is_logged_once_and_dropped(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    service: str,
    fixture: str,
    drop: tuple[str, ...],
) -> None:
    """An import matching nothing, with no ids to start a request from: one line, no sensor."""
    payload = load_fixture(fixture)
    media = payload["movie" if service == "radarr" else "series"]
    for key in drop:
        media.pop(key, None)
    payload.pop("remoteMovie", None)
    payload.pop("downloadId", None)
    client = await hass_client_no_auth()
    caplog.clear()
    status, _ = await post_webhook(client, service, payload)
    await hass.async_block_till_done()
    assert status == 200
    assert hass.states.async_entity_ids("sensor") == []
    lines = [record for record in caplog.records if "Ignored the import" in record.getMessage()]
    assert len(lines) == 1
    assert media["title"] in lines[0].getMessage()
    assert lines[0].levelname == "INFO"


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
