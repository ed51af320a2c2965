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
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.clients import shoko_listener
from custom_components.media_request_tracker.clients.shoko_listener import ShokoListener
from custom_components.media_request_tracker.const import DOMAIN
from custom_components.media_request_tracker.tracker import (
    FileMatched,
    FileNotMatched,
    TrackerEvent,
)
from custom_components.media_request_tracker.tracker.events import ShokoCrossReference
from tests import (
    ARRIVAL_ENTITY,
    ENTRY_DATA,
    WEBHOOK_IDS,
    load_fixture,
    post_webhook,
    sensor,
    setup_integration,
    torrent,
)
from tests.helpers.fake_shoko import (
    PING,
    RS,
    TIMEOUT,
    FakeShoko,
    Negotiation,
    frame_text,
    parse_records,
    start_site,
)

API_KEY = "shoko-key"
LOGGER_NAME = "custom_components.media_request_tracker"
LOST = "Shoko's event stream is not available"
BACK = "Shoko's event stream is back"
UNUSABLE = "Ignored an unusable Shoko event"

# Windows-style relative paths, as Shoko on Windows reports them (PAYLOADS.md §4: OS separators).
MATCHED_PATH = "Sousou no Frieren\\Season 1\\Sousou no Frieren - S01E02 [WEB-1080p].mkv"
NOT_MATCHED_PATH = "Sousou no Frieren\\Season 1\\Sousou no Frieren - S01E03 [WEB-1080p].mkv"


def file_matched(path: str = MATCHED_PATH, file_id: int = 5120) -> dict[str, Any]:
    """Return a v5 FileMatched invocation (the shape of Shoko's FileEventSignalRModel)."""
    return {
        "type": 1,
        "target": "ShokoEvent:FileMatched",
        "arguments": [
            {
                "FileID": file_id,
                "FileLocationID": 6230,
                "ImportFolderID": 3,
                "RelativePath": path,
                "CrossReferences": [
                    {
                        "EpisodeID": 901,
                        "AnidbEpisodeID": 264400,
                        "SeriesID": 45,
                        "AnidbAnimeID": 17617,
                        "GroupID": 30,
                    }
                ],
            }
        ],
    }


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
async def shoko(socket_enabled: None) -> AsyncGenerator[FakeShoko]:
    """Run a fake Shoko Server on loopback."""
    server = FakeShoko()
    await server.start()
    yield server
    await server.stop()


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
    await connection.send(file_matched(), FILE_NOT_MATCHED)
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
    await connection.send(file_matched())
    assert await running.next_events() == [MATCHED_EVENT]


async def test_an_unusable_file_matched_is_logged_once_and_the_stream_goes_on(
    shoko: FakeShoko, running: RunningListener, caplog: pytest.LogCaptureFixture
) -> None:
    """A FileMatched without RelativePath is a warning; the good record beside it still counts."""
    connection = await shoko.next_connection()
    unusable = file_matched()
    del unusable["arguments"][0]["RelativePath"]
    await connection.send(unusable, FILE_NOT_MATCHED)
    assert await running.next_events() == [NOT_MATCHED_EVENT]
    await connection.send(file_matched())
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

    await second.send(file_matched())
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

    # Once connected again, the next loss waits the shortest time again.
    await second.drop()
    third = await shoko.next_connection()
    await third.round_trip()
    assert waits == [0.01, 0.02, 0.03, 0.03, 0.01]
    assert len(logged(caplog_info, LOST)) == 2
    assert len(logged(caplog_info, BACK)) == 2


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
    await second.send(file_matched())
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
    await connection.send(file_matched())
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
    await connection.send(file_matched())
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
    shoko.handshake_answers.append("{}" + RS + frame_text(file_matched()))
    connection = await shoko.next_connection()
    await connection.round_trip()
    assert await running.next_events() == [MATCHED_EVENT]


async def test_events_before_a_close_message_in_the_same_message_are_delivered(
    shoko: FakeShoko, running: RunningListener
) -> None:
    """Records are read in order: an event received before the close still counts."""
    first = await shoko.next_connection()
    await first.send(file_matched(), {"type": 7, "error": "Server is shutting down."})
    assert await running.next_events() == [MATCHED_EVENT]
    await first.wait_closed()
    second = await shoko.next_connection()
    await second.round_trip()


