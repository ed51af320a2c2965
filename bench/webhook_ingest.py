"""Benchmark: what a Radarr Grab webhook costs Home Assistant, against a no-op webhook.

For 1, 100 and 1,000 tracked requests (a generated library in the entry's store, plus the
request of the repeated grab) a fresh Home Assistant sets the entry up; then a client in its own
process posts, 4 at a time over keep-alive connections, through Home Assistant's HTTP stack:

  * a no-op webhook registered in the same instance (a handler that returns None): the baseline,
    what Home Assistant's HTTP stack and webhook component cost by themselves;
  * a bare-entity webhook (`_bare_entity.py`): it reads the body and adds one plain sensor
    entity with a unique id, nothing else: the baseline of a new title, which adds a sensor
    (Home Assistant's own cost of a new entity: registry entry, first state, its event);
  * the same Radarr Grab again (a redelivery: nothing changes);
  * new titles: distinct Radarr Grabs (movie id, TMDB/IMDb id, title, downloadId), each a new
    request and sensor (the tracked count grows by that many during this run).

Per kind: Home Assistant's CPU time per webhook (`time.process_time()` of this process, from the
first post until the work the posts left is done; the client and the fake qBittorrent run in
processes of their own), and webhooks answered per second (the client's wall time). Payloads:
the shared Radarr Grab fixture (`shared/fixtures/webhooks/radarr/`).

Targets: CPU per webhook at 1,000 tracked <= 1.5x its baseline's (a repeat: the no-op's; a new
title: the bare-entity webhook's); the rate at 1,000 tracked >= 0.8x the rate at 1 tracked;
>= 500 new titles/s at 1,000 tracked. A new title against the no-op is printed too.

Run: .venv/bin/python bench/webhook_ingest.py [--quick]   (about 1 min; --quick a few seconds)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._bare_entity import register_bare_entity_webhook
from bench._fake_qbittorrent import FakeQBittorrent, downloading, queued
from bench._harness import BenchStack, bench_stack, utcnow, write_store
from bench._library import generated_library
from bench._load_client import LoadClient, LoadRun
from bench._payloads import body_bytes, radarr_grab, torrent_hash
from bench._report import Report, at_least, at_most, parse_args

KINDS = (
    "no-op webhook",
    "bare-entity webhook",
    "same Radarr Grab again",
    "new title (Radarr Grab)",
)
NOOP, BARE, REPEAT, NEW = KINDS
BASELINE = {REPEAT: NOOP, NEW: BARE}
REPEATED = 0  # index of the movie whose grab is posted again and again


async def measure(
    stack: BenchStack, client: LoadClient, posts: int, new_titles: range
) -> dict[str, LoadRun]:
    """Post each kind from the client process; return what each run measured."""
    repeat_jobs = [(stack.webhook_path("radarr"), body_bytes(radarr_grab(REPEATED)))] * posts
    noop_jobs = [(stack.webhook_path("noop"), repeat_jobs[0][1])] * posts
    bare_path = f"/api/webhook/{register_bare_entity_webhook(stack.hass)}"
    await stack.qbit.set_torrents({torrent_hash("movie", index): queued() for index in new_titles})
    new_jobs = [
        (stack.webhook_path("radarr"), body_bytes(radarr_grab(index))) for index in new_titles
    ]
    bare_jobs = [(bare_path, body) for _, body in new_jobs]
    # Warm-up (not counted): Home Assistant's first requests build caches.
    await client.post(stack.base_url, noop_jobs[:50] + repeat_jobs[:50], stack.settle)
    runs = {}
    for kind, jobs in zip(KINDS, (noop_jobs, bare_jobs, repeat_jobs, new_jobs), strict=True):
        runs[kind] = await client.post(stack.base_url, jobs, stack.settle)
        if not runs[kind].all_answered(200):
            raise RuntimeError(f"{kind}: not every webhook was answered 200: {runs[kind].statuses}")
    return runs


async def run_size(
    qbit: FakeQBittorrent, client: LoadClient, tracked: int, posts: int, new_titles: range
) -> dict[str, LoadRun]:
    """Measure with `tracked` requests tracked (a library of tracked - 1, plus the repeated one)."""
    library = generated_library(tracked - 1, utcnow())
    await qbit.set_torrents({**library.torrents, torrent_hash("movie", REPEATED): downloading()})
    with tempfile.TemporaryDirectory() as config_dir:
        write_store(Path(config_dir), library.tracker)
        async with bench_stack(qbit, config_dir=Path(config_dir)) as stack:
            assert await stack.post("radarr", radarr_grab(REPEATED)) == 200
            await stack.settle()
            if len(stack.sensors()) != tracked:
                raise RuntimeError(f"{len(stack.sensors())} sensors, expected {tracked}")
            return await measure(stack, client, posts, new_titles)


async def main() -> int:
    """Measure every size, then compare with the no-op and with 1 tracked request."""
    args = parse_args(__doc__)
    sizes, posts, new_posts = ((1, 10), 20, 10) if args.quick else ((1, 100, 1000), 1000, 300)
    report = Report("webhook ingest", quick=args.quick)
    report.note(
        f"{posts} posts per kind ({new_posts} new titles), 4 in flight, client in its own process"
    )
    results: dict[int, dict[str, LoadRun]] = {}
    async with FakeQBittorrent() as qbit, LoadClient() as client:
        for number, tracked in enumerate(sizes):
            first = 1 + number * 100_000
            results[tracked] = await run_size(
                qbit, client, tracked, posts, range(first, first + new_posts)
            )
    for tracked, runs in results.items():
        report.section(f"{tracked:,} tracked request{'' if tracked == 1 else 's'}")
        for kind, run in runs.items():
            report.figure(
                f"{kind}: Home Assistant CPU per webhook", run.cpu_ms_per_post, "ms", digits=3
            )
            report.figure(f"{kind}: webhooks per second", run.per_second, "/s", digits=0)
    smallest, largest = results[sizes[0]], results[sizes[-1]]
    report.section(f"targets (at {sizes[-1]:,} tracked)")
    for kind, baseline in BASELINE.items():
        report.figure(
            f"{kind}: CPU / {baseline}'s",
            largest[kind].cpu_ms_per_post / largest[baseline].cpu_ms_per_post,
            "x",
            at_most(1.5, "<= 1.5x"),
        )
    report.figure(
        f"{NEW}: CPU / {NOOP}'s",
        largest[NEW].cpu_ms_per_post / largest[NOOP].cpu_ms_per_post,
        "x",
    )
    for kind in (REPEAT, NEW):
        report.figure(
            f"{kind}: rate / rate at {sizes[0]} tracked",
            largest[kind].per_second / smallest[kind].per_second,
            "x",
            at_least(0.8, ">= 0.8x"),
        )
    report.figure(
        "new titles per second",
        largest[NEW].per_second,
        "/s",
        at_least(500, ">= 500/s"),
        digits=0,
    )
    return report.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
