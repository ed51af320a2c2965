"""Shoko's event stream: a small SignalR (JSON hub protocol) client on Home Assistant's session.

Shoko Server publishes file events on its aggregate hub, `/signalr/aggregate?feeds=shoko`
(Shokofin `SignalRConnectionManager.cs`; PAYLOADS.md §4). The protocol is small: POST
`negotiate`, open the WebSocket with the connection token, send the handshake
`{"protocol":"json","version":1}`, then read records separated by 0x1E; type 1 is an event,
type 6 a ping (answered so the server keeps us), type 7 a close.

Our own client rather than pysignalr: pysignalr opens its own sessions and WebSocket library,
so Home Assistant's injected aiohttp session could not be used, and it would add websockets and
msgpack to Home Assistant's environment for what is some sixty lines here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from homeassistant.util.json import json_loads

from ..const import LOGGER
from ..tracker import TrackerEvent
from ..tracker.printable import printable
from .api import REQUEST_TIMEOUT, PayloadError
from .shoko import parse_frame

RECORD_SEPARATOR = "\x1e"
HANDSHAKE = json.dumps({"protocol": "json", "version": 1}) + RECORD_SEPARATOR
PING = json.dumps({"type": 6}) + RECORD_SEPARATOR
MESSAGE_PING = 6
MESSAGE_CLOSE = 7

# Seconds to wait before each reconnection attempt; the last one repeats.
RECONNECT_BACKOFF: tuple[float, ...] = (1, 2, 5, 10, 30, 60)
# A connection that held this long (seconds) was a real one: the back-off starts over. One
# that Shoko closes right after the handshake keeps backing off.
STABLE_AFTER = 60.0
# SignalR servers ping every 15 s (KeepAliveInterval); its clients give up on a server silent
# for twice that (serverTimeoutInMilliseconds, 30 s): so do we.
SILENCE_LIMIT = 30.0
# Answers to negotiate that mean the API key is refused: retried at the longest wait only.
AUTH_REFUSED = frozenset({401, 403})


class StreamClosed(Exception):
    """Shoko closed the stream, or answered the handshake with an error."""


class ShokoListener:
    """Keeps a connection to Shoko's event stream and hands its events on."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        api_key: str,
        on_events: Callable[[list[TrackerEvent]], Awaitable[object]],
    ) -> None:
        """Listen to Shoko at `url`; `on_events` receives the events of each message."""
        self._session = session
        self._hub = f"{url.rstrip('/')}/signalr/aggregate"
        self._headers = {"apikey": api_key}
        self._on_events = on_events
        self.connected = False
        self._connected_at = 0.0
        self._lost_logged = False

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with back-off."""
        attempt = 0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self._listen()
                reason = "Shoko closed the stream"
            except aiohttp.ClientResponseError as err:
                reason = f"HTTP {err.status} from Shoko"
                if err.status in AUTH_REFUSED:
                    reason = f"Shoko refused the API key (HTTP {err.status})"
                    attempt = len(RECONNECT_BACKOFF) - 1
            except (aiohttp.ClientError, TimeoutError, StreamClosed, ValueError) as err:
                reason = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            except Exception as err:  # noqa: BLE001  (the listener must outlive any surprise)
                LOGGER.exception("Unexpected error on Shoko's event stream")
                reason = type(err).__name__
            if self.connected and loop.time() - self._connected_at >= STABLE_AFTER:
                attempt = 0
            self.connected = False
            if not self._lost_logged:
                LOGGER.info(
                    "Shoko's event stream is not available (%s); reconnecting", printable(reason)
                )
                self._lost_logged = True
            await asyncio.sleep(RECONNECT_BACKOFF[min(attempt, len(RECONNECT_BACKOFF) - 1)])
            attempt += 1

    async def _negotiate(self) -> str:
        async with self._session.post(
            f"{self._hub}/negotiate",
            params={"negotiateVersion": "1", "feeds": "shoko"},
            headers=self._headers,
            timeout=REQUEST_TIMEOUT,
        ) as response:
            response.raise_for_status()
            body = await response.json(content_type=None, loads=json_loads)
        token = (
            (body.get("connectionToken") or body.get("connectionId"))
            if isinstance(body, dict)
            else None
        )
        if not isinstance(token, str):
            raise StreamClosed("negotiate gave no connection token")
        return token

    async def _listen(self) -> None:
        token = await self._negotiate()
        # The key goes in the `apikey` header, which Shoko v5 and v6 read (PAYLOADS §4), never
        # in the query: URLs end up in access logs (of Shoko, or of a reverse proxy).
        params = {"feeds": "shoko", "id": token}
        # The upgrade gets the same time limit as every other call (the shared session has
        # none of its own). No WebSocket heartbeat: SignalR keeps the connection alive with its
        # own pings, so a silence longer than SILENCE_LIMIT is a connection that died without
        # closing. (aiohttp 3.14's heartbeat also re-arms its timer after our own close.)
        async with asyncio.timeout(REQUEST_TIMEOUT.total):
            socket = await self._session.ws_connect(self._hub, params=params, headers=self._headers)
        async with socket:
            await socket.send_str(HANDSHAKE)
            answer = await socket.receive(timeout=REQUEST_TIMEOUT.total)
            if answer.type is not aiohttp.WSMsgType.TEXT:
                raise StreamClosed("no handshake answer")
            first, _, rest = answer.data.partition(RECORD_SEPARATOR)
            handshake = json_loads(first)
            if not isinstance(handshake, dict) or handshake.get("error"):
                raise StreamClosed(
                    str(handshake.get("error") if isinstance(handshake, dict) else handshake)
                )
            self.connected = True
            self._connected_at = asyncio.get_running_loop().time()
            if self._lost_logged:
                LOGGER.info("Shoko's event stream is back")
                self._lost_logged = False
            # Records may follow the handshake answer in the same message.
            await self._read(socket, rest)
            while True:
                try:
                    message = await socket.receive(timeout=SILENCE_LIMIT)
                except TimeoutError as err:
                    raise StreamClosed(f"nothing from Shoko for {SILENCE_LIMIT:g} s") from err
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                await self._read(socket, message.data)

    async def _read(self, socket: aiohttp.ClientWebSocketResponse, data: str) -> None:
        """Handle the records of one message in order; events go on together at the end."""
        events: list[TrackerEvent] = []
        for record in filter(None, data.split(RECORD_SEPARATOR)):
            frame: Any = json_loads(record)
            kind = frame.get("type") if isinstance(frame, dict) else None
            if kind == MESSAGE_PING:
                await socket.send_str(PING)
            elif kind == MESSAGE_CLOSE:
                if events:
                    await self._on_events(events)  # what came before the close still counts
                raise StreamClosed(str(frame.get("error") or "close message"))
            else:
                try:
                    result = parse_frame(frame)
                except PayloadError as err:
                    LOGGER.warning("Ignored an unusable Shoko event: %s", printable(err))
                    continue
                if not isinstance(result, str):
                    events.append(result)
        if events:
            await self._on_events(events)
