"""The tracker in storage: restored after a restart, migrated, set aside when unreadable."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN, STORAGE_VERSION
from custom_components.media_request_tracker.tracker import Request, Tracker

from . import (
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    setup_integration,
    torrent,
)
from .tracker.test_stored import every_field_set


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
    assert stored["version"] == STORAGE_VERSION
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


async def test_store_of_version_1_is_migrated_and_loaded(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A file of version 1.0 (every field by name) goes through the migration hook and loads."""
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
    saved = hass_storage[f"{DOMAIN}.{config_entry.entry_id}"]
    assert (saved["version"], saved["minor_version"]) == (STORAGE_VERSION, 1)


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
        "data": {"requests": "not a list of requests", "next_id": "x"},
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


def stored_request(request_id: str, **fields: Any) -> dict[str, Any]:
    """Return a stored movie request, as a snapshot holds it."""
    now = dt_util.utcnow().isoformat()
    return {
        "request_id": request_id,
        "media_type": "movie",
        "state": "approved",
        "created_at": now,
        "state_since": now,
        "title": "Arrival",
        "year": 2016,
        "tmdb_id": 329865,
    } | fields


@pytest.mark.parametrize("version", [1, STORAGE_VERSION])
async def test_an_unreadable_request_is_set_aside_and_the_others_kept(
    version: int,
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """One bad record among good ones: only it is kept aside, and the repair says how many.

    A file of version 1 is migrated first: the records it cannot read reach the file aside as
    they were stored.
    """
    key = f"{DOMAIN}.{config_entry.entry_id}"
    bad = [stored_request("2", state="teleported"), {"request_id": "3"}]
    hass_storage[key] = {
        "version": version,
        "minor_version": 1,
        "key": key,
        "data": {"next_id": 4, "requests": [stored_request("1"), *bad]},
    }
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert list(config_entry.runtime_data.coordinator.tracker.requests) == ["1"]
    assert sensor(hass).state == "approved"
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"storage_records_unreadable_{config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "storage_records_unreadable"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["count"] == "2"
    aside = Path(issue.translation_placeholders["path"])
    assert json.loads(aside.read_text())["requests"] == bad
    aside.unlink()
    await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    # The good request is saved; the bad ones live on in the file aside only.
    assert [r["request_id"] for r in hass_storage[key]["data"]["requests"]] == ["1"]


async def test_a_store_from_a_newer_major_version_is_refused_and_kept(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """After a downgrade: the entry does not start, and the newer file is not overwritten."""
    key = f"{DOMAIN}.{config_entry.entry_id}"
    newer = {
        "version": STORAGE_VERSION + 1,
        "minor_version": 1,
        "key": key,
        "data": {"next_id": 2, "requests": [stored_request("1")], "layout": "of the future"},
    }
    hass_storage[key] = json.loads(json.dumps(newer))
    mock_qbittorrent(aioclient_mock, [])
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert "newer version" in str(config_entry.reason)
    assert hass_storage[key] == newer


async def test_every_field_of_a_version_1_store_survives_the_migration_and_a_restart(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A file in the old layout, written as version 1 wrote it, loads field for field.

    Saved again it is in the compact layout (episodes as rows), and loads the same once more.
    """
    key = f"{DOMAIN}.{config_entry.entry_id}"
    old = Tracker()
    old.requests = {request.request_id: request for request in every_field_set_requests()}
    version_1 = json.loads(json.dumps(old.to_dict()))
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": version_1}
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, config_entry)
    restored = config_entry.runtime_data.coordinator.tracker
    assert restored.to_dict()["requests"] == version_1["requests"]

    await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    saved = hass_storage[key]
    assert saved["version"] == STORAGE_VERSION
    assert all(isinstance(row, list) for row in saved["data"]["requests"][0]["episodes"])
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    again = config_entry.runtime_data.coordinator.tracker
    assert again.to_dict()["requests"] == version_1["requests"]
    await hass.config_entries.async_unload(config_entry.entry_id)


def every_field_set_requests() -> list[Request]:
    """Return a TV request with every field set, and a movie with almost none.

    The TV request's media-server check is planned well ahead: none is made during the test.
    """
    tv = every_field_set()
    tv.next_verify_at = dt_util.utcnow() + timedelta(days=30)
    return [tv, Request.from_dict(stored_request("9"))]
