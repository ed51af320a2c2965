"""Home Assistant's own reports that this integration uses something it deprecates.

Home Assistant does not raise on a deprecated call from a custom integration: it logs one
warning (`helpers/frame.py` "Detected that custom integration '…' …", `helpers/deprecation.py`
"The deprecated … was used from …"), and Python's DeprecationWarnings raised in our own
modules are turned into errors by pytest's filterwarnings (pyproject.toml). The autouse
fixture in tests/conftest.py fails every test whose log holds one of these lines.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from custom_components.media_request_tracker.const import DOMAIN

# The two shapes Home Assistant words them in, with our domain in them.
REPORT_USAGE = f"integration '{DOMAIN}' "  # "Detected that custom integration '…' <what>"
DEPRECATED_USE = f" from {DOMAIN}."  # "The deprecated <kind> <name> was <verb> from <domain>."


def deprecation_lines(records: Iterable[logging.LogRecord]) -> list[str]:
    """Return the messages that report a deprecated or wrong use by this integration."""
    lines = []
    for record in records:
        message = record.getMessage()
        if record.levelno < logging.WARNING:
            continue
        if (message.startswith("Detected that ") and REPORT_USAGE in message) or (
            message.startswith("The deprecated ") and DEPRECATED_USE in message
        ):
            lines.append(message)
    return lines
