"""Benchmark: how many entity states each event writes, and what an unchanged poll costs.

Fifty downloads are tracked (fifty Radarr Grabs posted to the webhook, their torrents
downloading in a fake qBittorrent in its own process). Then, one event at a time, the sensor
writes are counted on the bus (`state_changed` and `state_reported` of the entry's sensors) and
set beside the number of requests the event changed, which each target equals: a redelivered
grab, a new title, polls in which 1, 5 or every download moved, and unchanged polls (0).
Polls are driven by Home Assistant's own timers (their clock moved on one interval at a time).

The unchanged poll's CPU time (`time.process_time()` of this process, from moving the timers'
clock on to the poll's work being done) is set beside the bare client fetch,
`QBittorrentClient.async_torrents()` alone against the same fake with the same torrents, the
two taking turns: target <= 2x. The harness's own share of each poll (moving the clock and waiting, with nothing
due) is printed too; it is included in the poll's figure.

Run: .venv/bin/python bench/entity_writes.py [--quick]   (about 15 s; --quick a few seconds)
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench._counters import EntityWrites
from bench._fake_qbittorrent import FakeQBittorrent, downloading
from bench._harness import BenchStack, bench_stack
from bench._payloads import radarr_grab, torrent_hash
from bench._report import Report, at_most, exactly, parse_args
from custom_components.media_request_tracker.clients.qbittorrent import QBittorrentClient

POLL_INTERVAL = 5.0  # the integration's default while a download moves
# One poll interval, plus the up to 0.5 s the coordinator adds to spread its polls.
POLL_STEP = POLL_INTERVAL + 0.5


async def poll(stack: BenchStack) -> float:
    """Let one poll interval pass; return the CPU seconds it took (fire to settled)."""
    calls = await stack.qbit.maindata_calls()
    cpu = time.process_time()
    await stack.advance(POLL_STEP)
    cpu = time.process_time() - cpu
    if (polled := await stack.qbit.maindata_calls() - calls) != 1:
        raise RuntimeError(f"one poll interval gave {polled} polls, not 1")
    return cpu


async def count_writes(
    report: Report, stack: BenchStack, downloads: int, polls: int
) -> tuple[list[float], list[float], list[float]]:
    """Count each event's writes; return the CPU seconds of unchanged polls, bare fetches, no poll.

    The unchanged polls and the bare client fetches take turns, so that both see the same
    machine: on a shared one, the load of the minute moves either by up to 2x.
    """
    writes = EntityWrites(stack)
    hashes = [torrent_hash("movie", index) for index in range(downloads + 1)]

    async def event(name: str, changed: int) -> None:
        await stack.settle()
        target = exactly(changed, "(requests changed)")
        report.figure(name, writes.take(), "writes", target, digits=0)

    assert await stack.post("radarr", radarr_grab(0)) == 200
    await event("the same Radarr Grab again", 0)
    assert await stack.post("radarr", radarr_grab(downloads)) == 200
    await event("a new title (its torrent not listed yet)", 1)
    await stack.qbit.set_torrents({hashes[downloads]: downloading()})
    await poll(stack)
    await event("poll: the new torrent is listed, downloading", 1)
    for moving in (min(5, downloads), downloads + 1):
        await stack.qbit.set_moving(hashes[:moving], step=0.01)
        await poll(stack)
        await stack.qbit.set_moving([])
        await event(f"poll: {moving} of {downloads + 1} downloads moved", moving)
    cpu: list[float] = []
    client: list[float] = []
    async with bare_client(stack.qbit, set(hashes)) as fetch:
        for _ in range(polls):
            cpu.append(await poll(stack))
            client.append(await fetch())
    floor = []
    for _ in range(polls):
        start = time.process_time()
        await stack.advance(0)
        floor.append(time.process_time() - start)
    report.figure(
        f"{polls} polls, nothing changed",
        writes.take(),
        "writes",
        exactly(0, "(requests changed)"),
        digits=0,
    )
    return cpu, client, floor


def median(values: list[float]) -> float:
    """Return the median of `values`."""
    return sorted(values)[len(values) // 2]


@asynccontextmanager
async def bare_client(
    qbit: FakeQBittorrent, hashes: set[str]
) -> AsyncIterator[Callable[[], Awaitable[float]]]:
    """Give a call of `QBittorrentClient.async_torrents()` alone, returning its CPU seconds.

    The client has its own plain aiohttp session; its login and first (full) update are not
    counted, so each call is the steady state: an unchanged sync/maindata.
    """
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        client = QBittorrentClient(session, qbit.url, "admin", "adminadmin")
        found = await client.async_torrents(hashes)
        if len(found) != len(hashes):
            raise RuntimeError(f"the client found {len(found)} of {len(hashes)} torrents")

        async def fetch() -> float:
            start = time.process_time()
            await client.async_torrents(hashes)
            return time.process_time() - start

        yield fetch


async def main() -> int:
    """Track the downloads, count each event's writes, then compare the poll with the client."""
    args = parse_args(__doc__)
    downloads, polls = (5, 20) if args.quick else (50, 200)
    report = Report("entity writes", quick=args.quick)
    async with FakeQBittorrent() as qbit:
        hashes = {torrent_hash("movie", index) for index in range(downloads)}
        await qbit.set_torrents({torrent: downloading() for torrent in hashes})
        async with bench_stack(qbit) as stack:
            for index in range(downloads):
                assert await stack.post("radarr", radarr_grab(index)) == 200
            await stack.advance_by_steps(30, POLL_INTERVAL)
            if len(stack.sensors()) != downloads:
                raise RuntimeError(f"{len(stack.sensors())} sensors, expected {downloads}")
            report.section(f"entity writes per event ({downloads} downloads tracked)")
            polled, fetched, idle = await count_writes(report, stack, downloads, polls)
    poll_cpu, client_cpu, floor_cpu = median(polled), median(fetched), median(idle)
    report.section(f"an unchanged poll ({downloads + 1} downloads tracked; medians of {polls})")
    report.figure(
        "Home Assistant CPU per unchanged poll (timer to settled)", poll_cpu * 1000, "ms", digits=3
    )
    report.figure(
        "QBittorrentClient.async_torrents alone, CPU per call", client_cpu * 1000, "ms", digits=3
    )
    report.figure(
        "unchanged poll / bare client fetch", poll_cpu / client_cpu, "x", at_most(2, "<= 2x")
    )
    report.figure(
        "of the poll: moving time on and settling with nothing due",
        floor_cpu * 1000,
        "ms",
        digits=3,
    )
    return report.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
