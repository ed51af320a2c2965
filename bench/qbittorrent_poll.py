"""Benchmark: what one qBittorrent poll costs us, incremental sync/maindata against a full fetch.

A fake qBittorrent WebUI (its own process, so its CPU is not counted) holds 5,000 torrents; 20 of
them are tracked. For each strategy the client polls POLLS times and we print the bytes received
(status line, headers and body) and the client's CPU time per poll:

  * sync/maindata, steady state, nothing changed (the usual 5 s poll)
  * sync/maindata, the 20 tracked torrents progressing (every poll changes them)
  * a full torrents/info fetch of every torrent (what a naive poller does), same process

Run: .venv/bin/python bench/qbittorrent_poll.py  (about 10 s; loopback only)
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.media_request_tracker.services.qbittorrent import (
    QBittorrentClient,
)

TORRENTS = 5000
TRACKED = 20
POLLS = 200
TARGET_BYTES = 2048
TARGET_CPU_MS = 2.0


def torrent(index: int) -> dict[str, Any]:
    """Return a torrent as qBittorrent 4.5 lists it (the usual ~50 fields)."""
    return {
        "hash": f"{index:040x}",
        "name": f"Some.Release.Name.{index}.1080p.WEB-DL.x264-GROUP",
        "size": 4_000_000_000 + index,
        "total_size": 4_000_000_000 + index,
        "progress": 1.0 if index >= TRACKED else 0.1,
        "amount_left": 0,
        "dlspeed": 0 if index >= TRACKED else 1_000_000,
        "upspeed": 0,
        "eta": 8640000 if index >= TRACKED else 3600,
        "state": "stalledUP" if index >= TRACKED else "downloading",
        "category": "radarr",
        "tags": "",
        "save_path": "/data/torrents/movies",
        "content_path": f"/data/torrents/movies/Some.Release.Name.{index}.mkv",
        "added_on": 1795598796,
        "completion_on": 1795598796,
        "last_activity": 1795598796,
        "num_seeds": 0,
        "num_leechs": 0,
        "num_complete": 12,
        "num_incomplete": 3,
        "ratio": 1.5,
        "availability": -1,
        "magnet_uri": f"magnet:?xt=urn:btih:{index:040x}&dn=Some.Release.Name.{index}",
        "tracker": "",
        "priority": 0,
        "seq_dl": False,
        "super_seeding": False,
        "force_start": False,
        "auto_tmm": False,
    }


def serve(port: int) -> None:
    """Run the fake WebUI: login, sync/maindata with rid semantics, torrents/info."""
    torrents = {item["hash"]: item for item in (torrent(i) for i in range(TORRENTS))}
    state = {"rid": 0, "moving": False}

    async def login(_: web.Request) -> web.Response:
        return web.Response(text="Ok.", headers={"Set-Cookie": "SID=bench; path=/"})

    async def maindata(request: web.Request) -> web.Response:
        rid = int(request.query.get("rid", "0"))
        state["rid"] += 1
        if rid == 0:
            body: dict[str, Any] = {
                "rid": state["rid"],
                "full_update": True,
                "torrents": {
                    h: {k: v for k, v in t.items() if k != "hash"} for h, t in torrents.items()
                },
            }
        elif state["moving"]:
            changed = {}
            for index in range(TRACKED):
                item = torrents[f"{index:040x}"]
                item["progress"] = min(1.0, item["progress"] + 0.001)
                changed[item["hash"]] = {
                    "progress": item["progress"],
                    "eta": 3500,
                    "dlspeed": 1_000_001,
                }
            body = {"rid": state["rid"], "torrents": changed}
        else:
            body = {"rid": state["rid"]}
        return web.Response(text=json.dumps(body), content_type="application/json")

    async def info(_: web.Request) -> web.Response:
        return web.Response(
            text=json.dumps(list(torrents.values())), content_type="application/json"
        )

    async def mode(request: web.Request) -> web.Response:
        state["moving"] = request.query["moving"] == "1"
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/api/v2/auth/login", login)
    app.router.add_get("/api/v2/sync/maindata", maindata)
    app.router.add_get("/api/v2/torrents/info", info)
    app.router.add_get("/bench/mode", mode)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


class ByteCounter:
    """Counts what the client receives: status line, headers and body of every response."""

    received = 0

    def trace(self) -> aiohttp.TraceConfig:
        """Return a trace config that adds every response's size to `received`."""
        config = aiohttp.TraceConfig()

        async def on_chunk(
            _: Any, __: Any, params: aiohttp.TraceResponseChunkReceivedParams
        ) -> None:
            self.received += len(params.chunk)

        async def on_end(_: Any, __: Any, params: aiohttp.TraceRequestEndParams) -> None:
            response = params.response
            self.received += len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + sum(
                len(name) + len(value) + 4 for name, value in response.raw_headers
            )

        config.on_response_chunk_received.append(on_chunk)
        config.on_request_end.append(on_end)
        return config


COUNTER = ByteCounter()


async def measure(label: str, poll: Any) -> tuple[float, float]:
    """Poll POLLS times; return (bytes per poll, CPU ms per poll) and print them."""
    COUNTER.received = 0
    cpu = time.process_time()
    for _ in range(POLLS):
        await poll()
    cpu_ms = (time.process_time() - cpu) * 1000 / POLLS
    per_poll = COUNTER.received / POLLS
    print(f"{label:<52} {per_poll:>12,.0f} B/poll {cpu_ms:>9.3f} ms CPU/poll")
    return per_poll, cpu_ms


async def run(port: int) -> int:
    """Measure both strategies against the fake WebUI on `port`."""
    url = f"http://127.0.0.1:{port}"
    tracked = {f"{index:040x}" for index in range(TRACKED)}
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), trace_configs=[COUNTER.trace()]
    ) as session:
        client = QBittorrentClient(session, url, "admin", "adminadmin")
        await client.async_torrents(tracked)  # login + the one full update (not counted)
        idle = await measure(
            "sync/maindata, nothing changed", lambda: client.async_torrents(tracked)
        )
        await session.get(f"{url}/bench/mode", params={"moving": "1"})
        moving = await measure(
            f"sync/maindata, {TRACKED} tracked torrents progressing",
            lambda: client.async_torrents(tracked),
        )

        async def full_fetch() -> None:
            async with session.get(f"{url}/api/v2/torrents/info") as response:
                json.loads(await response.read())

        full = await measure(f"full torrents/info of all {TORRENTS} torrents", full_fetch)
    print()
    print(
        f"unchanged poll: {idle[0] / full[0]:.6f} of the full fetch's bytes, "
        f"{idle[1] / full[1]:.4f} of its CPU"
    )
    print(
        f"progressing poll: {moving[0] / full[0]:.6f} of the bytes, {moving[1] / full[1]:.4f} of the CPU"
    )
    ok = idle[0] <= TARGET_BYTES and idle[1] < TARGET_CPU_MS and moving[1] < TARGET_CPU_MS
    print(
        f"target (<= {TARGET_BYTES} B per unchanged poll, < {TARGET_CPU_MS} ms CPU per poll): "
        f"{'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


def main() -> int:
    """Start the fake WebUI in a child process, measure, stop it."""
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
        return 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])  # noqa: S603  (our own script)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        print(f"{TORRENTS} torrents in qBittorrent, {TRACKED} tracked, {POLLS} polls each\n")
        return asyncio.run(run(port))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