# --- Inside Home Assistant -------------------------------------------------------------------


@pytest.fixture
async def qbittorrent_url(socket_enabled: None) -> AsyncGenerator[str]:
    """Serve the qBittorrent WebUI calls the coordinator makes, with Arrival seeding."""

    async def login(_: web.Request) -> web.Response:
        return web.Response(text="Ok.", headers={"Set-Cookie": "SID=abc; HttpOnly; path=/"})

    async def torrents(_: web.Request) -> web.Response:
        return web.json_response([torrent(state="stalledUP", progress=1, amount_left=0)])

    async def transfer(_: web.Request) -> web.Response:
        return web.json_response({"dl_info_speed": 0})

    app = web.Application()
    app.router.add_post("/api/v2/auth/login", login)
    app.router.add_get("/api/v2/torrents/info", torrents)
    app.router.add_get("/api/v2/transfer/info", transfer)
    runner = web.AppRunner(app, shutdown_timeout=1)
    url = await start_site(runner)
    yield url
    await runner.cleanup()


async def wait_for_attribute(hass: HomeAssistant, entity_id: str, name: str) -> State:
    """Wait until the entity has attribute `name` set; return its state."""
    changed = asyncio.Event()

    @callback
    def on_change(_: Event[EventStateChangedData]) -> None:
        changed.set()

    unsubscribe = async_track_state_change_event(hass, entity_id, on_change)
    try:
        async with asyncio.timeout(TIMEOUT):
            while (state := sensor(hass, entity_id)).attributes.get(name) is None:
                changed.clear()
                await changed.wait()
    finally:
        unsubscribe()
    return state


def anime(payload: dict[str, Any]) -> dict[str, Any]:
    """Return a Radarr payload whose movie carries the anime tag."""
    return payload | {"movie": payload["movie"] | {"tags": ["anime"]}}


async def test_the_entry_listens_to_shoko_and_stores_the_match(
    hass: HomeAssistant,
    shoko: FakeShoko,
    qbittorrent_url: str,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """An anime import waits for Shoko; Shoko's FileMatched over the stream stores its ids."""
    data = {key: value for key, value in ENTRY_DATA.items() if key != "jellyfin"}
    data["qbittorrent"] = ENTRY_DATA["qbittorrent"] | {"url": qbittorrent_url}
    data["shoko"] = {"url": shoko.url, "api_key": API_KEY}
    data["webhook_ids"] = {k: v for k, v in WEBHOOK_IDS.items() if k != "jellyfin"} | {
        "shoko": "f" * 64
    }
    entry = MockConfigEntry(domain=DOMAIN, title="Media Request Tracker", data=data)
    await setup_integration(hass, entry)
    connection = await shoko.next_connection()
    await connection.round_trip()
    # The key travels in the header only: a query string ends up in access logs.
    assert connection.query == {"feeds": "shoko", "id": "token-1"}
    assert connection.apikey_header == API_KEY
    assert shoko.negotiations[0].apikey_header == API_KEY

    client = await hass_client_no_auth()
    download = anime(load_fixture("radarr_download.json"))
    for payload in (anime(load_fixture("radarr_grab.json")), download):
        status, _ = await post_webhook(client, "radarr", payload)
        assert status == 200
    await hass.async_block_till_done()
    assert sensor(hass).state == "anime_matching"
    assert sensor(hass).attributes["shoko_file_id"] is None

    # Shoko's import folder is the library root: the path is the tail, with Windows separators.
    final_path = download["movieFile"]["path"]
    assert final_path == "/media/movies/Arrival (2016)/Arrival (2016) [Bluray-1080p].mkv"
    await connection.send(file_matched("Arrival (2016)\\Arrival (2016) [Bluray-1080p].mkv", 7001))
    state = await wait_for_attribute(hass, ARRIVAL_ENTITY, "shoko_file_id")
    assert state.attributes["shoko_file_id"] == 7001
    assert state.attributes["shoko_series_id"] == 45
    assert state.attributes["anidb_id"] == 17617
    # Only Jellyfin (not configured here) or Jellyseerr can make it available.
    assert state.state == "anime_matching"

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await connection.wait_closed()
    assert not [
        task
        for task in asyncio.all_tasks()
        if task.get_name() == f"{DOMAIN} Shoko listener" and not task.done()
    ]
