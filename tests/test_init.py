"""Set-up, unload, restart from storage, outages, retention, removal and diagnostics."""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN
from custom_components.media_request_tracker.diagnostics import (
    async_get_config_entry_diagnostics,
)

from . import (
    ARRIVAL_ENTITY,
    ENTRY_DATA,
    JELLYFIN_URL,
    QBIT_URL,
    WEBHOOK_IDS,
    advance,
    leaked_secrets,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    setup_integration,
    torrent,
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


async def test_restart_mid_flow_loses_nothing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A request downloading when Home Assistant stops is downloading after it starts again."""
    client = await hass_client_no_auth()
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_approved.json"))
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.5, dlspeed=1000)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    before = sensor(hass)
    assert before.state == "downloading"

    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.{setup_entry.entry_id}"]
    assert stored["version"] == 1
    assert stored["data"]["requests"][0]["state"] == "downloading"

    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    await hass.async_block_till_done()
    after = sensor(hass)
    assert after.state == "downloading"
    assert after.attributes == before.attributes

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="uploading", progress=1)])
    await advance(hass, freezer, timedelta(seconds=5))
    assert sensor(hass).state == "downloaded"


async def test_store_of_an_older_minor_version_is_loaded(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A file written by an older minor version goes through the migration hook and loads."""
    now = dt_util.utcnow().isoformat()
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 0,
        "key": f"{DOMAIN}.{config_entry.entry_id}",
        "data": {
            "next_id": 5,
            "requests": [
                {
                    "request_id": "4",
                    "media_type": "movie",
                    "state": "approved",
                    "created_at": now,
                    "state_since": now,
                    "title": "Arrival",
                    "year": 2016,
                    "tmdb_id": 329865,
                    "a_field_from_the_future": True,
                }
            ],
        },
    }
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, config_entry)
    state = sensor(hass)
    assert state.state == "approved"
    assert state.attributes["request_id"] == "4"
    await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass_storage[f"{DOMAIN}.{config_entry.entry_id}"]["minor_version"] == 1


# A service that refuses connections, and one so slow that our 15 s timeout gives up.
FAULTS = pytest.mark.parametrize(
    "fault", [aiohttp.ClientConnectionError(), TimeoutError()], ids=["down", "timeout"]
)


@FAULTS
async def test_qbittorrent_outage_makes_downloads_unavailable_and_recovers(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: Exception,
) -> None:
    """While qBittorrent is down or times out, a downloading request is unavailable, never failed."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.2, dlspeed=5)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await post_webhook(
        client,
        "jellyseerr",
        load_fixture("seerr_movie_pending.json")
        | {"subject": "Dune (2021)", "media": {"media_type": "movie", "tmdbId": "438631"}},
    )
    await hass.async_block_till_done()
    assert sensor(hass).state == "downloading"

    replace_mocks(aioclient_mock)
    aioclient_mock.get(f"{QBIT_URL}/api/v2/sync/maindata", exc=fault)
    caplog.clear()
    for _ in range(3):
        await advance(hass, freezer, timedelta(seconds=5))
    assert sensor(hass).state == STATE_UNAVAILABLE
    assert sensor(hass, "sensor.media_request_tracker_dune_2021").state == "requested"
    lost = [r for r in caplog.records if "qBittorrent cannot be reached" in r.getMessage()]
    assert len(lost) == 1

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.6, dlspeed=5)])
    await advance(hass, freezer, timedelta(seconds=5))
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["progress"] == 60.0
    assert sum("recovered" in r.getMessage() for r in caplog.records) == 1


async def test_session_expiry_logs_in_again(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A 403 (qBittorrent restarted or the session timed out) is followed by one new login."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    aioclient_mock.post(f"{QBIT_URL}/api/v2/auth/login", text="Ok.")
    aioclient_mock.get(f"{QBIT_URL}/api/v2/sync/maindata", status=403, text="Forbidden")
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    logins = [call for call in aioclient_mock.mock_calls if "auth/login" in str(call[1])]
    infos = [call for call in aioclient_mock.mock_calls if "sync/maindata" in str(call[1])]
    assert (len(logins), len(infos)) == (1, 2)


async def test_finished_requests_are_forgotten_after_the_retention(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A declined request disappears (entity and registry entry) 30 days later."""
    client = await hass_client_no_auth()
    pending = load_fixture("seerr_movie_pending.json")
    await post_webhook(client, "jellyseerr", pending)
    await post_webhook(client, "jellyseerr", pending | {"notification_type": "MEDIA_DECLINED"})
    await hass.async_block_till_done()
    assert entity_registry.async_get(ARRIVAL_ENTITY) is not None

    await advance(hass, freezer, timedelta(days=29))
    assert sensor(hass).state == "declined"
    await advance(hass, freezer, timedelta(days=1, hours=1))
    assert hass.states.get(ARRIVAL_ENTITY) is None
    assert entity_registry.async_get(ARRIVAL_ENTITY) is None
    assert setup_entry.runtime_data.coordinator.tracker.requests == {}


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


