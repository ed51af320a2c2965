"""Set-up whatever the services do, webhooks that outlive a reload, unload and removal."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN
from custom_components.media_request_tracker.coordinator import MediaRequestCoordinator

from . import (
    QBIT_URL,
    WEBHOOK_IDS,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    request_data,
    sensor,
    setup_integration,
    torrent,
)


async def test_qbittorrent_down_at_start_up_loses_no_event(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The media box boots after Home Assistant: the entry loads and the Grab is taken.

    The download shows once qBittorrent answers (before: a 200, and nothing tracked).
    """
    aioclient_mock.post(f"{QBIT_URL}/api/v2/auth/login", exc=aiohttp.ClientConnectionError())
    await setup_integration(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    client = await hass_client_no_auth()

    status, _ = await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()

    assert status == 200
    assert sensor(hass).state == STATE_UNAVAILABLE  # its download cannot be seen yet
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.4)])
    await advance(hass, freezer, timedelta(seconds=10))
    assert sensor(hass).state == "downloading"
    assert sensor(hass).attributes["progress"] == 40.0
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_a_refused_login_asks_for_a_new_one_and_takes_events_meanwhile(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """qBittorrent 5.2 answers a wrong password with 401: the user is asked for a new one.

    qBittorrent is not asked again meanwhile (it bans an address after a few refusals).
    """
    aioclient_mock.post(f"{QBIT_URL}/api/v2/auth/login", status=401, text="")
    await setup_integration(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    logins = aioclient_mock.call_count
    client = await hass_client_no_auth()

    status, _ = await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await advance(hass, freezer, timedelta(minutes=10))

    assert status == 200
    assert (await request_data(hass))["title"] == "Arrival"  # tracked, download unseen
    assert aioclient_mock.call_count == logins
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_webhooks_stay_through_a_reload_and_a_call_meanwhile_is_taken(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A call that comes while the entry reloads waits for it, then is applied (200)."""
    client = await hass_client_no_auth()
    loading = asyncio.Event()
    release = asyncio.Event()
    load = MediaRequestCoordinator.async_load

    async def slow_load(coordinator: MediaRequestCoordinator) -> None:
        loading.set()
        await release.wait()
        await load(coordinator)

    monkeypatch.setattr(MediaRequestCoordinator, "async_load", slow_load)
    reload = hass.async_create_task(hass.config_entries.async_reload(setup_entry.entry_id))
    await loading.wait()
    assert set(WEBHOOK_IDS.values()) <= set(hass.data["webhook"])
    call = hass.async_create_task(
        post_webhook(client, "jellyseerr", load_fixture("seerr_movie_pending.json"))
    )
    await asyncio.sleep(0.2)
    assert not call.done()  # waiting for the entry, not answered 200 into the void

    release.set()
    assert await reload
    assert (await call)[0] == 200
    assert sensor(hass).state == "requested"


async def test_a_call_to_an_unloaded_entry_is_refused_not_swallowed(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unloaded (not loading): 503 at once, one warning line; set up again, it is taken."""
    client = await hass_client_no_auth()
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    assert setup_entry.state is ConfigEntryState.NOT_LOADED
    caplog.clear()

    status, answer = await post_webhook(
        client, "jellyseerr", load_fixture("seerr_movie_pending.json")
    )

    assert (status, answer) == (503, {"error": "not loaded"})
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "A jellyseerr webhook call came while the entry was not loaded: not taken"
    ]
    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    await hass.async_block_till_done()
    status, _ = await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_pending.json"))
    assert status == 200
    assert sensor(hass).state == "requested"


async def test_disabling_or_removing_the_entry_removes_its_webhooks(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
) -> None:
    """A disabled entry's webhooks go (Home Assistant then answers for them); so do a removed one's."""
    assert set(WEBHOOK_IDS.values()) <= set(hass.data["webhook"])
    await hass.config_entries.async_set_disabled_by(setup_entry.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()
    assert not set(WEBHOOK_IDS.values()) & set(hass.data["webhook"])

    await hass.config_entries.async_set_disabled_by(setup_entry.entry_id, None)
    await hass.async_block_till_done()
    assert set(WEBHOOK_IDS.values()) <= set(hass.data["webhook"])
    assert await hass.config_entries.async_remove(setup_entry.entry_id)
    assert not set(WEBHOOK_IDS.values()) & set(hass.data["webhook"])


async def test_removing_the_entry_deletes_its_storage(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
) -> None:
    """Removing the stack removes its stored requests."""
    client = await hass_client_no_auth()
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_pending.json"))
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(setup_entry.entry_id)
    assert f"{DOMAIN}.{setup_entry.entry_id}" in hass_storage
    await hass.config_entries.async_remove(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert f"{DOMAIN}.{setup_entry.entry_id}" not in hass_storage
