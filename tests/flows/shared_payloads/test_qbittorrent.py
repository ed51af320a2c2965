"""The shared qBittorrent captures: torrents/info, sync/maindata, files, the finish hook, login."""

from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients import qbittorrent
from custom_components.media_request_tracker.clients.api import InvalidAuth
from custom_components.media_request_tracker.tracker import TorrentPhase

from ...clients import answer_in_turn, mocked_http, sent
from . import (
    FRIEREN_E05_MAGNET,
    FRIEREN_PACK,
    PAST_LIVES_HASH,
    _assert_covered,
    _load,
)

HASH = re.compile(r"[0-9a-f]{40}")


Q = TorrentPhase.QUEUED
D = TorrentPhase.DOWNLOADING
C = TorrentPhase.COMPLETE
P = TorrentPhase.PAUSED
E = TorrentPhase.ERROR
HOLDOVERS = "47fa64a51199ddc7c3ffbdf4edf0524bb123f2e8"
OPPENHEIMER = "c9b0aaca2038eb249e0ed72fa9b819610fd7b91e"
V5 = "cb48f83c1f1f7bb781e9c4af1602a14df7a915f"  # + last hex digit

# torrents/info responses: file → {hash: phase} for every entry, in order.
TORRENTS_INFO: dict[str, dict[str, TorrentPhase]] = {
    "torrents_info_all__qbt4.5.2_capture.json": {
        PAST_LIVES_HASH: C,  # stalledUP, progress 1
        HOLDOVERS: Q,  # stalledDL without any data yet: queued
        FRIEREN_E05_MAGNET: Q,  # metaDL
        OPPENHEIMER: Q,  # stalledDL without any data yet
        FRIEREN_PACK: Q,  # queuedDL at 50 %
    },
    "torrents_info_hashes_uppercase__qbt4.5.2_capture.json": {HOLDOVERS: Q, FRIEREN_PACK: Q},
    "torrents_info_paused__qbt4.5.2_capture.json": {HOLDOVERS: P},  # pausedDL (4.x)
    "torrents_info_season_pack_completed__qbt4.5.2_capture.json": {FRIEREN_PACK: C},
    "torrents_info_unknown_hash__qbt4.5.2_capture.json": {},
}

# sync/maindata responses: file → {hash: phase, or None when the diff entry has no "state"}.
# Incremental entries carry only the keys that changed (no hash, often no progress), so read
# alone they only prove torrent_progress does not crash; the merged sequence is tested below.
MAINDATA: dict[str, dict[str, TorrentPhase | None]] = {
    "sync_maindata_full__qbt4.5.2_capture.json": {
        PAST_LIVES_HASH: C,
        HOLDOVERS: Q,
        FRIEREN_E05_MAGNET: Q,
        OPPENHEIMER: Q,
        FRIEREN_PACK: Q,
    },
    "sync_maindata_full_v5_states__ha_core.json": {
        f"{V5}e": D,  # stalledDL at 65 %
        f"{V5}b": P,  # stoppedDL (5.x name of pausedDL)
        f"{V5}c": C,  # stalledUP
        f"{V5}d": E,  # error
        f"{V5}f": E,  # missingFiles
        f"{V5}a": D,  # downloading
    },
    "sync_maindata_incremental_completed__qbt4.5.2_capture.json": {FRIEREN_PACK: C},
    "sync_maindata_incremental_pause__qbt4.5.2_capture.json": {
        HOLDOVERS: P,  # pausedDL
        FRIEREN_PACK: None,  # has a state (stalledDL) but no progress: not asserted alone
    },
    "sync_maindata_incremental_removed__qbt4.5.2_capture.json": {
        OPPENHEIMER: None,  # only priority/time_active changed
        FRIEREN_PACK: None,
    },
    "sync_maindata_noop__qbt4.5.2_capture.json": {},
}
AUTH_TRANSCRIPT = "auth_login_transcript__qbt4.5.2_capture.json"
FILES_LIST = "torrents_files_season_pack__qbt4.5.2_capture.json"


def test_every_qbittorrent_fixture_is_covered() -> None:
    _assert_covered("qbittorrent", {*TORRENTS_INFO, *MAINDATA, AUTH_TRANSCRIPT, FILES_LIST})


