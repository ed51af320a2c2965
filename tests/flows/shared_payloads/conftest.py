"""The shared-fixture tests exercise parsers and clients: they need no `hass`."""

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py's autouse fixture: the parsers need no `hass`."""
