"""Tests of the client modules: webhook parsers, API clients (on aioresponses), Shoko's stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aioresponses import aioresponses


@asynccontextmanager
async def mocked_http() -> AsyncIterator[tuple[aiohttp.ClientSession, aioresponses]]:
    """Yield a session and the aioresponses mock that answers its requests."""
    with aioresponses() as mocked:
        async with aiohttp.ClientSession() as session:
            yield session, mocked


def requests_made(mocked: aioresponses) -> dict[tuple[str, str], int]:
    """Return how many times each (method, URL with sorted query) was requested."""
    return {(method, str(url)): len(calls) for (method, url), calls in mocked.requests.items()}


def sent(mocked: aioresponses) -> list[dict[str, Any]]:
    """Return the keyword arguments of every request, in the order of first use of each URL."""
    return [call.kwargs for calls in mocked.requests.values() for call in calls]
