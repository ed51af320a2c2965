"""Benchmark: what one qBittorrent poll costs us, incremental sync/maindata against a full fetch.

A fake qBittorrent WebUI (its own process, so its CPU is not counted) holds 5,000 torrents; 20 of
them are tracked. For each strategy the client polls 200 times and we print the bytes received
(status line, headers and body) and the client's CPU time per poll:

  * sync/maindata, steady state, nothing changed (the usual 5 s poll)
  * sync/maindata, the 20 tracked torrents progressing (every poll changes them)
  * a full torrents/info fetch of every torrent (what a naive poller does), same process

Targets: <= 2,048 bytes per unchanged poll; < 2 ms of CPU per poll (unchanged and progressing).

Run: .venv/bin/python bench/qbittorrent_poll.py [--quick]   (about 10 s; loopback only)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench._fake_qbittorrent import FakeQBittorrent
from bench._report import Report, at_most, parse_args
from custom_components.media_request_tracker.clients.qbittorrent import QBittorrentClient

TRACKED = 20
TARGET_BYTES = 2048
TARGET_CPU_MS = 2.0


def torrent(index: int) -> dict[str, Any]:
    """Return a torrent as qBittorrent 4.5 lists it (the usual fields), without its hash."""
    tracked = index < TRACKED
    return {
        "name": f"Some.Release.Name.{index}.1080p.WEB-DL.x264-GROUP",
        "size": 4_000_000_000 + index,
        "total_size": 4_000_000_000 + index,
        "progress": 0.1 if tracked else 1.0,
        "amount_left": 0,
        "dlspeed": 1_000_000 if tracked else 0,
        "upspeed": 0,
        "eta": 3600 if tracked else 8640000,
        "state": "downloading" if tracked else "stalledUP",
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


async def measure(
    counter: ByteCounter, polls: int, poll: Callable[[], Awaitable[object]]
) -> tuple[float, float]:
    """Poll `polls` times; return (bytes per poll, CPU ms per poll)."""
    counter.received = 0
    cpu = time.process_time()
    for _ in range(polls):
        await poll()
    return counter.received / polls, (time.process_time() - cpu) * 1000 / polls


async def main() -> int:
    """Fill the fake WebUI, poll it each way, print the figures."""
    args = parse_args(__doc__)
    torrents, polls = (500, 20) if args.quick else (5000, 200)
    report = Report("qBittorrent poll", quick=args.quick)
    report.note(f"{torrents:,} torrents in qBittorrent, {TRACKED} tracked, {polls} polls each")
    counter = ByteCounter()
    async with FakeQBittorrent() as qbit:
        await qbit.set_torrents({f"{index:040x}": torrent(index) for index in range(torrents)})
        tracked = [f"{index:040x}" for index in range(TRACKED)]
        async with aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), trace_configs=[counter.trace()]
        ) as session:
            client = QBittorrentClient(session, qbit.url, "admin", "adminadmin")
            if len(await client.async_torrents(set(tracked))) != TRACKED:  # login, full update
                raise RuntimeError("the client did not find the tracked torrents")
            idle = await measure(counter, polls, lambda: client.async_torrents(set(tracked)))
            await qbit.set_moving(tracked)
            moving = await measure(counter, polls, lambda: client.async_torrents(set(tracked)))
            await qbit.set_moving([])

            async def full_fetch() -> None:
                async with session.get(f"{qbit.url}/api/v2/torrents/info") as response:
                    json.loads(await response.read())

            full = await measure(counter, polls, full_fetch)
    bytes_target = at_most(TARGET_BYTES, f"<= {TARGET_BYTES:,} B")
    cpu_target = at_most(TARGET_CPU_MS, f"< {TARGET_CPU_MS:g} ms")
    for name, (received, cpu_ms), targets in (
        ("sync/maindata, nothing changed", idle, (bytes_target, cpu_target)),
        (f"sync/maindata, {TRACKED} tracked torrents progressing", moving, (None, cpu_target)),
        (f"full torrents/info of all {torrents:,} torrents", full, (None, None)),
    ):
        report.section(name)
        report.figure("bytes received per poll", received, "B", targets[0], digits=0)
        report.figure("client CPU per poll", cpu_ms, "ms", targets[1], digits=3)
    report.section("against the full fetch")
    report.figure(
        "unchanged poll: share of the full fetch's bytes", idle[0] / full[0], "", digits=6
    )
    report.figure("unchanged poll: share of its CPU", idle[1] / full[1], "", digits=4)
    report.figure("progressing poll: share of the bytes", moving[0] / full[0], "", digits=6)
    report.figure("progressing poll: share of the CPU", moving[1] / full[1], "", digits=4)
    return report.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
