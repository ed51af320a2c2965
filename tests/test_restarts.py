"""Restart at every step: the same final state and attributes as without restarts.

The entry is unloaded and set up again from its storage after each event of a flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from . import (
    JELLYFIN_URL,
    QBIT_URL,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    torrent,
)

type Step = Callable[[], Awaitable[None]]

# Attributes that record when something happened: equal only up to the clock, so compared apart.
TIMES = ("state_since", "created_at", "available_at", "history")


def comparable(attributes: dict[str, Any]) -> dict[str, Any]:
    """Return the attributes without times, plus the sequence of states in the history."""
    kept = {key: value for key, value in attributes.items() if key not in TIMES}
    kept["history_states"] = [entry["state"] for entry in attributes["history"]]
    return kept


async def run_flow(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    steps: list[Step],
    *,
    restart: bool,
) -> int:
    """Run the steps, unloading and setting the entry up again after each one if asked."""
    restarts = 0
    for step in steps:
        await step()
        await hass.async_block_till_done()
        if restart:
            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            restarts += 1
    return restarts


def movie_steps(
    hass: HomeAssistant,
    client: Any,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> list[Step]:
    """The regular movie flow, one event per step."""

    async def post(service: str, fixture: str) -> None:
        assert (await post_webhook(client, service, load_fixture(fixture)))[0] == 200

    async def qbittorrent_says(**changes: Any) -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [torrent(**changes)])
        mock_jellyfin_items(aioclient_mock, {"Items": []})
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)

    async def grab() -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [torrent(state="metaDL")])
        await post("radarr", "radarr_grab.json")

    async def jellyfin_has_it() -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [])
        mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass)

    return [
        lambda: post("jellyseerr", "seerr_movie_pending.json"),
        lambda: post("jellyseerr", "seerr_movie_approved.json"),
        grab,
        lambda: qbittorrent_says(state="downloading", progress=0.4, dlspeed=1000, eta=60),
        lambda: qbittorrent_says(state="stalledUP", progress=1),
        lambda: post("radarr", "radarr_download.json"),
        jellyfin_has_it,
    ]


def tv_steps(
    hass: HomeAssistant,
    client: Any,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> list[Step]:
    """The regular TV flow for a 13-episode season pack, one event per step."""
    pack = "b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0"

    async def post(service: str, fixture: str) -> None:
        assert (await post_webhook(client, service, load_fixture(fixture)))[0] == 200

    async def qbittorrent_says(**changes: Any) -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [torrent(hash=pack, **changes)])
        aioclient_mock.get(
            f"{QBIT_URL}/api/v2/torrents/files",
            json=load_fixture("qbittorrent_torrent_files_season_pack.json"),
        )
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)

    async def grab() -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [torrent(hash=pack, state="metaDL")])
        await post("sonarr", "sonarr_grab_season_pack.json")

    async def jellyfin_has_them() -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [])
        aioclient_mock.get(
            f"{JELLYFIN_URL}/Items", json=load_fixture("jellyfin_series_search.json")
        )
        aioclient_mock.get(
            f"{JELLYFIN_URL}/Shows/5d1f2e3c4b5a69788796a5b4c3d2e1aa/Episodes",
            json=load_fixture("jellyfin_show_episodes.json"),
        )
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass)

    return [
        lambda: post("jellyseerr", "seerr_tv_approved.json"),
        grab,
        lambda: qbittorrent_says(state="downloading", progress=0.5, dlspeed=1000, eta=60),
        lambda: qbittorrent_says(state="stalledUP", progress=1),
        lambda: post("sonarr", "sonarr_import_complete.json"),
        jellyfin_has_them,
    ]


FLOWS = {
    "movie": (movie_steps, "sensor.media_request_tracker_arrival_2016", 7),
    "tv": (tv_steps, "sensor.media_request_tracker_breaking_bad_2008", 6),
}


@pytest.mark.parametrize("flow", list(FLOWS))
async def test_a_restart_after_every_event_changes_nothing(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    flow: str,
) -> None:
    """The flow once straight through, once with a restart after each event: same result."""
    make_steps, entity_id, events = FLOWS[flow]
    client = None
    results = []
    for restart in (False, True):
        entry = MockConfigEntry(
            domain=config_entry.domain, title=config_entry.title, data=config_entry.data
        )
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [])
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        client = client or await hass_client_no_auth()
        steps = make_steps(hass, client, aioclient_mock, freezer)
        assert await run_flow(hass, entry, steps, restart=restart) == (events if restart else 0)
        state = sensor(hass, entity_id)
        assert state.state == "available"
        results.append(comparable(dict(state.attributes)))
        await hass.config_entries.async_remove(entry.entry_id)  # its storage goes with it
        await hass.async_block_till_done()
    assert results[1] == results[0]
