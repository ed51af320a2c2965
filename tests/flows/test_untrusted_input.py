"""What a payload says never forges a log line nor points a dashboard at an arbitrary URL."""

from __future__ import annotations

import logging

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .. import load_fixture, post_webhook, sensor

FORGED = "2026-12-02 10:00:00.000 ERROR (MainThread) [homeassistant.core] forged line"


def our_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the integration's log lines as a log file would hold them."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.media_request_tracker")
    ]


async def test_a_title_with_a_newline_cannot_forge_a_log_line(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An import that starts nothing logs its title, with the newline escaped."""
    caplog.set_level(logging.INFO)
    client = await hass_client_no_auth()
    payload = load_fixture("radarr_download.json")
    payload["movie"] |= {"title": f"Arrival\n{FORGED}", "tmdbId": 0, "imdbId": None}
    payload.pop("remoteMovie", None)
    assert (await post_webhook(client, "radarr", payload))[0] == 200
    await hass.async_block_till_done()
    lines = [line for line in our_lines(caplog) if "forged line" in line]
    assert lines, "the title was not logged at all"
    assert all("\n" not in line for line in lines)
    assert "Arrival\\n2026-12-02" in lines[0]


async def test_an_event_name_with_control_characters_is_escaped_in_the_log(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An event we ignore is logged by its name (eventType, NotificationType, ...), escaped."""
    client = await hass_client_no_auth()
    radarr = {"eventType": "Rename\r\nERROR forged line \x1b[31m"}
    assert (await post_webhook(client, "radarr", radarr))[0] == 200
    assert (await post_webhook(client, "jellyfin", {"NotificationType": "X\nERROR forged line"}))[
        0
    ] == 200
    assert (
        await post_webhook(client, "jellyseerr", {"notification_type": "Y\nERROR forged line"})
    )[0] == 200
    await hass.async_block_till_done()
    lines = [line for line in our_lines(caplog) if "forged line" in line]
    assert len(lines) == 3
    assert all("\n" not in line and "\r" not in line and "\x1b" not in line for line in lines)
    assert "Rename\\r\\nERROR forged line \\x1b[31m" in lines[0]


@pytest.mark.parametrize(
    ("image", "shown"),
    [
        ("https://image.tmdb.org/t/p/w600_and_h900_bestv2/x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg", True),
        ("https://artworks.thetvdb.com/banners/posters/81189-10.jpg", True),
        ("https://assets.fanart.tv/fanart/movies/329865/movieposter/arrival.jpg", True),
        # The stack's own Seerr (http on the LAN, as configured) may serve its image proxy.
        ("http://jellyseerr.lan:5055/imageproxy/t/p/w600/x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg", True),
        ("http://image.tmdb.org/t/p/w600/x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg", False),
        ("http://192.168.1.1/cgi-bin/reboot?x=1", False),
        ("https://evil.example/track.gif", False),
        ("https://image.tmdb.org.evil.example/a.jpg", False),
        ("javascript:alert(1)", False),
        ("http://jellyseerr.lan:9999/other-port.jpg", False),
    ],
)
async def test_the_picture_comes_only_from_trusted_hosts(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    image: str,
    shown: bool,
) -> None:
    """Every dashboard viewer's browser fetches the picture: only artwork hosts and our Seerr."""
    client = await hass_client_no_auth()
    payload = load_fixture("seerr_movie_approved.json") | {"image": image}
    assert (await post_webhook(client, "jellyseerr", payload))[0] == 200
    await hass.async_block_till_done()
    state = sensor(hass)
    assert state.attributes.get("entity_picture") == (image if shown else None)
