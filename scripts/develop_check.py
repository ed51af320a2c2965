"""Check that a freshly started Home Assistant serves a working UI; run by `scripts/develop --check`.

It does what a person's browser does against a Home Assistant that was never onboarded:
onboarding through the REST API (user, token, core_config, analytics, integration), then the
websocket commands the frontend sends when a page loads, the frontend's HTML and the scripts it
starts with, a webhook on the URL Home Assistant generates for webhooks, the address it listens on
(confirmed, where Home Assistant keeps it in .storage/http, not a trial it reverts), no repair
issue, and the first form of this integration's config flow. Last it reads home-assistant.log: no
ERROR or CRITICAL line, no traceback, no package that Home Assistant had to install itself, and
the custom integration found.

Prints one line per check and exits 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

# What the frontend's core_config step saves (config/core/update) when the person keeps the map's
# default home, Home Assistant's own: then met makes no entry. A home elsewhere gives a met entry
# whose library logs an ERROR on each try to reach api.met.no while there is no internet.
CORE_CONFIG: dict[str, Any] = {
    "unit_system": "metric",
    "time_zone": "UTC",
    "currency": "EUR",
    "country": "DE",
    "language": "en",
}
# The entries CoreConfigOnboardingView makes in the background after the core_config step
# (and met, for a home that is not the default one).
ONBOARDING_DOMAINS = ("google_translate", "radio_browser", "shopping_list")
# Config entry states that mean its set-up is still running, or broke.
UNSETTLED_STATES = {"not_loaded", "setup_in_progress"}
BROKEN_STATES = {"setup_error", "migration_error", "failed_unload"}
# Without the internet radio_browser sets up later (radio-browser.info); the others must load.
MAY_RETRY = {"radio_browser"}
# What the frontend sends over the websocket when a page loads (src/data/ws-*.ts, connection.ts).
FRONTEND_COMMANDS: tuple[dict[str, Any], ...] = (
    {"type": "auth/current_user"},
    {"type": "get_config"},
    {"type": "get_services"},
    {"type": "get_states"},
    {"type": "subscribe_entities"},
    {"type": "get_panels"},
    {"type": "frontend/get_themes"},
    {"type": "frontend/get_translations", "language": "en", "category": "title"},
    {"type": "frontend/get_icons", "category": "services"},
    {"type": "config_entries/get"},
    {"type": "config/entity_registry/list_for_display"},
    {"type": "config/device_registry/list"},
    {"type": "config/area_registry/list"},
    {"type": "manifest/list"},
    {"type": "network/url"},
)
# Seconds one websocket command may take (get_services loads every service description).
COMMAND_TIMEOUT = 120
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ (?P<level>[A-Z]+) ")


class CheckFailedError(Exception):
    """A check found something wrong; its message says what."""


@dataclass
class Report:
    """The outcome of every check, printed as it happens."""

    failed: list[str] = field(default_factory=list)

    def ok(self, name: str, detail: str) -> None:
        """Print a passed check."""
        sys.stdout.write(f"ok      {name}: {detail}\n")
        sys.stdout.flush()

    def fail(self, name: str, reason: str) -> None:
        """Record and print a failed check."""
        self.failed.append(name)
        sys.stdout.write(f"FAILED  {name}: {reason}\n")
        sys.stdout.flush()

    async def run(self, name: str, check: Callable[[], Awaitable[str]]) -> bool:
        """Run one check; its return value is the detail printed when it passes."""
        try:
            detail = await check()
        except (CheckFailedError, aiohttp.ClientError, TimeoutError, KeyError, ValueError) as err:
            reason = (
                str(err) if isinstance(err, CheckFailedError) else f"{type(err).__name__} {err}"
            )
            self.fail(name, reason)
            return False
        self.ok(name, detail)
        return True


def expect(condition: bool, message: str) -> None:
    """Fail the current check with message unless condition holds."""
    if not condition:
        raise CheckFailedError(message)


async def read_json(response: aiohttp.ClientResponse) -> Any:
    """Return a response's JSON body, failing unless its status is 200."""
    text = await response.text()
    expect(
        response.status == HTTPStatus.OK,
        f"{response.method} {response.url.path} answered {response.status}: {text[:300]}",
    )
    return await response.json()


