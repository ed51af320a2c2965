"""Jellyseerr / Overseerr / Seerr notifications: default camelCase and HA core's snake_case templates."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.media_request_tracker.clients.api import InvalidAuth, PayloadError
from custom_components.media_request_tracker.clients.jellyseerr import (
    NOTIFICATION_TARGETS,
    JellyseerrClient,
    parse_seasons,
    parse_webhook,
    split_subject,
)
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import (
    MediaKey,
    MediaType,
    RequestNotified,
    RequestState,
)

from . import mocked_http, requests_made, sent

POSTER = "https://image.tmdb.org/t/p/w600_and_h900_bestv2/x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg"
OVERVIEW = "Taking place after alien crafts land around the world, an expert linguist is recruited."


def default_template(**changes: Any) -> dict[str, Any]:
    """Return a MEDIA_PENDING body from Seerr's default template (camelCase, all strings)."""
    payload: dict[str, Any] = {
        "notification_type": "MEDIA_PENDING",
        "event": "New Movie Request",
        "subject": "Arrival (2016)",
        "message": OVERVIEW,
        "image": POSTER,
        "media": {
            "media_type": "movie",
            "tmdbId": "329865",
            "tvdbId": "",
            "status": "PENDING",
            "status4k": "UNKNOWN",
        },
        "request": {
            "request_id": "12",
            "requestedBy_email": "carol@example.org",
            "requestedBy_username": "carol",
            "requestedBy_avatar": "",
            "requestedBy_settings_discordId": "",
            "requestedBy_settings_telegramChatId": "",
        },
        "issue": None,
        "comment": None,
        "extra": [],
    }
    return {**payload, **changes}


def ha_core_template(**changes: Any) -> dict[str, Any]:
    """Return a MEDIA_AUTO_APPROVED body from HA core's overseerr template (snake_case)."""
    payload: dict[str, Any] = {
        "notification_type": "MEDIA_AUTO_APPROVED",
        "event": "Movie Request Automatically Approved",
        "subject": "Arrival (2016)",
        "message": OVERVIEW,
        "image": POSTER,
        "media": {
            "media_type": "movie",
            "tmdb_id": "329865",
            "tvdb_id": "",
            "imdb_id": "tt2543164",
            "jellyfin_media_id": "",
            "status": "processing",
            "status4k": "unknown",
        },
        "request": {
            "request_id": "12",
            "requested_by_email": "carol@example.org",
            "requested_by_username": "carol",
            "requested_by_avatar": "",
        },
        "issue": None,
        "comment": None,
    }
    return {**payload, **changes}


def media(**changes: Any) -> dict[str, Any]:
    """Return the default template's media object with some values changed."""
    return {**default_template()["media"], **changes}


def only_event(payload: Any) -> RequestNotified:
    """Parse a body that must yield exactly one RequestNotified."""
    result = parse_webhook(payload)
    assert result.note == "accepted"
    (event,) = result.events
    assert isinstance(event, RequestNotified)
    return event


def test_default_template_pending_movie() -> None:
    assert parse_webhook(default_template()) == ParsedWebhook(
        (
            RequestNotified(
                media=MediaKey(MediaType.MOVIE, tmdb_id=329865, title="Arrival", year=2016),
                target=RequestState.REQUESTED,
                jellyseerr_id=12,
                overview=OVERVIEW,
                poster_url=POSTER,
                requested_by="carol",
            ),
        )
    )


def test_ha_core_snake_case_template() -> None:
    assert parse_webhook(ha_core_template()) == ParsedWebhook(
        (
            RequestNotified(
                media=MediaKey(
                    MediaType.MOVIE,
                    tmdb_id=329865,
                    imdb_id="tt2543164",
                    title="Arrival",
                    year=2016,
                ),
                target=RequestState.APPROVED,
                jellyseerr_id=12,
                overview=OVERVIEW,
                poster_url=POSTER,
                requested_by="carol",
            ),
        )
    )


def test_tv_request_with_requested_seasons() -> None:
    payload = default_template(
        event="New Series Request",
        subject="Frieren: Beyond Journey's End (2023)",
        media=media(media_type="tv", tmdbId="209867", tvdbId="424536"),
        extra=[
            {"name": "Affected Season", "value": "9"},
            {"name": "Requested Seasons", "value": "1, 2"},
        ],
    )

    event = only_event(payload)

    assert event.media == MediaKey(
        MediaType.TV,
        tmdb_id=209867,
        tvdb_id=424536,
        title="Frieren: Beyond Journey's End",
        year=2023,
    )
    assert event.requested_seasons == (1, 2)


def test_tv_request_known_by_tvdb_id_only() -> None:
    payload = default_template(media=media(media_type="tv", tmdbId="", tvdbId="424536"))

    assert only_event(payload).media.tvdb_id == 424536


@pytest.mark.parametrize(("notification_type", "target"), list(NOTIFICATION_TARGETS.items()))
def test_every_media_notification_has_a_target(
    notification_type: str, target: RequestState
) -> None:
    assert only_event(default_template(notification_type=notification_type)).target is target


