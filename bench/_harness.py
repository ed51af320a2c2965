"""A real Home Assistant for the benchmarks, with the integration set up against a fake stack.

`bench_stack()` builds the instance the way the tests do (pytest-homeassistant-custom-component's
`async_test_home_assistant`, custom integrations enabled, a temporary config dir with a real
`.storage`), sets up `http` and `webhook`, and serves Home Assistant's own aiohttp application
(every middleware of its HTTP stack) on a loopback port, as the tests' `hass_client` does; Home
Assistant's own listener on 8123 is not opened. A no-op webhook is registered beside the
integration's, as the baseline of what Home Assistant alone costs per webhook. The entry's
qBittorrent is a `FakeQBittorrent` (its own process); Radarr and Sonarr are never called.
"""

from __future__ import annotations

# The integration's package must be imported before Home Assistant scans custom_components.
import custom_components  # noqa: F401  isort: skip
import homeassistant  # noqa: F401  isort: skip  (before anything imports voluptuous)

import asyncio
import contextlib
import logging
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp import web
from aiohttp.resolver import ThreadedResolver
from aiohttp.test_utils import TestServer
from homeassistant import loader
from homeassistant.components import webhook
from homeassistant.components.http import (  # type: ignore[attr-defined]  # server.py from 2026.10
    HomeAssistantHTTP,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er, event as event_helper, frame
from homeassistant.helpers.json import json_bytes
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.async_ import get_scheduled_timer_handles
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

from bench._fake_qbittorrent import FakeQBittorrent
from custom_components.media_request_tracker.const import (
    CONF_MAX_REQUESTS,
    DOMAIN,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
)
from custom_components.media_request_tracker.storage import STORAGE_KEY
from custom_components.media_request_tracker.tracker import Tracker

ENTRY_ID = "01BENCHENTRY0000000000000000"
SERVICES = ("jellyseerr", "radarr", "sonarr", "qbittorrent")
# Radarr and Sonarr are only called for stuck downloads, which the benchmarks never have.
UNUSED_URL = "http://127.0.0.1:9"

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
# Said at every start: a custom integration is loaded; zlib-ng is not installed.
logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
logging.getLogger("aiohttp_fast_zlib").setLevel(logging.ERROR)


def entry_data(qbittorrent_url: str, webhook_ids: dict[str, str]) -> dict[str, Any]:
    """Return a stack's entry data: Jellyseerr, Radarr, Sonarr and the fake qBittorrent."""
    return {
        "webhook_ids": webhook_ids,
        "jellyseerr": {"url": UNUSED_URL, "api_key": "bench-key"},
        "radarr": {"url": UNUSED_URL, "api_key": "bench-key"},
        "sonarr": {"url": UNUSED_URL, "api_key": "bench-key"},
        "qbittorrent": {"url": qbittorrent_url, "username": "admin", "password": "adminadmin"},
    }


def storage_path(config_dir: Path) -> Path:
    """Return where the entry's Store keeps its file."""
    return config_dir / ".storage" / STORAGE_KEY.format(entry_id=ENTRY_ID)


def write_store(config_dir: Path, tracker: Tracker) -> int:
    """Write `tracker` as the entry's storage file (Home Assistant's Store layout); return bytes."""
    path = storage_path(config_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json_bytes(
        {
            "version": STORAGE_VERSION,
            "minor_version": STORAGE_MINOR_VERSION,
            "key": STORAGE_KEY.format(entry_id=ENTRY_ID),
            "data": tracker.to_stored(),
        }
    )
    path.write_bytes(body)
    return len(body)


MAX_REQUESTS = 10_000


class BenchStack:
    """A running Home Assistant with the stack's entry, its webhooks and a client for them."""

    def __init__(
        self,
        hass: HomeAssistant,
        base_url: str,
        session: aiohttp.ClientSession,
        qbit: FakeQBittorrent,
    ) -> None:
        """Hold the running parts; `bench_stack()` makes them."""
        self.hass = hass
        self.base_url = base_url
        self.session = session
        self.qbit = qbit
        self.webhook_ids = {service: secrets.token_hex(32) for service in SERVICES}
        self.noop_webhook_id = secrets.token_hex(32)
        self.entry = MockConfigEntry(
            domain=DOMAIN,
            title="Media Request Tracker",
            data=entry_data(qbit.url, self.webhook_ids),
            # Room for the largest library measured (5,000 requests and the new titles): the
            # figures are those of tracking that many, not of the cap making room (default 1,000).
            options={CONF_MAX_REQUESTS: MAX_REQUESTS},
            entry_id=ENTRY_ID,
            version=1,
        )
        self.time_machine = TimeMachine(hass.loop)

    def webhook_path(self, service: str) -> str:
        """Return the path of a service's webhook (or of the no-op one, `noop`)."""
        webhook_id = self.noop_webhook_id if service == "noop" else self.webhook_ids[service]
        return f"/api/webhook/{webhook_id}"

    async def setup_entry(self) -> None:
        """Set up the entry and wait until its sensors are written."""
        assert await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.settle()

    async def post(self, service: str, payload: dict[str, Any]) -> int:
        """POST a payload to a webhook from this process; return the status."""
        async with self.session.post(
            f"{self.base_url}{self.webhook_path(service)}", data=json_bytes(payload)
        ) as response:
            await response.read()
            return response.status

    async def settle(self) -> None:
        """Wait until the work in flight (tasks, background polls, executor jobs) is done."""
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def advance(self, seconds: float) -> None:
        """Let `seconds` pass for Home Assistant's timers (see TimeMachine), then settle."""
        self.time_machine.offset += seconds
        loop = self.hass.loop
        # The loop runs a timer in its next turn, after the task waiting here resumed: turn
        # until no timer is due, so that settling waits for what they started.
        while True:
            now = loop.time()
            if not any(
                not handle.cancelled() and handle.when() <= now
                for handle in get_scheduled_timer_handles(loop)
            ):
                break
            await asyncio.sleep(0)
        await self.settle()

    async def advance_by_steps(self, seconds: float, step: float) -> None:
        """Let `seconds` pass `step` seconds at a time (each timer due meanwhile runs)."""
        for _ in range(round(seconds / step)):
            await self.advance(step)

    def sensor_ids(self) -> list[str]:
        """Return the entity ids of the entry's request sensors."""
        registry = er.async_get(self.hass)
        return [
            entry.entity_id
            for entry in er.async_entries_for_config_entry(registry, self.entry.entry_id)
            if "-request-" in entry.unique_id
        ]

    def sensors(self) -> list[State]:
        """Return the states of the entry's request sensors that have one."""
        return [state for eid in self.sensor_ids() if (state := self.hass.states.get(eid))]


def _resolver() -> ThreadedResolver:
    """Return a resolver as the harness gives Home Assistant (closed through `real_close`)."""
    resolver = ThreadedResolver()
    resolver.real_close = resolver.close  # type: ignore[attr-defined]
    return resolver


@asynccontextmanager
async def _as_in_tests() -> AsyncIterator[None]:
    """Patch what the test harness patches around a Home Assistant it runs.

    Home Assistant's own HTTP listener stays closed (its app is served on loopback instead),
    and outgoing connections resolve names without zeroconf (there is no network to browse).
    """
    with contextlib.ExitStack() as stack:
        for name in ("async_bind", "start"):  # async_bind exists from 2026.10
            if hasattr(HomeAssistantHTTP, name):
                stack.enter_context(patch.object(HomeAssistantHTTP, name))
        stack.enter_context(
            patch(
                "homeassistant.helpers.aiohttp_client._async_make_resolver",
                return_value=_resolver(),
            )
        )
        yield


class TimeMachine:
    """Moves the clock of Home Assistant's timers forward, leaving the wall clock alone.

    The event loop's clock (which every `call_later`/`call_at` timer runs on: the coordinator's
    polls, the Store's delayed saves, debouncer cool-downs) and the clock the event helpers check
    their timers against both run `offset` seconds ahead of the real ones, so the loop itself
    runs whatever falls due, as it would have in that much real time. The integration's own
    clock (`dt_util.utcnow()`) stays real: nothing becomes stuck or due for retention.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start with no offset."""
        self.offset = 0.0
        self._loop = loop

    @contextlib.contextmanager
    def installed(self) -> Iterator[TimeMachine]:
        """Run the loop and the event helpers on the moved clock while in the block."""
        real_time = self._loop.time
        with (
            patch.object(self._loop, "time", new=lambda: real_time() + self.offset),
            patch.object(
                event_helper,
                "time_tracker_utcnow",
                new=lambda: dt_util.utcnow() + timedelta(seconds=self.offset),
            ),
            patch.object(
                event_helper, "time_tracker_timestamp", new=lambda: time.time() + self.offset
            ),
        ):
            yield self


@asynccontextmanager
async def bench_stack(
    qbit: FakeQBittorrent, *, config_dir: Path | None = None, setup: bool = True
) -> AsyncIterator[BenchStack]:
    """Run Home Assistant with the stack's entry (set up unless `setup=False`)."""
    with contextlib.ExitStack() as cleanup:
        if config_dir is None:
            config_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        async with (
            async_test_home_assistant(config_dir=str(config_dir)) as hass,
            _as_in_tests(),
        ):
            frame.async_setup(hass)
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            assert await async_setup_component(hass, "http", {"http": {}})
            assert await async_setup_component(hass, "webhook", {})
            server = TestServer(hass.http.app, host="127.0.0.1")
            # Home Assistant registers views after start-up; its own server allows that too.
            hass.http.app._router.freeze = lambda: None
            await server.start_server()
            session = aiohttp.ClientSession()
            stack = BenchStack(hass, str(server.make_url("")).rstrip("/"), session, qbit)
            webhook.async_register(
                hass, "bench", "No-op", stack.noop_webhook_id, _noop, allowed_methods=["POST"]
            )
            stack.entry.add_to_hass(hass)
            cleanup.enter_context(stack.time_machine.installed())
            try:
                if setup:
                    await stack.setup_entry()
                yield stack
            finally:
                await session.close()
                if stack.entry.state.recoverable:
                    await hass.config_entries.async_unload(stack.entry.entry_id)
                await hass.async_stop(force=True)
                await server.close()


async def _noop(hass: HomeAssistant, webhook_id: str, request: web.Request) -> None:  # noqa: ARG001
    """Answer nothing: Home Assistant's own cost of a webhook, the baseline."""
    return


def utcnow() -> datetime:
    """Return now, as the integration sees it."""
    return dt_util.utcnow()
