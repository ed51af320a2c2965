"""TV episodes on their own: upgrades, single-episode grabs, re-grabs, stepping back, stuck.

DESIGN §2 (aggregation, stepping back) and §4 (fields).
"""

from __future__ import annotations

from typing import Any

from custom_components.media_request_tracker.tracker import (
    Change,
    RequestState,
    TorrentPhase,
    Tracker,
    TrackerEvent,
)
from tests.helpers.mad_men_events import (
    COMPLETE,
    DOWNLOADING_30,
    H1,
    H2,
    H3,
    H45,
    IMPORT_TIME,
    PACK_FILES,
    PACK_HASH,
    REASON,
    REGRAB_HASH,
    SEASON_1,
    SERIES_JELLYFIN_ID,
    attention,
    downloaded_pack,
    episodes_of,
    found,
    grab,
    imported,
    imported_pack,
    pack_files,
    seerr,
    single,
    torrent,
    torrent_hash,
)

from . import (
    at,
    fields_of,
    history,
    stamp,
    tracker_after,
    transition,
    updated,
)

S = RequestState


# -- upgrades -----------------------------------------------------------------------------------

UPGRADE_HASH = torrent_hash("upgrade")


def test_upgrade_of_an_available_episode_does_not_reopen_it() -> None:
    tracker = imported_pack()
    tracker.apply(found(1, 2, 3, 4, 5), at(400))
    request = tracker.requests["1"]
    before = episodes_of(request, "state", "jellyfin_id", "progress")

    tracker.apply(imported(1, qbit_hash=UPGRADE_HASH, is_upgrade=True), at(450))

    assert episodes_of(request, "state", "jellyfin_id", "progress") == before
    assert episodes_of(request, "state")[(1, 1)] == {"state": "available"}
    assert fields_of(request, "state", "state_since", "jellyfin_id") == {
        "state": "importing",
        "state_since": stamp(IMPORT_TIME),
        "jellyfin_id": SERIES_JELLYFIN_ID,
    }


def available_show() -> Tracker:
    """Return a tracker whose Mad Men season 1 request is available (at 500 s)."""
    tracker = imported_pack()
    tracker.apply(found(*SEASON_1), at(500))
    return tracker


