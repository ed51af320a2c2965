"""The compact stored form (storage version 2): every field round-trips, defaults are left out."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

from custom_components.media_request_tracker.tracker import Episode, Request, Tracker
from custom_components.media_request_tracker.tracker.stored import (
    EPISODE_FIELDS,
    episode_row,
    migrate_from_version_1,
    stored_request,
)

from . import T0
from .test_models import S, full_tv_request, movie


def every_field_set() -> Request:
    """Return a TV request whose every field (episodes' too) holds a value that is no default."""
    request = full_tv_request()
    request.available_at = T0 + timedelta(hours=4)
    request.last_activity_at = T0 + timedelta(hours=5)
    request.stuck_code = "no_match"
    request.stuck_by_episode = True
    request.failure_reason = "Removed from Sonarr"
    request.failure_code = "removed"
    request.radarr_id = 3
    request.shoko_file_id = 8
    request.anidb_episode_id = 270003
    request.jellyfin_id = "cd" * 16
    request.paused = True
    request.history_folded = 4
    request.torrents = {
        "ffbed3a6ba079d610d434035c9d6138f7db36aaf": {"state": "stalledUP", "eta": 0}
    }
    request.episodes.append(
        Episode(
            season_number=2,
            episode_number=3,
            state=S.DOWNLOADING,
            episode_title="A Real Hero",
            sonarr_episode_id=1003,
            episode_tvdb_id=9003,
            qbit_hash="ab" * 20,
            progress=0.25,
            paused=True,
            size=1_500_000_000,
            final_path="/data/anime/Frieren/Season 02/S02E03.mkv",
            shoko_file_id=56,
            anidb_episode_id=270004,
            jellyfin_id="ef" * 16,
            stuck=True,
            stuck_reason="No seeds",
            stuck_code="stalled",
            removed_at=T0 + timedelta(hours=6),
        )
    )
    return request


def through_json(data: dict[str, Any]) -> dict[str, Any]:
    """Return `data` as it comes back from a file."""
    loaded: dict[str, Any] = json.loads(json.dumps(data))
    return loaded


def test_every_field_round_trips_through_the_compact_form() -> None:
    tracker = Tracker()
    for request in (every_field_set(), movie(request_id="7", title="Arrival")):
        tracker.requests[request.request_id] = request

    restored, unreadable = Tracker.from_stored(through_json(tracker.to_stored()))

    assert unreadable == []
    assert restored.requests == tracker.requests
    assert restored.to_dict()["requests"] == tracker.to_dict()["requests"]
    assert restored.to_stored()["next_id"] == 8


def test_every_field_of_the_test_request_is_set() -> None:
    """The round trip above proves every field only if none of them holds its default."""
    request = every_field_set()
    for item in (*dataclasses.fields(Request), *dataclasses.fields(Episode)):
        owners = [request] if item in dataclasses.fields(Request) else request.episodes[-1:]
        for owner in owners:
            default = (
                item.default_factory()
                if item.default_factory is not dataclasses.MISSING
                else item.default
            )
            assert getattr(owner, item.name) != default, item.name


def test_fields_at_their_defaults_are_left_out() -> None:
    assert stored_request(movie()) == {
        "request_id": "1",
        "media_type": "movie",
        "state": "requested",
        "created_at": T0.isoformat(),
        "state_since": T0.isoformat(),
    }
    assert episode_row(Episode(1, 2)) == [1, 2]
    assert episode_row(Episode(1, 2, progress=0.5)) == [
        1,
        2,
        "grabbing",
        None,
        None,
        None,
        None,
        0.5,
    ]


def test_a_falsy_value_that_is_no_default_is_kept() -> None:
    stored = stored_request(movie(download_speed=0, eta=0, requested_seasons=[0], title=""))

    assert stored["download_speed"] == 0
    assert stored["eta"] == 0
    assert stored["requested_seasons"] == [0]
    assert stored["title"] == ""
    restored, _ = Tracker.from_stored(through_json({"requests": [stored]}))
    assert restored.requests["1"] == movie(download_speed=0, eta=0, requested_seasons=[0], title="")


def test_history_notes_round_trip_even_when_empty() -> None:
    request = full_tv_request()
    request.history[0].note = ""
    tracker = Tracker()
    tracker.requests[request.request_id] = request

    restored, _ = Tracker.from_stored(through_json(tracker.to_stored()))

    assert [entry.note for entry in restored.requests["4"].history] == [
        "",
        "grabbed another release",
    ]


def test_episode_rows_are_read_by_the_field_names_the_file_gives() -> None:
    """Rows of a release with fields in another order, one more and some fewer still read."""
    names = ["episode_number", "season_number", "a_field_from_the_future", "state", "removed_at"]
    stored = stored_request(movie(media_type="tv"))
    stored["episodes"] = [[5, 1, "anything", "available", T0.isoformat()], [6, 1]]

    restored, unreadable = Tracker.from_stored({"episode_fields": names, "requests": [stored]})

    assert unreadable == []
    assert restored.requests["1"].episodes == [
        Episode(1, 5, S.AVAILABLE, removed_at=T0),
        Episode(1, 6),
    ]


def test_a_request_with_an_unreadable_part_is_left_out_as_stored() -> None:
    good = stored_request(movie(request_id="1"))
    bad_rows: list[dict[str, Any]] = [
        {**stored_request(movie(request_id="2")), "episodes": [[1, 1, "teleported"]]},
        {**stored_request(movie(request_id="3")), "episodes": [[1, 1, *([None] * 30)]]},
        {**stored_request(movie(request_id="4")), "episodes": [{"season_number": 1}]},
        {**stored_request(movie(request_id="5")), "history": [["approved"]]},
        {**stored_request(movie(request_id="6")), "history": [["approved", "yesterday"]]},
    ]
    snapshot = {"next_id": 2, "requests": [good, *through_json({"r": bad_rows})["r"]]}

    restored, unreadable = Tracker.from_stored(snapshot)

    assert list(restored.requests) == ["1"]
    assert unreadable == bad_rows


def test_version_1_is_migrated_request_by_request() -> None:
    """Each readable request is rewritten compactly; one version 1 could not read stays as it was."""
    tracker = Tracker()
    for request in (every_field_set(), movie(request_id="7", title="Arrival")):
        tracker.requests[request.request_id] = request
    version_1 = through_json(tracker.to_dict())
    bad = {"request_id": "9", "media_type": "movie", "state": "teleported"}
    version_1["requests"].append(bad)

    migrated = migrate_from_version_1(version_1)

    assert migrated["episode_fields"] == list(EPISODE_FIELDS)
    assert migrated["requests"][-1] == bad
    assert migrated["requests"][0]["episodes"][0][:2] == [1, 1]
    restored, unreadable = Tracker.from_stored(through_json(migrated))
    assert restored.requests == tracker.requests
    assert unreadable == [bad]
    assert restored.to_stored()["next_id"] == 8
