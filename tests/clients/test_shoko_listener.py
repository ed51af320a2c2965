"""Shoko's event stream against a real loopback SignalR server: negotiate, handshake, events, reconnects."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from custom_components.media_request_tracker.clients import shoko_listener
from custom_components.media_request_tracker.clients.shoko_listener import ShokoListener
from custom_components.media_request_tracker.tracker import (
    FileMatched,
    FileNotMatched,
    TrackerEvent,
)
from custom_components.media_request_tracker.tracker.events import ShokoCrossReference
from tests.helpers.fake_shoko import (
    PING,
    RS,
    TIMEOUT,
    FakeShoko,
    Negotiation,
    file_matched,
    frame_text,
    parse_records,
)

API_KEY = "shoko-key"
LOGGER_NAME = "custom_components.media_request_tracker"
LOST = "Shoko's event stream is not available"
BACK = "Shoko's event stream is back"
UNUSABLE = "Ignored an unusable Shoko event"

# Windows-style relative paths, as Shoko on Windows reports them (PAYLOADS.md §4: OS separators).
MATCHED_PATH = "Sousou no Frieren\\Season 1\\Sousou no Frieren - S01E02 [WEB-1080p].mkv"
NOT_MATCHED_PATH = "Sousou no Frieren\\Season 1\\Sousou no Frieren - S01E03 [WEB-1080p].mkv"


MATCHED_EVENT = FileMatched(
    relative_path=MATCHED_PATH,
    shoko_file_id=5120,
    cross_references=(
        ShokoCrossReference(
            anidb_episode_id=264400,
            anidb_anime_id=17617,
            shoko_series_id=45,
            shoko_episode_id=901,
        ),
    ),
)

FILE_NOT_MATCHED = {
    "type": 1,
    "target": "ShokoEvent:FileNotMatched",
    "arguments": [
        {
            "AutoMatchAttempts": 3,
            "HasCrossReferences": False,
            "IsUDPBanned": True,
            "FileID": 5121,
            "FileLocationID": 6231,
            "ImportFolderID": 3,
            "RelativePath": NOT_MATCHED_PATH,
            "CrossReferences": [],
        }
    ],
}
NOT_MATCHED_EVENT = FileNotMatched(
    relative_path=NOT_MATCHED_PATH, shoko_file_id=5121, attempts=3, udp_banned=True
)
FILE_DETECTED = {
    "type": 1,
    "target": "ShokoEvent:FileDetected",
    "arguments": [{"RelativePath": MATCHED_PATH, "ImportFolderID": 3}],
}


@dataclass
class RunningListener:
    """A listener running as a task, and the event lists it handed on."""

    listener: ShokoListener
    events: asyncio.Queue[list[TrackerEvent]]

    async def next_events(self) -> list[TrackerEvent]:
        """Return the next list of events given to on_events."""
        async with asyncio.timeout(TIMEOUT):
            return await self.events.get()


@pytest.fixture(autouse=True)
def short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reconnect after 10 ms rather than seconds."""
    monkeypatch.setattr(shoko_listener, "RECONNECT_BACKOFF", (0.01,))


@pytest.fixture(autouse=True)
def short_request_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give up on a silent Shoko after 0.3 s rather than 15 s.

    Autouse, so it is in place before `running` starts the first negotiate, which reads it.
    """
    monkeypatch.setattr(shoko_listener, "REQUEST_TIMEOUT", aiohttp.ClientTimeout(total=0.3))


@pytest.fixture
def caplog_info(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture the integration's INFO lines too."""
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    return caplog