def without_history(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the stored requests without their history (and when they last had news)."""
    return [
        {key: value for key, value in request.items() if key not in ("history", "last_activity_at")}
        for request in snapshot["requests"]
    ]


def test_upgrade_of_a_finished_show_only_leaves_a_note() -> None:
    tracker = available_show()
    before = tracker.to_dict()

    changes = tracker.apply(imported(1, qbit_hash=UPGRADE_HASH, is_upgrade=True), at(3600))

    assert changes == [updated(S.AVAILABLE)]
    after = tracker.to_dict()
    assert without_history(after) == without_history(before)
    assert after["requests"][0]["history"] == [
        *before["requests"][0]["history"],
        {"state": "available", "at": stamp(3600), "note": "upgraded S01E01"},
    ]
    assert after["requests"][0]["last_activity_at"] == stamp(3600)  # news, if not a move
    assert list(tracker.requests) == ["1"]


def test_the_same_upgrade_twice_leaves_one_note() -> None:
    upgrade = imported(1, qbit_hash=UPGRADE_HASH, is_upgrade=True)
    tracker = available_show()
    tracker.apply(upgrade, at(3600))
    before = tracker.to_dict()

    assert tracker.apply(upgrade, at(3700)) == []
    assert tracker.to_dict() == before


def test_upgrades_of_two_episodes_each_leave_a_note() -> None:
    tracker = available_show()
    tracker.apply(imported(1, qbit_hash=UPGRADE_HASH, is_upgrade=True), at(3600))

    changes = tracker.apply(
        imported(2, qbit_hash=torrent_hash("upgrade 2"), is_upgrade=True), at(7200)
    )

    assert changes == [updated(S.AVAILABLE)]
    assert history(tracker.requests["1"])[-2:] == [
        {"state": "available", "at": stamp(3600), "note": "upgraded S01E01"},
        {"state": "available", "at": stamp(7200), "note": "upgraded S01E02"},
    ]


# -- single-episode grabs of one series ---------------------------------------------------------


SINGLE_STEPS: list[tuple[TrackerEvent, list[Change], RequestState, set[str], set[str]]] = [
    # event, changes, request state, tracked hashes, season-pack hashes
    (single(1, H1), [transition(S.APPROVED, S.GRABBING)], S.GRABBING, {H1}, set()),
    (
        torrent(TorrentPhase.COMPLETE, "uploading", 1.0, qbit_hash=H1),
        [transition(S.GRABBING, S.DOWNLOADED)],
        S.DOWNLOADED,
        set(),
        set(),
    ),
    (single(2, H2), [updated(S.DOWNLOADED)], S.DOWNLOADED, {H2}, set()),
    (imported(1, qbit_hash=H1), [transition(S.DOWNLOADED, S.IMPORTING)], S.IMPORTING, {H2}, set()),
    (
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.4, 1_000_000, 600, H2),
        [updated(S.IMPORTING)],
        S.IMPORTING,
        {H2},
        set(),
    ),
    (single(3, H3), [updated(S.IMPORTING)], S.IMPORTING, {H2, H3}, set()),
    (
        grab(4, 5, qbit_hash=H45, release_title="Mad.Men.S01E04E05.1080p"),
        [updated(S.IMPORTING)],
        S.IMPORTING,
        {H2, H3, H45},
        {H45},
    ),
    (
        torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0, qbit_hash=H45),
        [updated(S.IMPORTING)],
        S.IMPORTING,
        {H2, H3},
        set(),
    ),
    (
        found(1),
        [transition(S.IMPORTING, S.DOWNLOADED)],
        S.DOWNLOADED,
        {H2, H3},
        set(),
    ),
]


def test_single_episode_grabs_aggregate_at_every_step() -> None:
    tracker = tracker_after(seerr())

    seen = []
    for minute, (event, *_) in enumerate(SINGLE_STEPS, start=1):
        changes = tracker.apply(event, at(60 * minute))
        seen.append(
            (
                changes,
                tracker.requests["1"].state,
                tracker.tracked_hashes(),
                tracker.season_pack_hashes(),
            )
        )

    assert seen == [tuple(expected) for _, *expected in SINGLE_STEPS]
    request = tracker.requests["1"]
    assert episodes_of(request, "state", "qbit_hash") == {
        (1, 1): {"state": "available", "qbit_hash": H1},
        (1, 2): {"state": "downloading", "qbit_hash": H2},
        (1, 3): {"state": "grabbing", "qbit_hash": H3},
        (1, 4): {"state": "downloaded", "qbit_hash": H45},
        (1, 5): {"state": "downloaded", "qbit_hash": H45},
    }
    assert request.total_episodes == 5
    assert request.hashes() == {H1, H2, H3, H45}
    assert list(tracker.requests) == ["1"]


def test_eta_is_the_latest_and_speed_the_sum_of_the_active_torrents() -> None:
    tracker = tracker_after(seerr(), single(1, H1), single(2, H2), single(3, H3))
    request = tracker.requests["1"]

    tracker.apply(
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.2, 1_000_000, 600, H1), at(300)
    )
    tracker.apply(
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.1, 2_000_000, 1200, H2), at(300)
    )
    tracker.apply(torrent(TorrentPhase.DOWNLOADING, "stalledDL", 0.3, 500_000, 900, H3), at(300))

    assert fields_of(request, "state", "eta", "download_speed", "progress") == {
        "state": "downloading",
        "eta": 1200,
        "download_speed": 3_500_000,
        "progress": 0.2,
    }

    tracker.apply(torrent(TorrentPhase.COMPLETE, "uploading", 1.0, 800_000, 0, H2), at(360))

    assert fields_of(request, "state", "eta", "download_speed", "progress") == {
        "state": "downloaded",
        "eta": 900,
        "download_speed": 1_500_000,
        "progress": 0.5,
    }
    assert tracker.tracked_hashes() == {H1, H3}


def test_progress_of_one_episode_torrent_leaves_the_others() -> None:
    tracker = tracker_after(seerr(), single(1, H1), single(2, H2))

    tracker.apply(torrent(TorrentPhase.DOWNLOADING, "downloading", 0.6, 10, 60, H1), at(300))

    assert episodes_of(tracker.requests["1"], "state", "progress") == {
        (1, 1): {"state": "downloading", "progress": 0.6},
        (1, 2): {"state": "grabbing", "progress": 0.0},
    }


# -- re-grabs -----------------------------------------------------------------------------------


def test_regrab_of_an_episode_follows_the_new_torrent() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30, pack_files(*PACK_FILES))
    request = tracker.requests["1"]

    changes = tracker.apply(single(5, REGRAB_HASH), at(240))

    assert changes == [updated(S.DOWNLOADING)]
    assert episodes_of(request, "state", "qbit_hash", "progress", "size")[(1, 5)] == {
        "state": "downloading",
        "qbit_hash": REGRAB_HASH,
        "progress": 0.0,
        "size": None,
    }
    assert request.qbit_hash == REGRAB_HASH
    assert request.hashes() == {PACK_HASH, REGRAB_HASH}
    assert tracker.tracked_hashes() == {PACK_HASH, REGRAB_HASH}

    # The old (pack) torrent no longer moves episode 5, neither by its files nor by completing.
    tracker.apply(pack_files(*((n, s, 0.99) for n, s, _ in PACK_FILES)), at(300))
    tracker.apply(COMPLETE, at(360))

    episodes = episodes_of(request, "state", "qbit_hash", "progress")
    assert episodes.pop((1, 5)) == {
        "state": "downloading",
        "qbit_hash": REGRAB_HASH,
        "progress": 0.0,
    }
    assert episodes == {
        (1, n): {"state": "downloaded", "qbit_hash": PACK_HASH, "progress": 1.0}
        for n in SEASON_1
        if n != 5
    }
    assert request.state is S.DOWNLOADED
    assert tracker.tracked_hashes() == {REGRAB_HASH}

    tracker.apply(
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.7, 10, 60, REGRAB_HASH), at(420)
    )

    assert episodes_of(request, "state", "progress")[(1, 5)] == {
        "state": "downloading",
        "progress": 0.7,
    }


def test_progress_of_the_replaced_torrent_no_longer_moves_the_episode() -> None:
    tracker = tracker_after(
        seerr(),
        single(1, H1),
        torrent(TorrentPhase.DOWNLOADING, "downloading", 0.5, 100, 60, H1),
        single(1, REGRAB_HASH),
    )
    before = tracker.to_dict()

    assert tracker.apply(torrent(TorrentPhase.COMPLETE, "uploading", 1.0, 0, 0, H1), at(600)) == []
    assert tracker.to_dict() == before
    assert episodes_of(tracker.requests["1"], "state", "qbit_hash", "progress") == {
        (1, 1): {"state": "downloading", "qbit_hash": REGRAB_HASH, "progress": 0.0}
    }
    assert tracker.tracked_hashes() == {REGRAB_HASH}


def test_regrab_resets_the_request_progress_too() -> None:
    tracker = tracker_after(
        seerr(), single(1, H1), torrent(TorrentPhase.DOWNLOADING, "downloading", 0.5, 100, 60, H1)
    )
    assert tracker.requests["1"].progress == 0.5

    tracker.apply(single(1, REGRAB_HASH), at(600))

    # The only episode starts again from 0, so the request does (as a movie re-grab does).
    assert tracker.requests["1"].progress == 0.0


# -- the aggregate may step back ----------------------------------------------------------------


def test_importing_show_steps_back_to_grabbing_when_a_new_episode_is_all_that_is_left() -> None:
    tracker = tracker_after(
        seerr(),
        single(1, H1),
        torrent(TorrentPhase.COMPLETE, "uploading", 1.0, qbit_hash=H1),
        imported(1, qbit_hash=H1),
    )
    request = tracker.requests["1"]
    assert request.state is S.IMPORTING

    # The new episode joins; importing still outranks grabbing (DESIGN §2 priority).
    assert tracker.apply(single(2, H2), at(600)) == [updated(S.IMPORTING)]
    assert request.state is S.IMPORTING

    # Episode 1 arrives in Jellyfin: only the new episode is in progress, so the show is grabbing.
    assert tracker.apply(found(1), at(660)) == [transition(S.IMPORTING, S.GRABBING)]
    assert fields_of(request, "state", "state_since", "jellyfin_id", "available_at") == {
        "state": "grabbing",
        "state_since": stamp(660),
        "jellyfin_id": SERIES_JELLYFIN_ID,
        "available_at": None,
    }
    assert history(request)[-2:] == [
        {"state": "importing", "at": stamp(180)},
        {"state": "grabbing", "at": stamp(660)},
    ]
    assert request.is_active
    assert tracker.tracked_hashes() == {H2}
    assert tracker.due_for_verification(at(86400)) == []


# -- stuck ----------------------------------------------------------------------------------------


def test_manual_interaction_marks_the_named_episodes_and_the_request_stuck() -> None:
    tracker = downloaded_pack()
    request = tracker.requests["1"]

    assert tracker.apply(attention(4, 7), at(IMPORT_TIME)) == [updated(S.DOWNLOADED)]

    assert episodes_of(request, "state", "stuck", "stuck_reason") == {
        (1, n): (
            {"state": "downloaded", "stuck": True, "stuck_reason": REASON}
            if n in (4, 7)
            else {"state": "downloaded", "stuck": False, "stuck_reason": None}
        )
        for n in SEASON_1
    }
    assert fields_of(request, "state", "state_since", "stuck", "stuck_reason") == {
        "state": "downloaded",
        "state_since": stamp(240),
        "stuck": True,
        "stuck_reason": REASON,
    }


def test_manual_interaction_twice_changes_nothing() -> None:
    tracker = downloaded_pack()
    tracker.apply(attention(4, 7), at(IMPORT_TIME))
    before = tracker.to_dict()

    assert tracker.apply(attention(4, 7), at(IMPORT_TIME + 60)) == []
    assert tracker.to_dict() == before


def test_stuck_flag_clears_on_the_next_aggregate_transition() -> None:
    tracker = downloaded_pack()
    tracker.apply(attention(4, 7), at(IMPORT_TIME))
    request = tracker.requests["1"]

    # The user sorted the files out; Sonarr imports the whole pack.
    changes = tracker.apply(imported(*SEASON_1), at(IMPORT_TIME + 600))

    assert changes == [transition(S.DOWNLOADED, S.IMPORTING)]
    assert fields_of(request, "state", "stuck", "stuck_reason") == {
        "state": "importing",
        "stuck": False,
        "stuck_reason": None,
    }
    assert episodes_of(request, "stuck", "stuck_reason") == {
        (1, n): {"stuck": False, "stuck_reason": None} for n in SEASON_1
    }


def test_torrent_error_marks_a_tv_request_stuck_until_it_recovers() -> None:
    tracker = tracker_after(seerr(), grab(), DOWNLOADING_30)
    request = tracker.requests["1"]

    error = torrent(TorrentPhase.ERROR, "missingFiles", 0.3, 0, None)
    assert tracker.apply(error, at(300)) == [updated(S.DOWNLOADING)]
    assert fields_of(request, "state", "stuck", "stuck_reason", "stuck_code") == {
        "state": "downloading",
        "stuck": True,
        "stuck_reason": "download client reports missingFiles",
        "stuck_code": "client_error",
    }
    assert {values["state"] for values in episodes_of(request, "state").values()} == {"downloading"}
    assert tracker.apply(error, at(360)) == []

    recovered = torrent(TorrentPhase.DOWNLOADING, "downloading", 0.35, 4_000_000, 1500)
    assert tracker.apply(recovered, at(420)) == [updated(S.DOWNLOADING)]
    assert fields_of(request, "state", "stuck", "stuck_reason", "stuck_code", "progress") == {
        "state": "downloading",
        "stuck": False,
        "stuck_reason": None,
        "stuck_code": None,
        "progress": 0.35,
    }


def test_torrent_error_then_completion_clears_stuck() -> None:
    tracker = tracker_after(
        seerr(), grab(), DOWNLOADING_30, torrent(TorrentPhase.ERROR, "error", 0.3)
    )

    assert tracker.apply(COMPLETE, at(600)) == [transition(S.DOWNLOADING, S.DOWNLOADED)]
    assert fields_of(tracker.requests["1"], "stuck", "stuck_reason") == {
        "stuck": False,
        "stuck_reason": None,
    }
