"""The regular TV flow, per episode: a season pack from Sonarr's grab to Jellyfin, and single grabs."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import EVENT_STATE_CHANGED
from tests import (
    JELLYFIN_URL,
    QBIT_URL,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    torrent,
)

SHOW_ENTITY = "sensor.media_request_tracker_breaking_bad_2008"
PACK_HASH = "b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0"
SERIES_ID = "5d1f2e3c4b5a69788796a5b4c3d2e1aa"
EPISODE_SIZE = 2147483648


def pack(**changes: Any) -> dict[str, Any]:
    """Return the season pack torrent as torrents/info lists it."""
    return torrent(
        hash=PACK_HASH,
        name="Breaking.Bad.S02.1080p.BluRay.x264-ROVERS",
        size=13 * EPISODE_SIZE,
        **changes,
    )


def pack_files(progress: list[float]) -> list[dict[str, Any]]:
    """Return the pack's files with the given progress each (episode 1 first)."""
    files: list[dict[str, Any]] = load_fixture("qbittorrent_torrent_files_season_pack.json")
    return [file | {"progress": value} for file, value in zip(files, progress, strict=True)]


def mock_pack(
    aioclient_mock: AiohttpClientMocker, files: list[float] | None, **changes: Any
) -> None:
    """Answer qBittorrent with the pack in a state, and its files with the given progress."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [pack(**changes)])
    if files is not None:
        aioclient_mock.get(f"{QBIT_URL}/api/v2/torrents/files", json=pack_files(files))


def episode_import(number: int) -> dict[str, Any]:
    """Return Sonarr's per-file import event for one episode of the pack."""
    payload: dict[str, Any] = load_fixture("sonarr_download_file.json")
    complete: dict[str, Any] = load_fixture("sonarr_import_complete.json")
    payload["episodes"] = [complete["episodes"][number - 1]]
    payload["episodeFile"] = complete["episodeFiles"][number - 1]
    return payload


def mock_library(aioclient_mock: AiohttpClientMocker, playable: range) -> None:
    """Answer Jellyfin: the series, with the given episodes on disk (the others missing)."""
    episodes = copy.deepcopy(load_fixture("jellyfin_show_episodes.json"))
    for item in episodes["Items"]:
        if item["IndexNumber"] not in playable:
            item["LocationType"] = "Virtual"
            del item["Path"]
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json=load_fixture("jellyfin_series_search.json"))
    aioclient_mock.get(f"{JELLYFIN_URL}/Shows/{SERIES_ID}/Episodes", json=episodes)


def episode_states(hass: HomeAssistant) -> list[str]:
    """Return the state of each episode of the show, in order."""
    return [episode["state"] for episode in sensor(hass, SHOW_ENTITY).attributes["episodes"]]


