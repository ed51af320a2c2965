"""Test helpers of the anime flows: a Shoko stack, the Mushishi season pack, Shoko's frames."""

from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from tests import (
    ENTRY_DATA,
    JELLYFIN_URL,
    SHOKO_URL,
    SHOKO_WEBHOOK_ID,
    WEBHOOK_IDS,
    load_fixture,
    mock_qbittorrent,
    replace_mocks,
)

# A stack with Shoko (its webhook too).
ANIME_ENTRY_DATA = ENTRY_DATA | {
    "shoko": {"url": SHOKO_URL, "api_key": "shoko-key"},
    "webhook_ids": WEBHOOK_IDS | {"shoko": SHOKO_WEBHOOK_ID},
}
MOVIE_HASH = "7a1e0c3b5d2f4a6897b1c3d5e7f90a1b2c3d4e5f"
EMPTY = {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}


def mock_library(aioclient_mock: AiohttpClientMocker, answers: dict[str, dict[str, Any]]) -> None:
    """Answer Jellyfin's /Items per includeItemTypes ("" = no type); unlisted ones are empty."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    aioclient_mock.post(f"{SHOKO_URL}/signalr/aggregate/negotiate", status=503)
    for types in ("Movie,Series", "Series", "Movie"):
        aioclient_mock.get(
            f"{JELLYFIN_URL}/Items",
            params={"includeItemTypes": types},
            json=answers.get(types, EMPTY),
        )
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json=answers.get("", EMPTY))


def anime_pack() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return an anime season pack grab of 12 episodes and its 12 per-file import events."""
    grab: dict[str, Any] = load_fixture("sonarr_grab_season_pack.json")
    complete: dict[str, Any] = load_fixture("sonarr_import_complete.json")
    series = grab["series"] | {
        "id": 9,
        "title": "Mushishi",
        "year": 2005,
        "tvdbId": 79742,
        "tmdbId": 30991,
        "imdbId": "tt0807832",
        "type": "anime",
    }
    grab = grab | {"series": series, "episodes": grab["episodes"][:12], "downloadId": "AB" * 20}
    imports = []
    for index in range(12):
        number = index + 1
        relative = f"Season 02/Mushishi - S02E{number:02d} - Episode {number} [Bluray-1080p].mkv"
        episode_file = complete["episodeFiles"][index] | {
            "relativePath": relative,
            "path": f"/media/anime/Mushishi/{relative}",
        }
        imports.append(
            load_fixture("sonarr_download_file.json")
            | {
                "series": series,
                "episodes": [grab["episodes"][index]],
                "episodeFile": episode_file,
                "downloadId": "AB" * 20,
            }
        )
    return grab, imports


def matched(number: int, *, windows: bool = False, target: str = "FileMatched") -> dict[str, Any]:
    """Return Shoko's frame for episode `number` of the anime pack."""
    separator = "\\" if windows else "/"
    relative = separator.join(
        [
            "Mushishi",
            "Season 02",
            f"Mushishi - S02E{number:02d} - Episode {number} [Bluray-1080p].mkv",
        ]
    )
    event: dict[str, Any] = {"FileID": 7000 + number, "RelativePath": relative}
    if target == "FileMatched":
        event["CrossReferences"] = [
            {
                "EpisodeID": 800 + number,
                "AnidbEpisodeID": 90000 + number,
                "SeriesID": 55,
                "AnidbAnimeID": 3300,
            }
        ]
    else:
        event |= {"AutoMatchAttempts": 3, "HasCrossReferences": False, "IsUDPBanned": False}
    return {"type": 1, "target": f"ShokoEvent:{target}", "arguments": [event]}
