"""Against real qBittorrent: a download followed by polling, a refused password, a restart, a race.

Two qbittorrent-nox instances run on free loopback ports (tests/helpers/qbittorrent_lab.py): A is the
download client the integration polls, B seeds a torrent made by the test. A's download rate is
limited so the transfer takes several of the integration's 5 s polls. Time is real here (no
`freezer`): a test with a transfer runs for 20-35 s.

scripts/test installs qbittorrent-nox with apt-get when it can. Without the binary these tests are
skipped, except under CI, where they fail.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN
from tests import (
    ARRIVAL_ENTITY,
    ENTRY_DATA,
    NO_RECONCILING,
    WEBHOOK_IDS,
    load_fixture,
    post_webhook,
)
from tests.helpers.qbittorrent_lab import (
    QBITTORRENT_NOX,
    USERNAME,
    QBittorrentInstance,
    QBittorrentLab,
    Torrent,
    sha256_of,
)

if QBITTORRENT_NOX is None and not os.environ.get("CI"):
    pytest.skip(
        "qbittorrent-nox is not installed, so the real-qBittorrent tests are skipped "
        "(scripts/test installs it when run as root with apt-get; "
        "or run `apt-get install qbittorrent-nox`)",
        allow_module_level=True,
    )

_LOGGER = logging.getLogger(__name__)
LOGGER_NAME = "custom_components.media_request_tracker"
MIB = 1024 * 1024
PAYLOAD = "Arrival.2016.1080p.BluRay.x264-SPARKS.mkv"


@pytest.fixture(autouse=True)
def require_qbittorrent_nox() -> None:
    """Under CI the binary must be there: a missing one fails these tests instead of hiding them."""
    if QBITTORRENT_NOX is None:
        pytest.fail(
            "CI is set but qbittorrent-nox is not installed: scripts/test installs it with "
            "apt-get when run as root; install it in the CI image (apt-get install qbittorrent-nox)",
            pytrace=False,
        )


@pytest.fixture
async def lab(socket_enabled: None, tmp_path: Path) -> AsyncGenerator[QBittorrentLab]:
    """Profiles under this test's tmp_path; every instance is stopped afterwards."""
    qbittorrent_lab = QBittorrentLab(tmp_path)
    try:
        yield qbittorrent_lab
    finally:
        await qbittorrent_lab.stop_all()


async def downloader_and_seeder(
    lab: QBittorrentLab, *, size: int, download_limit: int
) -> tuple[QBittorrentInstance, QBittorrentInstance, Torrent]:
    """Start A (rate-limited downloader) and B (seeding a new random payload of `size` bytes)."""
    a, b = await asyncio.gather(lab.start("a", download_limit=download_limit), lab.start("b"))
    return a, b, await lab.seed(b, size, PAYLOAD)


def entry_against(
    qbittorrent: QBittorrentInstance, *, password: str | None = None
) -> MockConfigEntry:
    """Return the test stack without Jellyfin, its qBittorrent being the real instance."""
    data = {key: value for key, value in ENTRY_DATA.items() if key != "jellyfin"}
    data["webhook_ids"] = {key: value for key, value in WEBHOOK_IDS.items() if key != "jellyfin"}
    data["qbittorrent"] = {
        "url": qbittorrent.url,
        "username": USERNAME,
        "password": qbittorrent.password if password is None else password,
    }
    return MockConfigEntry(
        domain=DOMAIN, title="Media Request Tracker", data=data, options=NO_RECONCILING, version=1
    )


@asynccontextmanager
async def loaded_entry(hass: HomeAssistant, entry: MockConfigEntry) -> AsyncGenerator[None]:
    """Set the entry up; unload it afterwards, before qBittorrent stops (no timers left)."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    try:
        yield
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


def radarr_grab(torrent: Torrent) -> dict[str, Any]:
    """Return Radarr's Grab of Arrival naming the torrent (upper case, as Radarr sends it)."""
    grab: dict[str, Any] = load_fixture("radarr_grab.json")
    return grab | {"downloadId": torrent.info_hash.upper()}


@dataclass(frozen=True, slots=True)
class Seen:
    """The sensor at one moment: what a user would have seen."""

    at: float
    state: str
    progress: float | None
    eta: Any
    torrent_state: str | None

    def shown(self) -> tuple[Any, ...]:
        """Return what the user sees, without the time."""
        return (self.state, self.progress, self.eta, self.torrent_state)

    def __str__(self) -> str:
        """Return one line for the log and for failure messages."""
        return (
            f"{self.at:5.1f}s {self.state:<11} progress={self.progress} eta={self.eta} "
            f"torrent_state={self.torrent_state}"
        )


