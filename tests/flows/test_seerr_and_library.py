"""Seerr's templated bodies and MEDIA_AVAILABLE; Jellyfin outages taken for no answer."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .. import (
    JELLYFIN_URL,
    advance,
    load_fixture,
    mock_jellyfin_items,
    mock_qbittorrent,
    post_webhook,
    replace_mocks,
    sensor,
    torrent,
)

EMPTY_LIBRARY = {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}
ARRIVAL_ITEM = "0b1c2d3e4f5061728394a5b6c7d8e9f0"


def jellyfin_calls(aioclient_mock: AiohttpClientMocker) -> int:
    """Return how many calls went to Jellyfin."""
    return sum(1 for call in aioclient_mock.mock_calls if str(call[1]).startswith(JELLYFIN_URL))


async def test_unfilled_template_variables_are_missing_values(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A custom Seerr template whose variables were not filled stores none of them."""
    client = await hass_client_no_auth()
    payload = load_fixture("seerr_movie_approved.json")
    payload["media"] |= {"imdbId": "{{media_imdbid}}", "tvdbId": "{{media_tvdbid}}"}
    payload["request"] |= {"requestedBy_username": "{{requestedBy_username}}"}
    payload["message"] = "   "
    payload["image"] = "{{image}}"
    payload["extra"] = [{"name": "Requested Seasons", "value": "{{requested_seasons}}"}]
    assert (await post_webhook(client, "jellyseerr", payload))[0] == HTTPStatus.OK
    await hass.async_block_till_done()
    attributes = sensor(hass).attributes
    assert attributes["tmdb_id"] == 329865
    assert attributes["imdb_id"] is None
    assert "tvdb_id" not in attributes  # a movie has none (get_request still gives it)
    assert attributes["requested_by"] is None
    assert attributes["overview"] is None
    assert attributes["poster_url"] is None
    assert attributes["requested_seasons"] == []

    # Radarr's grab fills in the real IMDb id later: nothing unfilled stood in its way.
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await hass.async_block_till_done()
    assert sensor(hass).attributes["imdb_id"] == "tt2543164"


async def test_media_available_from_seerr_still_links_the_library_item(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Seerr says available before Jellyfin was asked: Jellyfin is asked, the item linked."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_approved.json"))
    available = load_fixture("seerr_movie_approved.json") | {
        "notification_type": "MEDIA_AVAILABLE",
        "event": "Movie Now Available",
    }
    await post_webhook(client, "jellyseerr", available)
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.state == "available"
    assert state.attributes["available_at"] is not None
    await advance(hass, freezer, 1)
    state = sensor(hass)
    assert state.attributes["jellyfin_id"] == ARRIVAL_ITEM
    assert state.attributes["history"][-1]["note"] == "found in Jellyfin (tmdb id, title search)"

    # Linked: Jellyfin is not asked again.
    calls = jellyfin_calls(aioclient_mock)
    await advance(hass, freezer, timedelta(hours=2))
    assert jellyfin_calls(aioclient_mock) == calls


async def test_an_available_request_jellyfin_never_lists_is_given_up_on(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Linking is tried along the back-off once, then no more (the request is finished)."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    mock_jellyfin_items(aioclient_mock, EMPTY_LIBRARY)
    available = load_fixture("seerr_movie_approved.json") | {"notification_type": "MEDIA_AVAILABLE"}
    await post_webhook(client, "jellyseerr", load_fixture("seerr_movie_approved.json"))
    await post_webhook(client, "jellyseerr", available)
    for _ in range(12):
        await advance(hass, freezer, timedelta(minutes=31))
    calls = jellyfin_calls(aioclient_mock)
    assert calls > 0
    await advance(hass, freezer, timedelta(hours=3))
    assert jellyfin_calls(aioclient_mock) == calls
    assert sensor(hass).state == "available"
    assert sensor(hass).attributes["jellyfin_id"] is None


async def test_a_jellyfin_outage_is_not_a_miss_and_the_check_follows_it(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Jellyfin answers 500 for an hour: no back-off to 30 min; found soon after it is back."""
    client = await hass_client_no_auth()
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [torrent(state="uploading", progress=1)])
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", status=500)
    await post_webhook(client, "radarr", load_fixture("radarr_grab.json"))
    await post_webhook(client, "radarr", load_fixture("radarr_download.json"))
    await hass.async_block_till_done()
    assert sensor(hass).state == "importing"
    for _ in range(120):  # an hour of failed checks
        await advance(hass, freezer, 30)
    assert sensor(hass).state == "importing"

    # Jellyfin is back, with the item: found within a minute, not half an hour later.
    replace_mocks(aioclient_mock)
    mock_qbittorrent(aioclient_mock, [])
    mock_jellyfin_items(aioclient_mock, load_fixture("jellyfin_items_arrival.json"))
    await advance(hass, freezer, 31)
    state = sensor(hass)
    assert state.state == "available"
    assert state.attributes["jellyfin_id"] == ARRIVAL_ITEM
