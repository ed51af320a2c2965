"""The run fails when Home Assistant reports a deprecated use by this integration."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame

from tests.helpers.deprecations import deprecation_lines

# A module of the integration as Home Assistant sees it: its frame helper finds the calling
# integration by the file name of each stack frame.
OUR_MODULE = str(
    Path(__file__).parents[1] / "custom_components" / "media_request_tracker" / "probe.py"
)


def call_from_our_module(source: str, **names: Any) -> None:
    """Run `source` as if it were a line of the integration's own code."""
    exec(compile(source, OUR_MODULE, "exec"), names)  # noqa: S102  (fixed test source)


@pytest.mark.reports_deprecated_use
async def test_a_report_usage_line_about_us_is_caught(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """frame.report_usage from our code logs "Detected that custom integration …": caught."""
    what = "calls a thing that goes away (media request tracker deprecation probe)"
    call_from_our_module(
        "report_usage(what, breaks_in_ha_version='2099.1')",
        report_usage=frame.report_usage,
        what=what,
    )
    lines = deprecation_lines(caplog.records)
    assert len(lines) == 1
    assert "Detected that custom integration 'media_request_tracker'" in lines[0]
    assert what in lines[0]


@pytest.mark.parametrize(
    ("logger", "message", "caught"),
    [
        (
            "homeassistant.const",
            "The deprecated constant FOO was used from media_request_tracker. It will be "
            "removed in HA Core 2099.1. Use BAR instead, please report it to the author",
            True,
        ),
        (
            "homeassistant.helpers.frame",
            "Detected that custom integration 'media_request_tracker' uses X. Please report it",
            True,
        ),
        (
            "homeassistant.helpers.frame",
            "Detected that custom integration 'other_tracker' uses X. Please report it",
            False,
        ),
        (
            "homeassistant.const",
            "The deprecated constant FOO was used from hue. Use BAR instead",
            False,
        ),
    ],
)
def test_only_lines_about_this_integration_count(logger: str, message: str, caught: bool) -> None:
    """Both of Home Assistant's wordings are caught for us, and neither for another."""
    record = logging.LogRecord(logger, logging.WARNING, __file__, 1, message, None, None)
    assert deprecation_lines([record]) == ([message] if caught else [])
    debug = logging.LogRecord(logger, logging.DEBUG, __file__, 1, message, None, None)
    assert deprecation_lines([debug]) == []
