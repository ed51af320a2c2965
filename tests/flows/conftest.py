"""Fixtures of the end-to-end stories."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN

from .. import NO_RECONCILING, SHOKO_URL, mock_qbittorrent, setup_integration
from ..helpers.anime import ANIME_ENTRY_DATA
from ..helpers.running_stack import RunningStack


@pytest.fixture
async def stack(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> RunningStack:
    """The stack of `setup_entry`, with a client for its webhooks and the time under control."""
    return RunningStack(hass, await hass_client_no_auth(), aioclient_mock, freezer)


@pytest.fixture
async def anime_entry(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> AsyncGenerator[MockConfigEntry]:
    """A stack with Shoko; its event stream is down (negotiate fails), so only the webhook works."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Media Request Tracker", data=ANIME_ENTRY_DATA, options=NO_RECONCILING
    )
    mock_qbittorrent(aioclient_mock, [])
    aioclient_mock.post(f"{SHOKO_URL}/signalr/aggregate/negotiate", status=503)
    await setup_integration(hass, entry)
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
