"""The coordinator's qBittorrent polling: idle interval while paused, outages, session expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from . import (
    FAULTS,
    QBIT_URL,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    qbit_polls,
    replace_mocks,
    sensor,
    torrent,
)
from .helpers.season_pack import SHOW_ENTITY, episode_states, episodes, mock_pack


async def test_paused_torrent_is_polled_slowly_and_not_failed(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A paused download holding data is downloading with `paused: true`, polled slowly."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="pausedDL", progress=0.4)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["paused"] is True
    assert setup_entry.runtime_data.coordinator.update_interval == timedelta(seconds=30)
    polls = qbit_polls(aioclient_mock)
    await advance(hass, freezer, 10)
    assert qbit_polls(aioclient_mock) == polls
    await advance(hass, freezer, 25)
    assert qbit_polls(aioclient_mock) == polls + 1
    assert sensor(hass).state == "downloading"


async def test_paused_season_pack_is_polled_at_the_idle_interval(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A TV torrent qBittorrent lists as paused is polled every 30 s, not every 5 s."""
    client = await hass_client_no_auth()
    mock_pack(aioclient_mock, None, state="metaDL")
    await post_webhook(client, "sonarr", load_fixture("sonarr_grab_season_pack.json"))
    await hass.async_block_till_done()
    assert setup_entry.runtime_data.coordinator.update_interval == timedelta(seconds=5)
    mock_pack(aioclient_mock, None, state="pausedDL", progress=0.2)
    await setup_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    # The paused pack holds data: the request and every episode are downloading, paused.
    assert set(await episode_states(hass)) == {"downloading"}
    assert sensor(hass, SHOW_ENTITY).state == "downloading"
    assert sensor(hass, SHOW_ENTITY).attributes["torrent_state"] == "pausedDL"
    assert sensor(hass, SHOW_ENTITY).attributes["paused"] is True
    assert {episode["paused"] for episode in await episodes(hass)} == {True}
    assert setup_entry.runtime_data.coordinator.update_interval == timedelta(seconds=30)


@FAULTS
async def test_qbittorrent_outage_makes_downloads_unavailable_and_recovers(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: Exception,
) -> None:
    """While qBittorrent is down or times out, a downloading request is unavailable, never failed.

    After each failed try the wait doubles (5, 10, 20, 40 s ... up to 5 minutes).
    """
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.2, dlspeed=5)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await post_webhook(
        client,
        "jellyseerr",
        load_fixture("seerr_movie_pending.json")
        | {"subject": "Dune (2021)", "media": {"media_type": "movie", "tmdbId": "438631"}},
    )
    await hass.async_block_till_done()
    assert sensor(hass).state == "downloading"

    replace_mocks(aioclient_mock)
    aioclient_mock.get(f"{QBIT_URL}/api/v2/sync/maindata", exc=fault)
    caplog.clear()
    for wait in (5, 5, 10, 20):  # tries at 5, 10, 20 and 40 s
        await advance(hass, freezer, timedelta(seconds=wait))
    await advance(hass, freezer, timedelta(seconds=39))
    # Tries at 5, 10, 20 and 40 s, not one every 5 s (15); plus, at most, the one the grabs'
    # cool-down asks for at its end (it runs on the real clock, not the frozen one).
    assert qbit_polls(aioclient_mock) in (4, 5)
    assert sensor(hass).state == STATE_UNAVAILABLE
    assert sensor(hass, "sensor.media_request_tracker_dune_2021").state == "requested"
    lost = [r for r in caplog.records if "qBittorrent cannot be reached" in r.getMessage()]
    assert len(lost) == 1

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.6, dlspeed=5)])
    # The next try is due at 80 s (40 s after the fourth), or, when the cool-down's poll made a
    # fifth, up to 80 s after that one: the first try after the recovery sees it.
    for _ in range(80):
        await advance(hass, freezer, timedelta(seconds=1))
        if qbit_polls(aioclient_mock):
            break
    assert qbit_polls(aioclient_mock) == 1
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["progress"] == 60.0
    assert sum("recovered" in r.getMessage() for r in caplog.records) == 1


async def test_session_expiry_logs_in_again(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A 403 (qBittorrent restarted or the session timed out) is followed by one new login."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    aioclient_mock.post(f"{QBIT_URL}/api/v2/auth/login", text="Ok.")
    aioclient_mock.get(f"{QBIT_URL}/api/v2/sync/maindata", status=403, text="Forbidden")
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    logins = [call for call in aioclient_mock.mock_calls if "auth/login" in str(call[1])]
    infos = [call for call in aioclient_mock.mock_calls if "sync/maindata" in str(call[1])]
    assert (len(logins), len(infos)) == (1, 2)
