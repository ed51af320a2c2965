"""Every order in which one movie's webhooks and polls can arrive reaches the same end."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
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
    request_states,
    sensor,
    torrent,
)

# Radarr reports the import as an upgrade when a file of the movie was already on disk.
STEPS = ("seerr approved", "radarr grab", "torrent complete", "radarr import (upgrade)")
ORDERS = list(itertools.permutations(STEPS))


@pytest.mark.parametrize("order", ORDERS, ids=[" then ".join(order) for order in ORDERS])
async def test_every_delivery_order_reaches_available(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    order: tuple[str, ...],
) -> None:
    """24 orders of four events, then Jellyfin: always available, with every id known."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledUP", progress=1)])
    mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))

    async def post(service: str, payload: dict[str, Any]) -> None:
        assert (await post_webhook(client, service, payload))[0] == 200
        await hass.async_block_till_done()

    async def poll() -> None:
        await setup_entry.runtime_data.coordinator.async_refresh()
        await hass.async_block_till_done()

    actions: dict[str, Callable[[], Awaitable[None]]] = {
        "seerr approved": lambda: post("jellyseerr", load_fixture("seerr_movie_approved.json")),
        "radarr grab": lambda: post("radarr", load_fixture("radarr_grab.json")),
        "torrent complete": poll,
        "radarr import (upgrade)": lambda: post(
            "radarr", load_fixture("radarr_download.json") | {"isUpgrade": True}
        ),
    }
    for step in order:
        await actions[step]()
    await advance(hass, freezer, 60)

    state = sensor(hass)
    assert state.state == "available"
    assert state.attributes["jellyseerr_id"] == 12
    assert state.attributes["radarr_id"] == 7
    assert state.attributes["qbit_hash"] == "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"
    assert state.attributes["jellyfin_id"] == "0b1c2d3e4f5061728394a5b6c7d8e9f0"
    assert len(request_states(hass)) == 1
