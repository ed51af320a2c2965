"""Shoko's event stream inside Home Assistant: a real loopback SignalR server feeds the entry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from aiohttp import web
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN

from .. import (
    ARRIVAL_ENTITY,
    ENTRY_DATA,
    NO_RECONCILING,
    WEBHOOK_IDS,
    load_fixture,
    post_webhook,
    sensor,
    setup_integration,
    torrent,
)
from ..helpers.fake_shoko import TIMEOUT, FakeShoko, file_matched, start_site

API_KEY = "shoko-key"


@pytest.fixture
async def qbittorrent_url(socket_enabled: None) -> AsyncGenerator[str]:
    """Serve the qBittorrent WebUI calls the coordinator makes, with Arrival seeding."""

    async def login(_: web.Request) -> web.Response:
        return web.Response(text="Ok.", headers={"Set-Cookie": "SID=abc; HttpOnly; path=/"})

    async def torrents(_: web.Request) -> web.Response:
        return web.json_response([torrent(state="stalledUP", progress=1, amount_left=0)])

    async def transfer(_: web.Request) -> web.Response:
        return web.json_response({"dl_info_speed": 0})

    app = web.Application()
    app.router.add_post("/api/v2/auth/login", login)
    app.router.add_get("/api/v2/torrents/info", torrents)
    app.router.add_get("/api/v2/transfer/info", transfer)
    runner = web.AppRunner(app, shutdown_timeout=1)
    url = await start_site(runner)
    yield url
    await runner.cleanup()


async def wait_for_attribute(hass: HomeAssistant, entity_id: str, name: str) -> State:
    """Wait until the entity has attribute `name` set; return its state."""
    changed = asyncio.Event()

    @callback
    def on_change(_: Event[EventStateChangedData]) -> None:
        changed.set()

    unsubscribe = async_track_state_change_event(hass, entity_id, on_change)
    try:
        async with asyncio.timeout(TIMEOUT):
            while (state := sensor(hass, entity_id)).attributes.get(name) is None:
                changed.clear()
                await changed.wait()
    finally:
        unsubscribe()
    return state


def anime(payload: dict[str, Any]) -> dict[str, Any]:
    """Return a Radarr payload whose movie carries the anime tag."""
    return payload | {"movie": payload["movie"] | {"tags": ["anime"]}}


async def test_the_entry_listens_to_shoko_and_stores_the_match(
    hass: HomeAssistant,
    shoko: FakeShoko,
    qbittorrent_url: str,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """An anime import waits for Shoko; Shoko's FileMatched over the stream stores its ids."""
    data = {key: value for key, value in ENTRY_DATA.items() if key != "jellyfin"}
    data["qbittorrent"] = ENTRY_DATA["qbittorrent"] | {"url": qbittorrent_url}
    data["shoko"] = {"url": shoko.url, "api_key": API_KEY}
    data["webhook_ids"] = {k: v for k, v in WEBHOOK_IDS.items() if k != "jellyfin"} | {
        "shoko": "f" * 64
    }
    entry = MockConfigEntry(
        domain=DOMAIN, title="Media Request Tracker", data=data, options=NO_RECONCILING
    )
    await setup_integration(hass, entry)
    connection = await shoko.next_connection()
    await connection.round_trip()
    # The key travels in the header only: a query string ends up in access logs.
    assert connection.query == {"feeds": "shoko", "id": "token-1"}
    assert connection.apikey_header == API_KEY
    assert shoko.negotiations[0].apikey_header == API_KEY

    client = await hass_client_no_auth()
    download = anime(load_fixture("radarr_download.json"))
    for payload in (anime(load_fixture("radarr_grab.json")), download):
        status, _ = await post_webhook(client, "radarr", payload)
        assert status == 200
    await hass.async_block_till_done()
    assert sensor(hass).state == "anime_matching"
    assert sensor(hass).attributes["shoko_file_id"] is None

    # Shoko's import folder is the library root: the path is the tail, with Windows separators.
    final_path = download["movieFile"]["path"]
    assert final_path == "/media/movies/Arrival (2016)/Arrival (2016) [Bluray-1080p].mkv"
    await connection.send(file_matched("Arrival (2016)\\Arrival (2016) [Bluray-1080p].mkv", 7001))
    state = await wait_for_attribute(hass, ARRIVAL_ENTITY, "shoko_file_id")
    assert state.attributes["shoko_file_id"] == 7001
    assert state.attributes["shoko_series_id"] == 45
    assert state.attributes["anidb_id"] == 17617
    # Only Jellyfin (not configured here) or Jellyseerr can make it available.
    assert state.state == "anime_matching"

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await connection.wait_closed()
    assert not [
        task
        for task in asyncio.all_tasks()
        if task.get_name() == f"{DOMAIN} Shoko listener" and not task.done()
    ]
