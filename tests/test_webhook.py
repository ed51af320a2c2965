"""Webhooks: bad input gets a clear 4xx and one log line, never a 500, never a changed request."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from types import FrameType, TracebackType
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN

from . import (
    ENTRY_DATA,
    NO_RECONCILING,
    WEBHOOK_IDS,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    setup_integration,
    torrent,
)

GRAB = load_fixture("radarr_grab.json")
# What a caught exception keeps in a reference cycle: itself, its traceback and their frames.
KEPT_BY_EXCEPTIONS = (BaseException, TracebackType, FrameType)


@pytest.fixture
async def tracked(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> Any:
    """Return a client, with one grabbed request already tracked."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="queuedDL")])
    assert (await post_webhook(client, "radarr", GRAB))[0] == 200
    await hass.async_block_till_done()
    return client


def snapshot(hass: HomeAssistant) -> dict[str, Any]:
    """Return every tracked request as stored, to prove nothing changed."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    return entry.runtime_data.coordinator.tracker.to_dict()


BAD_BODIES: list[tuple[str, bytes, str]] = [
    ("radarr", b"{not json", "body is not valid JSON"),
    ("radarr", b"\xff\xfe\x00garbage", "body is not valid JSON"),
    ("radarr", b"", "expected a JSON object"),
    ("radarr", b"[1, 2, 3]", "expected a JSON object"),
    ("radarr", b'"Grab"', "expected a JSON object"),
    ("radarr", b'{"eventType": 5}', "invalid eventType"),
    ("radarr", b'{"eventType": "Grab"}', "Grab without movie.id"),
    ("radarr", b'{"eventType": "Grab", "movie": {"id": "forty-one"}}', "invalid movie.id"),
    ("radarr", b'{"eventType": "Grab", "movie": {"id": 1, "tags": "anime"}}', "invalid movie.tags"),
    ("radarr", b'{"eventType": "Download", "movie": {"id": true}}', "invalid movie.id"),
    ("jellyseerr", b"{}", "invalid notification_type"),
    ("jellyseerr", b'{"notification_type": "MEDIA_APPROVED", "media": null}', "without media"),
    (
        "jellyseerr",
        b'{"notification_type": "MEDIA_APPROVED", "media": {"media_type": "book", "tmdbId": "1"}}',
        "media_type must be movie or tv",
    ),
    (
        "jellyseerr",
        b'{"notification_type": "MEDIA_APPROVED", "media": {"media_type": "movie", "tmdbId": ""}}',
        "neither a tmdbId nor a tvdbId",
    ),
    ("sonarr", b'{"series": {"id": 3}}', "invalid eventType"),
    ("sonarr", b'{"eventType": "Grab", "series": {"id": 3}}', "Grab without episodes"),
    ("sonarr", b'{"eventType": "Grab", "episodes": [{"seasonNumber": 1}]}', "invalid episodes"),
    ("qbittorrent", b'["x"]', "expected a JSON object or an empty body"),
    ("qbittorrent", b'{"hash": {"a": 1}}', "invalid hash"),
    ("jellyfin", b"ItemAdded", "body is not valid JSON"),
    ("jellyfin", b'{"ItemType": "Movie"}', "invalid NotificationType"),
]


@pytest.mark.parametrize(("service", "body", "reason"), BAD_BODIES)
async def test_bad_bodies_get_400_and_change_nothing(
    hass: HomeAssistant,
    tracked: Any,
    caplog: pytest.LogCaptureFixture,
    service: str,
    body: bytes,
    reason: str,
) -> None:
    """Each unusable body: 400 with a short reason, one warning, the tracker untouched."""
    before = snapshot(hass)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="custom_components.media_request_tracker"):
        status, answer = await post_webhook(tracked, service, None, raw=body)
    assert status == 400
    assert reason in answer["error"]
    ours = [
        r for r in caplog.records if r.name.startswith("custom_components.media_request_tracker")
    ]
    assert len(ours) == 1
    assert ours[0].levelno == logging.WARNING
    assert reason in ours[0].getMessage()
    assert WEBHOOK_IDS[service] not in caplog.text
    assert snapshot(hass) == before


async def test_huge_body_is_refused_with_413(hass: HomeAssistant, tracked: Any) -> None:
    """A body over 1 MB is refused before it is parsed."""
    before = snapshot(hass)
    huge = b'{"eventType": "Grab", "pad": "' + b"x" * (1024 * 1024) + b'"}'
    status, answer = await post_webhook(tracked, "radarr", None, raw=huge)
    assert status == 413
    assert answer == {"error": "body too large"}
    assert snapshot(hass) == before


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


@pytest.mark.parametrize(
    ("pad", "status", "answer"),
    [
        (1024 * 1024, 413, {"error": "body too large"}),
        (100 * 1024, 200, {"result": "test received"}),
    ],
)
async def test_a_chunked_body_is_counted_as_it_comes(
    hass: HomeAssistant, tracked: Any, pad: int, status: int, answer: dict[str, str]
) -> None:
    """Without a Content-Length (chunked), the body is refused once it passes 1 MB."""
    before = snapshot(hass)
    body = b'{"eventType": "Test", "pad": "' + b"x" * pad + b'"}'
    response = await tracked.post(
        f"/api/webhook/{WEBHOOK_IDS['radarr']}",
        data=_chunks(body),
        headers={"Content-Type": "application/json"},
    )
    assert (response.status, await response.json()) == (status, answer)
    assert snapshot(hass) == before


@pytest.mark.parametrize(
    ("service", "payload", "note"),
    [
        ("radarr", {"eventType": "Test", "movie": {"id": 1, "tmdbId": 0}}, "test received"),
        ("radarr", {"eventType": "Health", "level": "warning"}, "ignored: Health"),
        ("sonarr", {"eventType": "Test"}, "test received"),
        ("sonarr", {"eventType": "Rename", "series": {"id": 3}}, "ignored: Rename"),
        (
            "jellyseerr",
            load_fixture("seerr_movie_pending.json") | {"notification_type": "TEST_NOTIFICATION"},
            "test received",
        ),
        ("jellyseerr", {"notification_type": "ISSUE_CREATED"}, "ignored: ISSUE_CREATED"),
        ("jellyfin", {"NotificationType": "PlaybackStart"}, "ignored: PlaybackStart"),
    ],
)
async def test_test_and_untracked_events_get_200(
    hass: HomeAssistant, tracked: Any, service: str, payload: dict[str, Any], note: str
) -> None:
    """Test buttons and events we do not track are acknowledged and change nothing."""
    before = snapshot(hass)
    assert await post_webhook(tracked, service, payload) == (200, {"result": note})
    assert snapshot(hass) == before


async def test_get_is_not_allowed(hass: HomeAssistant, tracked: Any) -> None:
    """The webhooks take POST only."""
    response = await tracked.get(f"/api/webhook/{WEBHOOK_IDS['radarr']}")
    assert response.status == 405


async def test_no_shoko_webhook_without_shoko(hass: HomeAssistant, tracked: Any) -> None:
    """Only configured services get a webhook (ENTRY_DATA has no Shoko)."""
    assert "shoko" not in ENTRY_DATA["webhook_ids"]
    response = await tracked.post(f"/api/webhook/{'f' * 64}", json={"type": 1})
    assert response.status == 200  # Home Assistant answers unknown ids with 200 and no action
    assert snapshot(hass)["requests"][0]["state"] == "grabbing"


async def test_qbittorrent_hook_polls_at_once(
    hass: HomeAssistant, tracked: Any, aioclient_mock: AiohttpClientMocker
) -> None:
    """qBittorrent's "run on finish" call makes the integration poll without waiting."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="stalledUP", progress=1)])
    assert await post_webhook(tracked, "qbittorrent", None, raw=b"") == (
        200,
        {"result": "poll requested"},
    )
    await hass.async_block_till_done()
    assert sensor(hass).state == "downloaded"


