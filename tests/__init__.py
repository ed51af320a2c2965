"""Test helpers: the stack under test, its webhooks and the mocked services it calls."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

FIXTURES = Path(__file__).parent / "fixtures"

# Distinct host names: the aiohttp mock matches scheme, host and path, not the port.

QBIT_URL = "http://qbittorrent.lan:8080"
JELLYFIN_URL = "http://jellyfin.lan:8096"
RADARR_URL = "http://radarr.lan:7878"
SONARR_URL = "http://sonarr.lan:8989"
JELLYSEERR_URL = "http://jellyseerr.lan:5055"
SHOKO_URL = "http://shoko.lan:8111"

# Random like real ones (secrets.token_hex(32)): a fuzzed body cannot hold one by chance.
WEBHOOK_IDS = {
    "jellyseerr": "0762241b023e2cf919fe22dc4c31c3a413d1fa1724944c90aebbdc4c201ee9e6",
    "radarr": "1e9d154b484d82642687687ef4608022bdf2654ddf8eb3618e1b60d9633af0a3",
    "sonarr": "dde7a8e965bd056913eb1ce9ea9ed705d9eef0c7e55a2eed16b17c39575c2bc2",
    "qbittorrent": "858cf4e10f80b82a910b5d9a4d17740932ee7663c4a5bfbd0fdd68a18bb102b5",
    "jellyfin": "27591c29e3ca76dd80dfa6f719411503f1c31bb0e64df29e58f5b486bf2efd5b",
}
# Reconciliation reads Radarr's, Sonarr's and Jellyseerr's own records at start-up and every
# 15 minutes; the tests of other behaviours turn it off (tests/test_reconciliation.py has it on).
NO_RECONCILING: dict[str, Any] = {"reconcile_minutes": 0, "backfill": False}
# Shoko's webhook id, for the tests whose stack has Shoko (ENTRY_DATA has not).
SHOKO_WEBHOOK_ID = "adc083d4a19a1258ca2b14837003cef22e49d8a14223851701a5e8df88b10a89"
ENTRY_DATA: dict[str, Any] = {
    "webhook_ids": WEBHOOK_IDS,
    "jellyseerr": {"url": JELLYSEERR_URL, "api_key": "seerr-key"},
    "radarr": {"url": RADARR_URL, "api_key": "radarr-key"},
    "sonarr": {"url": SONARR_URL, "api_key": "sonarr-key"},
    "qbittorrent": {"url": QBIT_URL, "username": "admin", "password": "adminadmin"},
    "jellyfin": {"url": JELLYFIN_URL, "api_key": "jellyfin-key"},
}

# Every credential the tests hand to the integration: no log line may hold one.
CREDENTIALS: tuple[str, ...] = (
    *(
        value
        for service, conf in ENTRY_DATA.items()
        if service != "webhook_ids"
        for key, value in conf.items()
        if key in ("api_key", "password")
    ),
    "shoko-key",
    "the-right-password",
    "a-wrong-password",
)
# The webhook ids: only Home Assistant's own webhook transport (its debug lines and aiohttp's
# access log, both off by default) may name them, never a line of ours or of an error.
SECRET_WEBHOOK_IDS: tuple[str, ...] = (*WEBHOOK_IDS.values(), SHOKO_WEBHOOK_ID)
WEBHOOK_TRANSPORT_LOGGERS = (
    "homeassistant.components.webhook",
    "homeassistant.helpers.http",
    "aiohttp.access",
)


def leaked_secrets(records: Iterable[logging.LogRecord]) -> list[str]:
    """Return "logger: secret" for each credential, or misplaced webhook id, in the records."""
    formatter = logging.Formatter("%(name)s %(message)s")
    leaks = []
    for record in records:
        text = formatter.format(record)  # with the traceback, if any
        secrets = CREDENTIALS
        if not record.name.startswith(WEBHOOK_TRANSPORT_LOGGERS):
            secrets += SECRET_WEBHOOK_IDS
        leaks += [f"{record.name}: {secret}" for secret in secrets if secret in text]
    return leaks


ARRIVAL_HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"
ARRIVAL_ENTITY = "sensor.media_request_tracker_arrival_2016"


def load_fixture(name: str) -> Any:
    """Return a JSON fixture from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text())


def torrent(**changes: Any) -> dict[str, Any]:
    """Return the Arrival torrent as torrents/info lists it, with some fields changed."""
    info: dict[str, Any] = load_fixture("qbittorrent_torrents_info.json")[0]
    return {**info, **changes}


def mock_qbittorrent(
    aioclient_mock: AiohttpClientMocker,
    torrents: list[dict[str, Any]],
    *,
    login: str = "Ok.",
    status: HTTPStatus = HTTPStatus.OK,
) -> None:
    """Answer qBittorrent's WebUI: login, sync/maindata (a full update of `torrents`), transfer/info."""
    aioclient_mock.post(f"{QBIT_URL}/api/v2/auth/login", text=login)
    maindata = {
        "rid": 1,
        "full_update": True,
        "torrents": {
            torrent["hash"]: {key: value for key, value in torrent.items() if key != "hash"}
            for torrent in torrents
        },
    }
    aioclient_mock.get(f"{QBIT_URL}/api/v2/sync/maindata", json=maindata, status=status)
    aioclient_mock.get(f"{QBIT_URL}/api/v2/transfer/info", json={"dl_info_speed": 0}, status=status)


