"""Tests of the client modules: webhook parsers, API clients (on HA's aiohttp mocker), Shoko's stream.

The API clients are tested on a session bound to the `aioclient_mock` fixture (Home Assistant's
`AiohttpClientMocker`): `mocked_http` builds it, `requests_made` and `sent` read what was asked.
A registered answer stays until the end of the test and the first match wins; `answer_in_turn`
gives one URL several answers, each used once. What only real aiohttp shows (a response's
content type, an empty body read as JSON) is tested on tests/helpers/scripted_server.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from re import Pattern
from typing import Any

import aiohttp
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL


@asynccontextmanager
async def mocked_http(
    mocker: AiohttpClientMocker,
) -> AsyncIterator[tuple[aiohttp.ClientSession, AiohttpClientMocker]]:
    """Yield a session whose requests `mocker` (the `aioclient_mock` fixture) answers, and it.

    The session is closed on the way out, so no connector outlives the test.
    """
    session = mocker.create_session(asyncio.get_running_loop())
    try:
        yield session, mocker
    finally:
        await session.close()


def answer_in_turn(
    mocker: AiohttpClientMocker, method: str, url: str | Pattern[str], *answers: dict[str, Any]
) -> None:
    """Answer `method url` with each of `answers` once, in order (AiohttpClientMocker's keywords).

    A request after the last answer fails the test: nothing may be asked more often than scripted.
    """
    left = list(answers)

    async def next_answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        assert left, f"{method.upper()} {url} asked more than the {len(answers)} scripted times"
        return AiohttpClientMockResponse(method, url, **left.pop(0))

    mocker.request(method, url, side_effect=next_answer)


def requests_made(mocker: AiohttpClientMocker) -> dict[tuple[str, str], int]:
    """Return how many times each (METHOD, URL with its query as sent) was requested."""
    return dict(Counter((method.upper(), str(url)) for method, url, _, _ in mocker.mock_calls))


def sent(mocker: AiohttpClientMocker) -> list[dict[str, Any]]:
    """Return every request in the order made: method, url, params (its query), data, headers."""
    return [
        {
            "method": method.upper(),
            "url": str(url),
            "params": dict(url.query),
            "data": data,
            "headers": headers,
        }
        for method, url, data, headers in mocker.mock_calls
    ]
