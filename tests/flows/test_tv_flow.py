"""The regular TV flow, per episode: a season pack from Sonarr's grab to Jellyfin, and single grabs."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import (
    EVENT_STATE_CHANGED,
    NEW_TORRENT_POLL_COOLDOWN,
)
from tests import (
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    request_states,
    sensor,
    torrent,
)
from tests.helpers.season_pack import (
    PACK_HASH,
    SERIES_ID,
    SHOW_ENTITY,
    episode_import,
    episode_states,
    episodes,
    mock_library,
    mock_pack,
)


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
    assert state.attributes["episodes_total"] == 0
    assert state.attributes["seasons"] == []
    assert state.attributes["unfinished_episodes"] == []

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
    assert "total_episodes" not in state.attributes  # episodes_total says it
    assert state.attributes["episodes_total"] == 13
    assert state.attributes["episodes_available"] == 0
    assert state.attributes["is_anime"] is False
    assert state.attributes["qbit_hash"] == PACK_HASH
    assert state.attributes["seasons"] == [
        {"season": 2, "episodes": 13, "available": 0, "states": {"grabbing": "1-13"}}
    ]
    assert state.attributes["unfinished_episodes"][0] == {
        "season": 2,
        "episode": 1,
        "title": "Seven Thirty-Seven",
        "state": "grabbing",
        "progress": 0.0,
    }
    assert len(state.attributes["unfinished_episodes"]) == 13
    first = (await episodes(hass))[0]
    assert first["season_number"] == 2
    assert first["episode_number"] == 1
    assert first["episode_title"] == "Seven Thirty-Seven"
    assert first["sonarr_episode_id"] == 201
    assert first["episode_tvdb_id"] == 438901
    assert first["qbit_hash"] == PACK_HASH

    # Data flows; the files progress unevenly, each episode shows its own file.
    uneven = [1.0, 1.0, 0.5, 0.25] + [0.0] * 9
    mock_pack(
        aioclient_mock, uneven, state="downloading", progress=2.75 / 13, dlspeed=20_000_000, eta=900
    )
    await advance(hass, freezer, 5)
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "downloading"
    assert set(await episode_states(hass)) == {"downloading"}
    assert [episode["progress"] for episode in await episodes(hass)][:5] == [
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
    assert set(await episode_states(hass)) == {"downloaded"}
    assert setup_entry.runtime_data.coordinator.update_interval is None

    # 13 per-file imports, then the Import Complete for the whole pack (both ticked in Sonarr).
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    for number in range(1, 14):
        assert (await post_webhook(client, "sonarr", episode_import(number)))[0] == 200
        await hass.async_block_till_done()
        states = await episode_states(hass)
        assert states[:number] == ["importing"] * number
        assert states[number:] == ["downloaded"] * (13 - number)
        assert sensor(hass, SHOW_ENTITY).state == "importing"
    before = sensor(hass, SHOW_ENTITY).attributes
    assert (await post_webhook(client, "sonarr", load_fixture("sonarr_import_complete.json")))[
        0
    ] == 200
    await hass.async_block_till_done()
    assert sensor(hass, SHOW_ENTITY).attributes == before
    paths = setup_entry.runtime_data.coordinator.tracker.requests["1"].episodes
    assert paths[4].final_path == (
        "/media/tv/Breaking Bad/Season 02/Breaking Bad - S02E05 - Breakage [Bluray-1080p].mkv"
    )

    # Jellyfin has scanned six episodes at the first check, all of them at the next.
    mock_library(aioclient_mock, range(1, 7))
    await advance(hass, freezer, 10)
    # The series' episodes are asked for the season requested only, lean and bounded.
    assert [
        str(url.relative()) for _, url, _, _ in aioclient_mock.mock_calls if "/Shows/" in str(url)
    ] == [
        f"/Shows/{SERIES_ID}/Episodes?season=2&fields=Path&isMissing=false&limit=500"
        "&enableImages=false&enableUserData=false"
    ]
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "importing"
    assert state.attributes["episodes_available"] == 6
    assert await episode_states(hass) == ["available"] * 6 + ["importing"] * 7
    assert (await episodes(hass))[0]["jellyfin_id"] == "e01" + "0" * 28 + "b"
    assert state.attributes["seasons"][0]["states"] == {"available": "1-6", "importing": "7-13"}
    assert [item["episode"] for item in state.attributes["unfinished_episodes"]] == list(
        range(7, 14)
    )
    assert state.attributes["jellyfin_id"] == SERIES_ID

    replace_mocks(aioclient_mock)
    mock_library(aioclient_mock, range(1, 14))
    await advance(hass, freezer, 30)
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "available"
    assert state.attributes["episodes_available"] == 13
    assert state.attributes["unfinished_episodes"] == []
    assert [episode["jellyfin_id"] for episode in await episodes(hass)] == [
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
    assert await episode_states(hass) == ["downloading"]

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
    # A second new torrent within the cool-down shares the poll at its end.
    assert await episode_states(hass) == ["downloading", "grabbing"]
    await advance(hass, freezer, NEW_TORRENT_POLL_COOLDOWN)
    state = sensor(hass, SHOW_ENTITY)
    assert await episode_states(hass) == ["downloaded", "grabbing"]
    assert state.state == "downloaded"
    assert state.attributes["episodes_total"] == 2
    assert setup_entry.runtime_data.coordinator.tracker.tracked_hashes() == {hashes[2]}

    # Episode 1 is imported while episode 2 downloads: the show is importing.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock, [torrent(hash=hashes[2], state="downloading", progress=0.1, dlspeed=9)]
    )
    await post_webhook(client, "sonarr", episode_import(1) | {"downloadId": hashes[1].upper()})
    await advance(hass, freezer, 5)
    assert await episode_states(hass) == ["importing", "downloading"]
    assert sensor(hass, SHOW_ENTITY).state == "importing"

    # Episode 3 grabbed later: the request follows three torrents.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    third = grab | {"episodes": [grab["episodes"][2]], "downloadId": "33" * 20}
    await post_webhook(client, "sonarr", third)
    await hass.async_block_till_done()
    assert await episode_states(hass) == ["importing", "downloading", "grabbing"]
    assert sensor(hass, SHOW_ENTITY).attributes["episodes_total"] == 3
    assert len(request_states(hass)) == 1
