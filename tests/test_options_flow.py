"""Options flow: poll intervals, anime tag, retention and limits, local only, stuck limits."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.tracker import RequestState

from . import (
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    setup_integration,
    torrent,
)

# The stuck limits the options form offers by default, in hours (the defaults).
STUCK_DEFAULT_HOURS = {
    "requested": 168.0,
    "approved": 6.0,
    "grabbing": 1.0,
    "downloading": 24.0,
    "downloaded": 2.0,
    "importing": 2.0,
    "anime_matching": 6.0,
}


async def test_options_flow_saves_whole_numbers_and_applies_them_without_a_reload(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """Options are stored and applied at once, by the same coordinator (no reload)."""
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, config_entry)
    first = config_entry.runtime_data.coordinator
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    defaults = result["data_schema"]({})
    assert defaults["poll_active"] == 5
    assert defaults["abandon_days"] == 90
    assert defaults["max_requests"] == 1000
    assert defaults["stuck_after"] == STUCK_DEFAULT_HOURS
    # The frontend fills a section from the section's own default: it must hold every value.
    # The form as the frontend gets it, over HTTP (Home Assistant serialises it with
    # voluptuous_serialize before 2026.9 and with probatio's to_field_list since).
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    response = await client.post(
        "/api/config/config_entries/options/flow", json={"handler": config_entry.entry_id}
    )
    assert response.status == 200
    form = (await response.json())["data_schema"]
    fields = {field["name"]: field for field in form}
    assert fields["max_requests"]["default"] == 1000
    assert fields["max_requests"]["selector"]["number"] == {
        "min": 50,
        "max": 100_000,
        "step": 1,
        "mode": "box",
    }
    assert fields["abandon_days"]["default"] == 90
    assert fields["abandon_days"]["selector"]["number"] == {
        "min": 0,  # 0: never
        "max": 3650,
        "step": 1,
        "mode": "box",
        "unit_of_measurement": "d",
    }
    section = fields["stuck_after"]
    assert section["type"] == "expandable"
    assert section["default"] == STUCK_DEFAULT_HOURS
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "poll_active": 3.0,
            "poll_idle": 60.0,
            "anime_tag": "Anime",
            "keep_days": 7.0,
            "abandon_days": 0.0,
            "max_requests": 5000.0,
            "local_only": False,
            "reconcile_minutes": 30.0,
            "backfill": True,
            "stuck_after": {**STUCK_DEFAULT_HOURS, "grabbing": 0.5, "downloading": 0},
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {
        "poll_active": 3,
        "poll_idle": 60,
        "anime_tag": "Anime",
        "keep_days": 7,
        "abandon_days": 0,
        "max_requests": 5000,
        "local_only": False,
        "reconcile_minutes": 30,
        "backfill": True,
        "stuck_after": {**STUCK_DEFAULT_HOURS, "grabbing": 0.5, "downloading": 0.0},
    }
    assert config_entry.runtime_data.coordinator is first
    options = config_entry.runtime_data.coordinator.options
    assert options.anime_tag == "Anime"
    assert options.abandon_after is None  # 0 d: never abandoned
    assert options.max_requests == 5000
    assert options.reconcile_every == timedelta(minutes=30)
    limits = config_entry.runtime_data.coordinator.options.stuck_limits
    assert limits[RequestState.GRABBING] == timedelta(minutes=30)
    assert RequestState.DOWNLOADING not in limits  # 0 h: never flagged
    assert limits[RequestState.REQUESTED] == timedelta(days=7)
    again = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert again["data_schema"]({})["stuck_after"]["grabbing"] == 0.5  # the form shows them
    hass.config_entries.options.async_abort(again["flow_id"])
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_a_new_poll_interval_applies_to_the_running_download(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A download polled every 5 s is polled every 2 s once the option says so, no reload."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.2)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    coordinator = setup_entry.runtime_data.coordinator
    assert coordinator.update_interval == timedelta(seconds=5)

    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    changed = result["data_schema"]({"poll_active": 2})
    await hass.config_entries.options.async_configure(result["flow_id"], changed)
    await hass.async_block_till_done()

    assert setup_entry.runtime_data.coordinator is coordinator
    assert coordinator.update_interval == timedelta(seconds=2)
    assert sensor(hass).state == "downloading"
