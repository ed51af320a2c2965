"""A fake qBittorrent WebUI for the benchmarks, run in a process of its own.

Its CPU is not the measured process's. It answers what the integration and `QBittorrentClient`
call: `auth/login`, `sync/maindata` with qBittorrent's rid semantics (rid 0 gets a full update,
a later rid only the fields changed since), `transfer/info`, `torrents/info` (every torrent,
the naive full fetch) and `torrents/files` (no files). The benchmark drives it through control
endpoints under `/bench/`: add or change torrents, and set some moving (each `sync/maindata`
call then advances their progress by a step).

Used as `async with FakeQBittorrent() as qbit:`; `python bench/_fake_qbittorrent.py PORT` is
the server side.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

START_TIMEOUT = 20.0
# qBittorrent's ETA for "unknown" (8640000 s, 100 days).
ETA_UNKNOWN = 8640000


class WebUiState:
    """The torrents the fake lists, which of their fields changed at which rid, and what moves."""

    def __init__(self) -> None:
        """Start with no torrents."""
        self.rid = 0
        self.torrents: dict[str, dict[str, Any]] = {}
        # hash -> field -> the rid from which a client has seen the field's current value.
        self.changed: dict[str, dict[str, int]] = {}
        self.moving: list[str] = []
        self.step = 0.0
        self.maindata_calls = 0

    def update(self, torrent_hash: str, fields: dict[str, Any]) -> None:
        """Set fields of a torrent (adding it if new); the next diff reports them."""
        self.torrents.setdefault(torrent_hash, {}).update(fields)
        marks = self.changed.setdefault(torrent_hash, {})
        for field in fields:
            marks[field] = self.rid + 1

    def advance_moving(self) -> None:
        """Move each moving torrent on by one step (progress up, ETA down)."""
        for torrent_hash in self.moving:
            torrent = self.torrents[torrent_hash]
            progress = min(1.0, round(float(torrent.get("progress", 0.0)) + self.step, 6))
            eta = torrent.get("eta", ETA_UNKNOWN)
            self.update(
                torrent_hash,
                {"progress": progress, "eta": max(0, int(eta) - 5) if eta < ETA_UNKNOWN else eta},
            )

    def maindata(self, since: int) -> dict[str, Any]:
        """Answer sync/maindata for a client that has seen rid `since`."""
        self.maindata_calls += 1
        self.advance_moving()
        self.rid += 1
        if since <= 0 or since >= self.rid:
            return {
                "rid": self.rid,
                "full_update": True,
                "torrents": {h: dict(t) for h, t in self.torrents.items()},
                "server_state": {"connection_status": "connected"},
            }
        diff: dict[str, dict[str, Any]] = {}
        for torrent_hash, marks in self.changed.items():
            fields = {f: self.torrents[torrent_hash][f] for f, at in marks.items() if at > since}
            if fields:
                diff[torrent_hash] = fields
        body: dict[str, Any] = {"rid": self.rid}
        if diff:
            body["torrents"] = diff
        return body


def make_app(state: WebUiState) -> web.Application:
    """Return the fake WebUI's routes over `state`."""

    def as_json(body: Any) -> web.Response:
        return web.Response(text=json.dumps(body), content_type="application/json")

    async def login(_: web.Request) -> web.Response:
        return web.Response(text="Ok.", headers={"Set-Cookie": "SID=bench; path=/"})

    async def maindata(request: web.Request) -> web.Response:
        return as_json(state.maindata(int(request.query.get("rid", "0"))))

    async def transfer_info(_: web.Request) -> web.Response:
        return as_json({"dl_info_speed": 0, "up_info_speed": 0, "connection_status": "connected"})

    async def torrents_info(_: web.Request) -> web.Response:
        return as_json([{"hash": h, **t} for h, t in state.torrents.items()])

    async def torrent_files(_: web.Request) -> web.Response:
        return as_json([])

    async def set_torrents(request: web.Request) -> web.Response:
        for torrent_hash, fields in (await request.json()).items():
            state.update(torrent_hash, fields)
        return as_json({"torrents": len(state.torrents)})

    async def set_moving(request: web.Request) -> web.Response:
        body = await request.json()
        state.moving = [h for h in body["hashes"] if h in state.torrents]
        state.step = float(body.get("step", 0.001))
        return as_json({"moving": len(state.moving)})

    async def stats(_: web.Request) -> web.Response:
        return as_json({"maindata_calls": state.maindata_calls, "rid": state.rid})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/api/v2/auth/login", login)
    app.router.add_get("/api/v2/sync/maindata", maindata)
    app.router.add_get("/api/v2/transfer/info", transfer_info)
    app.router.add_get("/api/v2/torrents/info", torrents_info)
    app.router.add_get("/api/v2/torrents/files", torrent_files)
    app.router.add_post("/bench/torrents", set_torrents)
    app.router.add_post("/bench/moving", set_moving)
    app.router.add_get("/bench/stats", stats)
    return app


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class FakeQBittorrent:
    """Runs the fake WebUI in a child process and drives it from the benchmark."""

    def __init__(self, url: str | None = None) -> None:
        """Pick a port (or drive the fake already running at `url`); start it when entered."""
        self.port = int(url.rsplit(":", 1)[1]) if url else free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._start = url is None
        self._process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        """Start the child process (unless it runs already) and wait until it answers."""
        self._session = aiohttp.ClientSession()
        if not self._start:
            return self
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, str(self.port)
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                if loop.time() > deadline or self._process.returncode is not None:
                    raise RuntimeError("the fake qBittorrent did not start") from None
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            break
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the child process (if this started it)."""
        if self._session is not None:
            await self._session.close()
        if self._process is not None:
            self._process.terminate()
            await asyncio.wait_for(self._process.wait(), 10)

    async def _post(self, path: str, body: Any) -> Any:
        assert self._session is not None, "use FakeQBittorrent as an async context manager"
        async with self._session.post(f"{self.url}{path}", json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def set_torrents(self, torrents: dict[str, dict[str, Any]]) -> None:
        """Add torrents, or change fields of listed ones (hash -> fields)."""
        await self._post("/bench/torrents", torrents)

    async def set_moving(self, hashes: list[str], step: float = 0.001) -> None:
        """Let these torrents advance by `step` on every sync/maindata call (none: stop)."""
        await self._post("/bench/moving", {"hashes": hashes, "step": step})

    async def maindata_calls(self) -> int:
        """Return how many sync/maindata calls the fake has answered."""
        assert self._session is not None, "use FakeQBittorrent as an async context manager"
        async with self._session.get(f"{self.url}/bench/stats") as response:
            calls: int = (await response.json())["maindata_calls"]
            return calls


def downloading(progress: float = 0.1, size: int = 4_000_000_000) -> dict[str, Any]:
    """Return the fields of a torrent that is downloading (the speed and ETA stay put)."""
    return {
        "state": "downloading",
        "progress": progress,
        "dlspeed": 1_000_000,
        "eta": 3600,
        "size": size,
    }


def queued(size: int = 4_000_000_000) -> dict[str, Any]:
    """Return the fields of a torrent waiting in qBittorrent's queue."""
    return {"state": "queuedDL", "progress": 0.0, "dlspeed": 0, "eta": ETA_UNKNOWN, "size": size}


if __name__ == "__main__":
    web.run_app(make_app(WebUiState()), host="127.0.0.1", port=int(sys.argv[1]), print=None)
