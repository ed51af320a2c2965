"""A set-up stack driven from outside: webhooks posted, qBittorrent's answers set, time passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from .. import advance, mock_qbittorrent, post_webhook, replace_mocks


@dataclass
class RunningStack:
    """The stack of `setup_entry`, with the few moves a story makes (the `stack` fixture)."""

    hass: HomeAssistant
    client: TestClient[web.Request, web.Application]
    aioclient_mock: AiohttpClientMocker
    freezer: FrozenDateTimeFactory

    def qbittorrent_lists(
        self, torrents: list[dict[str, Any]], *, status: HTTPStatus = HTTPStatus.OK
    ) -> None:
        """Answer the next polls of qBittorrent with these torrents (and `status`), only."""
        replace_mocks(self.aioclient_mock)
        mock_qbittorrent(self.aioclient_mock, torrents, status=status)

    async def post(self, service: str, payload: dict[str, Any]) -> None:
        """Post a payload the service's webhook accepts, and let what it started finish."""
        status, answer = await post_webhook(self.client, service, payload)
        assert status == HTTPStatus.OK, answer
        await self.hass.async_block_till_done()

    async def advance(self, time: float | timedelta) -> None:
        """Let `time` (seconds or a timedelta) pass and run what became due."""
        await advance(self.hass, self.freezer, time)
