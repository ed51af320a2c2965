"""Radarr's and Sonarr's queue as the grabs it stands for: what backfill reads first.

Fixtures `radarr_queue_backfill.json` (Arrival downloading, Dune waiting to import) and
`sonarr_queue_backfill.json` (the Breaking Bad season 2 pack, a record per episode) follow
`src/Radarr.Api.V3/Queue/QueueResource.cs` and `src/Sonarr.Api.V3/Queue/QueueResource.cs`
with `includeMovie` / `includeSeries` and `includeEpisode` (`MovieResource.cs`,
`SeriesResource.cs`, `EpisodeResource.cs`: tags are ids). The download clients follow
`DownloadClientResource` (a `ProviderResource`: `name`, `implementation`).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients.api import CannotConnect
from custom_components.media_request_tracker.clients.arr import queue_grabs
from custom_components.media_request_tracker.clients.arr.api import ArrClient
from custom_components.media_request_tracker.clients.arr.radarr import (
    parse_webhook as parse_radarr,
)
from custom_components.media_request_tracker.clients.arr.sonarr import (
    parse_webhook as parse_sonarr,
)

from ... import DOWNLOAD_CLIENTS, load_fixture, queue_page
from .. import mocked_http, sent

URL = "http://radarr.lan:7878"
QBITTORRENT = {"qBittorrent"}


def radarr_queue() -> list[dict[str, Any]]:
    """Return Radarr's queue: Arrival downloading, Dune waiting to import."""
    value: list[dict[str, Any]] = load_fixture("radarr_queue_backfill.json")
    return value


def sonarr_queue() -> list[dict[str, Any]]:
    """Return Sonarr's queue: the Breaking Bad season 2 pack, one record per episode."""
    value: list[dict[str, Any]] = load_fixture("sonarr_queue_backfill.json")
    return value


def test_each_download_is_the_grab_its_webhook_gave() -> None:
    batch = queue_grabs.parse_radarr_queue(radarr_queue(), QBITTORRENT, "", {})
    arrival, dune = batch.events
    (webhook,) = parse_radarr(load_fixture("radarr_grab.json"), "").events
    assert (arrival.media, arrival.arr_id, arrival.qbit_hash) == (
        webhook.media,  # type: ignore[union-attr]
        webhook.arr_id,  # type: ignore[union-attr]
        webhook.qbit_hash,  # type: ignore[union-attr]
    )
    assert arrival.release_title == "Arrival.2016.1080p.BluRay.x264-SPARKS"
    assert (arrival.quality, arrival.indexer) == ("Bluray-1080p", "Local Indexer (Prowlarr)")
    assert arrival.download_client == "qBittorrent"
    assert arrival.poster_url is not None
    assert (dune.media.title, dune.media.tmdb_id, dune.media.year) == ("Dune", 438631, 2021)
    assert dune.qbit_hash == "d00e1f2a3b4c5d6e7f8091a2b3c4d5e6f7081920"
    assert batch.skipped == 0


def test_a_season_pack_is_one_grab_of_all_its_episodes() -> None:
    batch = queue_grabs.parse_sonarr_queue(sonarr_queue(), QBITTORRENT, "", {})
    (grab,) = batch.events
    (webhook,) = parse_sonarr(load_fixture("sonarr_grab_season_pack.json"), "").events
    assert grab.media == webhook.media  # type: ignore[union-attr]
    assert grab.qbit_hash == webhook.qbit_hash  # type: ignore[union-attr]
    assert [ref.key for ref in grab.episodes] == [
        ref.key
        for ref in webhook.episodes  # type: ignore[union-attr]
    ]
    assert len(grab.episodes) == 13
    assert grab.file_size == 27917287424


def test_records_that_name_no_title_or_are_over_are_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    (arrival, _dune) = radarr_queue()
    no_movie = {key: value for key, value in arrival.items() if key not in ("movie", "movieId")}
    imported = {**arrival, "id": 905, "trackedDownloadState": "imported"}
    failed = {**arrival, "id": 906, "trackedDownloadState": "failedPending"}
    with caplog.at_level("DEBUG", logger=queue_grabs.__name__):
        batch = queue_grabs.parse_radarr_queue(
            ["x", {**arrival, "size": "big"}, no_movie, imported, failed], QBITTORRENT, "", {}
        )
    assert batch.events == ()
    assert batch.skipped == 3
    assert "Skipped a queue record without its movie" in caplog.text


