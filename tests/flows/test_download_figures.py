"""What a download shows: no ETA once nothing is left, paused downloads that hold data."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .. import (
    advance,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    request_data,
    sensor,
    torrent,
)

SHOW_ENTITY = "sensor.media_request_tracker_breaking_bad_2008"
PACK_HASH = "b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0"
EMPTY_LIBRARY = {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}


async def test_a_finished_download_has_no_eta(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """qBittorrent's 8640000 ("infinite") for a seeding torrent is no ETA, nor is a done one."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.5, eta=600)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    assert sensor(hass).attributes["eta"] == 600

    # Complete and seeding: qBittorrent says 8640000.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="uploading", progress=1, eta=8640000)])
    await advance(hass, freezer, 5)
    state = sensor(hass)
    assert state.state == "downloaded"
    assert state.attributes["eta"] is None

    # Imported: still nothing left to download.
    mock_jellyfin_items(aioclient_mock, EMPTY_LIBRARY)
    await post_webhook(client, "radarr", load_fixture("radarr_download.json"))
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "importing"
    assert state.attributes["eta"] is None


async def test_an_import_before_the_download_was_seen_complete_has_no_eta(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Radarr's import beats the poll that would have seen the torrent complete."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.9, eta=60)])
    mock_jellyfin_items(aioclient_mock, EMPTY_LIBRARY)
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    assert sensor(hass).attributes["eta"] == 60
    await post_webhook(client, "radarr", load_fixture("radarr_download.json"))
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "importing"
    assert state.attributes["progress"] == 100.0
    assert state.attributes["eta"] is None


async def test_a_paused_download_with_data_is_downloading_and_paused(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """pausedDL (4.x) / stoppedDL (5.x) with data: downloading, paused; without data: grabbing."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="pausedDL", progress=0, dlspeed=0)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "grabbing"
    assert state.attributes["paused"] is True

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stoppedDL", progress=0.4, dlspeed=0)])
    await advance(hass, freezer, 30)
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["paused"] is True
    assert state.attributes["progress"] == 40.0

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.5, dlspeed=10)])
    await advance(hass, freezer, 30)
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["paused"] is False


async def test_a_paused_season_pack_with_data_is_downloading_and_each_episode_paused(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The pack's request and every episode it holds show the pause; a done pack has no ETA."""
    client = await hass_client_no_auth()
    pack = {"hash": PACK_HASH, "name": "Breaking.Bad.S02.1080p.BluRay.x264-ROVERS"}
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(**pack, state="pausedDL", progress=0.3)])
    aioclient_mock.get(
        "http://qbittorrent.lan:8080/api/v2/torrents/files",
        json=load_fixture("qbittorrent_torrent_files_season_pack.json"),
    )
    await post_webhook(client, "sonarr", load_fixture("sonarr_grab_season_pack.json"))
    await hass.async_block_till_done()
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "downloading"
    assert state.attributes["paused"] is True
    episodes = (await request_data(hass, SHOW_ENTITY))["episodes"]
    assert {episode["state"] for episode in episodes} == {"downloading"}
    assert all(episode["paused"] for episode in episodes)

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(**pack, state="stalledUP", progress=1, eta=8640000)])
    await advance(hass, freezer, 30)
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "downloaded"
    assert state.attributes["eta"] is None
    episodes = (await request_data(hass, SHOW_ENTITY))["episodes"]
    assert not any(episode["paused"] for episode in episodes)
