"""Backfill: a new entry shows the requests already under way at once, with their true state.

The stack: Seerr has a pending, two approved and a declined request; Radarr's queue holds two
downloads grabbed before the retention period (so no history record within it names them);
Sonarr's queue a season pack mid-download, a record per episode; qBittorrent has their
torrents. A declined request that was never tracked is not imported (its webhook would not open
one either). Shapes: docs/service-records.md (fixtures `radarr_queue_backfill.json`, `sonarr_queue_backfill.json`,
`seerr_request_list.json`).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.const import DOMAIN

from . import (
    ARRIVAL_ENTITY,
    ENTRY_DATA,
    JELLYFIN_URL,
    QBIT_URL,
    load_fixture,
    mock_qbittorrent,
    mock_service_records,
    request_data,
    torrent,
    wait_for_readings,
)
from .helpers.season_pack import SHOW_ENTITY, pack, pack_files

DUNE_ENTITY = "sensor.media_request_tracker_dune_2021"
INCEPTION_ENTITY = "sensor.media_request_tracker_inception_2010"
DUNE_HASH = "d00e1f2a3b4c5d6e7f8091a2b3c4d5e6f7081920"
LOGGER_NAME = "custom_components.media_request_tracker"


def seerr_requests() -> list[dict[str, Any]]:
    """Return Seerr's list: TV 21 and movie 12 approved, 9 declined, and a pending movie 30."""
    results: list[dict[str, Any]] = load_fixture("seerr_request_list.json")["results"]
    pending = copy.deepcopy(results[1])
    pending.update(id=30, status=1, updatedAt="2026-11-25T09:20:00.000Z")
    pending["media"].update(id=40, tmdbId=27205, imdbId=None, status=2)
    return [pending, *results]


def stack_under_way(aioclient_mock: AiohttpClientMocker) -> None:
    """Answer as the stack does: queues, request list, torrents, an empty library."""
    mock_qbittorrent(
        aioclient_mock,
        [
            torrent(state="downloading", progress=0.4),
            torrent(hash=DUNE_HASH, name="Dune.2021.2160p", state="stalledUP", progress=1),
            pack(state="downloading", progress=0.5),
        ],
    )
    aioclient_mock.get(f"{QBIT_URL}/api/v2/torrents/files", json=pack_files([0.5] * 13))
    mock_service_records(
        aioclient_mock,
        seerr=seerr_requests(),
        radarr_queue=load_fixture("radarr_queue_backfill.json"),
        sonarr_queue=load_fixture("sonarr_queue_backfill.json"),
        seerr_details={
            "movie/27205": {"title": "Inception", "releaseDate": "2010-07-15"},
            "movie/157336": {"title": "Interstellar", "releaseDate": "2014-11-05"},
        },
    )
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json={"Items": [], "TotalRecordCount": 0})


def tracked(hass: HomeAssistant) -> dict[str, str]:
    """Return every request sensor's state, by entity id."""
    return {
        state.entity_id: state.state
        for state in hass.states.async_all("sensor")
        if state.attributes.get("media_type") is not None
    }


def queue_readings(aioclient_mock: AiohttpClientMocker) -> int:
    """Return how often Radarr's queue was read with its movies (as backfill reads it)."""
    return sum(
        1
        for _method, url, _data, _headers in aioclient_mock.mock_calls
        if url.path == "/api/v3/queue" and url.query.get("includeMovie") == "true"
    )


async def test_the_requests_under_way_appear_at_once_and_a_second_backfill_adds_none(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    stack_under_way(aioclient_mock)
    entry = MockConfigEntry(domain=DOMAIN, title="Media Request Tracker", data=ENTRY_DATA)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_readings(hass)

    first = tracked(hass)
    assert first == {
        ARRIVAL_ENTITY: "downloading",
        DUNE_ENTITY: "downloaded",
        SHOW_ENTITY: "downloading",
        INCEPTION_ENTITY: "requested",
    }
    arrival = await request_data(hass, ARRIVAL_ENTITY)
    assert (arrival["jellyseerr_id"], arrival["progress"], arrival["qbit_hash"]) == (
        12,
        40.0,
        "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345",
    )
    assert arrival["release_title"] == "Arrival.2016.1080p.BluRay.x264-SPARKS"
    dune = await request_data(hass, DUNE_ENTITY)
    assert (dune["title"], dune["year"], dune["radarr_id"]) == ("Dune", 2021, 8)
    assert dune["jellyseerr_id"] is None  # grabbed in Radarr, not requested through Seerr
    show = await request_data(hass, SHOW_ENTITY)
    assert show["jellyseerr_id"] == 21
    assert len(show["episodes"]) == 13
    assert {episode["state"] for episode in show["episodes"]} == {"downloading"}
    assert {episode["season_number"] for episode in show["episodes"]} == {2}
    inception = await request_data(hass, INCEPTION_ENTITY)
    assert (inception["title"], inception["year"], inception["jellyseerr_id"]) == (
        "Inception",
        2010,
        30,
    )
    assert "Backfill found 4 requests" in caplog.text

    # Set up again with the cursors gone: the same records backfill into the same requests.
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    del hass_storage[f"{DOMAIN}.{entry.entry_id}.cursors"]
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_readings(hass)
    assert tracked(hass) == first
    assert queue_readings(aioclient_mock) == 2  # the second set-up did backfill again
    assert len(entry.runtime_data.coordinator.tracker.requests) == len(first)
    assert (await request_data(hass, SHOW_ENTITY))["episodes"] == show["episodes"]
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