def mock_jellyfin_items(aioclient_mock: AiohttpClientMocker, body: dict[str, Any]) -> None:
    """Answer Jellyfin's /Items with `body`."""
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json=body)


def mock_service_records(
    aioclient_mock: AiohttpClientMocker,
    *,
    radarr: list[dict[str, Any]] | None = None,
    sonarr: list[dict[str, Any]] | None = None,
    seerr: list[dict[str, Any]] | None = None,
    radarr_queue: list[dict[str, Any]] | None = None,
    sonarr_queue: list[dict[str, Any]] | None = None,
    seerr_details: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Answer what reconciliation reads from Radarr, Sonarr and Seerr.

    Radarr's and Sonarr's history, tags, download clients and queue (as backfill asks for it,
    with its titles); Seerr's requests, and the details of those named in `seerr_details` (by
    path, "movie/157336"; any other answers 404). Each list is what the service recorded (none: nothing); each fits in one page.
    """
    for url, records, queue, include in (
        (RADARR_URL, radarr, radarr_queue, "includeMovie"),
        (SONARR_URL, sonarr, sonarr_queue, "includeSeries"),
    ):
        aioclient_mock.get(f"{url}/api/v3/history/since", json=records or [])
        aioclient_mock.get(f"{url}/api/v3/tag", json=[])
        aioclient_mock.get(f"{url}/api/v3/queue?{include}=true", json=queue_page(queue or []))
        aioclient_mock.get(f"{url}/api/v3/downloadclient", json=DOWNLOAD_CLIENTS)
    for path, details in (seerr_details or {}).items():
        aioclient_mock.get(f"{JELLYSEERR_URL}/api/v1/{path}", json=details)
    aioclient_mock.get(SEERR_DETAILS, status=HTTPStatus.NOT_FOUND)
    page = seerr or []
    aioclient_mock.get(
        f"{JELLYSEERR_URL}/api/v1/request",
        json={
            "pageInfo": {"pages": 1, "pageSize": 50, "results": len(page), "page": 1},
            "results": page,
        },
    )


# Seerr's movie and TV details (`/api/v1/movie/{tmdbId}`, `/api/v1/tv/{tmdbId}`).
SEERR_DETAILS = re.compile(r"/api/v1/(movie|tv)/\d+$")
# Radarr's and Sonarr's /api/v3/downloadclient (DownloadClientResource): one qBittorrent.
DOWNLOAD_CLIENTS = [
    {"id": 1, "name": "qBittorrent", "implementation": "QBittorrent", "protocol": "torrent"}
]


def queue_page(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a page of Radarr's or Sonarr's queue holding these records (all of them)."""
    return {"page": 1, "pageSize": 100, "totalRecords": len(records), "records": records}


async def wait_for_readings(hass: HomeAssistant) -> None:
    """Wait until the readings of the services' records under way (background tasks) end.

    Not every background task: Shoko's listener lives as long as its entry.
    """
    await hass.async_block_till_done()
    while readings := [
        task
        for task in asyncio.all_tasks()
        if task.get_name() == "media_request_tracker reconciliation" and not task.done()
    ]:
        await asyncio.wait(readings)
        await hass.async_block_till_done()


def replace_mocks(aioclient_mock: AiohttpClientMocker) -> None:
    """Forget every mocked answer (to answer the next polls differently)."""
    aioclient_mock.clear_requests()


async def post_webhook(
    client: TestClient, service: str, payload: Any, *, raw: bytes | None = None
) -> tuple[int, Any]:
    """POST a payload (or raw bytes) to a service's webhook; return status and JSON answer."""
    url = f"/api/webhook/{(WEBHOOK_IDS | {'shoko': SHOKO_WEBHOOK_ID})[service]}"
    if raw is not None:
        response = await client.post(url, data=raw)
    else:
        response = await client.post(url, json=payload)
    body = await response.text()
    return response.status, json.loads(body) if body else None


def request_states(hass: HomeAssistant) -> list[State]:
    """Return the states of the request sensors (not the summary sensors), in entity-id order."""
    return [
        state
        for state in hass.states.async_all("sensor")
        if state.attributes.get("request_id") is not None
    ]


def sensor(hass: HomeAssistant, entity_id: str = ARRIVAL_ENTITY) -> State:
    """Return a sensor's state, failing clearly if it does not exist."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} does not exist"
    return state


async def request_data(hass: HomeAssistant, entity_id: str = ARRIVAL_ENTITY) -> dict[str, Any]:
    """Return what the get_request action says of a sensor's request: every field and episode."""
    response = await hass.services.async_call(
        "media_request_tracker",
        "get_request",
        {"entity_id": entity_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    request: dict[str, Any] = response["request"]  # type: ignore[assignment]
    return request


async def setup_integration(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add and set up a config entry."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, time: float | timedelta
) -> None:
    """Let `time` (seconds or a timedelta) pass and run what became due."""
    freezer.tick(time if isinstance(time, timedelta) else timedelta(seconds=time))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def qbit_polls(aioclient_mock: AiohttpClientMocker) -> int:
    """Return how many times qBittorrent was polled (sync/maindata calls)."""
    return sum(1 for call in aioclient_mock.mock_calls if "sync/maindata" in str(call[1]))


# A service that refuses connections, and one so slow that our 15 s timeout gives up.
FAULTS = pytest.mark.parametrize(
    "fault", [aiohttp.ClientConnectionError(), TimeoutError()], ids=["down", "timeout"]
)
