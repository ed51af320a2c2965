"""The four flows (movie, TV pack, anime movie, anime TV pack), one event per step.

Shared by the tests that disturb a flow (restarts, lost webhooks) and compare its outcome with
the flow run straight through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from tests import (
    ENTRY_DATA,
    JELLYFIN_URL,
    QBIT_URL,
    SHOKO_URL,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    torrent,
)
from tests.helpers.anime import ANIME_ENTRY_DATA, MOVIE_HASH, anime_pack, matched, mock_library

type Step = Callable[[], Awaitable[None]]
type StepFactory = Callable[
    [HomeAssistant, Any, AiohttpClientMocker, FrozenDateTimeFactory], list[Step]
]

# Attributes that record when something happened: equal only up to the clock, so compared apart.
TIMES = ("state_since", "created_at", "available_at", "last_activity_at", "history")


def comparable(attributes: dict[str, Any]) -> dict[str, Any]:
    """Return the attributes without times, plus the history's states and notes in order."""
    kept = {key: value for key, value in attributes.items() if key not in TIMES}
    kept["history_states"] = [(item["state"], item.get("note")) for item in attributes["history"]]
    return kept


def mock_stack(
    aioclient_mock: AiohttpClientMocker, torrents: list[dict[str, Any]], *, shoko: bool
) -> None:
    """Forget every answer; qBittorrent lists `torrents`, and Shoko's stream (if any) is down."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, torrents)
    if shoko:
        aioclient_mock.post(f"{SHOKO_URL}/signalr/aggregate/negotiate", status=503)


def movie_steps(
    hass: HomeAssistant,
    client: Any,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> list[Step]:
    """The regular movie flow, one event per step."""

    async def post(service: str, fixture: str) -> None:
        assert (await post_webhook(client, service, load_fixture(fixture)))[0] == 200

    async def qbittorrent_says(**changes: Any) -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [torrent(**changes)])
        mock_jellyfin_items(aioclient_mock, {"Items": []})
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)

    async def grab() -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [torrent(state="metaDL")])
        await post("radarr", "radarr_grab.json")

    async def jellyfin_has_it() -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [])
        mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass)

    return [
        lambda: post("jellyseerr", "seerr_movie_pending.json"),
        lambda: post("jellyseerr", "seerr_movie_approved.json"),
        grab,
        lambda: qbittorrent_says(state="downloading", progress=0.4, dlspeed=1000, eta=60),
        lambda: qbittorrent_says(state="stalledUP", progress=1),
        lambda: post("radarr", "radarr_download.json"),
        jellyfin_has_it,
    ]


def tv_steps(
    hass: HomeAssistant,
    client: Any,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> list[Step]:
    """The regular TV flow for a 13-episode season pack, one event per step."""
    pack = "b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0"

    async def post(service: str, fixture: str) -> None:
        assert (await post_webhook(client, service, load_fixture(fixture)))[0] == 200

    async def qbittorrent_says(**changes: Any) -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [torrent(hash=pack, **changes)])
        aioclient_mock.get(
            f"{QBIT_URL}/api/v2/torrents/files",
            json=load_fixture("qbittorrent_torrent_files_season_pack.json"),
        )
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)

    async def grab() -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [torrent(hash=pack, state="metaDL")])
        await post("sonarr", "sonarr_grab_season_pack.json")

    async def jellyfin_has_them() -> None:
        replace_mocks(aioclient_mock)
        mock_qbittorrent(aioclient_mock, [])
        aioclient_mock.get(
            f"{JELLYFIN_URL}/Items", json=load_fixture("jellyfin_series_search.json")
        )
        aioclient_mock.get(
            f"{JELLYFIN_URL}/Shows/5d1f2e3c4b5a69788796a5b4c3d2e1aa/Episodes",
            json=load_fixture("jellyfin_show_episodes.json"),
        )
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass)

    return [
        lambda: post("jellyseerr", "seerr_tv_approved.json"),
        grab,
        lambda: qbittorrent_says(state="downloading", progress=0.5, dlspeed=1000, eta=60),
        lambda: qbittorrent_says(state="stalledUP", progress=1),
        lambda: post("sonarr", "sonarr_import_complete.json"),
        jellyfin_has_them,
    ]


def anime_movie_steps(
    hass: HomeAssistant,
    client: Any,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> list[Step]:
    """The anime movie flow ("Your Name.", tagged anime in Radarr), one event per step."""

    async def post(service: str, payload: Any) -> None:
        assert (await post_webhook(client, service, payload))[0] == 200

    async def qbittorrent_says(**changes: Any) -> None:
        mock_stack(aioclient_mock, [torrent(hash=MOVIE_HASH, **changes)], shoko=True)
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)

    async def grab() -> None:
        mock_stack(aioclient_mock, [torrent(hash=MOVIE_HASH, state="metaDL")], shoko=True)
        await post("radarr", load_fixture("radarr_grab_anime.json"))

    async def shoko_matches_it() -> None:
        # The match asks Jellyfin at once (the timer due now fires); Shokofin has no movie yet.
        mock_library(aioclient_mock, {})
        await post("shoko", load_fixture("shoko_file_matched_movie.json"))
        async_fire_time_changed(hass)

    async def jellyfin_has_it() -> None:
        # Shokofin files the movie as a Series, found by its TMDB id.
        mock_library(aioclient_mock, {"Series": load_fixture("jellyfin_items_anime_series.json")})
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass)

    return [
        lambda: post("jellyseerr", load_fixture("seerr_movie_auto_approved_anime.json")),
        grab,
        lambda: qbittorrent_says(state="downloading", progress=0.4, dlspeed=1000, eta=60),
        lambda: qbittorrent_says(state="stalledUP", progress=1),
        lambda: post("radarr", load_fixture("radarr_download_anime.json")),
        shoko_matches_it,
        jellyfin_has_it,
    ]


def anime_tv_steps(
    hass: HomeAssistant,
    client: Any,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> list[Step]:
    """The anime TV flow for a 12-episode season pack, one event per step.

    Sonarr imports each file with its own Download ("On File Import"), and Shoko matches each
    file with its own FileMatched frame: 24 of the 29 steps.
    """
    grab_payload, imports = anime_pack()
    pack = "ab" * 20
    files = [
        item | {"name": item["name"].replace("Breaking.Bad", "Mushishi")}
        for item in load_fixture("qbittorrent_torrent_files_season_pack.json")[:12]
    ]

    async def post(service: str, payload: Any) -> None:
        assert (await post_webhook(client, service, payload))[0] == 200

    async def qbittorrent_says(**changes: Any) -> None:
        mock_stack(aioclient_mock, [torrent(hash=pack, **changes)], shoko=True)
        aioclient_mock.get(f"{QBIT_URL}/api/v2/torrents/files", json=files)
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)

    async def grab() -> None:
        mock_stack(aioclient_mock, [torrent(hash=pack, state="metaDL")], shoko=True)
        await post("sonarr", grab_payload)

    async def sonarr_imports(payload: dict[str, Any]) -> None:
        mock_library(aioclient_mock, {})
        await post("sonarr", payload)

    async def shoko_matches(number: int) -> None:
        # Each match asks Jellyfin at once (the timer due now fires); Shokofin has no series yet.
        mock_library(aioclient_mock, {})
        await post("shoko", matched(number))
        async_fire_time_changed(hass)

    async def jellyfin_has_them() -> None:
        mock_stack(aioclient_mock, [], shoko=True)
        aioclient_mock.get(
            f"{JELLYFIN_URL}/Items", json=load_fixture("jellyfin_series_search_anime.json")
        )
        aioclient_mock.get(
            f"{JELLYFIN_URL}/Shows/{'a' * 32}/Episodes",
            json=load_fixture("jellyfin_show_episodes_anime.json"),
        )
        # A match restarts the back-off: twelve checks that found nothing do not push the
        # next one to half an hour; it comes within a minute of the last match.
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass)

    return [
        lambda: post("jellyseerr", load_fixture("seerr_tv_approved_anime.json")),
        grab,
        lambda: qbittorrent_says(state="downloading", progress=0.5, dlspeed=1000, eta=60),
        lambda: qbittorrent_says(state="stalledUP", progress=1),
        *(lambda payload=payload: sonarr_imports(payload) for payload in imports),
        *(lambda number=number: shoko_matches(number) for number in range(1, 13)),
        jellyfin_has_them,
    ]


@dataclass(frozen=True, slots=True)
class Flow:
    """A flow to run: its steps, the request's sensor, how many events, and the stack it needs."""

    steps: StepFactory
    entity_id: str
    events: int
    data: dict[str, Any] = field(default_factory=lambda: ENTRY_DATA)
    # What the final state must show (so that two equal results are not equally empty).
    expected: dict[str, Any] = field(default_factory=dict)


FLOWS = {
    "movie": Flow(movie_steps, "sensor.media_request_tracker_arrival_2016", 7),
    "tv": Flow(tv_steps, "sensor.media_request_tracker_breaking_bad_2008", 6),
    "anime_movie": Flow(
        anime_movie_steps,
        "sensor.media_request_tracker_your_name_2016",
        7,
        data=ANIME_ENTRY_DATA,
        expected={
            "is_anime": True,
            "shoko_file_id": 9120,
            "shoko_series_id": 412,
            "anidb_id": 11829,
            "anidb_episode_id": 183622,
            "jellyfin_id": "4a5b6c7d8e9f00112233445566778899",
        },
    ),
    "anime_tv": Flow(
        anime_tv_steps,
        "sensor.media_request_tracker_mushishi_2005",
        29,
        data=ANIME_ENTRY_DATA,
        expected={
            "is_anime": True,
            "shoko_series_id": 55,
            "anidb_id": 3300,
            "episodes_available": 12,
            "episode_shoko_file_ids": [7000 + number for number in range(1, 13)],
            "episode_anidb_ids": [90000 + number for number in range(1, 13)],
        },
    ),
}
