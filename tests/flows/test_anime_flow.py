"""Anime: Shoko matching by path, the Jellyfin fallback chain, stuck when never found, Shoko silent."""

from __future__ import annotations

import random
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import EVENT_STUCK
from tests import (
    JELLYFIN_URL,
    SHOKO_URL,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    request_data,
    sensor,
    torrent,
)
from tests.helpers.anime import (
    EMPTY,
    MOVIE_HASH,
    anime_pack,
    matched,
    mock_library,
)

MOVIE_ENTITY = "sensor.media_request_tracker_your_name_2016"


async def import_anime_movie(
    hass: HomeAssistant,
    client: Any,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Grab (anime tag), download and import "Your Name."; Jellyfin has nothing yet."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock, [torrent(hash=MOVIE_HASH, state="downloading", progress=0.5, dlspeed=5)]
    )
    aioclient_mock.post(f"{SHOKO_URL}/signalr/aggregate/negotiate", status=503)
    assert (await post_webhook(client, "radarr", load_fixture("radarr_grab_anime.json")))[0] == 200
    await hass.async_block_till_done()
    state = sensor(hass, MOVIE_ENTITY)
    assert state.state == "downloading"
    assert state.attributes["is_anime"] is True
    mock_library(aioclient_mock, {})
    assert (await post_webhook(client, "radarr", load_fixture("radarr_download_anime.json")))[
        0
    ] == 200
    await hass.async_block_till_done()
    assert sensor(hass, MOVIE_ENTITY).state == "anime_matching"


