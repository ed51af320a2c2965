"""The request sensors: their whole state and attributes after real webhook posts, as snapshots."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
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

from . import (
    advance,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    torrent,
)
from .helpers.season_pack import SHOW_ENTITY, episode_import, mock_pack

# Every timestamp in the attributes comes from this frozen clock.
NOW = "2026-03-02T09:00:00+00:00"
EMPTY_LIBRARY = {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}


def with_text_keys(state: State) -> State:
    """The state with its attribute names as plain strings, as every release stores them.

    Home Assistant 2026.10 keys the attributes it adds (device_class, ...) by a StrEnum: equal
    to the string, but shown differently in a snapshot.
    """
    return State(
        state.entity_id,
        state.state,
        {str(key): value for key, value in state.attributes.items()},
        last_changed=state.last_changed,
        last_reported=state.last_reported,
        last_updated=state.last_updated,
        context=state.context,
    )


async def test_movie_request_sensor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """Arrival requested, approved, grabbed, downloaded and imported: every attribute."""
    freezer.move_to(NOW)
    client = await hass_client_no_auth()
    for fixture in ("seerr_movie_pending.json", "seerr_movie_approved.json"):
        assert (await post_webhook(client, "jellyseerr", load_fixture(fixture)))[0] == 200
        await advance(hass, freezer, 60)

    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock, [torrent(state="downloading", progress=0.5, dlspeed=8_000_000, eta=420)]
    )
    assert (await post_webhook(client, "radarr", load_fixture("radarr_grab.json")))[0] == 200
    await advance(hass, freezer, 5)
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledUP", progress=1, eta=8640000)])
    await advance(hass, freezer, 5)

    mock_jellyfin_items(aioclient_mock, EMPTY_LIBRARY)
    assert (await post_webhook(client, "radarr", load_fixture("radarr_download.json")))[0] == 200
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "importing"
    assert with_text_keys(state) == snapshot


async def test_tv_request_sensor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """A season pack half downloaded, its first two episodes imported: request and episodes."""
    freezer.move_to(NOW)
    client = await hass_client_no_auth()
    assert (await post_webhook(client, "jellyseerr", load_fixture("seerr_tv_approved.json")))[
        0
    ] == 200
    await advance(hass, freezer, 60)

    mock_pack(aioclient_mock, None, state="metaDL")
    assert (await post_webhook(client, "sonarr", load_fixture("sonarr_grab_season_pack.json")))[
        0
    ] == 200
    await hass.async_block_till_done()
    files = [1.0, 1.0, 0.5, 0.25] + [0.0] * 9
    mock_pack(
        aioclient_mock, files, state="downloading", progress=2.75 / 13, dlspeed=20_000_000, eta=900
    )
    await advance(hass, freezer, 5)

    mock_jellyfin_items(aioclient_mock, EMPTY_LIBRARY)
    for number in (1, 2):
        assert (await post_webhook(client, "sonarr", episode_import(number)))[0] == 200
        await hass.async_block_till_done()
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "importing"
    assert with_text_keys(state) == snapshot
    # Episodes are summed up, never listed whole (the get_request action lists them).
    assert "episodes" not in state.attributes
    # What grows with the request, or moves every poll, stays out of the recorder.
    assert state.state_info is not None
    unrecorded = state.state_info["unrecorded_attributes"]
    assert {"seasons", "unfinished_episodes", "stuck_episodes", "history"} <= unrecorded
    assert {"download_speed", "eta", "overview", "final_path"} <= unrecorded
    # final_path is a movie's (a TV request's are per episode, in get_request).
    assert unrecorded <= set(state.attributes) | {"entity_picture", "final_path"}


async def test_sensors_of_finished_requests_follow_the_set_up(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    qbittorrent: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """600 finished requests stored and one under way: set-up returns showing the one under way.

    Its sensor is written first; the finished ones' sensors follow (in batches of 250, a turn of
    the event loop apart), all there once the loop is idle.
    """
    tracker = Tracker()
    now = dt_util.utcnow()
    for number in range(601):
        state = RequestState.DOWNLOADING if number == 600 else RequestState.AVAILABLE
        request = tracker.create(MediaKey(MediaType.MOVIE, tmdb_id=number), state, now)
        request.title = f"Film {number}"
    key = f"{DOMAIN}.{config_entry.entry_id}"
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": tracker.to_dict()}
    config_entry.add_to_hass(hass)
    written = async_capture_events(hass, EVENT_STATE_CHANGED)

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    assert "downloading" in {state.state for state in hass.states.async_all("sensor")}
    await hass.async_block_till_done()
    # The request under way was shown first; every finished one after it.
    new_states = [
        event.data["new_state"].state
        for event in written
        if event.data["new_state"] and event.data["entity_id"].startswith("sensor.")
    ]
    assert new_states[0] == "downloading"
    assert (new_states.count("available"), new_states.count("downloading")) == (600, 1)
    await hass.config_entries.async_unload(config_entry.entry_id)