@pytest.mark.parametrize(("name", "phases"), TORRENTS_INFO.items(), ids=list(TORRENTS_INFO))
def test_qbittorrent_torrents_info(name: str, phases: dict[str, TorrentPhase]) -> None:
    body = _load("qbittorrent", name)
    assert isinstance(body, list)
    results = [qbittorrent.torrent_progress(info) for info in body]
    assert all(result is not None for result in results)
    actual = {result.qbit_hash: result.phase for result in results if result is not None}
    assert all(HASH.fullmatch(qbit_hash) for qbit_hash in actual)
    assert actual == phases
    for info, result in zip(body, results, strict=True):
        assert result is not None
        assert result.qbit_hash == info["hash"].lower()
        assert result.client_state == info["state"]
        assert 0.0 <= result.progress <= 1.0


@pytest.mark.parametrize(("name", "phases"), MAINDATA.items(), ids=list(MAINDATA))
def test_qbittorrent_maindata(name: str, phases: dict[str, TorrentPhase | None]) -> None:
    body = _load("qbittorrent", name)
    assert isinstance(body.get("rid"), int)
    torrents: dict[str, dict[str, Any]] = body.get("torrents", {})
    assert set(torrents) == set(phases)
    for qbit_hash, diff in torrents.items():
        assert HASH.fullmatch(qbit_hash), "maindata keys are lower-case hashes"
        assert "hash" not in diff, "maindata values carry no hash; the key is the hash"
        if "state" not in diff:
            continue  # a partial diff without a state means nothing on its own
        result = qbittorrent.torrent_progress({**diff, "hash": qbit_hash})
        assert result is not None
        assert result.qbit_hash == qbit_hash
        assert result.client_state == diff["state"]
        if phases[qbit_hash] is not None:
            assert result.phase is phases[qbit_hash], qbit_hash


def test_qbittorrent_v5_stopped_is_paused() -> None:
    torrent = _load("qbittorrent", "sync_maindata_full_v5_states__ha_core.json")["torrents"][
        f"{V5}b"
    ]
    assert torrent["state"] == "stoppedDL"
    result = qbittorrent.torrent_progress({**torrent, "hash": f"{V5}b"})
    assert result is not None
    assert result.phase is TorrentPhase.PAUSED


def test_qbittorrent_past_lives_seeding_is_complete() -> None:
    torrent = _load("qbittorrent", "sync_maindata_full__qbt4.5.2_capture.json")["torrents"][
        PAST_LIVES_HASH
    ]
    assert (torrent["state"], torrent["progress"]) == ("stalledUP", 1)
    result = qbittorrent.torrent_progress({**torrent, "hash": PAST_LIVES_HASH})
    assert result is not None
    assert result.phase is TorrentPhase.COMPLETE
    assert result.progress == 1.0
    assert result.size == 3145851  # the size Radarr's grab reports for this release