@pytest.fixture
async def running(shoko: FakeShoko) -> AsyncGenerator[RunningListener]:
    """Run a listener on a plain aiohttp session; cancel it after the test."""
    events: asyncio.Queue[list[TrackerEvent]] = asyncio.Queue()

    async def on_events(batch: list[TrackerEvent]) -> None:
        events.put_nowait(batch)

    async with aiohttp.ClientSession() as session:
        # A trailing slash, as users paste URLs: the hub path must not get a double slash.
        listener = ShokoListener(session, f"{shoko.url}/", API_KEY, on_events)
        task = asyncio.create_task(listener.run())
        yield RunningListener(listener, events)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def logged(caplog: pytest.LogCaptureFixture, text: str, level: int = logging.INFO) -> list[str]:
    """Return the integration's messages at `level` that contain `text`."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(LOGGER_NAME)
        and record.levelno == level
        and text in record.getMessage()
    ]


async def test_negotiates_with_the_key_then_connects_with_the_token(
    shoko: FakeShoko, running: RunningListener
) -> None:
    """Negotiate is a POST with the key; the socket carries the token and key; handshake first."""
    connection = await shoko.next_connection()
    await connection.round_trip()
    assert shoko.negotiations == [
        Negotiation("POST", {"negotiateVersion": "1", "feeds": "shoko"}, API_KEY)
    ]
    assert connection.query == {"feeds": "shoko", "id": "token-1"}  # the key: header only
    assert connection.apikey_header == API_KEY
    assert connection.handshake is not None
    assert parse_records(connection.handshake) == [{"protocol": "json", "version": 1}]
    assert running.listener.connected is True


async def test_matched_and_not_matched_records_of_one_message_arrive_together(
    shoko: FakeShoko, running: RunningListener
) -> None:
    """Two records in one message give one on_events call with both events, in order."""
    connection = await shoko.next_connection()
    await connection.send(file_matched(MATCHED_PATH), FILE_NOT_MATCHED)
    assert await running.next_events() == [MATCHED_EVENT, NOT_MATCHED_EVENT]


async def test_other_events_are_ignored_and_pings_answered(
    shoko: FakeShoko, running: RunningListener
) -> None:
    """FileDetected (and a completion) give no call; a server ping is answered with a ping."""
    connection = await shoko.next_connection()
    await connection.send(FILE_DETECTED)
    await connection.send({"type": 3, "invocationId": "1", "result": None})
    await connection.send(PING)
    answer = await connection.next_message()
    assert parse_records(answer) == [{"type": 6}]
    assert running.events.empty()
    await connection.send(file_matched(MATCHED_PATH))
    assert await running.next_events() == [MATCHED_EVENT]


async def test_an_unusable_file_matched_is_logged_once_and_the_stream_goes_on(
    shoko: FakeShoko, running: RunningListener, caplog: pytest.LogCaptureFixture
) -> None:
    """A FileMatched without RelativePath is a warning; the good record beside it still counts."""
    connection = await shoko.next_connection()
    unusable = file_matched(MATCHED_PATH)
    del unusable["arguments"][0]["RelativePath"]
    await connection.send(unusable, FILE_NOT_MATCHED)
    assert await running.next_events() == [NOT_MATCHED_EVENT]
    await connection.send(file_matched(MATCHED_PATH))
    assert await running.next_events() == [MATCHED_EVENT]
    warnings = logged(caplog, UNUSABLE, logging.WARNING)
    assert len(warnings) == 1
    assert "ShokoEvent:FileMatched" in warnings[0]
    assert len(shoko.negotiations) == 1
    assert len(shoko.connections) == 1


async def test_a_dropped_connection_is_logged_once_and_reconnected(
    shoko: FakeShoko, running: RunningListener, caplog_info: pytest.LogCaptureFixture
) -> None:
    """Shoko closing the socket: one INFO line, a new negotiate, one "back" line, events flow."""
    first = await shoko.next_connection()
    await first.round_trip()
    assert not logged(caplog_info, LOST)
    assert not logged(caplog_info, BACK)

    await first.drop()
    second = await shoko.next_connection()
    await second.round_trip()
    assert logged(caplog_info, LOST) == [
        "Shoko's event stream is not available (Shoko closed the stream); reconnecting"
    ]
    assert logged(caplog_info, BACK) == [BACK]
    assert [n.query["negotiateVersion"] for n in shoko.negotiations] == ["1", "1"]
    assert second.query["id"] == "token-2"
    assert running.listener.connected is True

    await second.send(file_matched(MATCHED_PATH))
    assert await running.next_events() == [MATCHED_EVENT]


async def test_repeated_failures_log_the_loss_once_and_back_off(
    shoko: FakeShoko,
    running: RunningListener,
    caplog_info: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three 500s in a row: one loss line; the waits grow, the last repeats, then start over."""
    monkeypatch.setattr(shoko_listener, "RECONNECT_BACKOFF", (0.01, 0.02, 0.03))
    waits: list[float] = []

    class RecordingAsyncio:
        """asyncio as the listener sees it, with sleeps recorded (and not slept)."""

        def __getattr__(self, name: str) -> Any:
            return getattr(asyncio, name)

        @staticmethod
        async def sleep(delay: float) -> None:
            waits.append(delay)
            await asyncio.sleep(0)

    monkeypatch.setattr(shoko_listener, "asyncio", RecordingAsyncio())
    first = await shoko.next_connection()
    await first.round_trip()
    shoko.negotiate_answers += [web.Response(status=500, text="boom") for _ in range(3)]

    await first.drop()
    second = await shoko.next_connection()
    await second.round_trip()
    assert len(shoko.negotiations) == 5
    assert len(logged(caplog_info, LOST)) == 1
    assert logged(caplog_info, BACK) == [BACK]
    assert waits == [0.01, 0.02, 0.03, 0.03]

    # Once a connection has held (STABLE_AFTER; here any time), the next loss waits the
    # shortest time again.
    monkeypatch.setattr(shoko_listener, "STABLE_AFTER", 0.0)
    await second.drop()
    third = await shoko.next_connection()
    await third.round_trip()
    assert waits == [0.01, 0.02, 0.03, 0.03, 0.01]
    assert len(logged(caplog_info, LOST)) == 2
    assert len(logged(caplog_info, BACK)) == 2


