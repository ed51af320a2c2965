"""Config flow: one entry per media stack, each service checked with a real call before saving."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import voluptuous as vol
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .clients.api import CannotConnect, InvalidAuth
from .clients.arr.api import ArrClient
from .clients.jellyfin import JellyfinClient
from .clients.jellyseerr import JellyseerrClient
from .clients.qbittorrent import QBittorrentClient
from .clients.shoko import ShokoClient
from .const import (
    CONF_ANIME_TAG,
    CONF_KEEP_DAYS,
    CONF_LOCAL_ONLY,
    CONF_POLL_ACTIVE,
    CONF_POLL_IDLE,
    CONF_STUCK_AFTER,
    CONF_WEBHOOK_IDS,
    DEFAULT_ANIME_TAG,
    DEFAULT_KEEP_DAYS,
    DEFAULT_LOCAL_ONLY,
    DEFAULT_POLL_ACTIVE,
    DEFAULT_POLL_IDLE,
    DOMAIN,
    LOGGER,
    Service,
)
from .tracker.stuck import STUCK_LIMITS

try:
    from homeassistant.config_entries import OptionsFlowWithReload as OptionsFlowBase
except ImportError:  # Home Assistant before 2025.8: __init__ reloads through an update listener.
    from homeassistant.config_entries import (  # type: ignore[assignment]
        OptionsFlow as OptionsFlowBase,
    )

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


def _service_schema(service: Service, current: Mapping[str, str], *, url: bool) -> vol.Schema:
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
                _service_schema(service, current.get(service, {}), url=True),
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
                LOGGER.debug("%s cannot be reached: %s", service_name, err)
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


class MediaRequestTrackerConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a media stack."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> MediaRequestTrackerOptionsFlow:  # noqa: ARG004
        """Return the options flow."""
        return MediaRequestTrackerOptionsFlow()

    def _already_configured(
        self, services: Mapping[str, Mapping[str, str]], ignore_entry_id: str | None = None
    ) -> bool:
        for entry in self._async_current_entries(include_ignore=False):
            if entry.entry_id == ignore_entry_id:
                continue
            for service_name, conf in services.items():
                existing = entry.data.get(service_name)
                if existing and existing.get(CONF_URL) == conf[CONF_URL]:
                    return True
        return False

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the services of the stack."""
        errors: dict[str, str] = {}
        if user_input is not None:
            services, errors = read_services(user_input)
            if not errors and self._already_configured(services):
                return self.async_abort(reason="already_configured")
            if not errors:
                errors = await validate_services(self.hass, services)
            if not errors:
                webhook_ids = {service: webhook.async_generate_id() for service in services}
                return self.async_create_entry(
                    title=TITLE,
                    data={CONF_WEBHOOK_IDS: webhook_ids, **services},
                    description="webhooks",
                    description_placeholders={"webhooks": webhook_urls(self.hass, webhook_ids)},
                )
        return self.async_show_form(
            step_id="user",
            data_schema=stack_schema(_without_secrets(user_input or {})),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the services of an existing stack; webhook ids of kept services stay."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            services, errors = read_services(user_input)
            if not errors and self._already_configured(services, entry.entry_id):
                return self.async_abort(reason="already_configured")
            if not errors:
                errors = await validate_services(self.hass, services)
            if not errors:
                old_ids: Mapping[str, str] = entry.data[CONF_WEBHOOK_IDS]
                webhook_ids = {
                    service: old_ids.get(service) or webhook.async_generate_id()
                    for service in services
                }
                return self.async_update_reload_and_abort(
                    entry, data={CONF_WEBHOOK_IDS: webhook_ids, **services}
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=stack_schema(user_input or entry.data),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:  # noqa: ARG002
        """A service refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials; a service left blank keeps its stored ones."""
        entry = self._get_reauth_entry()
        configured = [Service(name) for name in entry.data[CONF_WEBHOOK_IDS]]
        errors: dict[str, str] = {}
        if user_input is not None:
            services = {
                service.value: {
                    **entry.data[service],
                    **{k: v for k, v in (user_input.get(service) or {}).items() if v},
                }
                for service in configured
            }
            errors = await validate_services(self.hass, services)
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=services)
        schema = vol.Schema(
            {
                vol.Required(service.value): section(
                    _service_schema(
                        service,
                        {CONF_USERNAME: entry.data[service].get(CONF_USERNAME, "")},
                        url=False,
                    ),
                    {"collapsed": False},
                )
                for service in configured
            }
        )
        return self.async_show_form(step_id="reauth_confirm", data_schema=schema, errors=errors)


def _without_secrets(user_input: Mapping[str, Any]) -> dict[str, Any]:
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


class MediaRequestTrackerOptionsFlow(OptionsFlowBase):
    """Tune polling, anime detection, retention, stuck limits and webhook access."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and save the options."""
        if user_input is not None:
            whole_numbers = (CONF_POLL_ACTIVE, CONF_POLL_IDLE, CONF_KEEP_DAYS)
            return self.async_create_entry(
                data={
                    **user_input,
                    **{key: int(user_input[key]) for key in whole_numbers},
                    CONF_STUCK_AFTER: {
                        state: float(hours)
                        for state, hours in user_input.get(CONF_STUCK_AFTER, {}).items()
                    },
                }
            )
        options = self.config_entry.options
        seconds = NumberSelector(
            NumberSelectorConfig(
                min=1, max=3600, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
            )
        )
        hours = NumberSelector(
            NumberSelectorConfig(
                min=0, max=8760, step=0.25, unit_of_measurement="h", mode=NumberSelectorMode.BOX
            )
        )
        stuck_after = {
            state.value: options.get(CONF_STUCK_AFTER, {}).get(
                state.value, limit.total_seconds() / 3600
            )
            for state, limit in STUCK_LIMITS.items()
        }
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_POLL_ACTIVE, default=options.get(CONF_POLL_ACTIVE, DEFAULT_POLL_ACTIVE)
                ): seconds,
                vol.Required(
                    CONF_POLL_IDLE, default=options.get(CONF_POLL_IDLE, DEFAULT_POLL_IDLE)
                ): seconds,
                vol.Required(
                    CONF_ANIME_TAG, default=options.get(CONF_ANIME_TAG, DEFAULT_ANIME_TAG)
                ): TextSelector(),
                vol.Required(
                    CONF_KEEP_DAYS, default=options.get(CONF_KEEP_DAYS, DEFAULT_KEEP_DAYS)
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=1,
                        max=3650,
                        step=1,
                        unit_of_measurement="d",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                vol.Required(
                    CONF_LOCAL_ONLY, default=options.get(CONF_LOCAL_ONLY, DEFAULT_LOCAL_ONLY)
                ): BooleanSelector(),
                # The section's default holds every value too: the frontend fills a section
                # from its own default when it has one.
                vol.Required(CONF_STUCK_AFTER, default=stuck_after): section(
                    vol.Schema(
                        {
                            vol.Required(state, default=hours_in_state): hours
                            for state, hours_in_state in stuck_after.items()
                        }
                    ),
                    {"collapsed": True},
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
