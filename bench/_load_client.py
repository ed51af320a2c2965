"""The HTTP client that posts webhooks for a benchmark, in a process of its own.

Run in a child so its CPU is not counted against Home Assistant's: the parent measures its
own `time.process_time()` while the child posts. Protocol, one line each way: the parent sends
a job file (JSON); the child opens a session and answers `"ready"`; on `go` it posts
every job, `concurrency` at a time on keep-alive connections, and answers the seconds it took
and the answers' status counts. Closing its stdin ends it.

`LoadClient` is the parent side; `python bench/_load_client.py` the child side.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self, TypedDict

import aiohttp


class JobFile(TypedDict):
    """What the child is told to post: bodies once each, then (path, body index) per post."""

    base: str
    bodies: list[str]
    jobs: list[tuple[str, int]]
    concurrency: int


@dataclass(frozen=True)
class LoadRun:
    """What one child run measured: its wall time, the parent's CPU time and the answers."""

    posts: int
    seconds: float
    cpu_seconds: float
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        """Return the posts answered per second (the client's wall time)."""
        return self.posts / self.seconds

    @property
    def cpu_ms_per_post(self) -> float:
        """Return the parent's CPU milliseconds per post."""
        return self.cpu_seconds * 1000 / self.posts

    def all_answered(self, *statuses: int) -> bool:
        """Return whether every post got one of these statuses."""
        return sum(self.statuses.get(status, 0) for status in statuses) == self.posts


class LoadClient:
    """The child process that posts; one per benchmark, reused for every run."""

    def __init__(self) -> None:
        """Start nothing until entered."""
        self._child: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Self:
        """Start the child."""
        self._child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Tell the child to stop, and wait for it."""
        if self._child is not None and self._child.stdin is not None:
            self._child.stdin.close()
            await self._child.wait()

    async def _say(self, line: str) -> Any:
        """Send the child a line; return its JSON answer."""
        assert self._child is not None, "use LoadClient as an async context manager"
        assert self._child.stdin is not None
        assert self._child.stdout is not None
        self._child.stdin.write(f"{line}\n".encode())
        await self._child.stdin.drain()
        answer = await self._child.stdout.readline()
        if not answer:
            raise RuntimeError("the load client stopped")
        return json.loads(answer)

    async def post(
        self,
        base_url: str,
        jobs: Sequence[tuple[str, bytes]],
        settle: Callable[[], Awaitable[None]],
        *,
        concurrency: int = 4,
    ) -> LoadRun:
        """Post `jobs` (path, body); measure this process's CPU meanwhile.

        The CPU is counted from `go` until `settle()` returns after the last answer, so work
        the posts left behind (entities added, tasks) is counted too.
        """
        bodies: dict[bytes, int] = {}
        spec: JobFile = {
            "base": base_url,
            "jobs": [(path, bodies.setdefault(body, len(bodies))) for path, body in jobs],
            "bodies": [],
            "concurrency": concurrency,
        }
        spec["bodies"] = [body.decode() for body in bodies]
        await self._say(json.dumps(spec))  # the child has opened its session
        cpu = time.process_time()
        result = await self._say("go")
        await settle()
        cpu_seconds = time.process_time() - cpu
        return LoadRun(
            posts=len(jobs),
            seconds=result["seconds"],
            cpu_seconds=cpu_seconds,
            statuses={int(status): count for status, count in result["statuses"].items()},
        )


async def _post_all(spec: JobFile, go: Callable[[], Awaitable[str]]) -> None:
    """Open a session for the job file, say ready, post everything on `go`, print the result."""
    bodies = [body.encode() for body in spec["bodies"]]
    concurrency = spec["concurrency"]
    statuses: Counter[int] = Counter()
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(spec["base"], connector=connector) as session:
        pending = iter(spec["jobs"])

        async def worker() -> None:
            for path, body in pending:
                async with session.post(path, data=bodies[body], headers=headers) as r:
                    await r.read()
                    statuses[r.status] += 1

        print(json.dumps("ready"), flush=True)
        await go()
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "statuses": statuses}), flush=True)


async def _serve() -> None:
    """The child: one job file per line on stdin, until stdin closes."""
    loop = asyncio.get_running_loop()

    async def read_line() -> str:
        return await loop.run_in_executor(None, sys.stdin.readline)

    while line := (await read_line()).strip():
        await _post_all(json.loads(line), read_line)


if __name__ == "__main__":
    asyncio.run(_serve())
