"""Webhook bodies for the benchmarks: the shared real payload shapes, varied per title.

The shapes come from `shared/fixtures/webhooks/` beside this repository (each folder's
SOURCES.md says where each file comes from; `MRT_SHARED_DIR` points at another `shared/`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

RADARR_GRAB = "radarr/grab_v5_qbittorrent__authored.json"
SONARR_GRAB = "sonarr/grab_single_episode_v4__authored.json"
SONARR_IMPORT_COMPLETE = "sonarr/import_complete_season_pack_v4__authored.json"


def shared_dir() -> Path:
    """Return the shared folder (MRT_SHARED_DIR, else `shared/` beside the repository)."""
    if override := os.environ.get("MRT_SHARED_DIR"):
        return Path(override)
    return ROOT.parent / "shared"


@cache
def _fixture(name: str) -> dict[str, Any]:
    path = shared_dir() / "fixtures" / "webhooks" / name
    if not path.is_file():
        raise SystemExit(
            f"{path} is missing: the benchmarks post the shared webhook fixtures "
            "(set MRT_SHARED_DIR to the folder holding fixtures/webhooks/)"
        )
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def fixture(name: str) -> dict[str, Any]:
    """Return a copy of a shared webhook fixture (e.g. "radarr/grab_v5_qbittorrent__authored.json")."""
    return copy.deepcopy(_fixture(name))


def torrent_hash(kind: str, index: int) -> str:
    """Return a stable, distinct 40-hex qBittorrent hash for the index-th torrent of a kind."""
    return hashlib.sha1(f"{kind}-{index}".encode(), usedforsecurity=False).hexdigest()


def radarr_grab(index: int) -> dict[str, Any]:
    """Return Radarr's Grab for the index-th benchmark movie (its own ids, title and torrent)."""
    body = fixture(RADARR_GRAB)
    title = f"Bench Movie {index}"
    movie = body["movie"]
    movie.update(
        id=100_000 + index,
        title=title,
        tmdbId=5_000_000 + index,
        imdbId=f"tt{90_000_000 + index}",
        folderPath=f"/data/media/movies/{title} (2023)",
    )
    body["remoteMovie"].update(title=title, tmdbId=movie["tmdbId"], imdbId=movie["imdbId"])
    body["release"]["releaseTitle"] = f"Bench.Movie.{index}.2023.1080p.WEB-DL.x264-GRP"
    body["downloadId"] = torrent_hash("movie", index).upper()
    return body


def episode_title(season: int, episode: int) -> str:
    """Return an episode title of a typical length (about 45 characters)."""
    return f"The Crew Sails On Towards Island {season:02d}-{episode:03d} at Dawn"


def sonarr_season_grab(series_id: int, season: int, episodes: int) -> dict[str, Any]:
    """Return Sonarr's Grab of a season pack: `episodes` episodes of one season, one torrent."""
    body = fixture(SONARR_GRAB)
    _long_series(body["series"], series_id)
    template = body["episodes"][0]
    body["episodes"] = [
        {
            **template,
            "id": series_id * 10_000 + season * 1000 + number,
            "seasonNumber": season,
            "episodeNumber": number,
            "title": episode_title(season, number),
            "seriesId": series_id,
            "tvdbId": series_id * 100_000 + season * 1000 + number,
        }
        for number in range(1, episodes + 1)
    ]
    body["release"]["releaseTitle"] = f"The.Long.Voyage.S{season:02d}.1080p.WEB-DL.x264-GRP"
    body["downloadId"] = torrent_hash(f"series-{series_id}", season).upper()
    return body


def sonarr_season_imported(series_id: int, season: int, episodes: int) -> dict[str, Any]:
    """Return Sonarr's Import Complete of that season pack, one library file per episode."""
    body = fixture(SONARR_IMPORT_COMPLETE)
    _long_series(body["series"], series_id)
    grab = sonarr_season_grab(series_id, season, episodes)
    body["episodes"] = grab["episodes"]
    file_template = body["episodeFiles"][0]
    folder = f"{body['series']['path']}/Season {season:02d}"
    body["episodeFiles"] = [
        {
            **file_template,
            "id": series_id * 10_000 + season * 1000 + number,
            "relativePath": (
                relative := f"Season {season:02d}/The Long Voyage - S{season:02d}E{number:02d} - "
                f"{episode_title(season, number)} [WEBDL-1080p].mkv"
            ),
            "path": f"{folder}/{relative.split('/', 1)[1]}",
        }
        for number in range(1, episodes + 1)
    ]
    body["downloadId"] = grab["downloadId"]
    return body


def _long_series(series: dict[str, Any], series_id: int) -> None:
    """Make the fixture's series a long-running, non-anime show with its own ids."""
    series.update(
        id=series_id,
        title="The Long Voyage",
        titleSlug="the-long-voyage",
        path="/data/media/tv/The Long Voyage (1999)",
        tvdbId=8_000_000 + series_id,
        tmdbId=7_000_000 + series_id,
        imdbId=f"tt{80_000_000 + series_id}",
        type="standard",
        tags=[],
        year=1999,
    )


def body_bytes(payload: dict[str, Any]) -> bytes:
    """Return a payload as the JSON body a service posts."""
    return json.dumps(payload).encode()
