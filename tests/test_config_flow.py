"""Config flow: set-up with real calls per service, errors, duplicates, reauth, reconfigure."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from homeassistant.config_entries import SOURCE_USER, ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.const import DOMAIN

from . import (
    ENTRY_DATA,
    JELLYFIN_URL,
    JELLYSEERR_URL,
    QBIT_URL,
    RADARR_URL,
    SHOKO_URL,
    SONARR_URL,
    WEBHOOK_IDS,
    mock_qbittorrent,
    mock_service_records,
    setup_integration,
)

# Each service's check call, as the flow makes it.
CHECKS = {
    "jellyseerr": ("get", f"{JELLYSEERR_URL}/api/v1/auth/me"),
    "radarr": ("get", f"{RADARR_URL}/api/v3/system/status"),
    "sonarr": ("get", f"{SONARR_URL}/api/v3/system/status"),
    "qbittorrent": ("post", f"{QBIT_URL}/api/v2/auth/login"),
    "shoko": ("get", f"{SHOKO_URL}/api/v3/ImportFolder"),
    "jellyfin": ("get", f"{JELLYFIN_URL}/System/Info"),
}

# What the new entry's backfill reads (reconciliation.py), beside the checks.
RECORDS = (
    "/api/v3/history/since",
    "/api/v3/tag",
    "/api/v3/queue",
    "/api/v3/downloadclient",
    "/api/v1/request",
)

USER_INPUT: dict[str, Any] = {
    "jellyseerr": {"url": JELLYSEERR_URL + "/", "api_key": "seerr-key"},
    "radarr": {"url": RADARR_URL, "api_key": "radarr-key"},
    "sonarr": {"url": SONARR_URL, "api_key": "sonarr-key"},
    "qbittorrent": {"url": QBIT_URL, "username": "admin", "password": "adminadmin"},
    "shoko": {},
    "jellyfin": {"url": JELLYFIN_URL, "api_key": "jellyfin-key"},
}


def mock_checks(
    aioclient_mock: AiohttpClientMocker, failing: str | None = None, **failure: Any
) -> None:
    """Answer every service's check call; `failing` answers as `failure` says."""
    for service, (method, url) in CHECKS.items():
        answer: dict[str, Any] = {"text": "Ok."} if service == "qbittorrent" else {"json": {}}
        if service == failing:
            answer = failure
        aioclient_mock.request(method, url, **answer)
    mock_service_records(aioclient_mock)  # what the new entry's backfill reads


def reauth_input(**changes: dict[str, str]) -> dict[str, dict[str, str]]:
    """Return the reauth form as submitted: every configured service, blank unless changed."""
    return {service: changes.get(service, {}) for service in WEBHOOK_IDS}


def suggested(result: Any, service: str, key: str) -> Any:
    """Return the value a form suggests for a field of a service's section."""
    fields = result["data_schema"].schema[service].schema.schema
    return next(field.description["suggested_value"] for field in fields if field == key)


async def start_user_flow(hass: HomeAssistant) -> str:
    """Open the user step and return the flow id."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return str(result["flow_id"])


async def test_user_flow_creates_entry_with_webhooks(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Every configured service is checked; the entry follows the data contract."""
    mock_checks(aioclient_mock)
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, USER_INPUT)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Media Request Tracker"
    data = result["data"]
    assert set(data["webhook_ids"]) == {"jellyseerr", "radarr", "sonarr", "qbittorrent", "jellyfin"}
    for webhook_id in data["webhook_ids"].values():
        assert re.fullmatch(r"[0-9a-f]{64}", webhook_id)
    assert len(set(data["webhook_ids"].values())) == 5
    assert data["jellyseerr"] == {"url": JELLYSEERR_URL, "api_key": "seerr-key"}
    assert data["qbittorrent"] == {"url": QBIT_URL, "username": "admin", "password": "adminadmin"}
    assert "shoko" not in data
    calls = {str(call[1]).split("?")[0] for call in aioclient_mock.mock_calls}
    checked = {url for url in calls if not url.endswith(RECORDS)}
    assert checked == {url for service, (_, url) in CHECKS.items() if service != "shoko"}
    webhooks = result["description_placeholders"]["webhooks"]
    for service, webhook_id in data["webhook_ids"].items():
        assert f"- {service}: " in webhooks
        assert f"/api/webhook/{webhook_id}" in webhooks
    assert result["description"] == "webhooks"