class Websocket:
    """An authenticated websocket connection, one command at a time."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        """Wrap an open websocket."""
        self._socket = socket
        self._next_id = 1

    @classmethod
    async def open(cls, session: aiohttp.ClientSession, url: str, token: str) -> Websocket:
        """Connect to /api/websocket and authenticate with an access token."""
        websocket = cls(await session.ws_connect(f"{url}/api/websocket"))
        async with asyncio.timeout(COMMAND_TIMEOUT):
            greeting = await websocket.receive()
            expect(greeting.get("type") == "auth_required", f"first message was {greeting}")
            await websocket.send({"type": "auth", "access_token": token})
            answer = await websocket.receive()
        expect(answer.get("type") == "auth_ok", f"authentication answered {answer}")
        return websocket

    async def send(self, message: dict[str, Any]) -> None:
        """Send one message."""
        await self._socket.send_json(message)

    async def receive(self) -> dict[str, Any]:
        """Return the next message; fail when the connection closed instead."""
        message = await self._socket.receive()
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise CheckFailedError(f"the websocket closed ({message.type.name})")
        answer: dict[str, Any] = json.loads(message.data)
        return answer

    async def answer(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a command and return its result message, a success or not."""
        message_id = self._next_id
        self._next_id += 1
        await self.send({**message, "id": message_id})
        async with asyncio.timeout(COMMAND_TIMEOUT):
            while True:
                answer = await self.receive()
                # Subscriptions send events with their own id after the result; skip them.
                if answer.get("id") == message_id and answer.get("type") == "result":
                    return answer

    async def command(self, message: dict[str, Any]) -> Any:
        """Send a command and return its result, failing on an error answer."""
        answer = await self.answer(message)
        expect(answer.get("success") is True, f"answered {answer.get('error')}")
        return answer.get("result")

    async def close(self) -> None:
        """Close the connection."""
        await self._socket.close()


