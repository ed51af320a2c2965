"""Shoko's frames as a bridge relays them, and files Shoko names by a different folder layout."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .. import (
    JELLYFIN_URL,
    SHOKO_URL,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    torrent,
)
from ..helpers.anime import EMPTY, anime_pack, matched

SHOW_ENTITY = "sensor.media_request_tracker_mushishi_2005"
RECORD_SEPARATOR = b"\x1e"


async def import_pack(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, client: Any
) -> None:
    """Grab the 12-episode anime pack (complete) and import every file; Jellyfin has none."""
    grab, imports = anime_pack()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(hash="ab" * 20, state="stalledUP", progress=1)])
    aioclient_mock.post(f"{SHOKO_URL}/signalr/aggregate/negotiate", status=503)
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json=EMPTY)
    assert (await post_webhook(client, "sonarr", grab))[0] == 200
    for payload in imports:
        assert (await post_webhook(client, "sonarr", payload))[0] == 200
    await hass.async_block_till_done()
    assert sensor(hass, SHOW_ENTITY).state == "anime_matching"


def shoko_ids(hass: HomeAssistant, anime_entry: MockConfigEntry) -> list[int | None]:
    """Return the AniDB episode id Shoko gave each episode (None: not matched)."""
    tracker = anime_entry.runtime_data.coordinator.tracker
    (request,) = (r for r in tracker.requests.values() if r.title == "Mushishi")
    return [episode.anidb_episode_id for episode in request.episodes]


async def test_signalr_wire_framing_is_accepted_on_the_shoko_webhook(
    hass: HomeAssistant,
    anime_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Frames ending in 0x1E, as the raw stream carries them: each one counts."""
    client = await hass_client_no_auth()
    await import_pack(hass, aioclient_mock, client)
    body = b"".join(json.dumps(matched(n)).encode() + RECORD_SEPARATOR for n in (1, 2))
    body += json.dumps({"type": 6}).encode() + RECORD_SEPARATOR  # a ping among them
    status, answer = await post_webhook(client, "shoko", None, raw=body)
    assert (status, answer) == (200, {"result": "accepted"})
    await hass.async_block_till_done()
    assert shoko_ids(hass, anime_entry)[:3] == [90001, 90002, None]

    # Without a separator it is JSON as before; a separator alone is no frame at all.
    assert (await post_webhook(client, "shoko", matched(3)))[0] == 200
    await hass.async_block_till_done()
    assert shoko_ids(hass, anime_entry)[2] == 90003
    status, answer = await post_webhook(client, "shoko", None, raw=RECORD_SEPARATOR)
    assert (status, answer) == (400, {"error": "no SignalR frames"})
    status, _ = await post_webhook(client, "shoko", None, raw=b"{" + RECORD_SEPARATOR)
    assert status == 400


async def test_a_file_shoko_names_in_another_folder_layout_is_matched_by_its_name(
    hass: HomeAssistant,
    anime_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Shoko's import folder is laid out otherwise than the library: the file name decides."""
    client = await hass_client_no_auth()
    await import_pack(hass, aioclient_mock, client)
    frame = matched(5)
    name = frame["arguments"][0]["RelativePath"].rsplit("/", 1)[-1]
    frame["arguments"][0]["RelativePath"] = f"Downloads/anime sorted by hand/{name}"
    assert (await post_webhook(client, "shoko", frame))[0] == 200
    await hass.async_block_till_done()
    ids = shoko_ids(hass, anime_entry)
    assert ids[4] == 90005
    assert ids.count(None) == 11
    state = sensor(hass, SHOW_ENTITY)
    assert state.attributes["anidb_id"] == 3300