def test_a_sonarr_record_without_its_episode_is_skipped() -> None:
    records = copy.deepcopy(sonarr_queue())
    del records[0]["episode"]
    batch = queue_grabs.parse_sonarr_queue(records, QBITTORRENT, "", {})
    (grab,) = batch.events
    assert len(grab.episodes) == 12
    assert batch.skipped == 1


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"protocol": "usenet", "downloadClient": "SABnzbd"}, QBITTORRENT),
        ({"downloadClient": "Transmission"}, QBITTORRENT),
        ({}, set()),
        ({"downloadClient": None}, QBITTORRENT),
    ],
)
def test_only_a_qbittorrent_download_gives_a_hash(changes: dict[str, Any], names: set[str]) -> None:
    """Queue records name the client as the user named it; the client list says its kind."""
    record = {**radarr_queue()[0], **changes}
    (grab,) = queue_grabs.parse_radarr_queue([record], names, "", {}).events
    assert grab.qbit_hash is None
    assert grab.media.tmdb_id == 329865


def test_anime_comes_from_the_tag_labels_and_the_series_type() -> None:
    (arrival,) = queue_grabs.parse_radarr_queue(
        radarr_queue()[:1], QBITTORRENT, "12-Carol", {3: "12-carol"}
    ).events
    assert arrival.is_anime
    records = copy.deepcopy(sonarr_queue())
    for record in records:
        record["series"]["seriesType"] = "anime"
    (pack,) = queue_grabs.parse_sonarr_queue(records, QBITTORRENT, "", {}).events
    assert pack.is_anime


async def test_the_queue_is_asked_with_its_titles_and_the_clients_kinds(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(f"{URL}/api/v3/queue", json=queue_page(sonarr_queue()))
    aioclient_mock.get(f"{URL}/api/v3/downloadclient", json=DOWNLOAD_CLIENTS)
    aioclient_mock.get(f"{URL}/api/v3/tag", json=[{"id": 3, "label": "anime"}])
    async with mocked_http(aioclient_mock) as (session, mocked):
        batch = await queue_grabs.async_sonarr_queue_grabs(ArrClient(session, URL, "k"), "anime")
    queue, clients, tags = sent(mocked)
    assert queue["params"] == {
        "page": "1",
        "pageSize": "100",
        "includeUnknownSeriesItems": "false",
        "includeSeries": "true",
        "includeEpisode": "true",
    }
    assert clients["url"] == f"{URL}/api/v3/downloadclient"
    assert tags["url"] == f"{URL}/api/v3/tag"
    (pack,) = batch.events
    assert pack.qbit_hash == "b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0"


async def test_radarr_is_asked_for_each_records_movie(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(f"{URL}/api/v3/queue", json=queue_page(radarr_queue()))
    aioclient_mock.get(f"{URL}/api/v3/downloadclient", json=DOWNLOAD_CLIENTS)
    async with mocked_http(aioclient_mock) as (session, mocked):
        batch = await queue_grabs.async_radarr_queue_grabs(ArrClient(session, URL, "k"), "")
    assert sent(mocked)[0]["params"]["includeMovie"] == "true"
    assert sent(mocked)[0]["params"]["includeUnknownMovieItems"] == "false"
    assert len(sent(mocked)) == 2  # no anime tag: no tag labels asked for
    assert len(batch.events) == 2


async def test_a_client_list_that_is_not_a_list_cannot_be_read(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(f"{URL}/api/v3/downloadclient", json={"records": []})
    async with mocked_http(aioclient_mock) as (session, _):
        with pytest.raises(CannotConnect):
            await ArrClient(session, URL, "k").async_qbittorrent_names()


async def test_clients_of_other_kinds_and_bad_items_name_no_qbittorrent(
    aioclient_mock: AiohttpClientMocker,
) -> None:
    sab = {"id": 2, "name": "SABnzbd", "implementation": "Sabnzbd", "protocol": "usenet"}
    aioclient_mock.get(f"{URL}/api/v3/downloadclient", json=[sab, {"name": 1}, "x"])
    async with mocked_http(aioclient_mock) as (session, _):
        assert await ArrClient(session, URL, "k").async_qbittorrent_names() == set()
