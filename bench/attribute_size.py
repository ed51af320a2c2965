"""Benchmark: how large the sensor of a 1,100-episode TV request gets, and one state_changed.

A long-running show is driven in through the Sonarr webhook: Grabs of 22 season packs of 50
episodes each (the shared Sonarr Grab fixture's shape, 1,100 episodes with their titles), then
each season's Import Complete (the shared fixture's shape, one library file per episode). After
each phase the sensor's attributes are serialised as Home Assistant serialises them
(`homeassistant.helpers.json.json_bytes`), and the last `state_changed` event of the sensor as
a websocket subscriber receives it (`websocket_api.messages.cached_event_message`; it holds
the old and the new state).

Target: attributes < 16,384 bytes. The fake qBittorrent (its own process) lists the packs as
queued.

Run: .venv/bin/python bench/attribute_size.py [--quick]   (about 10 s; --quick a few seconds)
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homeassistant.components.websocket_api.messages import cached_event_message
from homeassistant.helpers.json import json_bytes

from bench._counters import EntityWrites
from bench._fake_qbittorrent import FakeQBittorrent, queued
from bench._harness import BenchStack, bench_stack
from bench._payloads import sonarr_season_grab, sonarr_season_imported, torrent_hash
from bench._report import Report, at_most, parse_args

SERIES_ID = 77
LIMIT = 16_384


def measure(report: Report, stack: BenchStack, writes: EntityWrites, phase: str) -> None:
    """Print the size of the sensor's attributes and of its last state_changed message."""
    sensors = stack.sensors()
    if len(sensors) != 1:
        raise RuntimeError(f"{len(sensors)} sensors, expected the one TV request")
    state = sensors[0]
    report.section(f"{phase}: the sensor is {state.state}")
    report.figure(
        "attributes, JSON",
        len(json_bytes(state.attributes)),
        "bytes",
        at_most(LIMIT - 1, f"< {LIMIT:,} bytes"),
        digits=0,
    )
    if writes.last_changed is None:
        raise RuntimeError("no state_changed event of the sensor was heard")
    report.figure(
        "one state_changed message (websocket)",
        len(cached_event_message(b"1", writes.last_changed)),
        "bytes",
        digits=0,
    )


async def main() -> int:
    """Grab, then import, every season; measure after each phase."""
    args = parse_args(__doc__)
    seasons, per_season = (2, 5) if args.quick else (22, 50)
    report = Report("attribute size", quick=args.quick)
    report.note(
        f"{seasons} season packs x {per_season} episodes = {seasons * per_season:,} episodes"
    )
    async with FakeQBittorrent() as qbit:
        await qbit.set_torrents(
            {torrent_hash(f"series-{SERIES_ID}", s): queued() for s in range(1, seasons + 1)}
        )
        async with bench_stack(qbit) as stack:
            writes = EntityWrites(stack)
            for season in range(1, seasons + 1):
                assert (
                    await stack.post("sonarr", sonarr_season_grab(SERIES_ID, season, per_season))
                    == 200
                )
            await stack.settle()
            measure(report, stack, writes, f"{seasons * per_season:,} episodes grabbed")
            for season in range(1, seasons + 1):
                body = sonarr_season_imported(SERIES_ID, season, per_season)
                assert await stack.post("sonarr", body) == 200
            await stack.settle()
            measure(report, stack, writes, f"{seasons * per_season:,} episodes imported")
    return report.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
