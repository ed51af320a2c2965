"""When the tracker is written to disk (storage.py): transitions promptly, progress rarely.

A burst of webhooks shares one write; a download moving every poll is written once per
VOLATILE_SAVE_DELAY, and a transition within SAVE_DELAY whatever progress saves are planned.
Each write replaces the stored object in `hass_storage`, so `is` tells whether one happened.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import (
    DOMAIN,
    SAVE_DELAY,
    VOLATILE_SAVE_DELAY,
)

from . import (
    ARRIVAL_HASH,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    torrent,
)


def distinct_grab(number: int) -> dict[str, Any]:
    """Return Radarr's Grab of the `number`-th distinct movie (ids, title and torrent its own)."""
    payload = load_fixture("radarr_grab.json")
    payload["movie"] |= {"id": 1000 + number, "tmdbId": 900_000 + number, "imdbId": None}
    payload["movie"]["title"] = payload["remoteMovie"]["title"] = f"Film {number}"
    payload["remoteMovie"] |= {"tmdbId": 900_000 + number, "imdbId": None}
    payload["downloadId"] = f"{number:040X}"
    return payload


def stored_requests(hass_storage: dict[str, Any], entry: MockConfigEntry) -> Any:
    """Return the stored snapshot object (None: never written)."""
    return hass_storage.get(f"{DOMAIN}.{entry.entry_id}")


async def test_a_burst_of_webhooks_is_written_once(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Thirty grabs within a second: nothing written at once, then one write holding all."""
    client = await hass_client_no_auth()
    before = stored_requests(hass_storage, setup_entry)
    for number in range(30):
        status, _ = await post_webhook(client, "radarr", distinct_grab(number))
        assert status == 200
    await hass.async_block_till_done()
    assert stored_requests(hass_storage, setup_entry) is before

    await advance(hass, freezer, SAVE_DELAY)
    written = stored_requests(hass_storage, setup_entry)
    assert written is not before
    assert len(written["data"]["requests"]) == 30

    await advance(hass, freezer, VOLATILE_SAVE_DELAY * 2)
    assert stored_requests(hass_storage, setup_entry) is written


async def test_moving_progress_is_written_once_per_volatile_delay(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A download moving at every 5 s poll is written after VOLATILE_SAVE_DELAY, not per poll.

    Its completion, a transition, is written within SAVE_DELAY.
    """
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=0.01)])
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await advance(hass, freezer, SAVE_DELAY)
    first = stored_requests(hass_storage, setup_entry)
    assert first["data"]["requests"][0]["state"] == "downloading"

    progress = 0.01

    async def poll_for(seconds: float) -> None:
        nonlocal progress
        for _ in range(int(seconds // 5)):
            progress += 0.001
            replace_mocks(aioclient_mock)
            mock_qbittorrent(aioclient_mock, [torrent(state="downloading", progress=progress)])
            await advance(hass, freezer, 5)

    # The first progress change comes with the next poll; its save is due VOLATILE_SAVE_DELAY on.
    await poll_for(VOLATILE_SAVE_DELAY - 10)
    assert sensor(hass).attributes["progress"] == round(progress * 100, 1)
    assert stored_requests(hass_storage, setup_entry) is first

    await poll_for(20)
    second = stored_requests(hass_storage, setup_entry)
    assert second is not first
    assert 0.01 < second["data"]["requests"][0]["progress"] <= progress
    await poll_for(VOLATILE_SAVE_DELAY - 30)
    assert stored_requests(hass_storage, setup_entry) is second

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="uploading", progress=1)])
    await advance(hass, freezer, 5)
    await advance(hass, freezer, SAVE_DELAY)
    third = stored_requests(hass_storage, setup_entry)
    assert third["data"]["requests"][0]["state"] == "downloaded"


async def test_a_planned_save_is_written_when_home_assistant_stops(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
) -> None:
    """Home Assistant's final write takes the planned save with it: nothing is lost."""
    client = await hass_client_no_auth()
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    assert stored_requests(hass_storage, setup_entry) is None

    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    written = stored_requests(hass_storage, setup_entry)
    assert [request["qbit_hash"] for request in written["data"]["requests"]] == [ARRIVAL_HASH]