class RecordedSleeps:
    """asyncio as the listener sees it, with sleeps recorded (and not slept)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float) -> None:
        self.waits.append(delay)
        await asyncio.sleep(0)


async def test_a_shoko_that_closes_right_after_the_handshake_keeps_backing_off(
    shoko: FakeShoko,
    running: RunningListener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Connections that do not hold (closed at once, again and again) never reset the back-off."""
    monkeypatch.setattr(shoko_listener, "RECONNECT_BACKOFF", (0.01, 0.02, 0.03))
    sleeps = RecordedSleeps()
    monkeypatch.setattr(shoko_listener, "asyncio", sleeps)
    for _ in range(4):
        connection = await shoko.next_connection()
        await connection.round_trip()
        await connection.drop()
    await shoko.next_connection()
    assert sleeps.waits == [0.01, 0.02, 0.03, 0.03]


async def test_a_refused_api_key_waits_the_longest_and_is_logged_once(
    shoko: FakeShoko,
    running: RunningListener,
    caplog_info: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """401 on negotiate: no quick retries (a wrong key stays wrong), one line naming the cause."""
    monkeypatch.setattr(shoko_listener, "RECONNECT_BACKOFF", (0.01, 0.02, 0.03))
    sleeps = RecordedSleeps()
    monkeypatch.setattr(shoko_listener, "asyncio", sleeps)
    first = await shoko.next_connection()
    await first.round_trip()
    shoko.negotiate_answers += [web.Response(status=401) for _ in range(3)]
    await first.drop()
    second = await shoko.next_connection()
    await second.round_trip()
    assert sleeps.waits == [0.01, 0.03, 0.03, 0.03]
    lost = logged(caplog_info, LOST)
    assert lost == ["Shoko's event stream is not available (Shoko closed the stream); reconnecting"]
    assert logged(caplog_info, "refused the API key") == []  # the loss was already logged


async def test_a_key_refused_from_the_start_is_named_in_the_one_line(
    shoko: FakeShoko, caplog_info: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every negotiate answers 401: one line saying why, then waits at the longest only."""
    monkeypatch.setattr(shoko_listener, "RECONNECT_BACKOFF", (0.01, 0.02, 0.03))
    sleeps = RecordedSleeps()
    monkeypatch.setattr(shoko_listener, "asyncio", sleeps)
    shoko.negotiate_answers += [web.Response(status=401) for _ in range(3)]

    async def on_events(batch: list[TrackerEvent]) -> None:
        raise AssertionError(batch)

    async with aiohttp.ClientSession() as session:
        task = asyncio.create_task(ShokoListener(session, shoko.url, API_KEY, on_events).run())
        connection = await shoko.next_connection()
        await connection.round_trip()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert sleeps.waits == [0.03, 0.03, 0.03]
    assert logged(caplog_info, LOST) == [
        "Shoko's event stream is not available (Shoko refused the API key (HTTP 401)); reconnecting"
    ]


async def test_a_close_message_leads_to_a_reconnect(
    shoko: FakeShoko, running: RunningListener, caplog_info: pytest.LogCaptureFixture
) -> None:
    """A type-7 close: the client leaves that socket and negotiates a new one."""
    first = await shoko.next_connection()
    await first.send({"type": 7, "error": "Server is shutting down.", "allowReconnect": True})
    await first.wait_closed()
    second = await shoko.next_connection()
    await second.round_trip()
    assert logged(caplog_info, LOST) == [
        "Shoko's event stream is not available (StreamClosed: Server is shutting down.); "
        "reconnecting"
    ]
    assert len(shoko.negotiations) == 2
    await second.send(file_matched(MATCHED_PATH))
    assert await running.next_events() == [MATCHED_EVENT]


async def test_a_binary_message_ends_the_connection_and_reconnects(
    shoko: FakeShoko, running: RunningListener, caplog_info: pytest.LogCaptureFixture
) -> None:
    """The JSON protocol is text only: a binary message means the stream is not usable."""
    first = await shoko.next_connection()
    await first.socket.send_bytes(b"\x92\x01")
    await first.wait_closed()
    second = await shoko.next_connection()
    await second.round_trip()
    assert len(logged(caplog_info, LOST)) == 1
    assert len(shoko.negotiations) == 2


@pytest.mark.parametrize(
    ("negotiate", "handshake", "reason"),
    [
        pytest.param(
            None,
            '{"error":"Requested protocol \'json\' is not available."}' + RS,
            "StreamClosed: Requested protocol 'json' is not available.",
            id="handshake-error",
        ),
        pytest.param(None, None, "StreamClosed: no handshake answer", id="closed-before-answer"),
        pytest.param(
            web.json_response({"negotiateVersion": 1}),
            None,
            "StreamClosed: negotiate gave no connection token",
            id="negotiate-without-token",
        ),
        pytest.param(
            web.Response(text="<html>Shoko is starting</html>"),
            None,
            "JSONDecodeError",
            id="negotiate-not-json",
        ),
    ],
)
async def test_a_failed_attempt_is_retried(
    shoko: FakeShoko,
    running: RunningListener,
    caplog_info: pytest.LogCaptureFixture,
    negotiate: web.Response | None,
    handshake: str | None,
    reason: str,
) -> None:
    """A refused handshake or a useless negotiate is a failure: logged, then tried again."""
    if negotiate is not None:
        shoko.negotiate_answers.append(negotiate)
    else:
        shoko.handshake_answers.append(handshake)
        refused = await shoko.next_connection()
        await refused.wait_closed()
    connection = await shoko.next_connection()
    await connection.round_trip()
    assert len(shoko.negotiations) == 2
    lost = logged(caplog_info, LOST)
    assert len(lost) == 1
    assert reason in lost[0]
    assert logged(caplog_info, BACK) == [BACK]
    await connection.send(file_matched(MATCHED_PATH))
    assert await running.next_events() == [MATCHED_EVENT]


@pytest.mark.parametrize("silent", ["negotiate", "upgrade", "handshake"])
async def test_a_slow_shoko_times_out_and_is_retried(
    shoko: FakeShoko,
    running: RunningListener,
    caplog_info: pytest.LogCaptureFixture,
    silent: str,
) -> None:
    """An unanswered negotiate, WebSocket upgrade or handshake ends at the request timeout."""
    if silent == "negotiate":
        shoko.unanswered_negotiations = 1
    elif silent == "upgrade":
        shoko.unanswered_upgrades = 1
    else:
        shoko.unanswered_handshakes = 1
        unanswered = await shoko.next_connection()
        await unanswered.wait_closed()
    connection = await shoko.next_connection()
    await connection.round_trip()
    assert len(shoko.negotiations) == 2
    assert logged(caplog_info, LOST) == [
        "Shoko's event stream is not available (TimeoutError); reconnecting"
    ]
    assert logged(caplog_info, BACK) == [BACK]
    await connection.send(file_matched(MATCHED_PATH))
    assert await running.next_events() == [MATCHED_EVENT]


async def test_a_negotiate_answer_that_is_not_an_object_is_retried(
    shoko: FakeShoko, running: RunningListener, caplog_info: pytest.LogCaptureFixture
) -> None:
    """A JSON list from negotiate (something else at that URL) is a failure, not the end.

    The listener must keep running until cancelled: an unexpected answer is retried like any
    other failure rather than ending the task for good.
    """
    shoko.negotiate_answers.append(web.json_response(["not", "signalr"]))
    connection = await shoko.next_connection()
    await connection.round_trip()
    assert len(shoko.negotiations) == 2
    assert len(logged(caplog_info, LOST)) == 1


async def test_a_legacy_negotiate_connection_id_is_used(
    shoko: FakeShoko, running: RunningListener
) -> None:
    """A negotiate answer without connectionToken (version 0) gives its connectionId."""
    shoko.negotiate_answers.append(web.json_response({"connectionId": "legacy-id"}))
    connection = await shoko.next_connection()
    await connection.round_trip()
    assert connection.query["id"] == "legacy-id"


async def test_records_that_come_with_the_handshake_answer_are_read(
    shoko: FakeShoko, running: RunningListener
) -> None:
    """SignalR may send the handshake answer and the first records in one message.

    The official clients keep what follows the handshake answer (HandshakeProtocol's
    "remainingData") and read it as messages.
    """
    shoko.handshake_answers.append("{}" + RS + frame_text(file_matched(MATCHED_PATH)))
    connection = await shoko.next_connection()
    await connection.round_trip()
    assert await running.next_events() == [MATCHED_EVENT]


async def test_events_before_a_close_message_in_the_same_message_are_delivered(
    shoko: FakeShoko, running: RunningListener
) -> None:
    """Records are read in order: an event received before the close still counts."""
    first = await shoko.next_connection()
    await first.send(file_matched(MATCHED_PATH), {"type": 7, "error": "Server is shutting down."})
    assert await running.next_events() == [MATCHED_EVENT]
    await first.wait_closed()
    second = await shoko.next_connection()
    await second.round_trip()


@pytest.fixture
def short_silence_limit(monkeypatch: pytest.MonkeyPatch) -> float:
    """Give up on a connected Shoko that says nothing after 0.3 s rather than 30 s."""
    monkeypatch.setattr(shoko_listener, "SILENCE_LIMIT", 0.3)
    return 0.3


async def test_a_stream_gone_silent_is_given_up_and_reconnected(
    short_silence_limit: float,
    shoko: FakeShoko,
    running: RunningListener,
    caplog_info: pytest.LogCaptureFixture,
) -> None:
    """No ping within the limit: a connection that died without closing; a new one is opened."""
    first = await shoko.next_connection()
    await first.round_trip()
    second = await shoko.next_connection()  # no message sent to the first one
    await first.wait_closed()  # and the listener closed it
    await second.round_trip()
    assert logged(caplog_info, LOST) == [
        "Shoko's event stream is not available (StreamClosed: nothing from Shoko for 0.3 s); "
        "reconnecting"
    ]
    await second.send(file_matched(MATCHED_PATH))
    assert await running.next_events() == [MATCHED_EVENT]


async def test_pings_within_the_limit_keep_the_connection(
    short_silence_limit: float, shoko: FakeShoko, running: RunningListener
) -> None:
    """Shoko pinging every 0.1 s for three times the limit: the one connection stays."""
    connection = await shoko.next_connection()
    for _ in range(9):
        await connection.round_trip()
        await asyncio.sleep(short_silence_limit / 3)
    await connection.send(file_matched(MATCHED_PATH))
    assert await running.next_events() == [MATCHED_EVENT]
    assert len(shoko.negotiations) == 1
    assert running.listener.connected is True