async def test_qbittorrent_maindata_sequence_through_the_client(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # Capture order (SOURCES.md): full, noop, pause, remove the magnet, season pack completes.
    # Replayed through our client's incremental sync: it must merge partial answers and honour
    # torrents_removed exactly as qBittorrent 4.5.2 sent them.
    answers = sorted(
        (
            _load("qbittorrent", name)
            for name in MAINDATA
            if name.endswith("__qbt4.5.2_capture.json")
        ),
        key=lambda answer: answer["rid"],
    )
    assert [answer["rid"] for answer in answers] == [1, 2, 3, 4, 5]
    assert answers[0]["full_update"] is True
    expected_after = [
        {PAST_LIVES_HASH: C, HOLDOVERS: Q, FRIEREN_E05_MAGNET: Q, OPPENHEIMER: Q, FRIEREN_PACK: Q},
        {PAST_LIVES_HASH: C, HOLDOVERS: Q, FRIEREN_E05_MAGNET: Q, OPPENHEIMER: Q, FRIEREN_PACK: Q},
        # Paused; the pack turns stalledDL with its 50 % kept from the full answer.
        {PAST_LIVES_HASH: C, HOLDOVERS: P, FRIEREN_E05_MAGNET: Q, OPPENHEIMER: Q, FRIEREN_PACK: D},
        {PAST_LIVES_HASH: C, HOLDOVERS: P, OPPENHEIMER: Q, FRIEREN_PACK: D},
        {PAST_LIVES_HASH: C, HOLDOVERS: P, OPPENHEIMER: Q, FRIEREN_PACK: C},
    ]
    tracked = set(expected_after[0])
    url = "http://127.0.0.1:8080"
    async with mocked_http(aioclient_mock) as (session, mocked):
        answer_in_turn(mocked, "post", f"{url}/api/v2/auth/login", {"text": "Ok."})
        answer_in_turn(
            mocked,
            "get",
            re.compile(rf"^{url}/api/v2/sync/maindata\?rid=\d+$"),
            *({"json": answer} for answer in answers),
        )
        client = qbittorrent.QBittorrentClient(session, url, "admin", "adminadmin")
        for answer, expected in zip(answers, expected_after, strict=True):
            torrents = await client.async_torrents(tracked)
            phases = {torrent.qbit_hash: torrent.phase for torrent in torrents}
            assert phases == expected, f"after rid {answer['rid']}"
    rids = [call["params"]["rid"] for call in sent(mocked) if "sync/maindata" in call["url"]]
    # Each poll sends back the rid of the previous answer.
    assert rids == ["0", "1", "2", "3", "4"]


async def test_qbittorrent_files_list_gives_per_file_progress(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # torrents/files of a season pack, through the client: one TorrentFile per file.
    files = _load("qbittorrent", FILES_LIST)
    assert isinstance(files, list)
    assert files
    assert qbittorrent.torrent_progress(files[0]) is None  # not a torrent record
    url = "http://127.0.0.1:8080"
    async with mocked_http(aioclient_mock) as (session, mocked):
        answer_in_turn(mocked, "post", f"{url}/api/v2/auth/login", {"text": "Ok."})
        answer_in_turn(
            mocked, "get", re.compile(rf"^{url}/api/v2/torrents/files\?hash=.*$"), {"json": files}
        )
        client = qbittorrent.QBittorrentClient(session, url, "admin", "adminadmin")
        result = await client.async_files(FRIEREN_PACK)
    assert result.qbit_hash == FRIEREN_PACK
    assert [(item.name, item.progress, item.size) for item in result.files] == [
        (entry["name"], entry["progress"], entry["size"]) for entry in files
    ]


def test_qbittorrent_finish_hook_accepts_the_captured_hashes() -> None:
    # The "run external program on torrent finished" webhook: any captured hash asks for a poll.
    for info in _load("qbittorrent", "torrents_info_all__qbt4.5.2_capture.json"):
        assert qbittorrent.parse_webhook({"hash": info["hash"]}) == qbittorrent.POLL_REQUESTED
    assert qbittorrent.parse_webhook(None) == qbittorrent.POLL_REQUESTED


def test_qbittorrent_login_success_body_is_what_the_client_compares() -> None:
    transcript = _load("qbittorrent", AUTH_TRANSCRIPT)
    source = Path(qbittorrent.__file__).read_text(encoding="utf-8")
    compared = re.findall(r'\.strip\(\)\s*==\s*"([^"]+)"', source)
    assert compared == ["Ok."], f"async_login should compare the body with 'Ok.': {compared}"
    assert transcript["success"]["body"] == compared[0]
    assert transcript["wrong_password"]["body"] == "Fails."
    assert transcript["wrong_password"]["body"] not in compared


class _Response:
    def __init__(self, status_line: str, body: str) -> None:
        self.status = int(status_line.split()[1])
        self._body = body

    async def read(self) -> bytes:
        return self._body.encode()

    async def text(self) -> str:
        return self._body


class _Session:
    """Answers every request with one transcript response and records what was asked."""

    def __init__(self, response: dict[str, Any]) -> None:
        self._response = response
        self.requests: list[tuple[str, str, Any]] = []

    async def request(self, method: str, url: str, **kwargs: Any) -> _Response:
        self.requests.append((method, url, kwargs.get("data")))
        return _Response(self._response["status_line"], self._response["body"])


async def test_qbittorrent_login_against_the_transcript() -> None:
    transcript = _load("qbittorrent", AUTH_TRANSCRIPT)
    assert transcript["success"]["status_line"].split()[1] == str(HTTPStatus.OK.value)
    session = _Session(transcript["success"])
    client = qbittorrent.QBittorrentClient(
        session,  # type: ignore[arg-type]
        "http://127.0.0.1:8080",
        "admin",
        "adminadmin",
    )
    await client.async_login()
    request = transcript["request"]
    assert session.requests == [
        (
            request["method"],
            f"http://127.0.0.1:8080{request['path']}",
            {"username": "admin", "password": "adminadmin"},
        )
    ]

    refused = qbittorrent.QBittorrentClient(
        _Session(transcript["wrong_password"]),  # type: ignore[arg-type]
        "http://127.0.0.1:8080",
        "admin",
        "wrong",
    )
    with pytest.raises(InvalidAuth):
        await refused.async_login()
