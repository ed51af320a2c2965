"""Diagnostics: the requests and the coordinator, without a key, password, URL or webhook id."""

from __future__ import annotations

import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.media_request_tracker.diagnostics import async_get_config_entry_diagnostics

from . import (
    ENTRY_DATA,
    WEBHOOK_IDS,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    torrent,
)


async def test_diagnostics_redact_secrets_urls_and_webhook_ids(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Diagnostics hold the requests but no key, password, URL or webhook id."""
    client = await hass_client_no_auth()
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_pending.json"))
    await post_webhook(client, "radarr", load_fixture("radarr_download.json"))
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
    # Who asked, and where files live (a user's or a share's name), are left out too.
    assert diagnostics["requests"][0]["requested_by"] == "**REDACTED**"
    assert diagnostics["requests"][0]["final_path"] == "**REDACTED**"
    assert "carol" not in text
    assert "/media/movies" not in text
    assert diagnostics["entry"]["services"] == [
        "jellyfin",
        "jellyseerr",
        "qbittorrent",
        "radarr",
        "sonarr",
    ]
    assert diagnostics["coordinator"]["last_update_success"] is True


async def test_diagnostics_snapshot(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """The whole diagnostics of a stack with a movie downloading and a TV request approved."""
    freezer.move_to("2026-03-02T09:00:00+00:00")
    client = await hass_client_no_auth()
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_approved.json"))
    await post_webhook(client, "jellyseerr", load_fixture("seerr_tv_approved.json"))
    await advance(hass, freezer, 60)
    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock, [torrent(state="downloading", progress=0.4, dlspeed=6_000_000, eta=500)]
    )
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    assert await async_get_config_entry_diagnostics(hass, setup_entry) == snapshot
