"""A loopback HTTP server with scripted answers, for what only real aiohttp shows a client.

Home Assistant's aiohttp mocker answers requests without HTTP: its `json()` ignores the content
type and cannot read an empty body as aiohttp does. Where a test is about that behaviour, the
client talks to this server instead, over a real socket on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .fake_shoko import start_site


@dataclass(frozen=True)
class Received:
    """One request the server was sent."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


def build_response(answer: dict[str, Any]) -> web.Response:
    """Return the response an answer describes: `json` (a body to encode) or web.Response's keywords."""
    if "json" in answer:
        answer = dict(answer)
        return web.json_response(answer.pop("json"), **answer)
    return web.Response(**answer)


class ScriptedServer:
    """Answers each (method, path) with its scripted answers in order, each once, and records all.

    A path without answers is a 404; a request after the last answer of its path is a 500.
    """

    def __init__(self) -> None:
        """Start with nothing scripted."""
        self.requests: list[Received] = []
        self._answers: dict[tuple[str, str], list[dict[str, Any]]] = {}
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        self.url = ""

    def add(self, method: str, path: str, *answers: dict[str, Any]) -> None:
        """Script the answers to `method path` (see `build_response`)."""
        self._answers.setdefault((method.upper(), path), []).extend(answers)

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self.url = await start_site(self._runner)

    async def stop(self) -> None:
        """Stop listening."""
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            Received(request.method, request.path, dict(request.query), dict(request.headers))
        )
        answers = self._answers.get((request.method, request.path))
        if answers is None:
            return web.Response(status=404, text="nothing scripted for this path")
        if not answers:
            return web.Response(status=500, text="no scripted answer left")
        return build_response(answers.pop(0))


@asynccontextmanager
async def scripted_server() -> AsyncIterator[ScriptedServer]:
    """Run a ScriptedServer for the duration of the block (sockets must be enabled)."""
    server = ScriptedServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
