"""TV problems of one episode among others: a removed download, a stuck flag, each file's path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import NEW_TORRENT_POLL_COOLDOWN

from .. import (
    JELLYFIN_URL,
    SONARR_URL,
    advance,
    load_fixture,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    request_data,
    sensor,
    torrent,
)

SHOW_ENTITY = "sensor.media_request_tracker_breaking_bad_2008"
HASHES = {number: f"{number:02d}" * 20 for number in (1, 2)}
EMPTY_LIBRARY = {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}


def single_grab(number: int) -> dict[str, Any]:
    """Return Sonarr's grab of one episode of season 2, in a torrent of its own."""
    grab: dict[str, Any] = load_fixture("sonarr_grab_season_pack.json")
    return grab | {"episodes": [grab["episodes"][number - 1]], "downloadId": HASHES[number].upper()}


def single_import(number: int) -> dict[str, Any]:
    """Return Sonarr's per-file import of that episode."""
    payload: dict[str, Any] = load_fixture("sonarr_download_file.json")
    complete: dict[str, Any] = load_fixture("sonarr_import_complete.json")
    return payload | {
        "episodes": [complete["episodes"][number - 1]],
        "episodeFile": complete["episodeFiles"][number - 1],
        "downloadId": HASHES[number].upper(),
    }


def answer(aioclient_mock: AiohttpClientMocker, torrents: list[dict[str, Any]]) -> None:
    """Answer qBittorrent with `torrents`; Jellyfin has nothing yet, Sonarr's queue is empty."""
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, torrents)
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json=EMPTY_LIBRARY)
    aioclient_mock.get(f"{SONARR_URL}/api/v3/queue", json={"records": [], "totalRecords": 0})


async def episodes(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the show's episodes, as the get_request action gives them."""
    entries: list[dict[str, Any]] = (await request_data(hass, SHOW_ENTITY))["episodes"]
    return entries


async def grab_both(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    client: Any,
    **second: Any,
) -> None:
    """Grab episodes 1 and 2; episode 1 complete, episode 2 as `second` says.

    The two grabs are a burst: the first is polled at once, the second at the end of the
    cool-down.
    """
    answer(
        aioclient_mock,
        [
            torrent(hash=HASHES[1], state="uploading", progress=1),
            torrent(hash=HASHES[2], **second),
        ],
    )
    for number in (1, 2):
        assert (await post_webhook(client, "sonarr", single_grab(number)))[0] == 200
        await hass.async_block_till_done()
    await advance(hass, freezer, NEW_TORRENT_POLL_COOLDOWN)


async def test_a_removed_episode_fails_while_another_is_importing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Episode 2's torrent goes from qBittorrent while episode 1 imports: it fails a limit later."""
    client = await hass_client_no_auth()
    await grab_both(
        hass, freezer, aioclient_mock, client, state="downloading", progress=0.2, dlspeed=9
    )
    await post_webhook(client, "sonarr", single_import(1))
    await hass.async_block_till_done()
    assert [episode["state"] for episode in (await episodes(hass))] == ["importing", "downloading"]
    assert sensor(hass, SHOW_ENTITY).state == "importing"

    # Episode 2's torrent is removed from qBittorrent.
    answer(aioclient_mock, [])
    await advance(hass, freezer, 5)
    assert (await episodes(hass))[1][
        "stuck_reason"
    ] == "download client reports the download removed"
    assert sensor(hass, SHOW_ENTITY).state == "importing"

    # Not yet failed within the downloading limit (24 h) ...
    await advance(hass, freezer, timedelta(hours=23))
    assert (await episodes(hass))[1]["state"] == "downloading"
    # ... failed after it, and with it the request.
    await advance(hass, freezer, timedelta(hours=1, minutes=5))
    state = sensor(hass, SHOW_ENTITY)
    assert [episode["state"] for episode in await episodes(hass)] == [
        "importing",
        "failed",
    ]
    assert state.state == "failed"
    assert state.attributes["failure_reason"] == "download removed"
    assert state.attributes["failure_code"] == "download_removed"


async def test_a_torrent_listed_again_is_not_removed_after_all(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Episode 2's torrent disappears for one poll and comes back: nothing fails."""
    client = await hass_client_no_auth()
    await grab_both(
        hass, freezer, aioclient_mock, client, state="downloading", progress=0.2, dlspeed=9
    )
    await post_webhook(client, "sonarr", single_import(1))
    answer(aioclient_mock, [])
    await advance(hass, freezer, 5)
    assert (await episodes(hass))[1]["stuck_reason"] is not None

    answer(aioclient_mock, [torrent(hash=HASHES[2], state="downloading", progress=0.3, dlspeed=9)])
    await advance(hass, freezer, 35)  # nothing moved data: the idle interval
    assert (await episodes(hass))[1]["stuck_reason"] is None
    await advance(hass, freezer, timedelta(hours=24, minutes=5))
    assert (await episodes(hass))[1]["state"] == "downloading"
    assert sensor(hass, SHOW_ENTITY).state != "failed"


async def test_the_stuck_flag_of_a_show_goes_with_its_episodes_problem(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Episode 2 needs a hand while episode 1 imports; once 2 is imported, the show is not stuck."""
    client = await hass_client_no_auth()
    await grab_both(hass, freezer, aioclient_mock, client, state="uploading", progress=1)
    await post_webhook(client, "sonarr", single_import(1))
    await hass.async_block_till_done()
    assert sensor(hass, SHOW_ENTITY).state == "importing"

    attention = single_grab(2) | {
        "eventType": "ManualInteractionRequired",
        "downloadStatusMessages": [
            {
                "title": "Breaking.Bad.S02E02.1080p",
                "messages": ["Not an upgrade for existing episode file(s)"],
            }
        ],
    }
    await post_webhook(client, "sonarr", attention)
    await hass.async_block_till_done()
    state = sensor(hass, SHOW_ENTITY)
    assert state.attributes["stuck"] is True
    assert state.attributes["stuck_code"] == "not_upgrade"

    # Episode 2 imported after all: the show stays importing, and is stuck no longer.
    await post_webhook(client, "sonarr", single_import(2))
    await hass.async_block_till_done()
    state = sensor(hass, SHOW_ENTITY)
    assert state.state == "importing"
    assert [episode["state"] for episode in await episodes(hass)] == [
        "importing",
        "importing",
    ]
    assert state.attributes["stuck"] is False
    assert state.attributes["stuck_reason"] is None
    assert state.attributes["stuck_code"] is None


async def test_each_episode_shows_its_library_file(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Sonarr's per-episode file path is in the episode's entry."""
    client = await hass_client_no_auth()
    await grab_both(hass, freezer, aioclient_mock, client, state="uploading", progress=1)
    await post_webhook(client, "sonarr", single_import(1))
    await hass.async_block_till_done()
    first, second = await episodes(hass)
    assert first["final_path"] == (
        "/media/tv/Breaking Bad/Season 02/Breaking Bad - S02E01 - Seven Thirty-Seven [Bluray-1080p].mkv"
    )
    assert second["final_path"] is None
