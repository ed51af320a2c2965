"""Polls that report a torrent exactly as before: skipped, yet never hiding what changed meanwhile.

An unchanged torrent is not applied again (tracker/downloads.py), unless something else touched
its requests since the last poll, it was missing in between, or it shares a request with a
torrent that moved.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.core import HomeAssistant

from .. import ARRIVAL_HASH, load_fixture, request_data, sensor, torrent
from ..helpers.running_stack import RunningStack
from ..helpers.season_pack import SHOW_ENTITY, mock_pack

OTHER_RELEASE = "0123456789abcdef0123456789abcdef01234567"


def arrival_grab(qbit_hash: str = ARRIVAL_HASH) -> dict[str, Any]:
    """Return Radarr's Grab of Arrival, of the release with this torrent."""
    grab: dict[str, Any] = load_fixture("radarr_grab.json")
    return grab | {"downloadId": qbit_hash.upper()}


async def test_unchanged_polls_write_nothing(hass: HomeAssistant, stack: RunningStack) -> None:
    """The same figures poll after poll: the sensor is not written again; a move is shown."""
    stack.qbittorrent_lists([torrent(state="downloading", progress=0.5, eta=600)])
    await stack.post("radarr", arrival_grab())
    written = sensor(hass)
    assert written.attributes["progress"] == 50.0
    for _ in range(3):
        await stack.advance(5)
        assert sensor(hass).last_reported == written.last_reported

    stack.qbittorrent_lists([torrent(state="downloading", progress=0.6, eta=500)])
    await stack.advance(5)
    assert sensor(hass).attributes["progress"] == 60.0
    assert sensor(hass).attributes["eta"] == 500


async def test_a_release_grabbed_again_takes_the_figures_of_an_unchanged_torrent(
    hass: HomeAssistant, stack: RunningStack
) -> None:
    """Radarr grabs another release, then the first again, while qBittorrent is down.

    The first torrent is then reported as in the last poll that listed it, but the grabs reset
    the request's progress: the poll must apply it again.
    """
    listed = [
        torrent(state="downloading", progress=0.5, eta=600),
        torrent(hash=OTHER_RELEASE, state="downloading", progress=0.2, eta=900),
    ]
    stack.qbittorrent_lists(listed)
    await stack.post("radarr", arrival_grab())
    assert sensor(hass).attributes["progress"] == 50.0

    stack.qbittorrent_lists(listed, status=HTTPStatus.INTERNAL_SERVER_ERROR)
    await stack.post("radarr", arrival_grab(OTHER_RELEASE))
    await stack.advance(5)
    await stack.post("radarr", arrival_grab())
    await stack.advance(5)
    assert sensor(hass).state == "unavailable"

    stack.qbittorrent_lists(listed)
    await stack.advance(30)
    state = sensor(hass)
    assert state.state == "downloading"
    assert state.attributes["qbit_hash"] == ARRIVAL_HASH
    assert state.attributes["progress"] == 50.0
    assert state.attributes["eta"] == 600


async def test_a_torrent_listed_again_after_a_gap_is_applied_again(
    hass: HomeAssistant, stack: RunningStack
) -> None:
    """Missing from one poll (removed), then listed with the very figures it had before."""
    listed = [torrent(state="downloading", progress=0.5, eta=600)]
    stack.qbittorrent_lists(listed)
    await stack.post("radarr", arrival_grab())
    before = (await request_data(hass))["torrent_state"]

    stack.qbittorrent_lists([])
    await stack.advance(5)
    assert (await request_data(hass))["torrent_state"] == "removed"

    # Nothing downloads now: the next poll comes at the idle interval.
    stack.qbittorrent_lists(listed)
    await stack.advance(30)
    assert (await request_data(hass))["torrent_state"] == before == "downloading"
    assert sensor(hass).attributes["progress"] == 50.0


async def test_a_torrent_sharing_a_request_with_one_that_moved_is_applied_after_it(
    hass: HomeAssistant, stack: RunningStack
) -> None:
    """Two episodes, two torrents: the request shows the torrent polled last, moved or not."""
    grab: dict[str, Any] = load_fixture("sonarr_grab_season_pack.json")
    hashes = {number: f"{number:02d}" * 20 for number in (1, 2)}

    def single(number: int) -> dict[str, Any]:
        return grab | {"episodes": [grab["episodes"][number - 1]], "downloadId": hashes[number]}

    def listed(first_progress: float) -> list[dict[str, Any]]:
        return [
            torrent(hash=hashes[1], state="downloading", progress=first_progress, dlspeed=9),
            torrent(hash=hashes[2], state="stalledDL", progress=0.1, dlspeed=0),
        ]

    stack.qbittorrent_lists(listed(0.3))
    await stack.post("sonarr", single(1))
    await stack.post("sonarr", single(2))
    await stack.advance(5)
    assert (await request_data(hass, SHOW_ENTITY))["torrent_state"] == "stalledDL"

    # Only the first torrent moves: the second is still the one polled last.
    stack.qbittorrent_lists(listed(0.5))
    await stack.advance(5)
    request = await request_data(hass, SHOW_ENTITY)
    assert request["torrent_state"] == "stalledDL"
    assert [episode["progress"] for episode in request["episodes"]] == [50.0, 10.0]
    assert request["progress"] == 30.0


async def test_an_unchanged_season_pack_follows_its_files(
    hass: HomeAssistant, stack: RunningStack
) -> None:
    """The pack's own figures stay the same while its files move: each episode follows its file."""
    figures = {"state": "downloading", "progress": 0.2, "dlspeed": 9}
    mock_pack(stack.aioclient_mock, [0.0] * 13, **figures)
    await stack.post("sonarr", load_fixture("sonarr_grab_season_pack.json"))
    await stack.advance(5)
    request = await request_data(hass, SHOW_ENTITY)
    assert [episode["progress"] for episode in request["episodes"]] == [0.0] * 13

    mock_pack(stack.aioclient_mock, [1.0, 0.6] + [0.0] * 11, **figures)
    await stack.advance(5)
    request = await request_data(hass, SHOW_ENTITY)
    assert [episode["progress"] for episode in request["episodes"]][:3] == [100.0, 60.0, 0.0]
    assert request["progress"] == round(160 / 13, 1)