@dataclass
class SensorWatch:
    """Records every distinct look of a sensor while waiting for conditions on it."""

    hass: HomeAssistant
    entity_id: str = ARRIVAL_ENTITY
    seen: list[Seen] = field(default_factory=list)
    started: float = field(default_factory=lambda: asyncio.get_running_loop().time())

    def look(self) -> State:
        """Read the sensor and record it if anything shown changed."""
        state = self.hass.states.get(self.entity_id)
        assert state is not None, f"{self.entity_id} does not exist"
        seen = Seen(
            round(asyncio.get_running_loop().time() - self.started, 1),
            state.state,
            state.attributes.get("progress"),
            state.attributes.get("eta"),
            state.attributes.get("torrent_state"),
        )
        if not self.seen or self.seen[-1].shown() != seen.shown():
            self.seen.append(seen)
            _LOGGER.info("%s", seen)
        return state

    async def until(self, condition: Callable[[State], bool], *, within: float, what: str) -> State:
        """Look every 0.2 s (real time) until `condition` holds; fail after `within` seconds."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            await self.hass.async_block_till_done()
            state = self.look()
            if condition(state):
                return state
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"no {what} within {within} s; seen:\n{self.history()}")
            await asyncio.sleep(0.2)

    def history(self, since: int = 0) -> str:
        """Return what was seen, one line each."""
        return "\n".join(str(seen) for seen in self.seen[since:])

    def states(self, since: int = 0) -> list[str]:
        """Return the states seen from index `since` on, repeats collapsed."""
        states: list[str] = []
        for seen in self.seen[since:]:
            if not states or states[-1] != seen.state:
                states.append(seen.state)
        return states


async def test_real_download_is_followed_from_grab_to_downloaded(
    hass: HomeAssistant, lab: QBittorrentLab, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Radarr grabs; qBittorrent really downloads; the integration's own polls show every step."""
    a, b, torrent = await downloader_and_seeder(lab, size=12 * MIB, download_limit=768 * 1024)
    entry = entry_against(a)
    async with loaded_entry(hass, entry):
        coordinator = entry.runtime_data.coordinator
        client = await hass_client_no_auth()
        # As Radarr does: the torrent goes to qBittorrent, then the Grab webhook names it.
        # A has no peer yet, so no data moves: grabbing, polled every 5 s.
        await a.add_torrent(torrent)
        assert await post_webhook(client, "radarr", radarr_grab(torrent)) == (
            200,
            {"result": "accepted"},
        )
        await hass.async_block_till_done()
        watch = SensorWatch(hass)
        state = watch.look()
        assert state.state == "grabbing"
        assert state.attributes["qbit_hash"] == torrent.info_hash
        assert state.attributes["torrent_state"] in {"checkingResumeData", "stalledDL"}
        assert coordinator.update_interval is not None
        assert coordinator.update_interval.total_seconds() == 5

        await a.add_peer(torrent.info_hash, b)
        await watch.until(lambda s: s.state == "downloaded", within=50, what="downloaded")
        # Downloaded is not a torrent state any more: nothing is left to poll.
        assert coordinator.update_interval is None

    _LOGGER.info("seen:\n%s", watch.history())
    assert "unavailable" not in watch.states()
    assert watch.states() == ["grabbing", "downloading", "downloaded"], watch.history()
    downloading = [seen for seen in watch.seen if seen.state == "downloading"]
    progress = [seen.progress for seen in downloading if seen.progress is not None]
    assert len(progress) == len(downloading), watch.history()
    assert progress == sorted(progress), watch.history()
    assert len({value for value in progress if 0 < value < 100}) >= 2, watch.history()
    assert any(isinstance(seen.eta, int) and seen.eta > 0 for seen in downloading), watch.history()
    final = watch.seen[-1]
    assert final.progress == 100.0
    assert final.eta is None
    # What A downloaded is what B seeded.
    assert await asyncio.to_thread(sha256_of, a.save_path / PAYLOAD) == await asyncio.to_thread(
        sha256_of, b.save_path / PAYLOAD
    )


async def test_wrong_password_is_refused_by_qbittorrent_and_starts_reauth(
    hass: HomeAssistant, lab: QBittorrentLab
) -> None:
    """qBittorrent answers a wrong password with 200 "Fails.": the user is asked for another.

    The entry still loads (its webhooks take events); qBittorrent is not asked again.
    """
    a = await lab.start("a", password="the-right-password")
    entry = entry_against(a, password="a-wrong-password")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    await entry.runtime_data.coordinator.async_refresh()
    assert entry.runtime_data.coordinator.last_update_success is False
    assert await hass.config_entries.async_unload(entry.entry_id)
    # The same instance still lets the right password in: it refused, it did not ban the IP.
    assert await a.login()


