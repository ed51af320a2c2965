r"""A 1,100-episode series whose every text is as long and as costly in JSON as a payload allows.

Payload texts may hold 4,096 characters (clients/schema.py MAX_TEXT); a control character
takes 6 bytes of JSON (\\u0001), a quote 2, "é" 2 and an emoji 4. Numbers have the 18 digits
Sonarr's ids and numbers may have. 55 seasons of 20 episodes, more than the sensor lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from tests import (
    JELLYFIN_URL,
    QBIT_URL,
    SONARR_URL,
    load_fixture,
    mock_qbittorrent,
    replace_mocks,
    torrent,
)

MAX_TEXT = 4096
COSTLY = '\x01"é😀'


def costly(prefix: str = "") -> str:
    """Return a text of the longest length a payload may send, made of the costliest characters."""
    return (prefix + COSTLY * MAX_TEXT)[:MAX_TEXT]


BIG = 10**17  # 18 digits
SEASONS = [BIG + number for number in range(55)]
EPISODES = [(season, BIG + number) for season in SEASONS for number in range(1, 21)]
assert len(EPISODES) == 1100
HASH = "c0ffee" + "0" * 34
SERIES_ID = 7  # Sonarr's
JELLYFIN_SERIES_ID = "f" * 4000  # ids are texts too
TVDB_ID = 987654321
TITLE = costly()[: MAX_TEXT - len(" (2008)")]  # Seerr's subject is "Title (Year)"
# Webhook bodies are read up to 1 MiB: the grabs, with every title, come 20 episodes a post.
CHUNK = 20


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Yield `items` in lists of `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def requested_seasons() -> str:
    """Return Seerr's "Requested Seasons": every season of the series, then more, 4,096 long."""
    text = ", ".join(str(season) for season in SEASONS)
    number = BIG + 1000
    while len(text) < MAX_TEXT - 20:
        text += f", {number}"
        number += 1
    return text


def seerr(notification_type: str) -> dict[str, Any]:
    """Return Seerr's notification of the series request."""
    return {
        "notification_type": notification_type,
        "event": costly(),
        "subject": f"{TITLE} (2008)",
        "message": costly(),
        "image": costly("https://image.tmdb.org/t/p/w600/"),
        "media": {"media_type": "tv", "tmdbId": "", "tvdbId": str(TVDB_ID), "imdbId": costly()},
        "request": {"request_id": "77", "requestedBy_username": costly()},
        "extra": [{"name": "Requested Seasons", "value": requested_seasons()}],
    }


def _series(*, anime: bool) -> dict[str, Any]:
    return {
        "id": SERIES_ID,
        "title": TITLE,
        "year": 2008,
        "tvdbId": TVDB_ID,
        "imdbId": costly(),
        "overview": costly(),
        "type": "anime" if anime else "standard",
        "tags": [costly()],
        "images": [{"coverType": "poster", "remoteUrl": costly("https://image.tmdb.org/")}],
    }


def _episodes(keys: Iterable[tuple[int, int]], *, titled: bool = False) -> list[dict[str, Any]]:
    return [
        {"seasonNumber": season, "episodeNumber": number} | ({"title": costly()} if titled else {})
        for season, number in keys
    ]


def grab(keys: list[tuple[int, int]], *, anime: bool) -> dict[str, Any]:
    """Return Sonarr's Grab of these episodes, every release text at its longest."""
    return {
        "eventType": "Grab",
        "series": _series(anime=anime),
        "episodes": _episodes(keys, titled=True),
        "release": {
            "quality": costly(),
            "releaseGroup": costly(),
            "releaseTitle": costly(),
            "indexer": costly(),
            "size": BIG,
        },
        "downloadClient": costly(),
        "downloadClientType": "qBittorrent",
        "downloadId": HASH.upper(),
    }


def imported(keys: list[tuple[int, int]], *, anime: bool) -> dict[str, Any]:
    """Return Sonarr's On File Import of these episodes (one file holds them all)."""
    return {
        "eventType": "Download",
        "series": _series(anime=anime),
        "episodes": _episodes(keys),
        "episodeFile": {"path": costly("/media/"), "relativePath": costly()},
        "downloadClientType": "qBittorrent",
        "downloadId": HASH.upper(),
    }


def needs_attention(keys: list[tuple[int, int]], *, anime: bool) -> dict[str, Any]:
    """Return Sonarr's ManualInteractionRequired for these episodes, with long messages."""
    return {
        "eventType": "ManualInteractionRequired",
        "series": _series(anime=anime),
        "episodes": _episodes(keys),
        "downloadClientType": "qBittorrent",
        "downloadId": HASH.upper(),
        "downloadStatusMessages": [
            {"title": costly(), "messages": [costly(f"{index} ") for index in range(20)]}
        ],
    }


def answer(
    aioclient_mock: AiohttpClientMocker,
    state: str,
    progress: float,
    found: Iterable[tuple[int, int]] = (),
) -> None:
    """Answer qBittorrent with the series' torrent, Jellyfin with the episodes `found`."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(
        aioclient_mock, [torrent(hash=HASH, name=costly(), state=state, progress=progress)]
    )
    aioclient_mock.get(f"{QBIT_URL}/api/v2/torrents/files", json=[])
    aioclient_mock.get(f"{SONARR_URL}/api/v3/queue", json={"records": [], "totalRecords": 0})
    found = list(found)
    series = {
        "Name": TITLE,
        "Id": JELLYFIN_SERIES_ID,
        "Type": "Series",
        "ProviderIds": {"Tvdb": str(TVDB_ID)},
        "Path": costly("/media/"),
    }
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json={"Items": [series] if found else []})
    episodes = load_fixture("jellyfin_show_episodes.json")["Items"][0]
    aioclient_mock.get(
        f"{JELLYFIN_URL}/Shows/{JELLYFIN_SERIES_ID}/Episodes",
        json={
            "Items": [
                episodes
                | {
                    "Id": f"{index:04d}" + "e" * 2000,
                    "ParentIndexNumber": season,
                    "IndexNumber": number,
                    "Path": costly("/media/"),
                }
                for index, (season, number) in enumerate(found)
            ]
        },
    )
