"""One webhook per configured service: read the body, parse it, hand the events to the coordinator.

Every answer is 2xx or 4xx: 400 with a short reason for a body we cannot use, 413 for one over 1 MB,
200 for Test events and for events we do not track. A rejected body is logged on one line, without
the webhook id (the id is the only secret in the URL).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from http import HTTPStatus
from ipaddress import ip_address
from typing import Any

from aiohttp import web
from aiohttp.hdrs import METH_POST
from homeassistant.components import webhook
from homeassistant.const import CONTENT_TYPE_JSON
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.network import is_cloud_connection
from homeassistant.util import network
from homeassistant.util.json import json_loads

from .clients import jellyfin, jellyseerr, qbittorrent, shoko
from .clients.api import PayloadError
from .clients.arr import radarr, sonarr
from .clients.schema import ParsedWebhook
from .clients.shoko_listener import RECORD_SEPARATOR
from .const import (
    CONF_WEBHOOK_IDS,
    DOMAIN,
    LOGGER,
    MAX_BODY_BYTES,
    Service,
)
from .coordinator import MediaRequestConfigEntry
from .entry_gate import EntryGate, entry_gate, forget_gate
from .options import StackOptions
from .tracker.printable import printable

type Parser = Callable[[Any, StackOptions], ParsedWebhook]


def decode_body(body: bytes) -> Any:
    """Decode a body as JSON whatever its Content-Type (Jellyfin's plugin sends text/plain).

    An empty body decodes to None; anything else that is not JSON raises PayloadError.
    """
    if not body.strip():
        return None
    try:
        return json_loads(body)
    except ValueError as err:
        raise PayloadError("body is not valid JSON") from err


def decode_frames(body: bytes) -> Any:
    """Decode SignalR's wire framing (JSON records ending in 0x1E) as a list of frames.

    A body without a record separator is decoded as JSON: one frame, or a list of frames.
    """
    separator = RECORD_SEPARATOR.encode()
    if separator not in body:
        return decode_body(body)
    return [decode_body(record) for record in body.split(separator) if record.strip()]


@dataclass(frozen=True, slots=True)
class WebhookSpec:
    """How one service's webhook bodies are read."""

    parse: Parser
    poll_after: bool = False
    decode: Callable[[bytes], Any] = decode_body


WEBHOOKS: dict[Service, WebhookSpec] = {
    Service.JELLYSEERR: WebhookSpec(lambda body, _: jellyseerr.parse_webhook(body)),
    Service.RADARR: WebhookSpec(
        lambda body, options: radarr.parse_webhook(body, options.anime_tag)
    ),
    Service.SONARR: WebhookSpec(
        lambda body, options: sonarr.parse_webhook(body, options.anime_tag)
    ),
    Service.QBITTORRENT: WebhookSpec(
        lambda body, _: qbittorrent.parse_webhook(body), poll_after=True
    ),
    Service.SHOKO: WebhookSpec(lambda body, _: shoko.parse_webhook(body), decode=decode_frames),
    Service.JELLYFIN: WebhookSpec(lambda body, _: jellyfin.parse_webhook(body)),
}


class BodyTooLarge(Exception):
    """The body is over MAX_BODY_BYTES."""


def async_register_webhooks(hass: HomeAssistant, entry: MediaRequestConfigEntry) -> EntryGate:
    """Register the entry's webhooks not registered yet (they outlive reloads; entry_gate.py).

    Ids the entry no longer has (a service removed by reconfiguring) are unregistered.
    """
    gate = entry_gate(hass, entry.entry_id)
    wanted = {
        webhook_id: Service(name) for name, webhook_id in entry.data[CONF_WEBHOOK_IDS].items()
    }
    for webhook_id in gate.webhook_ids - wanted.keys():
        webhook.async_unregister(hass, webhook_id)
        gate.webhook_ids.discard(webhook_id)
    for webhook_id, service in wanted.items():
        if webhook_id in gate.webhook_ids:
            continue
        webhook.async_register(
            hass,
            DOMAIN,
            f"{entry.title} ({service.value})",
            webhook_id,
            partial(_async_handle_webhook, Hook(entry, service, gate)),
            # Checked in our handler instead: Home Assistant's own check answers 200 and logs
            # the webhook id, the one secret in the URL; ours answers 403 and logs no id.
            local_only=False,
            allowed_methods=[METH_POST],
        )
        gate.webhook_ids.add(webhook_id)
    return gate


def async_unregister_webhooks(hass: HomeAssistant, entry_id: str) -> None:
    """Unregister an entry's webhooks (it is removed or disabled)."""
    if (gate := forget_gate(hass, entry_id)) is not None:
        for webhook_id in gate.webhook_ids:
            webhook.async_unregister(hass, webhook_id)


async def _read_body(request: web.Request) -> bytes:
    """Read the body, refusing (before reading it all) one over the limit."""
    if request.content_length is not None:
        if request.content_length > MAX_BODY_BYTES:
            raise BodyTooLarge
        return await request.read()  # no more than Content-Length is read
    body = bytearray()  # chunked: counted as it comes
    while chunk := await request.content.read(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge
    return bytes(body)


def _answer(status: HTTPStatus, **content: str) -> web.Response:
    return web.Response(body=json_bytes(content), status=status, content_type=CONTENT_TYPE_JSON)


def is_local_request(hass: HomeAssistant, request: web.Request) -> bool:
    """Return whether a call comes from the local network (not through the cloud)."""
    return not is_cloud_connection(hass) and _is_local_address(request.remote or "")


@lru_cache(maxsize=64)
def _is_local_address(remote: str) -> bool:
    """Return whether an address is on the local network (the same few call every webhook)."""
    try:
        return network.is_local(ip_address(remote))
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Hook:
    """One registered webhook: whose it is, for which service, and whether it takes events."""

    entry: MediaRequestConfigEntry
    service: Service
    gate: EntryGate


async def _async_handle_webhook(
    hook: Hook,
    hass: HomeAssistant,
    webhook_id: str,  # noqa: ARG001
    request: web.Request,
) -> web.Response:
    """Handle one POST to a service's webhook."""
    entry, service, gate = hook.entry, hook.service, hook.gate
    # Options are read live (changing them needs no reload), and while the entry is not loaded.
    options = (
        gate.coordinator.options if gate.coordinator else StackOptions.from_entry(entry.options)
    )
    if options.local_only and not is_local_request(hass, request):
        LOGGER.warning(
            "Refused a %s webhook call from %s: only the local network may call it",
            service,
            printable(request.remote or "an unknown address"),
        )
        return _answer(HTTPStatus.FORBIDDEN, error="local network only")
    try:
        body = await _read_body(request)
    except BodyTooLarge:
        LOGGER.warning("Rejected a %s webhook body over %d bytes", service, MAX_BODY_BYTES)
        return _answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, error="body too large")
    # No await from here to the events applied: an unload cannot start in between.
    coordinator = gate.coordinator or await gate.async_wait_open(entry)
    if coordinator is None:
        LOGGER.warning("A %s webhook call came while the entry was not loaded: not taken", service)
        return _answer(HTTPStatus.SERVICE_UNAVAILABLE, error="not loaded")
    spec = WEBHOOKS[service]
    try:
        parsed = spec.parse(spec.decode(body), coordinator.options)
    except PayloadError as err:
        LOGGER.warning("Rejected a %s webhook: %s", service, printable(err))
        return _answer(HTTPStatus.BAD_REQUEST, error=str(err))
    if LOGGER.isEnabledFor(logging.DEBUG):
        LOGGER.debug("%s webhook: %s", service, printable(parsed.note))
    if not await coordinator.async_handle_events(parsed.events):
        # Applied, but not on disk: the sender should keep it for another try.
        return _answer(HTTPStatus.SERVICE_UNAVAILABLE, error="could not be stored")
    if spec.poll_after:
        await coordinator.async_refresh()
    return _answer(HTTPStatus.OK, result=parsed.note)
