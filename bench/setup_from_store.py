"""Benchmark: setting the entry up from a storage file of 5,000 requests, against an empty one.

The storage file holds 4,000 movies and 1,000 TV requests of 24 episodes each, spread over the
lifecycle (most available; the downloads under way are listed by a fake qBittorrent in its own
process), built with the integration's own `Tracker`/`Request` model and written with
`to_stored()` (storage version 2) in Home Assistant's Store layout (`.storage/media_request_tracker.<entry_id>`).
The other case is a storage file with no requests.

Each measurement runs in a fresh Python process of its own, so its memory is its own:

  * time: from `async_setup(entry)` until the entry is loaded, and until every sensor is
    written (ready), with the peak RSS of the process and its RSS just before set-up (median
    of 3 processes per case);
  * memory: the tracemalloc peak during set-up (another process, as tracing slows it down).

Targets: ready < 1.5 s; < 60 MB of memory for the 5,000 requests (peak RSS above the empty
store's, and the tracemalloc peak).

Run: .venv/bin/python bench/setup_from_store.py [--quick]   (about 1 min; --quick a few seconds)
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._fake_qbittorrent import FakeQBittorrent
from bench._harness import bench_stack, utcnow, write_store
from bench._library import generated_library
from bench._report import Report, at_most, parse_args
from custom_components.media_request_tracker.tracker import Tracker

RESULT = "RESULT "
MB = 1_000_000


def memory_status(field: str) -> int:
    """Return a memory figure of this process from /proc/self/status (VmRSS, VmHWM), in bytes.

    The peak is read as VmHWM rather than getrusage's ru_maxrss: Linux keeps ru_maxrss across
    execve, so a child would start with its parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


async def measure_setup(config_dir: Path, qbittorrent_url: str, mode: str) -> dict[str, Any]:
    """In a child: set the entry up from the store in `config_dir`; return what was measured."""
    async with (
        FakeQBittorrent(qbittorrent_url) as qbit,
        bench_stack(qbit, config_dir=config_dir, setup=False) as stack,
    ):
        before = memory_status("VmRSS")
        if mode in ("memory", "both"):
            tracemalloc.start()
        start = time.perf_counter()
        assert await stack.hass.config_entries.async_setup(stack.entry.entry_id)
        loaded = time.perf_counter() - start
        await stack.settle()
        ready = time.perf_counter() - start
        traced = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
        return {
            "loaded": loaded,
            "ready": ready,
            "sensors": len(stack.sensors()),
            "rss_before": before,
            "rss_peak": memory_status("VmHWM"),
            "traced_peak": traced,
        }


async def run_child(prepared: Path, qbittorrent_url: str, mode: str) -> dict[str, Any]:
    """Run one measurement in a fresh process, on a fresh copy of a config dir; return it."""
    with tempfile.TemporaryDirectory() as scratch:
        config_dir = Path(scratch) / "config"
        shutil.copytree(prepared, config_dir)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--child",
            str(config_dir),
            qbittorrent_url,
            mode,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await child.communicate()
    if child.returncode:
        raise RuntimeError(f"the {mode} measurement failed (exit {child.returncode})")
    line = next(line for line in out.decode().splitlines() if line.startswith(RESULT))
    result: dict[str, Any] = json.loads(line.removeprefix(RESULT))
    return result


def median_of(results: list[dict[str, Any]], key: str) -> float:
    """Return the median of one measured value over several processes."""
    values = sorted(result[key] for result in results)
    return float(values[len(values) // 2])


async def main() -> int:
    """Write both stores, measure each in child processes, compare."""
    args = parse_args(__doc__)
    requests, repeats = (50, 1) if args.quick else (5000, 3)
    report = Report("set-up from store", quick=args.quick)
    library = generated_library(requests, utcnow())
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as full, tempfile.TemporaryDirectory() as empty:
        size = write_store(Path(full), library.tracker)
        write_store(Path(empty), Tracker())
        report.note(
            f"{library.movies:,} movies, {requests - library.movies:,} TV requests "
            f"({library.episodes:,} episodes), {len(library.torrents)} torrents under way; "
            f"storage file {size / MB:,.1f} MB"
        )
        cases = {"empty store": (Path(empty), 0), f"{requests:,} requests": (Path(full), requests)}
        async with FakeQBittorrent() as qbit:
            await qbit.set_torrents(library.torrents)
            if args.quick:  # one process per case, both at once, tracing while timed
                both = await asyncio.gather(
                    *(run_child(config_dir, qbit.url, "both") for config_dir, _ in cases.values())
                )
                measured = {
                    case: ([result], result) for case, result in zip(cases, both, strict=True)
                }
            else:
                measured = {}
                for case, (config_dir, _) in cases.items():
                    timed = [await run_child(config_dir, qbit.url, "time") for _ in range(repeats)]
                    measured[case] = (timed, await run_child(config_dir, qbit.url, "memory"))
    for case, (timed, traced) in measured.items():
        expected = cases[case][1]
        if any(result["sensors"] != expected for result in [*timed, traced]):
            raise RuntimeError(f"{case}: {expected} stored requests, not as many sensors")
        results[case] = {
            key: median_of(timed, key) for key in ("loaded", "ready", "rss_before", "rss_peak")
        }
        results[case]["traced_peak"] = traced["traced_peak"]
    empty_case, full_case = results["empty store"], results[f"{requests:,} requests"]
    for case, figures in results.items():
        report.section(case)
        report.figure("entry loaded (async_setup returned)", figures["loaded"], "s", digits=3)
        report.figure("ready (every sensor written)", figures["ready"], "s", digits=3)
        report.figure("RSS before set-up", figures["rss_before"] / MB, "MB", digits=1)
        report.figure("peak RSS of the process", figures["rss_peak"] / MB, "MB", digits=1)
        report.figure("tracemalloc peak during set-up", figures["traced_peak"] / MB, "MB", digits=1)
    report.section(f"{requests:,} requests against the empty store")
    report.figure("ready", full_case["ready"], "s", at_most(1.5, "< 1.5 s"), digits=3)
    report.figure("ready / empty store's", full_case["ready"] / empty_case["ready"], "x")
    report.figure(
        "peak RSS above the empty store's",
        (full_case["rss_peak"] - empty_case["rss_peak"]) / MB,
        "MB",
        at_most(60, "< 60 MB"),
        digits=1,
    )
    report.figure(
        "tracemalloc peak", full_case["traced_peak"] / MB, "MB", at_most(60, "< 60 MB"), digits=1
    )
    report.figure(
        "tracemalloc peak / empty store's",
        full_case["traced_peak"] / max(empty_case["traced_peak"], 1),
        "x",
    )
    return report.finish()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        measured = asyncio.run(measure_setup(Path(sys.argv[2]), sys.argv[3], sys.argv[4]))
        print(RESULT + json.dumps(measured), flush=True)
        sys.exit(0)
    sys.exit(asyncio.run(main()))