async def test_anime_movie_matched_by_shoko_found_as_a_series(
    hass: HomeAssistant,
    anime_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Import → anime_matching → FileMatched → Jellyfin has it only as a Series → available."""
    client = await hass_client_no_auth()
    await import_anime_movie(hass, client, aioclient_mock, freezer)

    # Shoko matches the file (Windows separators in its relative path); Jellyfin is asked at once
    # and finds the movie only as a Series (Shokofin), by its TMDB id.
    mock_library(aioclient_mock, {"Series": load_fixture("jellyfin_items_anime_series.json")})
    status, answer = await post_webhook(
        client, "shoko", load_fixture("shoko_file_matched_movie.json")
    )
    assert (status, answer) == (200, {"result": "accepted"})
    await hass.async_block_till_done()
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = sensor(hass, MOVIE_ENTITY)
    assert state.state == "available"
    assert state.attributes["shoko_series_id"] == 412
    assert state.attributes["anidb_id"] == 11829
    assert state.attributes["shoko_file_id"] == 9120
    assert state.attributes["anidb_episode_id"] == 183622
    assert state.attributes["jellyfin_id"] == "4a5b6c7d8e9f00112233445566778899"
    assert [entry["state"] for entry in state.attributes["history"]][-3:] == [
        "downloading",
        "anime_matching",
        "available",
    ]
    assert state.attributes["history"][-1]["note"] == "found in Jellyfin (series by tmdb id)"


async def test_anime_movie_found_only_by_title_search(
    hass: HomeAssistant,
    anime_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A Shokofin item with only AniDB/Shoko ids is found by the AniDB id Shoko gave us."""
    client = await hass_client_no_auth()
    await import_anime_movie(hass, client, aioclient_mock, freezer)
    mock_library(
        aioclient_mock, {"Movie,Series": load_fixture("jellyfin_items_shokofin_only.json")}
    )
    await post_webhook(client, "shoko", load_fixture("shoko_file_matched_movie.json"))
    await hass.async_block_till_done()
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = sensor(hass, MOVIE_ENTITY)
    assert state.state == "available"
    assert state.attributes["jellyfin_id"] == "0c0d0e0f101112131415161718191a1b"
    assert state.attributes["history"][-1]["note"] == "found in Jellyfin (anidb id or title search)"


async def test_anime_movie_never_found_gets_stuck_not_available(
    hass: HomeAssistant,
    anime_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No Shoko match, not in Jellyfin: anime_matching, flagged stuck after 6 h, once."""
    stuck = async_capture_events(hass, EVENT_STUCK)
    client = await hass_client_no_auth()
    await import_anime_movie(hass, client, aioclient_mock, freezer)
    for _ in range(5 * 12):  # five hours in five-minute steps
        await advance(hass, freezer, 300)
    assert sensor(hass, MOVIE_ENTITY).attributes["stuck"] is False
    for _ in range(2 * 12):
        await advance(hass, freezer, 300)
    state = sensor(hass, MOVIE_ENTITY)
    assert state.state == "anime_matching"
    assert state.attributes["stuck"] is True
    assert state.attributes["stuck_reason"] == "not matched by Shoko nor found in Jellyfin for 6 h"
    assert len(stuck) == 1
    assert stuck[0].data["entity_id"] == MOVIE_ENTITY
    assert stuck[0].data["state"] == "anime_matching"
    jellyfin_calls = [c for c in aioclient_mock.mock_calls if str(c[1]).startswith(JELLYFIN_URL)]
    assert jellyfin_calls, "Jellyfin was asked on its back-off schedule"


async def test_shoko_silent_anime_movie_reaches_available_through_jellyfin(
    hass: HomeAssistant,
    anime_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No Shoko event at all (its stream is down): Jellyfin polling alone finishes the request."""
    client = await hass_client_no_auth()
    await import_anime_movie(hass, client, aioclient_mock, freezer)
    await advance(hass, freezer, 10)
    assert sensor(hass, MOVIE_ENTITY).state == "anime_matching"
    mock_library(aioclient_mock, {"Series": load_fixture("jellyfin_items_anime_series.json")})
    await advance(hass, freezer, 30)
    state = sensor(hass, MOVIE_ENTITY)
    assert state.state == "available"
    assert state.attributes["shoko_series_id"] is None


async def test_anime_season_pack_matched_episode_by_episode(
    hass: HomeAssistant,
    anime_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """12 files: imports, FileMatched in random order (one Windows path, one not matched first)."""
    client = await hass_client_no_auth()
    grab, imports = anime_pack()
    entity = "sensor.media_request_tracker_mushishi_2005"
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(hash="ab" * 20, state="stalledUP", progress=1)])
    aioclient_mock.post(f"{SHOKO_URL}/signalr/aggregate/negotiate", status=503)
    assert (await post_webhook(client, "sonarr", grab))[0] == 200
    await hass.async_block_till_done()
    assert sensor(hass, entity).state == "downloaded"
    assert sensor(hass, entity).attributes["is_anime"] is True

    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    aioclient_mock.post(f"{SHOKO_URL}/signalr/aggregate/negotiate", status=503)
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json=EMPTY)
    for payload in imports:
        assert (await post_webhook(client, "sonarr", payload))[0] == 200
    await hass.async_block_till_done()
    state = sensor(hass, entity)
    assert state.state == "anime_matching"
    assert {episode["state"] for episode in (await request_data(hass, entity))["episodes"]} == {
        "anime_matching"
    }
    assert state.attributes["seasons"] == [
        {"season": 2, "episodes": 12, "available": 0, "states": {"anime_matching": "1-12"}}
    ]

    # Episode 7 is not matched at first: it (and the show) is stuck with Shoko's reason.
    await post_webhook(client, "shoko", matched(7, target="FileNotMatched"))
    await hass.async_block_till_done()
    state = sensor(hass, entity)
    assert state.attributes["stuck"] is True
    assert state.attributes["stuck_reason"] == "no AniDB match after 3 attempts"
    [stuck] = state.attributes["stuck_episodes"]
    assert (stuck["season"], stuck["episode"]) == (2, 7)
    assert stuck["stuck_reason"] == "no AniDB match after 3 attempts"
    assert (await request_data(hass, entity))["episodes"][6]["stuck_reason"] == (
        "no AniDB match after 3 attempts"
    )

    order = list(range(1, 13))
    random.Random(4).shuffle(order)  # noqa: S311  (a fixed, reproducible order)
    for number in order:
        frame = matched(number, windows=number == 3)
        assert (await post_webhook(client, "shoko", frame))[0] == 200
    await hass.async_block_till_done()
    tracker = anime_entry.runtime_data.coordinator.tracker
    request = next(r for r in tracker.requests.values() if r.title == "Mushishi")
    assert [episode.shoko_file_id for episode in request.episodes] == [
        7000 + n for n in range(1, 13)
    ]
    assert [episode.anidb_episode_id for episode in request.episodes] == [
        90000 + n for n in range(1, 13)
    ]
    assert (request.shoko_series_id, request.anidb_id) == (55, 3300)
    assert request.stuck is False
    assert not any(episode.stuck for episode in request.episodes)

    # Jellyfin (Shokofin) lists the series by its TVDB id and every episode: available.
    series = {
        "Items": [
            {
                "Name": "Mushishi",
                "Id": "aa" * 16,
                "Type": "Series",
                "ProductionYear": 2005,
                "ProviderIds": {"Tvdb": "79742", "AniDB": "3300"},
                "Path": "/media/anime/Mushishi",
            }
        ]
    }
    episodes = {
        "Items": [
            {
                "Name": f"Episode {n}",
                "Id": f"{n:02d}" * 16,
                "Type": "Episode",
                "ParentIndexNumber": 2,
                "IndexNumber": n,
                "Path": f"/media/anime/Mushishi/Season 02/{n}.mkv",
                "LocationType": "FileSystem",
            }
            for n in range(1, 13)
        ]
    }
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    aioclient_mock.post(f"{SHOKO_URL}/signalr/aggregate/negotiate", status=503)
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json=series)
    aioclient_mock.get(f"{JELLYFIN_URL}/Shows/{'aa' * 16}/Episodes", json=episodes)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = sensor(hass, entity)
    assert state.state == "available"
    assert state.attributes["episodes_available"] == 12
    assert [
        episode["jellyfin_id"] for episode in (await request_data(hass, entity))["episodes"]
    ] == [f"{n:02d}" * 16 for n in range(1, 13)]