async def test_jellyfin_item_added_checks_at_once(
    hass: HomeAssistant,
    tracked: Any,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Jellyfin's ItemAdded (text/plain, string values) makes the check happen now."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    mock_jellyfin_items(aioclient_mock, {"Items": []})
    download = load_fixture("radarr_download.json")
    assert (await post_webhook(tracked, "radarr", download))[0] == 200
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert sensor(hass).state == "importing"  # first check: not there yet; next one in 30 s

    replace_mocks(aioclient_mock)
    mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))
    body = b'{"NotificationType": "ItemAdded", "ItemType": "Movie", "Provider_tmdb": "329865"}'
    response = await tracked.post(
        f"/api/webhook/{WEBHOOK_IDS['jellyfin']}",
        data=body,
        headers={"Content-Type": "text/plain"},
    )
    assert response.status == 200
    await hass.async_block_till_done()
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert sensor(hass).state == "available"


@pytest.mark.parametrize(
    ("local_only", "status"),
    [(True, 403), (False, 200)],
)
async def test_local_only_refuses_calls_from_outside(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    local_only: bool,
    status: int,
) -> None:
    """With local_only on (the default), a call from a public address gets 403, no change."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=config_entry.title,
        data=ENTRY_DATA,
        options=NO_RECONCILING | {"local_only": local_only},
    )
    mock_qbittorrent(aioclient_mock, [])
    await setup_integration(hass, entry)
    client = await hass_client_no_auth()
    with patch(
        "custom_components.media_request_tracker.webhook._is_local_address", return_value=False
    ):
        answer, _ = await post_webhook(
            client, "jellyseerr", load_fixture("seerr_movie_pending.json")
        )
    await hass.async_block_till_done()
    assert answer == status
    assert (hass.states.get("sensor.media_request_tracker_arrival_2016") is None) is local_only
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("custom_components")]
    assert ours, "the integration logged nothing"
    assert not any(WEBHOOK_IDS["jellyseerr"] in message for message in ours)
    if local_only:
        assert any("only the local network may call it" in message for message in ours)
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("service", "fixture"),
    [
        ("radarr", "radarr_grab.json"),
        ("sonarr", "sonarr_grab_season_pack.json"),
        ("sonarr", "sonarr_download_file.json"),
        ("jellyseerr", "seerr_tv_approved.json"),
        ("shoko", "shoko_file_matched_movie.json"),
    ],
)
async def test_a_webhook_leaves_no_exception_for_the_collector(
    hass: HomeAssistant, tracked: Any, service: str, fixture: str
) -> None:
    """A well-formed body is read without raising inside: no traceback keeps the request alive.

    An exception caught inside validation (`vol.Any(None, ...)` tries None first) holds the
    request's frames in a reference cycle until Python's garbage collector runs, a cost that
    grows with everything else Home Assistant holds. (Probatio leaves a few objects of its own
    once per schema, when it compiles one: those are not looked at.)
    """
    payload = load_fixture(fixture)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(5):
            assert (await post_webhook(tracked, service, payload))[0] == 200
        await hass.async_block_till_done()
        gc.collect()
        kept = {type(item).__name__ for item in gc.garbage if isinstance(item, KEPT_BY_EXCEPTIONS)}
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()
    assert not kept
