"""Benchmark: how often the storage file is written, and how long saving blocks the event loop.

Writes are counted where Home Assistant's Store writes the entry's file (`Store._async_write_data`,
one call per file write); time is Home Assistant's timers moved forward 1 s at a time (each
poll, delayed save and cool-down due meanwhile runs). The fake qBittorrent runs in its own process.

  * a burst of 500 webhooks (new titles: distinct Radarr Grabs, posted 4 at a time by a client in
    its own process), counted until 10 minutes after the burst: target <= 2 writes;
  * 10 minutes of polling with 50 downloads moving (every poll changes each one's progress),
    as writes per minute: target <= 1;
  * a tracker of 5,000 requests (4,000 movies, 1,000 TV x 24 episodes; none downloading, so no
    poll does work meanwhile) in the store; one webhook changes a request, and the longest stall
    of the event loop is measured while that webhook is handled and while the file is written
    (a watcher task that sleeps 1 ms at a time). No target was set; the figure is for comparison.
    The time to serialise that tracker (`Tracker.to_dict()` and JSON) is printed beside it.

Run: .venv/bin/python bench/store_writes.py [--quick]   (about 1 min; --quick a few seconds)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homeassistant.helpers.json import json_bytes

from bench._counters import LoopStalls, StoreWrites
from bench._fake_qbittorrent import FakeQBittorrent, downloading, queued
from bench._harness import bench_stack, utcnow, write_store
from bench._library import generated_library
from bench._load_client import LoadClient
from bench._payloads import body_bytes, radarr_grab, torrent_hash
from bench._report import Report, at_most, parse_args

STEP = 1.0  # seconds of timers per step (a timer runs at most this late)
QUIET = 600.0  # how long after a burst writes are still counted; the span of moving downloads
QUICK_QUIET = 60.0


async def burst(report: Report, qbit: FakeQBittorrent, webhooks: int, quiet: float) -> None:
    """Post a burst of new titles; count the writes until `quiet` seconds after it."""
    titles = range(1, webhooks + 1)
    await qbit.set_torrents({torrent_hash("movie", index): queued() for index in titles})
    async with bench_stack(qbit) as stack, LoadClient() as client:
        jobs = [(stack.webhook_path("radarr"), body_bytes(radarr_grab(i))) for i in titles]
        with StoreWrites().counting() as writes:
            run = await client.post(stack.base_url, jobs, stack.settle)
            during = writes.count
            await stack.advance_by_steps(quiet, STEP)
            total = writes.take()
        if not run.all_answered(200) or len(stack.sensors()) != webhooks:
            raise RuntimeError(
                f"burst not absorbed: {run.statuses}, {len(stack.sensors())} sensors"
            )
    report.figure(f"writes while the {webhooks} webhooks were posted", during, "writes", digits=0)
    report.figure(
        f"writes per burst of {webhooks} (until {quiet / 60:.0f} min after)",
        total,
        "writes",
        at_most(2, "<= 2"),
        digits=0,
    )


async def moving_downloads(
    report: Report, qbit: FakeQBittorrent, downloads: int, quiet: float
) -> None:
    """Track downloads, let them move for `quiet` seconds of polls; report writes per minute."""
    hashes = [torrent_hash("movie", 1000 + index) for index in range(downloads)]
    await qbit.set_torrents({torrent: downloading() for torrent in hashes})
    async with bench_stack(qbit) as stack:
        for index in range(downloads):
            assert await stack.post("radarr", radarr_grab(1000 + index)) == 200
        await stack.advance_by_steps(quiet, STEP)  # whatever was pending is written
        with StoreWrites().counting() as writes:
            await qbit.set_moving(hashes, step=0.0005)
            calls = await qbit.maindata_calls()
            await stack.advance_by_steps(quiet, STEP)
            polls = await qbit.maindata_calls() - calls
            await qbit.set_moving([])
            total = writes.take()
    report.note(
        f"{polls} polls in {quiet / 60:.0f} minutes, every one moving {downloads} downloads"
    )
    report.figure(
        f"writes per minute, {downloads} downloads moving",
        total / (quiet / 60),
        "writes/min",
        at_most(1, "<= 1"),
    )


async def save_stall(report: Report, qbit: FakeQBittorrent, requests: int, quiet: float) -> None:
    """Change one request of a large tracker; measure the loop's stalls while it is saved."""
    library = generated_library(requests, utcnow(), polled=False)
    start = time.perf_counter()
    snapshot = json_bytes(library.tracker.to_dict())
    serialise = time.perf_counter() - start
    await qbit.set_torrents({torrent_hash("movie", 0): queued()})
    with tempfile.TemporaryDirectory() as config_dir:
        write_store(Path(config_dir), library.tracker)
        async with bench_stack(qbit, config_dir=Path(config_dir)) as stack:
            if len(stack.sensors()) != requests:
                raise RuntimeError(f"{len(stack.sensors())} sensors, expected {requests}")
            await stack.advance_by_steps(60, STEP)  # set-up's own saves, if any
            with StoreWrites().counting() as writes:
                async with LoopStalls().watching() as stalls:
                    posted = time.perf_counter()
                    assert await stack.post("radarr", radarr_grab(0)) == 200
                    await stack.settle()
                    webhook_span = (posted, time.perf_counter())
                    for _ in range(round(quiet / STEP)):
                        if writes.count:
                            break
                        await stack.advance(STEP)
    if not writes.spans:
        raise RuntimeError(f"the change was not saved within {quiet:.0f} s")
    report.note(
        f"{library.movies:,} movies, {requests - library.movies:,} TV requests "
        f"({library.episodes:,} episodes); the file holds {len(snapshot) / 1e6:,.1f} MB"
    )
    report.figure(
        "serialising the tracker (to_dict + JSON), in this process",
        serialise * 1000,
        "ms",
        digits=1,
    )
    report.figure(
        "longest loop stall while the webhook was handled",
        stalls.longest_within([webhook_span]) * 1000,
        "ms",
        digits=1,
    )
    report.figure(
        "longest loop stall while the file was written",
        stalls.longest_within(writes.spans) * 1000,
        "ms",
        digits=1,
    )
    report.figure(
        "the write itself (Store._async_write_data, wall)",
        (writes.spans[0][1] - writes.spans[0][0]) * 1000,
        "ms",
        digits=1,
    )


async def main() -> int:
    """Run the three measurements."""
    args = parse_args(__doc__)
    webhooks, downloads, requests, quiet = (
        (20, 5, 50, QUICK_QUIET) if args.quick else (500, 50, 5000, QUIET)
    )
    report = Report("store writes", quick=args.quick)
    async with FakeQBittorrent() as qbit:
        report.section(f"a burst of {webhooks} webhooks (new titles)")
        await burst(report, qbit, webhooks, quiet)
        report.section(f"polling with {downloads} downloads moving")
        await moving_downloads(report, qbit, downloads, quiet)
        report.section(f"saving a tracker of {requests:,} requests")
        await save_stall(report, qbit, requests, quiet)
    return report.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
