"""Jellyfin verification of imported requests: Jellyfin down or slow, or no Jellyfin at all."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.media_request_tracker.const import DOMAIN, EVENT_STATE_CHANGED

from . import (
    ENTRY_DATA,
    FAULTS,
    JELLYFIN_URL,
    NO_RECONCILING,
    WEBHOOK_IDS,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    request_states,
    sensor,
    setup_integration,
    torrent,
)


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
    entry = MockConfigEntry(
        domain=DOMAIN, title="Media Request Tracker", data=data, options=NO_RECONCILING
    )
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


async def test_a_slow_jellyfin_gets_one_check_at_a_time(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Events and due times while Jellyfin is slow: still one search in flight, then found."""
    client = await hass_client_no_auth()
    await import_arrival(hass, client, aioclient_mock)
    release = asyncio.Event()
    in_flight: list[int] = []
    calls = 0

    async def slow_items(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        nonlocal calls
        calls += 1
        in_flight.append(calls)
        await release.wait()
        in_flight.pop()
        return AiohttpClientMockResponse(
            method, url, json=load_fixture("jellyfin_items_arrival.json")
        )

    aioclient_mock.get(f"{JELLYFIN_URL}/Items", side_effect=slow_items)
    try:
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        for _ in range(5):  # while it waits: events that reschedule, and later due times
            await post_webhook(client, "radarr", load_fixture("radarr_download.json"))
            freezer.tick(timedelta(seconds=60))
            async_fire_time_changed(hass)
            for _ in range(10):
                await asyncio.sleep(0)
        assert calls == 1
        assert in_flight == [1]
    finally:
        release.set()  # a failed check must not leave the search hanging
    await hass.async_block_till_done()
    assert sensor(hass).state == "available"
    assert calls == 1


class SlowItems:
    """Jellyfin's /Items answering Arrival only once released; counts searches in flight."""

    def __init__(self) -> None:
        """Hold every search until `release` is set."""
        self.release = asyncio.Event()
        self.calls = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def answer(self, method: str, url: URL, _data: Any) -> AiohttpClientMockResponse:
        """Answer one search, once released (a cancelled search leaves the count too)."""
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.release.wait()
        finally:
            self.in_flight -= 1
        return AiohttpClientMockResponse(
            method, url, json=load_fixture("jellyfin_items_arrival.json")
        )


async def settle() -> None:
    """Let the event loop run what is ready (without waiting for the held searches)."""
    for _ in range(20):
        await asyncio.sleep(0)


ITEM_ADDED = {
    "NotificationType": "ItemAdded",
    "ItemType": "Movie",
    "Name": "Arrival",
    "Provider_tmdb": "329865",
    "Provider_imdb": "tt2543164",
}


async def test_jellyfins_item_added_during_a_check_starts_no_second_one(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The manual trigger (Jellyfin's ItemAdded) while Arrival is being looked for: one search."""
    client = await hass_client_no_auth()
    await import_arrival(hass, client, aioclient_mock)
    items = SlowItems()
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", side_effect=items.answer)
    try:
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        await settle()
        for _ in range(3):
            assert (await post_webhook(client, "jellyfin", ITEM_ADDED))[0] == 200
            freezer.tick(timedelta(seconds=30))
            async_fire_time_changed(hass)
            await settle()
        assert (items.calls, items.in_flight) == (1, 1)
    finally:
        items.release.set()
    await hass.async_block_till_done()
    assert sensor(hass).state == "available"
    assert items.calls == 1


async def test_two_stacks_on_one_jellyfin_each_ask_once_at_a_time(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two entries, each with its Arrival request, and one slow Jellyfin: one search each."""
    other_ids = {service: f"{index:064x}" for index, service in enumerate(WEBHOOK_IDS, start=1)}
    other = MockConfigEntry(
        domain=DOMAIN,
        title="Second stack",
        data=ENTRY_DATA | {"webhook_ids": other_ids},
        options=NO_RECONCILING,
    )
    await setup_integration(hass, other)
    client = await hass_client_no_auth()
    await import_arrival(hass, client, aioclient_mock)
    for fixture in ("radarr_grab.json", "radarr_download.json"):
        response = await client.post(
            f"/api/webhook/{other_ids['radarr']}", json=load_fixture(fixture)
        )
        assert response.status == 200
    await hass.async_block_till_done()
    items = SlowItems()
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", side_effect=items.answer)
    try:
        for _ in range(4):
            freezer.tick(timedelta(seconds=30))
            async_fire_time_changed(hass)
            await settle()
        assert (items.calls, items.most_in_flight) == (2, 2)
    finally:
        items.release.set()
    await hass.async_block_till_done()
    assert items.calls == 2
    assert [state.state for state in request_states(hass)] == ["available"] * 2
    await hass.config_entries.async_unload(other.entry_id)


async def test_a_reload_during_a_check_drops_it_before_asking_again(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Reloaded while Jellyfin is slow: the old search is cancelled, never answered twice."""
    client = await hass_client_no_auth()
    await import_arrival(hass, client, aioclient_mock)
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    items = SlowItems()
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", side_effect=items.answer)
    try:
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        await settle()
        assert (items.calls, items.in_flight) == (1, 1)
        assert await hass.config_entries.async_reload(setup_entry.entry_id)
        async_fire_time_changed(hass)  # the reloaded entry's check is due at once
        await settle()
        assert (items.calls, items.most_in_flight) == (2, 1)
    finally:
        items.release.set()
    await hass.async_block_till_done()
    assert sensor(hass).state == "available"
    assert [event.data["to_state"] for event in changes] == ["available"]
