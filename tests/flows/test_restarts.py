"""Restart at every step: the same final state and attributes as without restarts.

The entry is unloaded and set up again from its storage after each event of a flow: the regular
movie and TV flows, and the anime ones on a stack with Shoko (its frames come by webhook).
"""

from __future__ import annotations

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests import (
    NO_RECONCILING,
    sensor,
)
from tests.helpers.flow_steps import FLOWS, Step, comparable, mock_stack


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
    case = FLOWS[flow]
    client = None
    results = []
    for restart in (False, True):
        entry = MockConfigEntry(
            domain=config_entry.domain,
            title=config_entry.title,
            data=case.data,
            options=NO_RECONCILING,
        )
        mock_stack(aioclient_mock, [], shoko="shoko" in case.data)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        client = client or await hass_client_no_auth()
        steps = case.steps(hass, client, aioclient_mock, freezer)
        assert await run_flow(hass, entry, steps, restart=restart) == (
            case.events if restart else 0
        )
        state = sensor(hass, case.entity_id)
        assert state.state == "available"
        # The stored request is compared too: the sensor hides the episodes' Shoko and AniDB
        # ids, the torrents and the check back-off.
        (request,) = entry.runtime_data.coordinator.tracker.requests.values()
        facts = dict(state.attributes) | {
            "episode_shoko_file_ids": [episode.shoko_file_id for episode in request.episodes],
            "episode_anidb_ids": [episode.anidb_episode_id for episode in request.episodes],
        }
        assert {key: facts[key] for key in case.expected} == case.expected
        results.append((comparable(dict(state.attributes)), comparable(request.to_dict())))
        await hass.config_entries.async_remove(entry.entry_id)  # its storage goes with it
        await hass.async_block_till_done()
    assert results[1] == results[0]