async def import_arrival(
    hass: HomeAssistant, client: Any, aioclient_mock: AiohttpClientMocker
) -> None:
    """Track Arrival up to its import (grab first, so the request exists)."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledUP", progress=1)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await post_webhook(client, "radarr", load_fixture("radarr_download.json"))
    await hass.async_block_till_done()
    assert sensor(hass).state == "importing"


@FAULTS
async def test_jellyfin_outage_delays_verification_without_failing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: Exception,
) -> None:
    """Jellyfin down: the request waits (logged once), and is verified once Jellyfin is back."""
    client = await hass_client_no_auth()
    await import_arrival(hass, client, aioclient_mock)
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", exc=fault)
    for seconds in (10, 30, 60):
        await advance(hass, freezer, timedelta(seconds=seconds))
    assert sensor(hass).state == "importing"
    assert sum("Jellyfin cannot be reached" in r.getMessage() for r in caplog.records) == 1

    replace_mocks(aioclient_mock)
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json=load_fixture("jellyfin_items_arrival.json"))
    await advance(hass, freezer, timedelta(seconds=120))
    assert sensor(hass).state == "available"
    assert sum("Jellyfin can be reached again" in r.getMessage() for r in caplog.records) == 1


async def test_without_jellyfin_jellyseerr_completes_the_request(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A stack without Jellyfin is completed by Jellyseerr's MEDIA_AVAILABLE."""
    data = {key: value for key, value in ENTRY_DATA.items() if key != "jellyfin"}
    data["webhook_ids"] = {k: v for k, v in WEBHOOK_IDS.items() if k != "jellyfin"}
    entry = MockConfigEntry(domain=DOMAIN, title="Media Request Tracker", data=data)
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, entry)
    client = await hass_client_no_auth()
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_approved.json"))
    await import_arrival(hass, client, aioclient_mock)
    await advance(hass, freezer, timedelta(hours=1))
    assert sensor(hass).state == "importing"
    assert not any(str(call[1]).startswith(JELLYFIN_URL) for call in aioclient_mock.mock_calls)

    available = load_fixture("seerr_movie_approved.json") | {"notification_type": "MEDIA_AVAILABLE"}
    await post_webhook(client, "jellyseerr", available)
    await hass.async_block_till_done()
    assert sensor(hass).state == "available"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_unreadable_store_starts_empty_with_a_repair_issue(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stored data that is not a tracker: start with no requests, tell the user, keep running."""
    key = f"{DOMAIN}.{config_entry.entry_id}"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {"requests": [{"request_id": "1", "state": "teleported"}]},
    }
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.runtime_data.coordinator.tracker.requests == {}
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"storage_unreadable_{config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "storage_unreadable"
    assert issue.severity is ir.IssueSeverity.ERROR
    errors = [
        r
        for r in caplog.records
        if r.levelname == "ERROR" and r.name.startswith("custom_components")
    ]
    assert len(errors) == 1
    assert "could not be read" in errors[0].getMessage()
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_unreadable_store_file_is_kept_and_never_overwritten(
    hass: HomeAssistant, setup_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """The bad file is renamed aside; a second bad file gets its own name."""
    coordinator = setup_entry.runtime_data.coordinator
    path = Path(coordinator.storage.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = []
    for content in ("first bad file", "second bad file"):
        path.write_text(content)
        await coordinator.storage.async_set_aside(ValueError("bad"))
        freezer.tick(timedelta(seconds=1))
        kept = sorted(path.parent.glob(f"{path.name}.unreadable.*"))
    assert not path.exists()
    assert [item.read_text() for item in kept] == ["first bad file", "second bad file"]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"storage_unreadable_{setup_entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"path": str(kept[-1])}
    for item in kept:
        item.unlink()


def test_the_log_check_catches_keys_passwords_and_webhook_ids() -> None:
    """The suite-wide log check (conftest) finds what it must, where it must."""

    def record(name: str, message: str, *args: Any) -> logging.LogRecord:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, None)

    webhook_id = WEBHOOK_IDS["radarr"]
    try:
        raise ValueError(f"bad key {ENTRY_DATA['sonarr']['api_key']}")
    except ValueError:
        failed = record("custom_components.media_request_tracker", "failed")
        failed.exc_info = sys.exc_info()
    assert leaked_secrets(
        [
            record("custom_components.media_request_tracker", "calling with %s", "radarr-key"),
            record("homeassistant.config_entries", "login adminadmin refused"),
            record("custom_components.media_request_tracker.webhook", f"hook {webhook_id}"),
            record("homeassistant.components.webhook", f"Handling webhook {webhook_id}"),
            record("aiohttp.access", f"POST /api/webhook/{webhook_id}?key=radarr-key"),
            failed,
            record("custom_components.media_request_tracker", "nothing to see"),
        ]
    ) == [
        "custom_components.media_request_tracker: radarr-key",
        "homeassistant.config_entries: adminadmin",
        f"custom_components.media_request_tracker.webhook: {webhook_id}",
        "aiohttp.access: radarr-key",
        "custom_components.media_request_tracker: sonarr-key",
    ]