async def test_season_pack_reaches_available_episode_by_episode(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """13 episodes in one torrent: grab, uneven files, 13 imports + Import Complete, Jellyfin."""
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    client = await hass_client_no_auth()
    assert (await post_webhook(client, "jellyseerr", load_fixture("seerr_tv_approved.json")))[
        0
    ] == 200
    await hass.async_block_till_done()
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "approved"
    assert state.attributes["tvdb_id"] == 81189
    assert state.attributes["requested_seasons"] == [2]
    assert state.attributes["episodes"] == []

    # Sonarr grabs the season pack: 13 episodes, one hash.
    mock_pack(aioclient_mock, None, state="metaDL")
    assert (await post_webhook(client, "sonarr", load_fixture("sonarr_grab_season_pack.json")))[
        0
    ] == 200
    await hass.async_block_till_done()
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "grabbing"
    assert state.attributes["sonarr_id"] == 4
    assert state.attributes["imdb_id"] == "tt0903747"
    assert state.attributes["total_episodes"] == 13
    assert state.attributes["episodes_total"] == 13
    assert state.attributes["episodes_available"] == 0
    assert state.attributes["is_anime"] is False
    assert state.attributes["qbit_hash"] == PACK_HASH
    first = state.attributes["episodes"][0]
    assert first == {
        "season": 2,
        "episode": 1,
        "title": "Seven Thirty-Seven",
        "state": "grabbing",
        "progress": 0.0,
        "jellyfin_id": None,
    }

    # Data flows; the files progress unevenly, each episode shows its own file.
    uneven = [1.0, 1.0, 0.5, 0.25] + [0.0] * 9
    mock_pack(
        aioclient_mock, uneven, state="downloading", progress=2.75 / 13, dlspeed=20_000_000, eta=900
    )
    await advance(hass, freezer, 5)
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "downloading"
    assert set(episode_states(hass)) == {"downloading"}
    assert [episode["progress"] for episode in state.attributes["episodes"]][:5] == [
        100.0,
        100.0,
        50.0,
        25.0,
        0.0,
    ]
    assert state.attributes["progress"] == round(2.75 / 13 * 100, 1)
    assert state.attributes["eta"] == 900
    assert state.attributes["download_speed"] == 20_000_000
    assert state.attributes["episode_states"] == {"downloading": 13}

    # Complete: every episode downloaded, polling stops.
    mock_pack(aioclient_mock, [1.0] * 13, state="stalledUP", progress=1)
    await advance(hass, freezer, 5)
    assert sensor(hass, SHOW_ENTITY).state == "downloaded"
    assert set(episode_states(hass)) == {"downloaded"}
    assert setup_entry.runtime_data.update_interval is None

    # 13 per-file imports, then the Import Complete for the whole pack (both ticked in Sonarr).
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    for number in range(1, 14):
        assert (await post_webhook(client, "sonarr", episode_import(number)))[0] == 200
        await hass.async_block_till_done()
        states = episode_states(hass)
        assert states[:number] == ["importing"] * number
        assert states[number:] == ["downloaded"] * (13 - number)
        assert sensor(hass, SHOW_ENTITY).state == "importing"
    before = sensor(hass, SHOW_ENTITY).attributes
    assert (await post_webhook(client, "sonarr", load_fixture("sonarr_import_complete.json")))[
        0
    ] == 200
    await hass.async_block_till_done()
    assert sensor(hass, SHOW_ENTITY).attributes == before
    paths = setup_entry.runtime_data.tracker.requests["1"].episodes
    assert paths[4].final_path == (
        "/media/tv/Breaking Bad/Season 02/Breaking Bad - S02E05 - Breakage [Bluray-1080p].mkv"
    )

    # Jellyfin has scanned six episodes at the first check, all of them at the next.
    mock_library(aioclient_mock, range(1, 7))
    await advance(hass, freezer, 10)
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "importing"
    assert state.attributes["episodes_available"] == 6
    assert episode_states(hass) == ["available"] * 6 + ["importing"] * 7
    assert state.attributes["episodes"][0]["jellyfin_id"] == "e01" + "0" * 28 + "b"
    assert state.attributes["jellyfin_id"] == SERIES_ID

    replace_mocks(aioclient_mock)
    mock_library(aioclient_mock, range(1, 14))
    await advance(hass, freezer, 30)
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "available"
    assert state.attributes["episodes_available"] == 13
    assert [episode["jellyfin_id"] for episode in state.attributes["episodes"]] == [
        f"e{number:02d}" + "0" * 28 + "b" for number in range(1, 14)
    ]
    assert state.attributes["history"][-1]["note"] == "found in Jellyfin (tvdb id)"

    transitions = [(e.data["from_state"], e.data["to_state"]) for e in events]
    assert transitions == [
        (None, "approved"),
        ("approved", "grabbing"),
        ("grabbing", "downloading"),
        ("downloading", "downloaded"),
        ("downloaded", "importing"),
        ("importing", "available"),
    ]
    assert events[-1].data["episodes_available"] == 13
    assert events[-1].data["episodes_total"] == 13
    assert events[-1].data["entity_id"] == SHOW_ENTITY


async def test_single_episode_grabs_aggregate_at_every_step(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Episodes grabbed one by one, each its own torrent, join one request."""
    client = await hass_client_no_auth()
    await post_webhook(client, "jellyseerr", load_fixture("seerr_tv_approved.json"))
    grab: dict[str, Any] = load_fixture("sonarr_grab_season_pack.json")
    hashes = {n: f"{n:02d}" * 20 for n in (1, 2)}

    def single(number: int) -> dict[str, Any]:
        return grab | {
            "episodes": [grab["episodes"][number - 1]],
            "downloadId": hashes[number].upper(),
        }

    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock, [torrent(hash=hashes[1], state="downloading", progress=0.5, dlspeed=9)]
    )
    await post_webhook(client, "sonarr", single(1))
    await hass.async_block_till_done()
    assert sensor(hass, SHOW_ENTITY).state == "downloading"
    assert episode_states(hass) == ["downloading"]

    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock,
        [
            torrent(hash=hashes[1], state="uploading", progress=1),
            torrent(hash=hashes[2], state="metaDL", progress=0),
        ],
    )
    await post_webhook(client, "sonarr", single(2))
    await hass.async_block_till_done()
    state = sensor(hass, SHOW_ENTITY)
    assert episode_states(hass) == ["downloaded", "grabbing"]
    assert state.state == "downloaded"
    assert state.attributes["total_episodes"] == 2
    assert setup_entry.runtime_data.tracker.tracked_hashes() == {hashes[2]}

    # Episode 1 is imported while episode 2 downloads: the show is importing.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock, [torrent(hash=hashes[2], state="downloading", progress=0.1, dlspeed=9)]
    )
    await post_webhook(client, "sonarr", episode_import(1) | {"downloadId": hashes[1].upper()})
    await advance(hass, freezer, 5)
    assert episode_states(hass) == ["importing", "downloading"]
    assert sensor(hass, SHOW_ENTITY).state == "importing"

    # Episode 3 grabbed later: the request follows three torrents.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    third = grab | {"episodes": [grab["episodes"][2]], "downloadId": "33" * 20}
    await post_webhook(client, "sonarr", third)
    await hass.async_block_till_done()
    assert episode_states(hass) == ["importing", "downloading", "grabbing"]
    assert sensor(hass, SHOW_ENTITY).attributes["episodes_total"] == 3
    assert len(hass.states.async_entity_ids("sensor")) == 1


async def test_paused_season_pack_is_polled_at_the_idle_interval(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A TV torrent qBittorrent lists as paused is polled every 30 s, not every 5 s."""
    client = await hass_client_no_auth()
    mock_pack(aioclient_mock, None, state="metaDL")
    await post_webhook(client, "sonarr", load_fixture("sonarr_grab_season_pack.json"))
    await hass.async_block_till_done()
    assert setup_entry.runtime_data.update_interval == timedelta(seconds=5)
    mock_pack(aioclient_mock, None, state="pausedDL", progress=0.2)
    await setup_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert set(episode_states(hass)) == {"grabbing"}
    assert sensor(hass, SHOW_ENTITY).attributes["torrent_state"] == "pausedDL"
    assert sensor(hass, SHOW_ENTITY).attributes["paused"] is True
    assert setup_entry.runtime_data.update_interval == timedelta(seconds=30)
