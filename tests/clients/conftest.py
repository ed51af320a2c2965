"""Fixtures of the client tests: a scripted loopback server for what the aiohttp mocker cannot show."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ..helpers.scripted_server import ScriptedServer, scripted_server


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[ScriptedServer]:
    """Run a ScriptedServer on 127.0.0.1 for the test."""
    async with scripted_server() as running:
        yield running
