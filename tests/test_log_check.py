"""The suite-wide log check (tests/conftest.py): it finds the secrets it must, where it must."""

from __future__ import annotations

import logging
import sys
from typing import Any

from . import (
    ENTRY_DATA,
    WEBHOOK_IDS,
    leaked_secrets,
)


def test_the_log_check_catches_keys_passwords_and_webhook_ids() -> None:
    """The suite-wide log check (conftest) finds what it must, where it must."""

    def record(name: str, message: str, *args: Any) -> logging.LogRecord:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, None)

    webhook_id = WEBHOOK_IDS["radarr"]
    try:
        raise ValueError(f"bad key {ENTRY_DATA['sonarr']['api_key']}")
    except ValueError:
        failed = record("custom_components.media_request_tracker", "failed")
        failed.exc_info = sys.exc_info()
    assert leaked_secrets(
        [
            record("custom_components.media_request_tracker", "calling with %s", "radarr-key"),
            record("homeassistant.config_entries", "login adminadmin refused"),
            record("custom_components.media_request_tracker.webhook", f"hook {webhook_id}"),
            record("homeassistant.components.webhook", f"Handling webhook {webhook_id}"),
            record("aiohttp.access", f"POST /api/webhook/{webhook_id}?key=radarr-key"),
            failed,
            record("custom_components.media_request_tracker", "nothing to see"),
        ]
    ) == [
        "custom_components.media_request_tracker: radarr-key",
        "homeassistant.config_entries: adminadmin",
        f"custom_components.media_request_tracker.webhook: {webhook_id}",
        "aiohttp.access: radarr-key",
        "custom_components.media_request_tracker: sonarr-key",
    ]
