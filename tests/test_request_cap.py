"""The cap on tracked requests: first-finished forgotten, stalest abandoned, the repair issue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN, EVENT_STATE_CHANGED

from . import (
    ENTRY_DATA,
    NO_RECONCILING,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    sensor,
)

CAP = 3


def entity(number: int) -> str:
    """Return the sensor of "Movie <number> (2001)"."""
    return f"sensor.media_request_tracker_movie_{number}_2001"


def seerr_notice(number: int, notification_type: str) -> dict[str, Any]:
    """Return Jellyseerr's notification about request <number>, for "Movie <number>"."""
    payload: dict[str, Any] = load_fixture("seerr_movie_pending.json")
    payload["notification_type"] = notification_type
    payload["subject"] = f"Movie {number} (2001)"
    payload["media"]["tmdbId"] = str(1000 + number)
    payload["request"]["request_id"] = str(number)
    return payload


def radarr_grab(number: int) -> dict[str, Any]:
    """Return Radarr's grab of "Movie <number>", a title no Jellyseerr request named."""
    payload: dict[str, Any] = load_fixture("radarr_grab.json")
    ids = {"tmdbId": 1000 + number, "imdbId": f"tt{number:07d}", "year": 2001}
    payload["movie"] |= {"id": 100 + number, "title": f"Movie {number}", **ids}
    payload["remoteMovie"] = {"title": f"Movie {number}", **ids}
    payload["release"]["releaseTitle"] = f"Movie.{number}.2001.1080p.BluRay.x264-SPARKS"
    payload["downloadId"] = f"{number:040X}"
    return payload


def cap_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    """Return the entry's repair issue about requests abandoned for the cap, if raised."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"requests_abandoned_{entry.entry_id}")


async def test_the_cap_forgets_the_first_finished_then_abandons_the_stalest(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Over the cap, declined requests go oldest first; then the longest idle grab fails."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Media Request Tracker",
        data=ENTRY_DATA,
        options=NO_RECONCILING | {"max_requests": CAP},
    )
    mock_qbittorrent(aioclient_mock, [])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    changed = async_capture_events(hass, EVENT_STATE_CHANGED)
    client = await hass_client_no_auth()

    async def post(service: str, payload: dict[str, Any]) -> None:
        assert (await post_webhook(client, service, payload))[0] == 200
        await hass.async_block_till_done()

    for number in (1, 2):  # requested and declined, an hour apart
        await post("jellyseerr", seerr_notice(number, "MEDIA_PENDING"))
        await post("jellyseerr", seerr_notice(number, "MEDIA_DECLINED"))
        await advance(hass, freezer, timedelta(hours=1))
    await post("radarr", radarr_grab(3))
    assert [sensor(hass, entity(n)).state for n in (1, 2, 3)] == [
        "declined",
        "declined",
        "grabbing",
    ]

    await advance(hass, freezer, timedelta(hours=1))
    await post("radarr", radarr_grab(4))
    assert hass.states.get(entity(1)) is None  # the first to finish, forgotten
    assert entity_registry.async_get(entity(1)) is None
    assert sensor(hass, entity(2)).state == "declined"

    await advance(hass, freezer, timedelta(hours=1))
    await post("radarr", radarr_grab(5))
    assert hass.states.get(entity(2)) is None
    assert cap_issue(hass, entry) is None  # nothing abandoned yet

    # Nothing finished is left: the grab without news the longest (3) fails as abandoned.
    await advance(hass, freezer, timedelta(hours=1))
    await post("radarr", radarr_grab(6))
    state = sensor(hass, entity(3))
    assert state.state == "failed"
    assert state.attributes["failure_code"] == "abandoned"
    assert state.attributes["failure_reason"] == "abandoned: more than 3 requests tracked"
    assert [(event.data["entity_id"], event.data["from_state"]) for event in changed[-2:]] == [
        (entity(6), None),
        (entity(3), "grabbing"),
    ]
    assert changed[-1].data["to_state"] == "failed"
    issue = cap_issue(hass, entry)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.is_fixable is False
    assert issue.translation_key == "requests_abandoned"
    assert issue.translation_placeholders == {"count": "1", "limit": "3"}

    # The abandoned request keeps its place until the next one needs it; the count grows.
    await advance(hass, freezer, timedelta(hours=1))
    await post("radarr", radarr_grab(7))
    assert hass.states.get(entity(3)) is None
    assert sensor(hass, entity(4)).state == "failed"
    assert [sensor(hass, entity(n)).state for n in (5, 6, 7)] == ["grabbing"] * 3
    issue = cap_issue(hass, entry)
    assert issue is not None
    assert issue.translation_placeholders == {"count": "2", "limit": "3"}
    warnings = [r for r in caplog.records if "fail as abandoned" in r.getMessage()]
    assert [r.levelname for r in warnings] == ["WARNING"]  # once, not once per request

    # Raising the cap (applied at once): the issue goes, the requests stay.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    raised = result["data_schema"]({"max_requests": 50})  # the other options as they were
    result = await hass.config_entries.options.async_configure(result["flow_id"], raised)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.runtime_data.coordinator.options.max_requests == 50
    assert cap_issue(hass, entry) is None
    assert [sensor(hass, entity(n)).state for n in (4, 5, 6, 7)] == ["failed", *["grabbing"] * 3]
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_cap_lowered_below_the_tracked_requests_applies_with_the_next_one(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Requests over a cap lowered meanwhile stay until a new one arrives; then all over go."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Media Request Tracker", data=ENTRY_DATA, options=NO_RECONCILING
    )
    mock_qbittorrent(aioclient_mock, [])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    for number in (1, 2, 3):
        await post_webhook(client, "jellyseerr", seerr_notice(number, "MEDIA_PENDING"))
        await post_webhook(client, "jellyseerr", seerr_notice(number, "MEDIA_DECLINED"))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)

    hass.config_entries.async_update_entry(entry, options=NO_RECONCILING | {"max_requests": 1})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert [sensor(hass, entity(n)).state for n in (1, 2, 3)] == ["declined"] * 3

    await post_webhook(client, "jellyseerr", seerr_notice(4, "MEDIA_PENDING"))
    await hass.async_block_till_done()
    assert [hass.states.get(entity(n)) is None for n in (1, 2, 3)] == [True] * 3
    assert sensor(hass, entity(4)).state == "requested"
    assert cap_issue(hass, entry) is None  # only finished ones went: nothing abandoned
    await hass.config_entries.async_unload(entry.entry_id)
