"""A fake Shoko Server on loopback: SignalR's negotiate and aggregate hub, scriptable per attempt."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

RS = "\x1e"
# Generous for a loopback server; a passing test waits for milliseconds.
TIMEOUT = 3


def frame_text(*frames: Any) -> str:
    """Return SignalR records as one WebSocket text message."""
    return "".join(json.dumps(frame) + RS for frame in frames)


def parse_records(data: str) -> list[Any]:
    """Return the JSON records of one WebSocket text message."""
    assert data.endswith(RS), f"{data!r} does not end with the record separator"
    return [json.loads(record) for record in data.split(RS) if record]


PING = {"type": 6}


@dataclass
class Connection:
    """One WebSocket connection the fake Shoko accepted."""

    query: dict[str, str]
    apikey_header: str | None
    socket: web.WebSocketResponse
    handshake: str | None = None
    received: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, *frames: Any) -> None:
        """Send frames as one message (several records when several frames)."""
        await self.socket.send_str(frame_text(*frames))

    async def next_message(self) -> str:
        """Return the next text message the client sent after its handshake."""
        async with asyncio.timeout(TIMEOUT):
            return await self.received.get()

    async def round_trip(self) -> None:
        """Ping and wait for the answer: every message sent before it has been read."""
        await self.send(PING)
        assert parse_records(await self.next_message()) == [PING]

    async def drop(self) -> None:
        """Close the socket from the server's side."""
        await self.socket.close()

    async def wait_closed(self) -> None:
        """Wait until the client has gone."""
        async with asyncio.timeout(TIMEOUT):
            await self.closed.wait()


@dataclass
class Negotiation:
    """What one negotiate request carried."""

    method: str
    query: dict[str, str]
    apikey_header: str | None


class FakeShoko:
    """Shoko's aggregate hub, as much of SignalR as the listener uses, scriptable per attempt."""

    def __init__(self) -> None:
        """Start with no scripted failures: every attempt succeeds."""
        self.negotiations: list[Negotiation] = []
        self.connections: list[Connection] = []
        # Scripted answers, used first to last, then the good defaults.
        self.negotiate_answers: list[web.Response] = []
        # A handshake answer per connection; None closes the socket without answering.
        self.handshake_answers: list[str | None] = []
        # Shoko being slow: how many of the next negotiates, WebSocket upgrades and handshakes
        # get no answer. An unanswered negotiate or upgrade waits until stop(); an unanswered
        # handshake keeps reading.
        self.unanswered_negotiations = 0
        self.unanswered_upgrades = 0
        self.unanswered_handshakes = 0
        self._stopping = asyncio.Event()
        self._accepted: asyncio.Queue[Connection] = asyncio.Queue()
        app = web.Application()
        app.router.add_post("/signalr/aggregate/negotiate", self._negotiate)
        app.router.add_get("/signalr/aggregate", self._hub)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        self.url = ""

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self.url = await start_site(self._runner)

    async def stop(self) -> None:
        """Release unanswered negotiates, close what is still open and stop listening."""
        self._stopping.set()
        for connection in self.connections:
            await connection.socket.close()
        await self._runner.cleanup()

    async def next_connection(self) -> Connection:
        """Return the next WebSocket connection, in the order they were opened."""
        async with asyncio.timeout(TIMEOUT):
            return await self._accepted.get()

    async def _negotiate(self, request: web.Request) -> web.Response:
        self.negotiations.append(
            Negotiation(request.method, dict(request.query), request.headers.get("apikey"))
        )
        if self.unanswered_negotiations:
            self.unanswered_negotiations -= 1
            await self._stopping.wait()
            return web.Response(status=503)
        if self.negotiate_answers:
            return self.negotiate_answers.pop(0)
        number = len(self.negotiations)
        return web.json_response(
            {
                "negotiateVersion": 1,
                "connectionId": f"id-{number}",
                "connectionToken": f"token-{number}",
                "availableTransports": [
                    {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}
                ],
            }
        )

    def _handshake_answer(self) -> str | None:
        return self.handshake_answers.pop(0) if self.handshake_answers else "{}" + RS

    async def _hub(self, request: web.Request) -> web.StreamResponse:
        if self.unanswered_upgrades:
            self.unanswered_upgrades -= 1
            await self._stopping.wait()
            return web.Response(status=503)
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        connection = Connection(dict(request.query), request.headers.get("apikey"), socket)
        self.connections.append(connection)
        first = await socket.receive(timeout=TIMEOUT)
        if first.type is aiohttp.WSMsgType.TEXT:
            connection.handshake = first.data
            if self.unanswered_handshakes:
                self.unanswered_handshakes -= 1
            elif (answer := self._handshake_answer()) is None:
                await socket.close()
            else:
                await socket.send_str(answer)
        self._accepted.put_nowait(connection)
        async for message in socket:
            if message.type is aiohttp.WSMsgType.TEXT:
                connection.received.put_nowait(message.data)
        connection.closed.set()
        return socket


async def start_site(runner: web.AppRunner) -> str:
    """Serve `runner`'s app on a free loopback port; return its base URL."""
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}"


def file_matched(path: str, file_id: int = 5120) -> dict[str, Any]:
    """Return a v5 FileMatched invocation (the shape of Shoko's FileEventSignalRModel)."""
    return {
        "type": 1,
        "target": "ShokoEvent:FileMatched",
        "arguments": [
            {
                "FileID": file_id,
                "FileLocationID": 6230,
                "ImportFolderID": 3,
                "RelativePath": path,
                "CrossReferences": [
                    {
                        "EpisodeID": 901,
                        "AnidbEpisodeID": 264400,
                        "SeriesID": 45,
                        "AnidbAnimeID": 17617,
                        "GroupID": 30,
                    }
                ],
            }
        ],
    }
