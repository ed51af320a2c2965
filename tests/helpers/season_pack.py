"""The Breaking Bad season pack of the TV tests: its torrent, files, imports and library."""

from __future__ import annotations

import copy
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from tests import (
    JELLYFIN_URL,
    QBIT_URL,
    load_fixture,
    mock_qbittorrent,
    replace_mocks,
    request_data,
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


async def episodes(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return every episode of the show, as the get_request action gives them."""
    found: list[dict[str, Any]] = (await request_data(hass, SHOW_ENTITY))["episodes"]
    return found


async def episode_states(hass: HomeAssistant) -> list[str]:
    """Return the state of each episode of the show, in order."""
    return [episode["state"] for episode in await episodes(hass)]
