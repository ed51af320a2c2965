"""Set-up (retried, or reauth), unload and reload, and removing the entry."""

from __future__ import annotations

from typing import Any

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN

from . import (
    QBIT_URL,
    WEBHOOK_IDS,
    load_fixture,
    post_webhook,
    sensor,
)


async def test_setup_retries_while_qbittorrent_is_down(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_entry: MockConfigEntry
) -> None:
    """An unreachable qBittorrent at start-up means "not ready", retried later."""
    aioclient_mock.post(f"{QBIT_URL}/api/v2/auth/login", exc=aiohttp.ClientConnectionError())
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_with_wrong_password_starts_reauth(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_entry: MockConfigEntry
) -> None:
    """qBittorrent 5.2 answers a wrong password with 401: the user is asked for a new one."""
    aioclient_mock.post(f"{QBIT_URL}/api/v2/auth/login", status=401, text="")
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_unload_removes_webhooks_and_reload_works(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """After unload the webhooks are gone; a reload brings them and the requests back."""
    client = await hass_client_no_auth()
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_pending.json"))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert setup_entry.state is ConfigEntryState.NOT_LOADED
    assert not set(WEBHOOK_IDS.values()) & set(hass.data.get("webhook", {}))
    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert set(WEBHOOK_IDS.values()) <= set(hass.data["webhook"])
    assert sensor(hass).state == "requested"


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