@dataclass
class Check:
    """The checks against one Home Assistant, in the order they run."""

    session: aiohttp.ClientSession
    url: str
    config_dir: Path
    domain: str
    report: Report
    settle_timeout: float
    access_token: str = ""
    websocket: Websocket | None = None
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def client_id(self) -> str:
        """The client id the frontend uses: its own base URL."""
        return f"{self.url}/"

    @property
    def ws(self) -> Websocket:
        """The open websocket."""
        if self.websocket is None:
            raise CheckFailedError("the websocket is not open")
        return self.websocket

    @property
    def auth_header(self) -> dict[str, str]:
        """The header that authenticates REST calls."""
        return {"Authorization": f"Bearer {self.access_token}"}

    async def onboard_user(self) -> str:
        """Create the owner (step user) and trade the auth code for tokens, as the frontend does."""
        async with self.session.get(f"{self.url}/api/onboarding") as response:
            steps = await read_json(response)
        expect(not any(step["done"] for step in steps), f"not a fresh Home Assistant: {steps}")
        user = {
            "name": "Developer",
            "username": "dev",
            "password": secrets.token_urlsafe(16),
            "client_id": self.client_id,
            "language": "en",
        }
        async with self.session.post(f"{self.url}/api/onboarding/users", json=user) as response:
            auth_code = (await read_json(response))["auth_code"]
        token_request = {
            "grant_type": "authorization_code",
            "code": auth_code,
            "client_id": self.client_id,
        }
        async with self.session.post(f"{self.url}/auth/token", data=token_request) as response:
            tokens = await read_json(response)
        self.access_token = tokens["access_token"]
        return "owner created, access token received"

    async def onboard_core_config(self) -> str:
        """Save the core config as the frontend's core_config step does, then finish that step."""
        await self.ws.command({"type": "config/core/update", **CORE_CONFIG})
        async with self.session.post(
            f"{self.url}/api/onboarding/core_config", headers=self.auth_header
        ) as response:
            await read_json(response)
        return f"config/core/update with {', '.join(CORE_CONFIG)}, then core_config done"

    async def onboard_rest(self) -> str:
        """Finish the steps analytics and integration, then read the status: all done."""
        redirect_uri = f"{self.url}/?auth_callback=1"
        for step, body in (
            ("analytics", None),
            ("integration", {"client_id": self.client_id, "redirect_uri": redirect_uri}),
        ):
            async with self.session.post(
                f"{self.url}/api/onboarding/{step}", json=body, headers=self.auth_header
            ) as response:
                await read_json(response)
        async with self.session.get(f"{self.url}/api/onboarding") as response:
            steps = await read_json(response)
        missing = [step["step"] for step in steps if not step["done"]]
        expect(not missing, f"steps still open: {missing}")
        return ", ".join(step["step"] for step in steps) + " done"

    async def open_websocket(self) -> str:
        """Open the websocket and authenticate."""
        self.websocket = await Websocket.open(self.session, self.url, self.access_token)
        return "auth_ok"

    def frontend_command(self, message: dict[str, Any]) -> Callable[[], Awaitable[str]]:
        """Return a check that sends one websocket command and describes its answer."""

        async def check() -> str:
            result = await self.ws.command(message)
            self.answers[message["type"]] = result
            if isinstance(result, dict | list):
                return f"success ({len(result)} items)"
            return "success"

        return check

    async def onboarding_entries(self) -> str:
        """Wait until the entries onboarding creates have set up; none may have failed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settle_timeout
        while True:
            entries = await self.ws.command({"type": "config_entries/get"})
            states = {e["domain"]: e["state"] for e in entries if e["domain"] in ONBOARDING_DOMAINS}
            settled = len(states) == len(ONBOARDING_DOMAINS) and not (
                set(states.values()) & UNSETTLED_STATES
            )
            if settled or loop.time() > deadline:
                break
            await asyncio.sleep(2)
        summary = ", ".join(f"{domain} {state}" for domain, state in sorted(states.items()))
        expect(settled, f"not settled after {self.settle_timeout:.0f}s: {summary or 'no entries'}")
        broken = [
            domain
            for domain, state in states.items()
            if state in BROKEN_STATES or (state != "loaded" and domain not in MAY_RETRY)
        ]
        expect(not broken, f"{', '.join(broken)} did not load: {summary}")
        return summary

    async def frontend_html(self) -> str:
        """GET / returns the frontend's page, and the scripts it starts with are served."""
        async with self.session.get(f"{self.url}/") as response:
            html = await response.text()
            expect(response.status == HTTPStatus.OK, f"GET / answered {response.status}")
            expect(response.content_type == "text/html", f"GET / is {response.content_type}")
        expect("<home-assistant>" in html, "GET / has no <home-assistant> element")
        scripts = sorted(set(re.findall(r'"(/frontend_latest/(?:core|app)\.[0-9a-f]+\.js)"', html)))
        names = {script.split("/")[-1].split(".")[0] for script in scripts}
        expect(names == {"core", "app"}, f"GET / names {scripts}, not its core and app scripts")
        sizes = []
        for script in scripts:
            async with self.session.get(f"{self.url}{script}") as response:
                body = await response.read()
                expect(response.status == HTTPStatus.OK, f"GET {script} answered {response.status}")
            sizes.append(f"{script} {len(body)} bytes")
        return f"{len(html)} bytes of HTML with <home-assistant>; served " + ", ".join(sizes)

    async def webhook_url(self) -> str:
        """The URL Home Assistant generates for webhooks is its own address, and it answers."""
        config = self.answers.get("get_config") or {}
        internal = config.get("internal_url")
        expect(internal == self.url, f"get_config internal_url is {internal!r}, not {self.url}")
        # network/url's "internal" is get_url(allow_internal=True, allow_external=False), the same
        # base that webhook.async_generate_url(..., prefer_external=False) puts before the path.
        network = self.answers.get("network/url") or {}
        generated = network.get("internal")
        expect(generated == self.url, f"network/url internal is {generated!r}, not {self.url}")
        webhook = f"{generated}/api/webhook/develop-check-{secrets.token_hex(8)}"
        async with self.session.post(webhook, json={}) as response:
            expect(response.status == HTTPStatus.OK, f"POST {webhook} answered {response.status}")
        return f"internal_url {internal}; POST {webhook} answered 200"

    async def http_config(self) -> str:
        """The address Home Assistant listens on is confirmed, not a trial it reverts.

        From 2026.10 it keeps that address in .storage/http: a config not yet confirmed in the UI
        ("pending") is reverted 5 minutes after start, and Home Assistant restarts on its default
        (port 8123, every interface). Older versions know no http/config and read configuration.yaml.
        """
        answer = await self.ws.answer({"type": "http/config"})
        error = answer.get("error") or {}
        if answer.get("success") is not True and error.get("code") == "unknown_command":
            return "no http/config on this Home Assistant: configuration.yaml's http: applies"
        expect(answer.get("success") is True, f"http/config answered {error}")
        config = answer["result"]
        active, pending = config.get("active_config_type"), config.get("pending")
        expect(
            active == "stable" and pending is None and config.get("revert_at") is None,
            f"running the {active} config, pending {pending}, reverted at {config.get('revert_at')}"
            " (Home Assistant restarts on its default address then)",
        )
        url = URL(self.url)
        stable = config.get("stable") or {}
        listens = (stable.get("server_host"), stable.get("server_port"))
        expect(listens == ([url.host], url.port), f"the stable config listens on {listens}")
        return f"the stable config, on {url.host}:{url.port}; nothing pending, no revert"

    async def repairs(self) -> str:
        """Home Assistant raised no repair issue (such as one about configuration.yaml)."""
        result = await self.ws.command({"type": "repairs/list_issues"})
        issues = [
            f"{issue['domain']}.{issue['issue_id']}"
            for issue in result["issues"]
            if not issue.get("ignored") and not issue.get("dismissed_version")
        ]
        expect(not issues, f"{len(issues)} issues: {', '.join(issues)}")
        return "no issue"

    async def config_flow(self) -> str:
        """Starting this integration's config flow shows its first form (step user)."""
        async with self.session.post(
            f"{self.url}/api/config/config_entries/flow",
            json={"handler": self.domain, "show_advanced_options": False},
            headers=self.auth_header,
        ) as response:
            flow = await read_json(response)
        expect(flow.get("type") == "form", f"answered type {flow.get('type')}: {flow}")
        expect(flow.get("step_id") == "user", f"answered step {flow.get('step_id')}: {flow}")
        fields = [item["name"] for item in flow.get("data_schema", [])]
        async with self.session.delete(
            f"{self.url}/api/config/config_entries/flow/{flow['flow_id']}",
            headers=self.auth_header,
        ) as response:
            await read_json(response)
        return f"form step user with {len(fields)} fields (flow aborted again)"

    async def log(self) -> str:
        """home-assistant.log has no error, no traceback, no runtime install; domain was found."""
        path = self.config_dir / "home-assistant.log"
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        bad = []
        for line in lines:
            match = LOG_LINE.match(line)
            if (match and match["level"] in {"ERROR", "CRITICAL"}) or line.startswith("Traceback"):
                bad.append(line)
        installs = [line for line in lines if "Attempting install of" in line]
        found = any(f"We found a custom integration {self.domain}" in line for line in lines)
        problems = []
        if bad:
            problems.append(f"{len(bad)} error lines, the first: {bad[0][:400]}")
        if installs:
            problems.append(
                "Home Assistant installed packages itself (pin them in requirements_develop.txt): "
                + "; ".join(line.split("Attempting install of ")[-1] for line in installs)
            )
        if not found:
            problems.append(f"it does not say that {self.domain} was found")
        expect(not problems, f"{path}: " + " | ".join(problems))
        return f"{len(lines)} lines, no ERROR or traceback, no runtime install, {self.domain} found"

    async def run(self) -> None:
        """Run every check; the log is read last, also when an earlier check failed."""
        await self.run_ui()
        if self.websocket is not None:
            await self.websocket.close()
        await self.report.run("log", self.log)

    async def run_ui(self) -> None:
        """Run the checks a browser would; onboarding and the websocket come first, as needed."""
        report = self.report
        if not await report.run("onboarding user + token", self.onboard_user):
            return
        # The frontend connects its websocket as soon as it has a token, still onboarding.
        if not await report.run("websocket auth", self.open_websocket):
            return
        if not await report.run("onboarding core_config", self.onboard_core_config):
            return
        if not await report.run("onboarding analytics, integration", self.onboard_rest):
            return
        # What the person sees next: the pages of a Home Assistant with these entries set up.
        await report.run("entries made by onboarding", self.onboarding_entries)
        for message in FRONTEND_COMMANDS:
            await report.run(f"websocket {message['type']}", self.frontend_command(message))
        await report.run("GET / (frontend)", self.frontend_html)
        await report.run("webhook URL answers", self.webhook_url)
        await report.run("http config", self.http_config)
        await report.run("repairs", self.repairs)
        await report.run(f"config flow {self.domain}", self.config_flow)


async def main() -> int:
    """Parse the arguments, run the checks, return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="Home Assistant's base URL")
    parser.add_argument("--config", required=True, type=Path, help="its config directory")
    parser.add_argument("--domain", required=True, help="the custom integration's domain")
    parser.add_argument(
        "--settle-timeout",
        type=float,
        default=300,
        help="seconds to wait for the entries onboarding creates (default 300)",
    )
    args = parser.parse_args()
    report = Report()
    timeout = aiohttp.ClientTimeout(total=180)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        check = Check(
            session=session,
            url=args.url.rstrip("/"),
            config_dir=args.config,
            domain=args.domain,
            report=report,
            settle_timeout=args.settle_timeout,
        )
        await check.run()
    if report.failed:
        sys.stdout.write(
            f"FAILED: {len(report.failed)} checks failed: {', '.join(report.failed)}\n"
        )
        return 1
    sys.stdout.write("OK: every UI check passed\n")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