@pytest.mark.parametrize("service", list(CHECKS))
@pytest.mark.parametrize(
    ("failure", "error"),
    [
        ({"status": HTTPStatus.UNAUTHORIZED}, "invalid_auth"),
        ({"exc": aiohttp.ClientConnectionError()}, "cannot_connect"),
        ({"status": HTTPStatus.INTERNAL_SERVER_ERROR}, "cannot_connect"),
    ],
)
async def test_user_flow_reports_errors_on_the_service(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    service: str,
    failure: dict[str, Any],
    error: str,
) -> None:
    """A refused key or an unreachable service is shown on that service's section."""
    mock_checks(aioclient_mock, service, **failure)
    flow_id = await start_user_flow(hass)
    user_input = USER_INPUT | {"shoko": {"url": SHOKO_URL, "api_key": "shoko-key"}}
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {service: error}
    # Secrets are not sent back into the form; the URLs are.
    assert suggested(result, "radarr", "url") == RADARR_URL
    assert suggested(result, "radarr", "api_key") is None

    aioclient_mock.clear_requests()
    mock_checks(aioclient_mock)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "shoko" in result["data"]["webhook_ids"]


async def test_qbittorrent_wrong_password_is_invalid_auth(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """qBittorrent before 5.2 answers a wrong password with 200 "Fails."."""
    mock_checks(aioclient_mock, "qbittorrent", text="Fails.")
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, USER_INPUT)
    assert result["errors"] == {"qbittorrent": "invalid_auth"}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"radarr": {"url": "radarr.local:7878", "api_key": "k"}}, {"radarr": "invalid_url"}),
        ({"radarr": {"url": RADARR_URL}}, {"radarr": "missing_credentials"}),
        (
            {"qbittorrent": {"url": QBIT_URL, "username": "admin"}},
            {"qbittorrent": "missing_credentials"},
        ),
        ({"qbittorrent": {}}, {"base": "qbittorrent_required"}),
        ({"radarr": {}, "sonarr": {}}, {"base": "arr_required"}),
    ],
)
async def test_user_flow_checks_the_form_before_calling(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Form mistakes are reported without calling any service."""
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, USER_INPUT | changes)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert aioclient_mock.call_count == 0


async def test_same_stack_twice_is_aborted(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_entry: MockConfigEntry
) -> None:
    """A second entry with one of the same service URLs is refused."""
    config_entry.add_to_hass(hass)
    flow_id = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, USER_INPUT | {"jellyseerr": {}, "radarr": {}, "jellyfin": {}}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert aioclient_mock.call_count == 0


async def test_reauth_updates_credentials_and_reloads(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_entry: MockConfigEntry
) -> None:
    """A new qBittorrent password is checked, stored, and the entry reloaded."""
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, config_entry)
    first = config_entry.runtime_data.coordinator
    result = await config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    aioclient_mock.clear_requests()
    mock_checks(aioclient_mock, "qbittorrent", text="Fails.")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reauth_input(qbittorrent={"password": "wrong"})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"qbittorrent": "invalid_auth"}

    aioclient_mock.clear_requests()
    mock_checks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reauth_input(qbittorrent={"password": "new-password"})
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data["qbittorrent"]["password"] == "new-password"
    assert config_entry.data["radarr"]["api_key"] == "radarr-key"
    assert config_entry.data["webhook_ids"] == WEBHOOK_IDS
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.runtime_data.coordinator is not first  # reloaded
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_reauth_with_the_same_credentials_reloads_too(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_entry: MockConfigEntry
) -> None:
    """The password was fixed in qBittorrent, not here: confirming what is stored reloads.

    (After a refused login the entry stops asking qBittorrent until it reloads.)
    """
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, config_entry)
    first = config_entry.runtime_data.coordinator
    result = await config_entry.start_reauth_flow(hass)

    aioclient_mock.clear_requests()
    mock_checks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    result = await hass.config_entries.flow.async_configure(result["flow_id"], reauth_input())
    await hass.async_block_till_done()

    assert result["reason"] == "reauth_successful"
    assert config_entry.data == ENTRY_DATA
    assert config_entry.runtime_data.coordinator is not first
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_reconfigure_keeps_webhooks_of_kept_services(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_entry: MockConfigEntry
) -> None:
    """Adding Shoko and dropping Sonarr keeps the other webhook ids."""
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, config_entry)
    result = await config_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"

    aioclient_mock.clear_requests()
    mock_checks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    new_input = {
        service: dict(values) for service, values in ENTRY_DATA.items() if service != "webhook_ids"
    } | {"sonarr": {}, "shoko": {"url": SHOKO_URL, "api_key": "shoko-key"}}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], new_input)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    ids = config_entry.data["webhook_ids"]
    assert "sonarr" not in ids
    assert "sonarr" not in config_entry.data
    assert re.fullmatch(r"[0-9a-f]{64}", ids["shoko"])
    assert {k: v for k, v in ids.items() if k != "shoko"} == {
        k: v for k, v in WEBHOOK_IDS.items() if k != "sonarr"
    }
    assert config_entry.data["shoko"] == {"url": SHOKO_URL, "api_key": "shoko-key"}
    # The reloaded entry's webhooks: Shoko's added, Sonarr's gone (Home Assistant answers it).
    registered = set(hass.data["webhook"])
    assert ids["shoko"] in registered
    assert WEBHOOK_IDS["sonarr"] not in registered
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_reconfigure_refuses_another_stacks_urls(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_entry: MockConfigEntry
) -> None:
    """Reconfiguring onto a service another entry uses is refused; errors are shown."""
    other = MockConfigEntry(
        domain=DOMAIN,
        data={"webhook_ids": {}, "radarr": {"url": "http://10.0.0.9:7878"}},
        disabled_by=ConfigEntryDisabler.USER,
    )
    other.add_to_hass(hass)
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, config_entry)
    result = await config_entry.start_reconfigure_flow(hass)
    base = {k: dict(v) for k, v in ENTRY_DATA.items() if k != "webhook_ids"} | {"shoko": {}}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], base | {"radarr": {"url": "ftp://x", "api_key": "k"}}
    )
    assert result["errors"] == {"radarr": "invalid_url"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], base | {"radarr": {"url": "http://10.0.0.9:7878", "api_key": "k"}}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_user_flow_against_real_http_services(
    hass: HomeAssistant, socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    """The checks go over real HTTP (a loopback server) on Home Assistant's own sessions."""
    received: list[str] = []

    async def login(request: web.Request) -> web.Response:
        form = await request.post()
        received.append(f"login {form['username']}")
        return web.Response(text="Ok.", headers={"Set-Cookie": "SID=abc; HttpOnly; path=/"})

    async def status(request: web.Request) -> web.Response:
        received.append(f"radarr {request.headers.get('X-Api-Key')}")
        return web.json_response({"version": "5.14.0"})

    async def transfer_info(request: web.Request) -> web.Response:
        received.append(f"poll with cookie {request.cookies.get('SID')}")
        return web.json_response({"dl_info_speed": 0})

    app = web.Application()
    app.router.add_post("/api/v2/auth/login", login)
    app.router.add_get("/api/v2/transfer/info", transfer_info)
    app.router.add_get("/api/v3/system/status", status)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    try:
        flow_id = await start_user_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id,
            {service: {} for service in CHECKS}
            | {
                "radarr": {"url": base, "api_key": "radarr-key"},
                "qbittorrent": {"url": base, "username": "admin", "password": "pw"},
            },
        )
        await hass.async_block_till_done()
        entry = result["result"]
        # The new entry is set up at once: it logs in on its own session and keeps the cookie
        # qBittorrent set for a bare IP host.
        assert entry.state is ConfigEntryState.LOADED
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await runner.cleanup()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert received == [
        "radarr radarr-key",
        "login admin",
        "login admin",
        "poll with cookie abc",
    ]
    assert "closes the Home Assistant aiohttp session" not in caplog.text
