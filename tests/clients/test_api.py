"""The JSON client every API-key service shares (services/api.py), exercised on Jellyfin's URL."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients.api import (
    CannotConnect,
    InvalidAuth,
    JsonApiClient,
)

from ..helpers.scripted_server import ScriptedServer
from . import mocked_http

URL = "http://127.0.0.1:8096"


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        ({"status": 401}, InvalidAuth, "HTTP 401"),
        ({"status": 403}, InvalidAuth, "HTTP 403"),
        ({"status": 404}, CannotConnect, "HTTP 404"),
        ({"status": 500}, CannotConnect, "HTTP 500"),
        (
            {"exc": aiohttp.ClientConnectionError("refused")},
            CannotConnect,
            "ClientConnectionError",
        ),
        (
            {"exc": aiohttp.ServerDisconnectedError()},
            CannotConnect,
            "ServerDisconnectedError",
        ),
        ({"exc": TimeoutError()}, CannotConnect, "TimeoutError"),
        ({"text": "<html>Jellyfin is starting</html>"}, CannotConnect, "invalid JSON"),
    ],
)
async def test_json_client_errors(
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{URL}/System/Info", **answer)

        with pytest.raises(error) as err:
            await JsonApiClient(session, URL, {"X-Test": "1"}).get_json("/System/Info")

    assert str(err.value) == message


async def test_json_client_decodes_json_whatever_the_content_type(server: ScriptedServer) -> None:
    # Real aiohttp, as the mocker's json() never checks the content type: without
    # content_type=None this answer would raise ContentTypeError.
    server.add(
        "GET", "/System/Info", {"text": '{"Version": "10.11.5"}', "content_type": "text/plain"}
    )

    async with aiohttp.ClientSession() as session:
        body = await JsonApiClient(session, f"{server.url}///", {}).get_json("/System/Info")

    assert body == {"Version": "10.11.5"}
    assert [(r.method, r.path) for r in server.requests] == [("GET", "/System/Info")]


async def test_json_client_refuses_text_no_json_file_could_hold(server: ScriptedServer) -> None:
    # Real aiohttp: its own json.loads would let a lone surrogate through, which Home
    # Assistant's JSON writer then refuses, and every later save of the stored requests fails.
    server.add("GET", "/System/Info", {"text": '{"Version": "10.11.5 \\ud800"}'})

    async with aiohttp.ClientSession() as session:
        with pytest.raises(CannotConnect) as err:
            await JsonApiClient(session, server.url, {}).get_json("/System/Info")

    assert str(err.value) == "invalid JSON"