def test_notification_targets_table() -> None:
    assert NOTIFICATION_TARGETS == {
        "MEDIA_PENDING": RequestState.REQUESTED,
        "MEDIA_APPROVED": RequestState.APPROVED,
        "MEDIA_AUTO_APPROVED": RequestState.APPROVED,
        "MEDIA_DECLINED": RequestState.DECLINED,
        "MEDIA_FAILED": RequestState.FAILED,
        "MEDIA_AVAILABLE": RequestState.AVAILABLE,
    }


def test_empty_strings_are_missing_values() -> None:
    payload = default_template(
        message="",
        image="",
        media=media(imdbId=""),
        request={"request_id": "", "requestedBy_username": ""},
    )

    event = only_event(payload)

    assert (event.overview, event.poster_url, event.jellyseerr_id, event.requested_by) == (
        None,
        None,
        None,
        None,
    )
    assert (event.media.tvdb_id, event.media.imdb_id) == (None, None)


def test_request_may_be_null() -> None:
    event = only_event(default_template(request=None, extra=None))

    assert (event.jellyseerr_id, event.requested_by, event.requested_seasons) == (None, None, ())


@pytest.mark.parametrize(
    ("subject", "title", "year"),
    [
        ("Arrival (2016)", "Arrival", 2016),
        ("Blade Runner 2049 (2017)", "Blade Runner 2049", 2017),
        ("Arrival", "Arrival", None),
        ("Arrival (Director's Cut)", "Arrival (Director's Cut)", None),
        (None, None, None),
    ],
)
def test_split_subject(subject: str | None, title: str | None, year: int | None) -> None:
    assert split_subject(subject) == (title, year)


def test_subject_without_year_keeps_the_whole_title() -> None:
    assert only_event(default_template(subject="Arrival")).media == MediaKey(
        MediaType.MOVIE, tmdb_id=329865, title="Arrival"
    )


@pytest.mark.parametrize(
    ("text", "seasons"),
    [
        ("1, 2", (1, 2)),
        ("0, 3", (0, 3)),
        ("3,1, 1", (1, 3)),
        ("", ()),
        (None, ()),
        ("2, " + "9" * 25, (2,)),  # no season, and an int no JSON file could hold
    ],
)
def test_parse_seasons(text: str | None, seasons: tuple[int, ...]) -> None:
    assert parse_seasons(text) == seasons


@pytest.mark.parametrize(
    ("event_text", "is_4k"),
    [
        ("New 4K Movie Request", True),
        ("4K Movie Request Now Available", True),
        ("New Movie Request", False),
        ("", False),
        (None, False),
    ],
)
def test_4k_from_event_text(event_text: str | None, is_4k: bool) -> None:
    assert only_event(default_template(event=event_text)).is_4k is is_4k


def test_test_notification_is_acknowledged_without_events() -> None:
    payload = {
        "notification_type": "TEST_NOTIFICATION",
        "event": "",
        "subject": "Test Notification",
        "message": "Check check, 1, 2, 3. Are we coming in clear?",
        "image": "",
        "media": None,
        "request": None,
        "issue": None,
        "comment": None,
        "extra": [],
    }

    assert parse_webhook(payload) == ParsedWebhook((), "test received")


def test_issue_notification_is_ignored() -> None:
    payload = default_template(notification_type="ISSUE_CREATED", issue={"issue_id": "1"})

    assert parse_webhook(payload) == ParsedWebhook((), "ignored: ISSUE_CREATED")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (default_template(media=None), "MEDIA_PENDING without media"),
        ({"notification_type": "MEDIA_APPROVED"}, "MEDIA_APPROVED without media"),
        (default_template(media=media(media_type="music")), "media.media_type must be movie or tv"),
        (default_template(media=media(media_type="")), "media.media_type must be movie or tv"),
        (default_template(media={"tmdbId": "1"}), "media.media_type must be movie or tv"),
        (
            default_template(media=media(tmdbId="", tvdbId="")),
            "media has neither a tmdbId nor a tvdbId",
        ),
        (default_template(media=media(tmdbId="abc")), "invalid media.tmdbId: expected an integer"),
        (default_template(media="movie"), "invalid media: expected an object"),
        ({"event": "New Movie Request"}, "invalid notification_type: required key not provided"),
        (
            default_template(notification_type="X" * 65),
            "invalid notification_type: length of value must be at most 64",
        ),
        ([default_template()], "expected a JSON object"),
        ("MEDIA_PENDING", "expected a JSON object"),
        (None, "expected a JSON object"),
    ],
)
def test_unusable_bodies_are_refused(payload: Any, message: str) -> None:
    with pytest.raises(PayloadError) as err:
        parse_webhook(payload)
    assert str(err.value) == message


URL = "http://127.0.0.1:5055"


async def test_client_checks_the_api_key(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{URL}/api/v1/auth/me", json={"id": 1})

        await JellyseerrClient(session, f"{URL}/", "seerr-key").async_validate()

    assert requests_made(mocked) == {("GET", f"{URL}/api/v1/auth/me"): 1}
    assert sent(mocked)[0]["headers"] == {"X-Api-Key": "seerr-key"}


async def test_client_reports_a_refused_key(aioclient_mock: AiohttpClientMocker) -> None:
    async with mocked_http(aioclient_mock) as (session, mocked):
        mocked.get(f"{URL}/api/v1/auth/me", status=403)

        with pytest.raises(InvalidAuth, match="HTTP 403"):
            await JellyseerrClient(session, URL, "wrong").async_validate()