async def test_qbittorrent_killed_and_restarted_mid_download(
    hass: HomeAssistant,
    lab: QBittorrentLab,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A dies mid-download: unavailable (never failed), logged once; back up, it finishes."""
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    a, b, torrent = await downloader_and_seeder(lab, size=10 * MIB, download_limit=MIB)
    entry = entry_against(a)
    async with loaded_entry(hass, entry):
        coordinator = entry.runtime_data.coordinator
        client = await hass_client_no_auth()
        await a.add_torrent(torrent)
        await post_webhook(client, "radarr", radarr_grab(torrent))
        await a.add_peer(torrent.info_hash, b)
        watch = SensorWatch(hass)
        await watch.until(
            lambda s: s.state == "downloading" and 0 < s.attributes["progress"] < 100,
            within=30,
            what="progress",
        )
        # The torrent is in A's resume data (saved within a second of adding): it survives.
        assert a.resume_data_saved(torrent.info_hash)

        caplog.clear()
        killed_at = len(watch.seen) - 1  # from the last look before the kill on
        await a.kill()
        failures: list[BaseException] = []

        def two_polls_failed(_: State) -> bool:
            # Every failed poll leaves a new exception in last_exception.
            error = coordinator.last_exception
            if (
                not coordinator.last_update_success
                and error is not None
                and not any(error is failure for failure in failures)
            ):
                failures.append(error)
            return len(failures) >= 2

        state = await watch.until(two_polls_failed, within=15, what="two failed polls")
        assert state.state == STATE_UNAVAILABLE

        await a.start()
        # Resume data brought the torrent back; A has no tracker or DHT to find B: tell it.
        await a.wait_for_torrent(torrent.info_hash, lambda _: True)
        await a.add_peer(torrent.info_hash, b)
        await watch.until(lambda s: s.state == "downloaded", within=40, what="downloaded")

    _LOGGER.info("seen:\n%s", watch.history())
    assert "failed" not in watch.states(), watch.history()
    # Back up, the next try (the wait doubles after each failed one) may find it mid-download
    # or already done.
    after_kill = watch.states(killed_at)
    assert after_kill[:2] == ["downloading", "unavailable"], watch.history()
    assert after_kill[2:] in (["downloading", "downloaded"], ["downloaded"]), watch.history()
    assert watch.seen[-1].progress == 100.0
    ours = [record for record in caplog.records if record.name.startswith(LOGGER_NAME)]
    problems = [record.getMessage() for record in ours if record.levelno >= logging.WARNING]
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        "Error fetching media_request_tracker data: qBittorrent cannot be reached"
    ), problems
    recovered = [record for record in ours if "data recovered" in record.getMessage()]
    assert [record.getMessage() for record in recovered] == [
        "Fetching media_request_tracker data recovered"
    ]


async def test_grab_before_qbittorrent_lists_the_torrent_is_not_a_removal(
    hass: HomeAssistant, lab: QBittorrentLab, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The Grab can come first: qBittorrent lists an added torrent a moment after "Ok.".

    Radarr posts the Grab as soon as torrents/add answered and does not wait for the torrent to
    be listed (it only does so to move it to the top or force-start it), and the integration polls
    at once on a new hash. A torrent not listed yet was never removed: the request stays grabbing,
    not stuck, polled every 5 s, and follows the download once it appears.
    """
    a, b, torrent = await downloader_and_seeder(lab, size=8 * MIB, download_limit=MIB)
    entry = entry_against(a)
    async with loaded_entry(hass, entry):
        coordinator = entry.runtime_data.coordinator
        client = await hass_client_no_auth()
        await post_webhook(client, "radarr", radarr_grab(torrent))
        await hass.async_block_till_done()
        watch = SensorWatch(hass)
        state = watch.look()
        assert state.state == "grabbing"
        shown = {
            key: state.attributes.get(key) for key in ("torrent_state", "stuck", "stuck_reason")
        }
        assert shown["torrent_state"] != "removed", shown
        assert not shown["stuck"], shown
        assert coordinator.update_interval is not None
        assert coordinator.update_interval.total_seconds() == 5

        await a.add_torrent(torrent)
        await a.add_peer(torrent.info_hash, b)
        # Data flows within ~3 s of addPeers; polled every 5 s, downloading shows well before 15 s.
        await watch.until(lambda s: s.state == "downloading", within=15, what="downloading")
        await watch.until(lambda s: s.state == "downloaded", within=30, what="downloaded")

    assert watch.states() == ["grabbing", "downloading", "downloaded"], watch.history()
