"""The tracked objects: what they say about themselves and how they are stored."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from custom_components.media_request_tracker.tracker import (
    Episode,
    HistoryEntry,
    MediaType,
    Request,
    RequestState,
)

from . import T0

S = RequestState


def movie(**fields: Any) -> Request:
    """Return a movie request created at T0, with some fields set."""
    values: dict[str, Any] = {
        "request_id": "1",
        "media_type": MediaType.MOVIE,
        "state": S.REQUESTED,
        "created_at": T0,
        "state_since": T0,
    }
    return Request(**{**values, **fields})


def full_tv_request() -> Request:
    """Return a TV request with every kind of field filled in, episodes and history included."""
    return Request(
        request_id="4",
        media_type=MediaType.TV,
        state=S.ANIME_MATCHING,
        created_at=T0,
        state_since=T0 + timedelta(hours=2),
        title="Frieren: Beyond Journey's End",
        year=2023,
        jellyseerr_id=7,
        tmdb_id=209867,
        tvdb_id=424536,
        imdb_id="tt22248376",
        overview="The elven mage Frieren comes face to face with humanity's mortality.",
        poster_url="https://image.tmdb.org/t/p/w600_and_h900_bestv2/frieren.jpg",
        requested_by="bob",
        requested_seasons=[0, 1],
        is_4k=True,
        is_anime=True,
        sonarr_id=12,
        qbit_hash="ffbed3a6ba079d610d434035c9d6138f7db36aaf",
        release_title="[SubsPlease] Sousou no Frieren S01 (1080p)",
        quality="WEBDL-1080p",
        indexer="Nyaa.si (Prowlarr)",
        release_group="SubsPlease",
        file_size=4194314,
        download_client="qBittorrent",
        progress=1.0,
        download_speed=0,
        eta=0,
        torrent_state="stalledUP",
        total_episodes=2,
        final_path="/data/anime/Frieren/Season 01",
        shoko_series_id=301,
        anidb_id=17617,
        stuck=True,
        stuck_reason="Shoko has not matched the files",
        verify_attempts=3,
        next_verify_at=T0 + timedelta(hours=3),
        episodes=[
            Episode(1, 1, S.AVAILABLE, "The Journey's End", 1001, 9001, jellyfin_id="ab" * 16),
            Episode(1, 2, S.ANIME_MATCHING, shoko_file_id=55, anidb_episode_id=270001),
        ],
        history=[
            HistoryEntry(S.GRABBING, T0),
            HistoryEntry(S.ANIME_MATCHING, T0 + timedelta(hours=2), "grabbed another release"),
        ],
    )


def test_history_entry_without_note_stores_state_and_time_only() -> None:
    assert HistoryEntry(S.GRABBING, T0).to_dict() == {
        "state": "grabbing",
        "at": "2026-11-25T09:00:00+00:00",
    }


def test_history_entry_with_note_round_trips() -> None:
    entry = HistoryEntry(S.AVAILABLE, T0, "upgraded")

    assert entry.to_dict() == {
        "state": "available",
        "at": "2026-11-25T09:00:00+00:00",
        "note": "upgraded",
    }
    assert HistoryEntry.from_dict(entry.to_dict()) == entry


def test_episode_to_dict_holds_every_field() -> None:
    episode = Episode(2, 5, S.DOWNLOADING, "Ep 5", 1005, 9005, "a" * 40, 0.5)

    assert episode.to_dict() == {
        "season_number": 2,
        "episode_number": 5,
        "state": "downloading",
        "episode_title": "Ep 5",
        "sonarr_episode_id": 1005,
        "episode_tvdb_id": 9005,
        "qbit_hash": "a" * 40,
        "progress": 0.5,
        "paused": False,
        "size": None,
        "final_path": None,
        "shoko_file_id": None,
        "anidb_episode_id": None,
        "jellyfin_id": None,
        "stuck": False,
        "stuck_reason": None,
        "stuck_code": None,
        "removed_at": None,
    }


def test_episode_from_dict_ignores_unknown_keys_and_defaults_the_state() -> None:
    episode = Episode.from_dict({"season_number": 1, "episode_number": 3, "added_in_v9": True})

    assert episode == Episode(1, 3, S.GRABBING)


def test_minimal_request_storage_format() -> None:
    assert movie(title="Arrival", year=2016, tmdb_id=329865).to_dict() == {
        "request_id": "1",
        "media_type": "movie",
        "state": "requested",
        "created_at": "2026-11-25T09:00:00+00:00",
        "state_since": "2026-11-25T09:00:00+00:00",
        "title": "Arrival",
        "year": 2016,
        "jellyseerr_id": None,
        "tmdb_id": 329865,
        "tvdb_id": None,
        "imdb_id": None,
        "overview": None,
        "poster_url": None,
        "requested_by": None,
        "requested_seasons": [],
        "is_4k": False,
        "is_anime": False,
        "radarr_id": None,
        "sonarr_id": None,
        "qbit_hash": None,
        "release_title": None,
        "quality": None,
        "indexer": None,
        "release_group": None,
        "file_size": None,
        "download_client": None,
        "progress": 0.0,
        "download_speed": None,
        "eta": None,
        "torrent_state": None,
        "paused": False,
        "total_episodes": None,
        "final_path": None,
        "shoko_file_id": None,
        "shoko_series_id": None,
        "anidb_id": None,
        "anidb_episode_id": None,
        "jellyfin_id": None,
        "available_at": None,
        "stuck": False,
        "stuck_reason": None,
        "stuck_code": None,
        "stuck_by_episode": False,
        "failure_reason": None,
        "failure_code": None,
        "last_activity_at": None,
        "verify_attempts": 0,
        "next_verify_at": None,
        "episodes": [],
        "torrents": {},
        "history": [],
        "history_folded": 0,
    }


def test_full_request_survives_json_storage() -> None:
    request = full_tv_request()

    stored = json.loads(json.dumps(request.to_dict()))

    assert Request.from_dict(stored) == request
    assert Request.from_dict(stored).to_dict() == request.to_dict()


def test_request_from_dict_ignores_keys_it_does_not_know() -> None:
    stored = movie(title="Arrival").to_dict()
    stored["added_in_a_later_version"] = {"nested": [1, 2]}

    assert Request.from_dict(stored) == movie(title="Arrival")


def test_request_from_dict_keeps_missing_datetimes_none() -> None:
    restored = Request.from_dict(movie().to_dict())

    assert restored.available_at is None
    assert restored.next_verify_at is None
    assert restored.state_since == T0


@pytest.mark.parametrize(
    ("state", "active"),
    [
        (S.REQUESTED, True),
        (S.APPROVED, True),
        (S.GRABBING, True),
        (S.DOWNLOADING, True),
        (S.DOWNLOADED, True),
        (S.IMPORTING, True),
        (S.ANIME_MATCHING, True),
        (S.AVAILABLE, False),
        (S.FAILED, False),
        (S.DECLINED, False),
    ],
)
def test_only_unfinished_requests_are_active(state: RequestState, active: bool) -> None:
    assert movie(state=state).is_active is active


@pytest.mark.parametrize(("media_type", "arr_id"), [(MediaType.MOVIE, 7), (MediaType.TV, 12)])
def test_arr_id_is_radarr_for_movies_and_sonarr_for_tv(media_type: MediaType, arr_id: int) -> None:
    assert movie(media_type=media_type, radarr_id=7, sonarr_id=12).arr_id == arr_id


@pytest.mark.parametrize(
    ("title", "year", "name"),
    [
        ("Arrival", 2016, "Arrival (2016)"),
        ("Arrival", None, "Arrival"),
        (None, 2016, "Request 1 (2016)"),
        (None, None, "Request 1"),
    ],
)
def test_display_name(title: str | None, year: int | None, name: str) -> None:
    assert movie(title=title, year=year).display_name == name
