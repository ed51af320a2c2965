"""Options flow: polling, anime detection, retention, webhook access and the stuck limits."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow

from .options import options_schema, read_form


class MediaRequestTrackerOptionsFlow(OptionsFlow):
    """Tune polling, anime detection, retention, stuck limits and webhook access.

    Every option applies at once, without a reload (see `_async_options_changed`).
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and save the options."""
        if user_input is not None:
            return self.async_create_entry(data=read_form(user_input))
        return self.async_show_form(
            step_id="init", data_schema=options_schema(self.config_entry.options)
        )
