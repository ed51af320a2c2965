"""Config flow: one entry per media stack, each service checked with a real call before saving."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_URL, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.data_entry_flow import section

from .const import CONF_WEBHOOK_IDS, DOMAIN, Service
from .options_flow import MediaRequestTrackerOptionsFlow
from .schema_library import vol
from .stack_form import (
    TITLE,
    read_services,
    service_schema,
    stack_schema,
    validate_services,
    webhook_urls,
    without_secrets,
)


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
            data_schema=stack_schema(without_secrets(user_input or {})),
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
                return self._update_and_reload(
                    entry, {CONF_WEBHOOK_IDS: webhook_ids, **services}, "reconfigure_successful"
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=stack_schema(user_input or entry.data),
            errors=errors,
        )

    def _update_and_reload(
        self, entry: ConfigEntry, data: Mapping[str, Any], reason: str
    ) -> ConfigFlowResult:
        """Store the new data and finish; the entry reloads for it.

        Changed data reloads through the entry's update listener (which applies options
        without one); unchanged data (the service accepts what it refused before) is
        reloaded here.
        """
        if not self.hass.config_entries.async_update_entry(entry, data=data):
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_abort(reason=reason)

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
                return self._update_and_reload(
                    entry, {**entry.data, **services}, "reauth_successful"
                )
        schema = vol.Schema(
            {
                vol.Required(service.value): section(
                    service_schema(
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
