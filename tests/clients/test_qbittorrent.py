"""qBittorrent: torrent states reduced to phases, the finish hook, and the WebUI client."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients.api import (
    CannotConnect,
    InvalidAuth,
    PayloadError,
)
from custom_components.media_request_tracker.clients.qbittorrent import (
    STATE_PHASES,
    QBittorrentClient,
    parse_webhook,
    torrent_progress,
)
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import TorrentPhase, TorrentProgress

from . import answer_in_turn, mocked_http, requests_made, sent

P = TorrentPhase
ARRIVAL_HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"
DUNE_HASH = "47fa64a51199ddc7c3ffbdf4edf0524bb123f2e8"


def info(**changes: Any) -> dict[str, Any]:
    """Return a torrents/info entry (qBittorrent 4.5.2 shape) with some fields changed."""
    entry: dict[str, Any] = {
        "added_on": 1764063600,
        "amount_left": 6442450944,
        "category": "radarr",
        "completion_on": 0,
        "dlspeed": 2_000_000,
        "eta": 600,
        "hash": ARRIVAL_HASH,
        "infohash_v1": ARRIVAL_HASH,
        "name": "Arrival.2016.1080p.BluRay.x264-SPARKS",
        "num_seeds": 12,
        "progress": 0.25,
        "save_path": "/data/torrents/movies",
        "size": 8589934592,
        "state": "downloading",
        "tags": "",
        "upspeed": 0,
    }
    return {**entry, **changes}


# Every state qBittorrent 4.x and 5.x report (PAYLOADS.md §6), with a torrent part-way through.
EXPECTED_PHASES = {
    "metaDL": P.QUEUED,
    "forcedMetaDL": P.QUEUED,
    "queuedDL": P.QUEUED,
    "checkingResumeData": P.QUEUED,
    "allocating": P.QUEUED,
    "moving": P.QUEUED,
    "unknown": P.QUEUED,
    "downloading": P.DOWNLOADING,
    "forcedDL": P.DOWNLOADING,
    "stalledDL": P.DOWNLOADING,
    "checkingDL": P.DOWNLOADING,
    "pausedDL": P.PAUSED,
    "stoppedDL": P.PAUSED,
    "uploading": P.COMPLETE,
    "stalledUP": P.COMPLETE,
    "checkingUP": P.COMPLETE,
    "forcedUP": P.COMPLETE,
    "queuedUP": P.COMPLETE,
    "pausedUP": P.COMPLETE,
    "stoppedUP": P.COMPLETE,
    "error": P.ERROR,
    "missingFiles": P.ERROR,
}


def test_every_known_state_has_a_phase() -> None:
    assert STATE_PHASES == EXPECTED_PHASES


@pytest.mark.parametrize(("state", "phase"), list(EXPECTED_PHASES.items()))
def test_phase_of_each_state_midway(state: str, phase: TorrentPhase) -> None:
    progress = torrent_progress(info(state=state))

    assert progress is not None
    assert (progress.phase, progress.client_state) == (phase, state)


def test_a_downloading_torrent() -> None:
    assert torrent_progress(info()) == TorrentProgress(
        qbit_hash=ARRIVAL_HASH,
        phase=P.DOWNLOADING,
        client_state="downloading",
        progress=0.25,
        download_speed=2_000_000,
        eta=600,
        size=8589934592,
    )


@pytest.mark.parametrize(
    ("changes", "phase"),
    [
        ({"state": "downloading", "progress": 1.0}, P.COMPLETE),
        ({"state": "pausedDL", "progress": 1.0}, P.COMPLETE),
        ({"state": "queuedDL", "progress": 1.0}, P.COMPLETE),
        ({"state": "moving", "progress": 1.0}, P.COMPLETE),
        ({"state": "error", "progress": 1.0}, P.ERROR),
        ({"state": "missingFiles", "progress": 1.0}, P.ERROR),
        ({"state": "stalledDL", "progress": 0, "dlspeed": 0}, P.QUEUED),
        ({"state": "downloading", "progress": 0.0, "dlspeed": 0}, P.QUEUED),
        ({"state": "checkingDL", "progress": 0.0, "dlspeed": None}, P.QUEUED),
        ({"state": "stalledDL", "progress": 0, "dlspeed": 512}, P.DOWNLOADING),
        ({"state": "stalledDL", "progress": 0.1, "dlspeed": 0}, P.DOWNLOADING),
        ({"state": "pausedDL", "progress": 0.0, "dlspeed": 0}, P.PAUSED),
        ({"state": "aNewStateFrom6x"}, P.QUEUED),
    ],
    ids=[
        "progress 1 completes downloading",
        "progress 1 completes paused",
        "progress 1 completes queued",
        "progress 1 completes moving",
        "progress 1 keeps error",
        "progress 1 keeps missing files",
        "stalled without data is queued",
        "downloading without data is queued",
        "checking without data is queued",
        "stalled with speed downloads",
        "stalled with data downloads",
        "paused without data stays paused",
        "unknown state name is queued",
    ],
)
def test_progress_and_speed_refine_the_phase(changes: dict[str, Any], phase: TorrentPhase) -> None:
    progress = torrent_progress(info(**changes))

    assert progress is not None
    assert progress.phase is phase


@pytest.mark.parametrize(
    ("eta", "expected"),
    [
        (600, 600),
        (0, 0),
        (8639999, 8639999),
        (8640000, None),
        (-1, None),
        ("600", None),
        (None, None),
    ],
)
def test_eta_8640000_means_unknown(eta: Any, expected: int | None) -> None:
    progress = torrent_progress(info(eta=eta))

    assert progress is not None
    assert progress.eta == expected


@pytest.mark.parametrize(("size", "expected"), [(4096, 4096), (0, None), (-1, None), (None, None)])
def test_size_only_when_known(size: Any, expected: int | None) -> None:
    progress = torrent_progress(info(size=size))

    assert progress is not None
    assert progress.size == expected


@pytest.mark.parametrize(
    ("raw", "clamped", "phase"),
    [(1.2, 1.0, P.COMPLETE), (-0.1, 0.0, P.QUEUED), (None, 0.0, P.DOWNLOADING)],
)
def test_progress_is_clamped(raw: Any, clamped: float, phase: TorrentPhase) -> None:
    progress = torrent_progress(info(progress=raw, dlspeed=0 if raw == -0.1 else 10))

    assert progress is not None
    assert (progress.progress, progress.phase) == (clamped, phase)


def test_hash_is_lower_cased_and_missing_fields_have_defaults() -> None:
    assert torrent_progress({"hash": ARRIVAL_HASH.upper()}) == TorrentProgress(
        qbit_hash=ARRIVAL_HASH,
        phase=P.QUEUED,
        client_state="unknown",
        progress=0.0,
        download_speed=0,
        eta=None,
        size=None,
    )


@pytest.mark.parametrize(
    "entry", [{}, {"hash": None}, {"hash": 12}, {"name": "x", "state": "uploading"}]
)
def test_entry_without_a_hash_is_skipped(entry: dict[str, Any]) -> None:
    assert torrent_progress(entry) is None


# -- the "run external program on finish" hook ------------------------------------------------


@pytest.mark.parametrize(
    "payload", [None, {}, {"hash": ARRIVAL_HASH.upper()}, {"hash": "x", "name": "y"}]
)
def test_finish_hook_asks_for_a_poll(payload: Any) -> None:
    assert parse_webhook(payload) == ParsedWebhook((), "poll requested")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([{"hash": ARRIVAL_HASH}], "expected a JSON object or an empty body"),
        ("finished", "expected a JSON object or an empty body"),
        ({"hash": True}, "invalid hash: expected a string, got a boolean"),
        ({"hash": "a" * 5000}, "invalid hash: string too long"),
    ],
)
def test_finish_hook_refuses_other_bodies(payload: Any, message: str) -> None:
    with pytest.raises(PayloadError) as err:
        parse_webhook(payload)
    assert str(err.value) == message


# -- the WebUI client -------------------------------------------------------------------------

URL = "http://127.0.0.1:8080"
LOGIN = f"{URL}/api/v2/auth/login"
TRANSFER = f"{URL}/api/v2/transfer/info"
SYNC = re.compile(r"^http://127\.0\.0\.1:8080/api/v2/sync/maindata\?rid=\d+$")
FORBIDDEN = {"status": 403, "text": "Forbidden"}


def client(session: aiohttp.ClientSession) -> QBittorrentClient:
    """Return a client of the WebUI at URL (given with a trailing slash, as users do)."""
    return QBittorrentClient(session, f"{URL}/", "admin", "adminadmin")


def calls_to(mocked: AiohttpClientMocker, path: str) -> int:
    """Return how many requests went to a WebUI API path, whatever their query."""
    return sum(
        count
        for (_, url), count in requests_made(mocked).items()
        if url.split("?")[0] == f"{URL}/api/v2/{path}"
    )


async def test_login_posts_the_credentials(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.post(LOGIN, text="Ok.")

        await client(session).async_login()

    assert requests_made(mocked) == {("POST", LOGIN): 1}
    assert sent(mocked)[0]["data"] == {"username": "admin", "password": "adminadmin"}


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (200, "Fails.", InvalidAuth, "qBittorrent refused the username or password"),
        (401, "", InvalidAuth, "qBittorrent refused the username or password"),
        (403, "Your IP address has been banned", CannotConnect, "login answered HTTP 403"),
        (500, "", CannotConnect, "login answered HTTP 500"),
    ],
    ids=["4.x wrong password", "5.2 wrong password", "ip ban", "server error"],
)
async def test_login_failures(
    aioclient_mock: AiohttpClientMocker,
    status: int,
    body: str,
    error: type[Exception],
    message: str,
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.post(LOGIN, status=status, text=body)

        with pytest.raises(error) as err:
            await client(session).async_login()

    assert str(err.value) == message


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ({"exc": aiohttp.ClientConnectionError("refused")}, "ClientConnectionError"),
        ({"exc": TimeoutError()}, "TimeoutError"),
    ],
)
async def test_unreachable_webui_cannot_connect(
    aioclient_mock: AiohttpClientMocker, failure: dict[str, Any], message: str
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.post(LOGIN, **failure)

        with pytest.raises(CannotConnect) as err:
            await client(session).async_torrents({ARRIVAL_HASH})

    assert str(err.value) == message


def maindata(rid: int, torrents: dict[str, Any], **more: Any) -> dict[str, Any]:
    """Return a sync/maindata answer: torrents keyed by hash, values without the hash key."""
    return {"rid": rid, "torrents": torrents, **more}


def without_hash(entry: dict[str, Any]) -> dict[str, Any]:
    """Return a torrents/info entry as maindata carries it (keyed by hash, no hash inside)."""
    return {key: value for key, value in entry.items() if key != "hash"}


def rids_sent(mocked: AiohttpClientMocker) -> list[str]:
    """Return the rid of every sync/maindata call, in the order they were made."""
    return [call["params"]["rid"] for call in sent(mocked) if "sync/maindata" in call["url"]]


async def test_maindata_is_merged_incrementally_after_one_full_update(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.post(LOGIN, text="Ok.")
        full = {
            ARRIVAL_HASH.upper(): without_hash(info()),
            DUNE_HASH: without_hash(info(state="stalledUP", progress=1.0)),
            "c" * 40: without_hash(info(state="pausedUP", progress=1.0)),
            "junk": "not a torrent",
        }
        answer_in_turn(
            mocked,
            "get",
            SYNC,
            {"json": maindata(1, full, full_update=True)},
            {
                "json": maindata(
                    2, {ARRIVAL_HASH: {"progress": 0.9, "dlspeed": 7}}, torrents_removed=[DUNE_HASH]
                )
            },
            {"json": {"rid": 3}},
        )
        qbittorrent = client(session)

        first = await qbittorrent.async_torrents({DUNE_HASH, ARRIVAL_HASH})
        second = await qbittorrent.async_torrents({DUNE_HASH, ARRIVAL_HASH})
        third = await qbittorrent.async_torrents({DUNE_HASH, ARRIVAL_HASH})

    assert sorted((t.qbit_hash, t.phase) for t in first) == sorted(
        [(ARRIVAL_HASH, P.DOWNLOADING), (DUNE_HASH, P.COMPLETE)]
    )
    assert [(t.qbit_hash, t.progress, t.download_speed, t.client_state) for t in second] == [
        (ARRIVAL_HASH, 0.9, 7, "downloading")
    ]
    assert third == second
    assert calls_to(mocked, "auth/login") == 1
    assert rids_sent(mocked) == ["0", "1", "2"]


async def test_no_tracked_torrents_only_checks_the_connection(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.post(LOGIN, text="Ok.")
        mocked.get(TRANSFER, json={"dl_info_speed": 0, "connection_status": "connected"})

        assert await client(session).async_torrents(set()) == []

    assert requests_made(mocked) == {("POST", LOGIN): 1, ("GET", TRANSFER): 1}


async def test_expired_session_logs_in_again_and_syncs_from_rid_0(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.post(LOGIN, text="Ok.")
        answer_in_turn(
            mocked,
            "get",
            SYNC,
            {"json": maindata(5, {ARRIVAL_HASH: without_hash(info())}, full_update=True)},
            FORBIDDEN,
            {
                "json": maindata(
                    1, {ARRIVAL_HASH: without_hash(info(progress=0.7))}, full_update=True
                )
            },
        )
        qbittorrent = client(session)
        await qbittorrent.async_torrents({ARRIVAL_HASH})

        torrents = await qbittorrent.async_torrents({ARRIVAL_HASH})

    assert [(t.qbit_hash, t.progress) for t in torrents] == [(ARRIVAL_HASH, 0.7)]
    assert calls_to(mocked, "auth/login") == 2
    # The first sync, the poll refused with 403, then the sync after logging in again.
    assert rids_sent(mocked) == ["0", "5", "0"]


async def test_still_forbidden_after_logging_in_again(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.post(LOGIN, text="Ok.")
        mocked.get(SYNC, **FORBIDDEN)

        with pytest.raises(CannotConnect, match=r"^sync/maindata answered HTTP 403$"):
            await client(session).async_torrents({ARRIVAL_HASH})

    assert calls_to(mocked, "auth/login") == 2


async def test_password_changed_while_running(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        answer_in_turn(mocked, "post", LOGIN, {"text": "Ok."}, {"text": "Fails."})
        answer_in_turn(mocked, "get", SYNC, FORBIDDEN)

        with pytest.raises(InvalidAuth):
            await client(session).async_torrents({ARRIVAL_HASH})


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": 500}, "sync/maindata answered HTTP 500"),
        ({"status": 401, "text": "Unauthorized"}, "sync/maindata answered HTTP 401"),
        ({"text": "<html>not json</html>"}, "invalid JSON"),
        ({"json": [info()]}, "sync/maindata did not return an object"),
    ],
)
async def test_unusable_maindata(
    aioclient_mock: AiohttpClientMocker, answer: dict[str, Any], message: str
) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.post(LOGIN, text="Ok.")
        mocked.get(SYNC, **answer)

        with pytest.raises(CannotConnect) as err:
            await client(session).async_torrents({ARRIVAL_HASH})

    assert str(err.value) == message
    assert (calls_to(mocked, "auth/login"), calls_to(mocked, "sync/maindata")) == (1, 1)
