"""The set-up form: a section per service, read and checked with a real call to each service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from homeassistant.components import webhook
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from .clients.api import CannotConnect, InvalidAuth
from .clients.arr.api import ArrClient
from .clients.jellyfin import JellyfinClient
from .clients.jellyseerr import JellyseerrClient
from .clients.qbittorrent import QBittorrentClient
from .clients.shoko import ShokoClient
from .const import LOGGER, Service
from .schema_library import vol
from .tracker.printable import printable

TITLE = "Media Request Tracker"

# The credential fields of each service, beside its URL.
SECRET_FIELDS: dict[Service, tuple[str, ...]] = {
    Service.JELLYSEERR: (CONF_API_KEY,),
    Service.RADARR: (CONF_API_KEY,),
    Service.SONARR: (CONF_API_KEY,),
    Service.QBITTORRENT: (CONF_USERNAME, CONF_PASSWORD),
    Service.SHOKO: (CONF_API_KEY,),
    Service.JELLYFIN: (CONF_API_KEY,),
}

type Validator = Callable[[aiohttp.ClientSession, dict[str, str]], Awaitable[None]]


async def _validate_qbittorrent(session: aiohttp.ClientSession, conf: dict[str, str]) -> None:
    await QBittorrentClient(
        session, conf[CONF_URL], conf[CONF_USERNAME], conf[CONF_PASSWORD]
    ).async_login()


# One real call per service that needs its credentials.
VALIDATORS: dict[Service, Validator] = {
    Service.JELLYSEERR: lambda s, c: JellyseerrClient(
        s, c[CONF_URL], c[CONF_API_KEY]
    ).async_validate(),
    Service.RADARR: lambda s, c: ArrClient(s, c[CONF_URL], c[CONF_API_KEY]).async_validate(),
    Service.SONARR: lambda s, c: ArrClient(s, c[CONF_URL], c[CONF_API_KEY]).async_validate(),
    Service.QBITTORRENT: _validate_qbittorrent,
    Service.SHOKO: lambda s, c: ShokoClient(s, c[CONF_URL], c[CONF_API_KEY]).async_validate(),
    Service.JELLYFIN: lambda s, c: JellyfinClient(s, c[CONF_URL], c[CONF_API_KEY]).async_validate(),
}

_URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT_SELECTOR = TextSelector()
_SECRET_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _field(key: str, current: Mapping[str, str]) -> vol.Optional:
    return vol.Optional(key, description={"suggested_value": current.get(key)})


def service_schema(service: Service, current: Mapping[str, str], *, url: bool) -> vol.Schema:
    """Return one service's fields (its URL too, unless `url` is False), prefilled."""
    fields: dict[vol.Optional, TextSelector] = {}
    if url:
        fields[_field(CONF_URL, current)] = _URL_SELECTOR
    for key in SECRET_FIELDS[service]:
        fields[_field(key, current)] = _TEXT_SELECTOR if key == CONF_USERNAME else _SECRET_SELECTOR
    return vol.Schema(fields)


def stack_schema(current: Mapping[str, Any]) -> vol.Schema:
    """Return the form: a section per service, prefilled with `current` (an entry's data)."""
    return vol.Schema(
        {
            vol.Required(service.value): section(
                service_schema(service, current.get(service, {}), url=True),
                {"collapsed": service not in current and service is not Service.QBITTORRENT},
            )
            for service in Service
        }
    )


def read_services(
    user_input: Mapping[str, Any],
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Return the configured services (those with a URL) and the form errors found offline."""
    services: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    for service in Service:
        values = {
            key: str(value).strip()
            for key, value in (user_input.get(service) or {}).items()
            if value is not None and str(value).strip()
        }
        url = values.get(CONF_URL, "").rstrip("/")
        if not url:
            continue
        if not url.startswith(("http://", "https://")):
            errors[service] = "invalid_url"
        elif any(key not in values for key in SECRET_FIELDS[service]):
            errors[service] = "missing_credentials"
        services[service] = {**values, CONF_URL: url}
    if not errors:
        if Service.QBITTORRENT not in services:
            errors["base"] = "qbittorrent_required"
        elif Service.RADARR not in services and Service.SONARR not in services:
            errors["base"] = "arr_required"
    return services, errors


async def validate_services(
    hass: HomeAssistant, services: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """Call every configured service; return errors keyed by the service's section."""
    errors: dict[str, str] = {}
    # qBittorrent answers with a session cookie; keep it (and others) out of the shared session.
    session = async_create_clientsession(
        hass, auto_cleanup=False, cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
    try:
        for service_name, conf in services.items():
            try:
                await VALIDATORS[Service(service_name)](session, dict(conf))
            except InvalidAuth:
                errors[service_name] = "invalid_auth"
            except CannotConnect as err:
                LOGGER.debug("%s cannot be reached: %s", service_name, printable(err))
                errors[service_name] = "cannot_connect"
    finally:
        # A session Home Assistant made is detached, not closed (it warns about a close).
        session.detach()
    return errors


def webhook_urls(hass: HomeAssistant, webhook_ids: Mapping[str, str]) -> str:
    """Return one line per service with the webhook URL to paste into it."""
    lines = []
    for service_name, webhook_id in webhook_ids.items():
        try:
            url = webhook.async_generate_url(hass, webhook_id, prefer_external=False)
        except NoURLAvailableError:
            url = webhook.async_generate_path(webhook_id)
        lines.append(f"- {Service(service_name).value}: {url}")
    return "\n".join(lines)


def without_secrets(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return form input with passwords and keys removed, to prefill a form shown again."""
    return {
        service: {
            key: value
            for key, value in (values or {}).items()
            if key not in (CONF_API_KEY, CONF_PASSWORD)
        }
        for service, values in user_input.items()
        if isinstance(values, Mapping)
    }
