"""Shared fixtures: a configured stack with its services answered by aiohttp mocks."""

# Import our package before Home Assistant starts, or the harness mounts its own
# `custom_components` and ours is "not found".
import custom_components  # noqa: F401  isort: skip

import logging
from collections.abc import AsyncGenerator, Generator
from datetime import datetime
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion

from custom_components.media_request_tracker.const import DOMAIN
from custom_components.media_request_tracker.tracker import Change, Tracker, TrackerEvent

from . import (
    ENTRY_DATA,
    NO_RECONCILING,
    leaked_secrets,
    mock_qbittorrent,
)
from .helpers.deprecations import deprecation_lines
from .helpers.fake_shoko import FakeShoko
from .helpers.tracker_index import index_disagreements


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load integrations from custom_components in every test."""


@pytest.fixture(autouse=True)
def config_dir_of_its_own(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Give each test's Home Assistant a config directory of its own (the journal is a file).

    The harness's default is a directory shared by every test (and, on older releases, the
    only one): a journal written there would be read by the next test.
    """
    if "hass" in request.fixturenames:
        hass: HomeAssistant = request.getfixturevalue("hass")
        (tmp_path / ".storage").mkdir(exist_ok=True)
        hass.config.config_dir = str(tmp_path)


@pytest.fixture(autouse=True)
def tracker_index_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """After every event any test applies, check the tracker's index against a full scan."""
    apply = Tracker.apply

    def apply_and_check(tracker: Tracker, event: TrackerEvent, now: datetime) -> list[Change]:
        changes = apply(tracker, event, now)
        disagreements = index_disagreements(tracker)
        assert not disagreements, f"after {type(event).__name__}: {disagreements}"
        return changes

    monkeypatch.setattr(Tracker, "apply", apply_and_check)


@pytest.fixture(autouse=True)
def no_secret_is_logged(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail any test during which a log line leaks a secret (see `leaked_secrets`).

    Every logger is read, our own at debug level, tracebacks included.
    """
    caplog.set_level(logging.DEBUG, logger="custom_components.media_request_tracker")
    yield
    leaks = leaked_secrets((*caplog.get_records("setup"), *caplog.get_records("call")))
    assert not leaks, f"secrets in the log: {leaks}"


@pytest.fixture(autouse=True)
def no_deprecated_use(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Generator[None]:
    """Fail any test during which Home Assistant reports a deprecated use by the integration.

    Home Assistant only logs those for a custom integration (tests/helpers/deprecations.py);
    here each one fails the run, on every release tested, the newest included.
    """
    yield
    if request.node.get_closest_marker("reports_deprecated_use"):
        return
    lines = deprecation_lines((*caplog.get_records("setup"), *caplog.get_records("call")))
    assert not lines, f"Home Assistant reports a deprecated use: {lines}"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshot with Home Assistant's extension (snapshots/*.ambr, State and registry entries).

    The plugin's own `snapshot` fixture does this, but on Home Assistant 2025.4 (pytest 8.3)
    syrupy's plain fixture is registered after it and wins; this one wins on every version.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def config_entry() -> MockConfigEntry:
    """Return a stack with Jellyseerr, Radarr, Sonarr, qBittorrent and Jellyfin."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Media Request Tracker",
        data=ENTRY_DATA,
        options=NO_RECONCILING,
        version=1,
    )


@pytest.fixture
def qbittorrent(aioclient_mock: AiohttpClientMocker) -> AiohttpClientMocker:
    """Answer qBittorrent's login and an empty torrent list."""
    mock_qbittorrent(aioclient_mock, [])
    return aioclient_mock


@pytest.fixture
async def setup_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry, qbittorrent: AiohttpClientMocker
) -> AsyncGenerator[MockConfigEntry]:
    """Set up the stack and unload it after the test (the harness forbids leftover timers)."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    yield config_entry
    if (
        hass.config_entries.async_get_entry(config_entry.entry_id)
        and config_entry.state.recoverable
    ):
        await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
async def shoko(socket_enabled: None) -> AsyncGenerator[FakeShoko]:
    """Run a fake Shoko Server on loopback."""
    server = FakeShoko()
    await server.start()
    yield server
    await server.stop()
