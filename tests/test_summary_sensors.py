"""The stack's summary sensors over a scripted month of requests (stored, then set up; freezer).

Movies approved 20, 3 and 40 days ago took 10 h, 30 h and (outside the 30 days) 5 days; a movie
grabbed in Radarr directly 2 days ago took 2 h; a series took 24 h. Under way: a stuck movie and
a series downloading, a requested movie; a declined one is finished.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.media_request_tracker.const import DOMAIN
from custom_components.media_request_tracker.tracker import (
    MediaKey,
    MediaType,
    RequestState,
    Tracker,
)
from custom_components.media_request_tracker.tracker.models import HistoryEntry

from . import ENTRY_DATA, NO_RECONCILING, advance, load_fixture, post_webhook, sensor

PREFIX = "sensor.media_request_tracker_"


def finished(
    tracker: Tracker,
    number: int,
    media_type: MediaType,
    start: tuple[RequestState, datetime],
    took: timedelta,
) -> None:
    """Add a request that reached `start`'s state then, and became available `took` later."""
    state, started = start
    request = tracker.create(MediaKey(media_type, tmdb_id=number), state, started)
    request.title = f"Title {number}"
    request.history = [HistoryEntry(state, started)]
    request.available_at = started + took
    request.state, request.state_since = RequestState.AVAILABLE, started + took
    request.history.append(HistoryEntry(RequestState.AVAILABLE, started + took))


def stored_month(now: datetime) -> dict[str, Any]:
    """Return the stored tracker of the scripted month."""
    tracker = Tracker()
    day, hour = timedelta(days=1), timedelta(hours=1)
    approved, grabbing = RequestState.APPROVED, RequestState.GRABBING
    finished(tracker, 1, MediaType.MOVIE, (approved, now - 20 * day), 10 * hour)
    finished(tracker, 2, MediaType.MOVIE, (approved, now - 3 * day), 30 * hour)
    finished(tracker, 3, MediaType.MOVIE, (approved, now - 40 * day), 5 * day)
    finished(tracker, 4, MediaType.MOVIE, (grabbing, now - 2 * day), 2 * hour)
    finished(tracker, 5, MediaType.TV, (approved, now - 5 * day), 24 * hour)
    stuck = tracker.create(MediaKey(MediaType.MOVIE, tmdb_id=6), RequestState.DOWNLOADING, now)
    stuck.title, stuck.download_speed = "Title 6", 1_000_000
    stuck.stuck, stuck.stuck_reason = True, "download not finished for 24 h"
    show = tracker.create(MediaKey(MediaType.TV, tmdb_id=7), RequestState.DOWNLOADING, now)
    show.title, show.download_speed = "Title 7", 500_000
    tracker.create(MediaKey(MediaType.MOVIE, tmdb_id=8), RequestState.REQUESTED, now)
    tracker.create(MediaKey(MediaType.MOVIE, tmdb_id=9), RequestState.DECLINED, now)
    return tracker.to_dict()


def figure(hass: HomeAssistant, key: str) -> str:
    """Return a summary sensor's state."""
    return sensor(hass, PREFIX + key).state


@pytest.fixture
async def month(
    hass: HomeAssistant, qbittorrent: AiohttpClientMocker, hass_storage: dict[str, Any]
) -> AsyncGenerator[MockConfigEntry]:
    """Set up the stack from the scripted month's storage (kept 60 days: nothing forgotten)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Media Request Tracker",
        data=ENTRY_DATA,
        options=NO_RECONCILING | {"keep_days": 60},
    )
    key = f"{DOMAIN}.{entry.entry_id}"
    data = stored_month(dt_util.utcnow())
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": data}
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_the_figures_of_the_month(hass: HomeAssistant, month: MockConfigEntry) -> None:
    assert figure(hass, "active_requests") == "3"
    states = sensor(hass, PREFIX + "active_requests").attributes["states"]
    assert (states["downloading"], states["requested"], states["available"]) == (2, 1, 0)
    assert figure(hass, "stuck_requests") == "1"
    assert sensor(hass, PREFIX + "stuck_requests").attributes["titles"] == ["Title 6"]
    assert figure(hass, "downloading") == "2"
    # MB/s, from 1,500,000 B/s (Home Assistant 2025.4 writes a converted value as "1.500000").
    assert float(figure(hass, "download_speed")) == 1.5
    assert sensor(hass, PREFIX + "download_speed").attributes["unit_of_measurement"] == "MB/s"
    assert figure(hass, "available_in_the_last_7_days") == "3"
    # Movies within 30 days: 2 h, 10 h, 30 h (the one approved 40 days ago is left out).
    assert figure(hass, "movie_time_to_available_median") == "10.0"
    assert figure(hass, "movie_time_to_available_90th_percentile") == "26.0"
    assert sensor(hass, PREFIX + "movie_time_to_available_median").attributes["requests"] == 3
    assert figure(hass, "series_time_to_available_median") == "24.0"
    assert figure(hass, "series_time_to_available_90th_percentile") == "24.0"


async def test_the_summaries_are_measurements_on_the_device(
    hass: HomeAssistant, month: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    summaries = [
        entry
        for entry in er.async_entries_for_config_entry(registry, month.entry_id)
        if "-summary-" in entry.unique_id
    ]
    assert len(summaries) == 9
    assert {entry.device_id for entry in summaries} != {None}
    assert len({entry.device_id for entry in summaries}) == 1
    for entry in summaries:
        state = sensor(hass, entry.entity_id)
        assert state.attributes["state_class"] == "measurement"
    duration = sensor(hass, PREFIX + "movie_time_to_available_median")
    assert duration.attributes["device_class"] == "duration"
    assert duration.attributes["unit_of_measurement"] == "h"


async def test_the_windows_move_with_the_clock_and_a_change_moves_the_counts(
    hass: HomeAssistant,
    month: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    # Three days and an hour on, the series (available 4 days ago) is out of the last 7 days.
    for _ in range(73):
        await advance(hass, freezer, timedelta(hours=1))
    assert figure(hass, "available_in_the_last_7_days") == "2"
    assert figure(hass, "movie_time_to_available_median") == "10.0"

    client = await hass_client_no_auth()
    pending = load_fixture("seerr_movie_pending.json")
    assert (await post_webhook(client, "jellyseerr", pending))[0] == 200
    await hass.async_block_till_done()
    assert figure(hass, "active_requests") == "4"
    assert sensor(hass, PREFIX + "active_requests").attributes["states"]["requested"] == 2


async def test_without_requests_the_times_are_unknown(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    assert figure(hass, "active_requests") == "0"
    assert figure(hass, "movie_time_to_available_median") == "unknown"
    assert figure(hass, "series_time_to_available_90th_percentile") == "unknown"


async def test_the_summary_sensors_as_snapshots(
    hass: HomeAssistant, month: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    """Every summary sensor's state and attributes (units, classes, names) at once."""
    registry = er.async_get(hass)
    shown = {
        # A number as a number: Home Assistant 2025.4 writes a converted one as "1.500000".
        entry.entity_id: (
            state.state if state.state == "unknown" else float(state.state),
            json.loads(json.dumps(dict(state.attributes))),  # enums as their values
        )
        for entry in er.async_entries_for_config_entry(registry, month.entry_id)
        if "-summary-" in entry.unique_id and (state := hass.states.get(entry.entity_id))
    }
    assert shown == snapshot
