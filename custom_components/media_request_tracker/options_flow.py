"""Options flow: polling, anime detection, retention, webhook access and the stuck limits."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult

from .options import options_schema, read_form

try:
    from homeassistant.config_entries import OptionsFlowWithReload as OptionsFlowBase
except ImportError:  # Home Assistant before 2025.8: __init__ reloads through an update listener.
    from homeassistant.config_entries import (  # type: ignore[assignment]
        OptionsFlow as OptionsFlowBase,
    )


class MediaRequestTrackerOptionsFlow(OptionsFlowBase):
    """Tune polling, anime detection, retention, stuck limits and webhook access."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and save the options."""
        if user_input is not None:
            return self.async_create_entry(data=read_form(user_input))
        return self.async_show_form(
            step_id="init", data_schema=options_schema(self.config_entry.options)
        )
