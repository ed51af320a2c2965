"""Entity writes follow the requests that changed: one event writes its own request's sensor."""

from __future__ import annotations

from collections import Counter
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import NEW_TORRENT_POLL_COOLDOWN

from . import (
    QBIT_URL,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    qbit_polls,
    replace_mocks,
    sensor,
    torrent,
)

FILMS = (1, 2, 3)


def film_hash(number: int) -> str:
    """Return the torrent hash of film `number`."""
    return f"{number:040x}"


def film_entity(number: int) -> str:
    """Return the sensor of film `number`."""
    return f"sensor.media_request_tracker_film_{number}_2016"


def film_grab(number: int) -> dict[str, Any]:
    """Return Radarr's Grab of film `number`: its own movie, ids and torrent."""
    grab: dict[str, Any] = load_fixture("radarr_grab.json")
    movie = grab["movie"] | {"id": 100 + number, "title": f"Film {number}", "tmdbId": 9000 + number}
    movie["imdbId"] = f"tt900000{number}"
    remote = grab["remoteMovie"] | {"tmdbId": 9000 + number, "title": f"Film {number}"}
    remote["imdbId"] = movie["imdbId"]
    return grab | {
        "movie": movie,
        "remoteMovie": remote,
        "downloadId": film_hash(number).upper(),
    }


def downloading(progress: dict[int, float]) -> list[dict[str, Any]]:
    """Return qBittorrent's list: each film downloading at its progress."""
    return [
        torrent(hash=film_hash(number), state="downloading", progress=value, dlspeed=1000, eta=60)
        for number, value in progress.items()
    ]


class Writes:
    """Counts state writes (changed or only reported) of the request sensors."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Listen to both state events."""
        self.counts: Counter[str] = Counter()
        for event_type in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED):
            hass.bus.async_listen(event_type, self._count, event_filter=self._ours)

    @staticmethod
    @callback
    def _ours(event_data: Any) -> bool:
        entity_id: str = event_data["entity_id"]
        return entity_id.startswith("sensor.media_request_tracker_")

    @callback
    def _count(self, event: Event[Any]) -> None:
        self.counts[event.data["entity_id"]] += 1

    def take(self) -> Counter[str]:
        """Return the writes since the last call, and start counting again."""
        counts, self.counts = self.counts, Counter()
        return counts


async def grab_films(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    client: Any,
    progress: dict[int, float],
) -> None:
    """Grab the films of `progress`, all in one burst, and let their torrents be polled."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, downloading(progress))
    for number in progress:
        assert (await post_webhook(client, "radarr", film_grab(number)))[0] == 200
    await advance(hass, freezer, NEW_TORRENT_POLL_COOLDOWN)


async def test_a_poll_writes_only_the_requests_it_changed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Three downloads; one moves: one write. Nothing moves: no write at all."""
    client = await hass_client_no_auth()
    await grab_films(hass, freezer, aioclient_mock, client, dict.fromkeys(FILMS, 0.5))
    assert [sensor(hass, film_entity(number)).state for number in FILMS] == ["downloading"] * 3
    writes = Writes(hass)

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, downloading({1: 0.5, 2: 0.75, 3: 0.5}))
    await advance(hass, freezer, 5)
    assert writes.take() == {film_entity(2): 1}
    assert sensor(hass, film_entity(2)).attributes["progress"] == 75.0

    polls = qbit_polls(aioclient_mock)
    await advance(hass, freezer, 5)  # the same answer again
    assert qbit_polls(aioclient_mock) == polls + 1
    assert writes.take() == {}


async def test_a_webhook_writes_only_its_own_request(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A new grab writes the new sensor and the summaries it moved; the same grab, nothing."""
    client = await hass_client_no_auth()
    await grab_films(hass, freezer, aioclient_mock, client, {1: 0.5, 2: 0.5})
    writes = Writes(hass)

    await grab_films(hass, freezer, aioclient_mock, client, {1: 0.5, 2: 0.5, 3: 0.25})
    counts = writes.take()
    summaries = {"active_requests", "downloading", "download_speed"}
    assert set(counts) == {film_entity(3)} | {
        f"sensor.media_request_tracker_{key}" for key in summaries
    }
    assert sensor(hass, film_entity(3)).state == "downloading"

    assert (await post_webhook(client, "radarr", film_grab(1)))[0] == 200  # redelivered
    await hass.async_block_till_done()
    assert writes.take() == {}


async def test_qbittorrent_unreachable_hides_only_the_downloads(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The downloads go unavailable and come back; an approved request is not written."""
    client = await hass_client_no_auth()
    approved = load_fixture("seerr_movie_approved.json")
    assert (await post_webhook(client, "jellyseerr", approved))[0] == 200
    await grab_films(hass, freezer, aioclient_mock, client, {1: 0.5, 2: 0.5})
    writes = Writes(hass)

    replace_mocks(aioclient_mock)
    aioclient_mock.post(f"{QBIT_URL}/api/v2/auth/login", exc=ConnectionRefusedError())
    aioclient_mock.get(f"{QBIT_URL}/api/v2/sync/maindata", exc=ConnectionRefusedError())
    await advance(hass, freezer, 5)
    assert writes.take() == {film_entity(1): 1, film_entity(2): 1}
    assert sensor(hass, film_entity(1)).state == STATE_UNAVAILABLE
    assert sensor(hass).state == "approved"

    await advance(hass, freezer, 60)  # still down: nothing new to show
    assert writes.take() == {}

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, downloading({1: 0.5, 2: 0.5}))
    await advance(hass, freezer, 60)
    assert writes.take() == {film_entity(1): 1, film_entity(2): 1}
    assert sensor(hass, film_entity(2)).state == "downloading"


async def test_a_burst_of_new_grabs_shares_two_polls(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Ten new torrents within the cool-down: one poll at once, one at its end."""
    client = await hass_client_no_auth()
    films = dict.fromkeys(range(1, 11), 0.1)
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, downloading(films))
    for number in films:
        assert (await post_webhook(client, "radarr", film_grab(number)))[0] == 200
    await hass.async_block_till_done()
    assert qbit_polls(aioclient_mock) == 1
    await advance(hass, freezer, NEW_TORRENT_POLL_COOLDOWN)
    assert qbit_polls(aioclient_mock) == 2
    assert {sensor(hass, film_entity(number)).state for number in films} == {"downloading"}


async def test_update_entity_polls_qbittorrent(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """homeassistant.update_entity on a request sensor asks qBittorrent now."""
    client = await hass_client_no_auth()
    await grab_films(hass, freezer, aioclient_mock, client, {1: 0.5})
    await advance(hass, freezer, NEW_TORRENT_POLL_COOLDOWN)  # past the cool-down
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, downloading({1: 0.9}))
    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": film_entity(1)}, blocking=True
    )
    assert qbit_polls(aioclient_mock) == 1
    assert sensor(hass, film_entity(1)).attributes["progress"] == 90.0
