"""Diagnostics: the requests and the coordinator, without a key, password, URL or webhook id."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.diagnostics import async_get_config_entry_diagnostics

from . import (
    ENTRY_DATA,
    WEBHOOK_IDS,
    load_fixture,
    post_webhook,
)


async def test_diagnostics_redact_secrets_urls_and_webhook_ids(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Diagnostics hold the requests but no key, password, URL or webhook id."""
    client = await hass_client_no_auth()
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_pending.json"))
    await hass.async_block_till_done()
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    text = json.dumps(diagnostics)
    secrets = [
        value
        for service, conf in ENTRY_DATA.items()
        if service != "webhook_ids"
        for value in conf.values()
    ]
    for secret in [*secrets, *WEBHOOK_IDS.values()]:
        assert secret not in text
    assert diagnostics["requests"][0]["title"] == "Arrival"
    assert diagnostics["entry"]["services"] == [
        "jellyfin",
        "jellyseerr",
        "qbittorrent",
        "radarr",
        "sonarr",
    ]
    assert diagnostics["coordinator"]["last_update_success"] is True
