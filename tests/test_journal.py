"""A webhook answered 200 is on disk (journal.py): a process killed right after loses nothing.

"Killed" is played by a store file that is never written (its delayed save does not happen)
followed by a fresh load of the entry: what it then knows came from the journal alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN, SAVE_DELAY
from custom_components.media_request_tracker.journal import ChangeJournal
from custom_components.media_request_tracker.storage import TrackerStorage

from . import ARRIVAL_ENTITY as ARRIVAL, advance, load_fixture, post_webhook, sensor
from .test_storage_writes import distinct_grab, stored_requests


def journal_path(hass: HomeAssistant, entry: MockConfigEntry) -> Path:
    """Return the entry's journal file."""
    return Path(hass.config.path(".storage", f"{DOMAIN}.{entry.entry_id}.journal"))


def journal_lines(hass: HomeAssistant, entry: MockConfigEntry) -> list[dict[str, Any]]:
    """Return the journal's lines as written."""
    path = journal_path(hass, entry)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def file_never_written(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Make every write of the store file, and what follows it, vanish; list the snapshots.

    The process dies before the write: the journal is not emptied after it either.
    """
    lost: list[dict[str, Any]] = []

    async def vanish(_storage: TrackerStorage, snapshot: dict[str, Any]) -> None:
        lost.append(snapshot)

    monkeypatch.setattr(TrackerStorage, "_async_write", vanish)
    return lost


async def reload_from_disk(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload the entry (its final save vanishes too) and load it again from what is on disk."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_a_grab_answered_200_survives_a_process_that_never_wrote_the_store(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    file_never_written: list[dict[str, Any]],
) -> None:
    """The 200 comes after the journal line; a load from disk finds the request and its state."""
    client = await hass_client_no_auth()
    status, _ = await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    assert status == 200
    lines = journal_lines(hass, setup_entry)
    assert [request["title"] for line in lines for request in line["requests"]] == ["Arrival"]
    state_before = sensor(hass, ARRIVAL).state

    await reload_from_disk(hass, setup_entry)

    assert stored_requests(hass_storage, setup_entry) is None  # the file was never written
    assert file_never_written  # ...though the unload tried
    assert sensor(hass, ARRIVAL).state == state_before == "grabbing"


async def test_the_journal_is_emptied_once_the_store_holds_it(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """After the delayed save the file records the last line it holds, and the journal is empty."""
    client = await hass_client_no_auth()
    for number in range(3):
        await post_webhook(client, "radarr", distinct_grab(number))
    assert len(journal_lines(hass, setup_entry)) == 3

    await advance(hass, freezer, SAVE_DELAY)

    stored = stored_requests(hass_storage, setup_entry)["data"]
    assert stored["journal_seq"] == 3
    assert len(stored["requests"]) == 3
    assert journal_lines(hass, setup_entry) == []

    # Numbering goes on after a restart: the next line is 4, not a repeat of 1.
    await reload_from_disk(hass, setup_entry)
    await post_webhook(client, "radarr", distinct_grab(3))
    assert [line["seq"] for line in journal_lines(hass, setup_entry)] == [4]


async def test_concurrent_webhooks_share_journal_writes(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Forty grabs at once: every one on disk before its 200, in fewer writes than webhooks."""
    writes: list[int] = []
    write = ChangeJournal._write

    def counted(journal: ChangeJournal, data: bytes) -> None:
        writes.append(data.count(b"\n"))
        write(journal, data)

    monkeypatch.setattr(ChangeJournal, "_write", counted)
    client = await hass_client_no_auth()
    answers = await asyncio.gather(
        *(post_webhook(client, "radarr", distinct_grab(number)) for number in range(40))
    )
    assert [status for status, _ in answers] == [200] * 40
    assert sum(writes) == 40
    assert len(writes) < 40
    titles = {
        request["title"]
        for line in journal_lines(hass, setup_entry)
        for request in line["requests"]
    }
    assert titles == {f"Film {number}" for number in range(40)}


async def test_lines_the_store_already_holds_are_not_laid_over_it(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A stop between the file's write and the journal's truncation: old lines are skipped.

    The old line says `grabbing`; the file, written after it, says the request was imported.
    """
    client = await hass_client_no_auth()
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    stale = journal_path(hass, setup_entry).read_bytes()
    await post_webhook(client, "radarr", load_fixture("radarr_download.json"))
    await advance(hass, freezer, SAVE_DELAY)
    imported = sensor(hass, ARRIVAL).state
    assert imported != "grabbing"
    journal_path(hass, setup_entry).write_bytes(stale)  # the truncation never happened

    await reload_from_disk(hass, setup_entry)

    assert sensor(hass, ARRIVAL).state == imported


async def test_a_line_cut_short_is_skipped_and_the_others_kept(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    file_never_written: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stop in the middle of a write leaves half a line: the load warns once and goes on."""
    client = await hass_client_no_auth()
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    with journal_path(hass, setup_entry).open("ab") as journal:
        journal.write(b'{"seq": 2, "requests": [{"request_i')

    await reload_from_disk(hass, setup_entry)

    assert sensor(hass, ARRIVAL).state == "grabbing"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["1 journal lines could not be read and were skipped"]


async def test_a_forgotten_request_stays_forgotten(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    file_never_written: list[dict[str, Any]],
) -> None:
    """A request the journal says was forgotten is not brought back by an earlier line."""
    client = await hass_client_no_auth()
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    request_id = journal_lines(hass, setup_entry)[0]["requests"][0]["request_id"]
    with journal_path(hass, setup_entry).open("a") as journal:
        journal.write(json.dumps({"seq": 2, "requests": [], "removed": [request_id]}) + "\n")

    await reload_from_disk(hass, setup_entry)

    # Only the registry's memory of the entity is left (no request behind it).
    assert sensor(hass, ARRIVAL).attributes.get("restored") is True
    response = await hass.services.async_call(
        DOMAIN, "get_requests", {}, blocking=True, return_response=True
    )
    assert response["requests"] == []


async def test_a_disk_that_refuses_the_journal_gets_503(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Not on disk, not 200: the sender is told to keep it; one error line; tracked in memory."""
    journal_path(hass, setup_entry).mkdir()  # a directory where the file should be
    client = await hass_client_no_auth()

    status, answer = await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))

    assert (status, answer) == (503, {"error": "could not be stored"})
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].getMessage().startswith("The journal ")
    assert sensor(hass, ARRIVAL).state == "grabbing"
    journal_path(hass, setup_entry).rmdir()


async def test_removing_the_entry_deletes_its_journal(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Nothing of a removed stack is left on disk."""
    client = await hass_client_no_auth()
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    assert journal_path(hass, setup_entry).exists()

    assert await hass.config_entries.async_remove(setup_entry.entry_id)

    assert not journal_path(hass, setup_entry).exists()
