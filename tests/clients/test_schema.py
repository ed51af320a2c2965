"""The lenient validators: *arr apps omit nulls, Seerr sends every value as a string."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.media_request_tracker.clients.api import PayloadError
from custom_components.media_request_tracker.clients.schema import (
    MAX_TEXT,
    TEST_RECEIVED,
    ParsedWebhook,
    lenient_bool,
    lenient_id,
    lenient_int,
    lenient_str,
    lenient_str_list,
    object_schema,
    template_schema,
    torrent_hash,
    unfilled,
    validate,
)
from custom_components.media_request_tracker.schema_library import vol

HASH = "9f3c2a7d1b4e5f60718293a4b5c6d7e8f9012345"
HUGE = "x" * (MAX_TEXT + 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        (0, 0),
        (41, 41),
        ("41", 41),
        (" 41 ", 41),
        ("0", 0),
        (41.0, 41),
        ("123456789012345678", 123456789012345678),
    ],
)
def test_lenient_int_accepts(value: Any, expected: int | None) -> None:
    assert lenient_int(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        41.5,
        float("nan"),
        float("inf"),
        "abc",
        "4 1",
        "-1",
        "41.0",
        "1" * 19,
        HUGE,
        {},
        [],
    ],
)
def test_lenient_int_rejects(value: Any) -> None:
    with pytest.raises(vol.Invalid):
        lenient_int(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, None), ("0", None), (0.0, None), ("", None), (None, None), ("41", 41), (41.0, 41), (7, 7)],
)
def test_lenient_id_treats_zero_as_missing(value: Any, expected: int | None) -> None:
    assert lenient_id(value) == expected


@pytest.mark.parametrize("value", [True, "abc", {"id": 1}])
def test_lenient_id_rejects(value: Any) -> None:
    with pytest.raises(vol.Invalid):
        lenient_id(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        (" Arrival ", "Arrival"),
        (41, "41"),
        (5.1, "5.1"),
        ("x" * MAX_TEXT, "x" * MAX_TEXT),
    ],
)
def test_lenient_str_accepts(value: Any, expected: str | None) -> None:
    assert lenient_str(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (HUGE, "string too long"),
        ("x" * 100_000, "string too long"),
        (True, "expected a string, got a boolean"),
        ({}, "expected a string"),
        (["a"], "expected a string"),
    ],
)
def test_lenient_str_rejects(value: Any, message: str) -> None:
    with pytest.raises(vol.Invalid) as err:
        lenient_str(value)
    assert err.value.error_message == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        (True, True),
        (False, False),
        ("true", True),
        ("True", True),
        (" FALSE ", False),
        ("", False),
    ],
)
def test_lenient_bool_accepts(value: Any, expected: bool) -> None:
    assert lenient_bool(value) is expected


@pytest.mark.parametrize("value", ["yes", "1", 1, 0, [], {}])
def test_lenient_bool_rejects(value: Any) -> None:
    with pytest.raises(vol.Invalid):
        lenient_bool(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ([], []),
        (["anime", " 4K ", "", None, 7], ["anime", "4K", "7"]),
    ],
)
def test_lenient_str_list_accepts(value: Any, expected: list[str]) -> None:
    assert lenient_str_list(value) == expected


@pytest.mark.parametrize("value", ["anime", {"label": "anime"}, [True], [HUGE], [{}]])
def test_lenient_str_list_rejects(value: Any) -> None:
    with pytest.raises(vol.Invalid):
        lenient_str_list(value)


@pytest.mark.parametrize(
    ("download_id", "expected"),
    [
        (None, None),
        (HASH.upper(), HASH),
        (f"  {HASH.upper()} ", HASH),
        (HASH, HASH),
        (HASH + "0123456789abcdef01234567", HASH),
        ("SABnzbd_nzo_abc", None),
        ("HASH:dbid_12", None),
        (HASH[:-1], None),
        (HASH + "0", None),
        ("g" * 40, None),
        ("", None),
    ],
    ids=[
        "absent",
        "upper case",
        "padded",
        "lower case",
        "64-hex v2 id truncated",
        "sabnzbd nzo id",
        "download station id",
        "39 hex",
        "41 hex",
        "not hex",
        "empty",
    ],
)
def test_torrent_hash(download_id: str | None, expected: str | None) -> None:
    assert torrent_hash(download_id) == expected


SCHEMA = object_schema(
    {vol.Required("eventType"): str, vol.Optional("movie"): object_schema({"id": lenient_id})}
)


def test_object_schema_keeps_unknown_keys() -> None:
    payload = {"eventType": "Grab", "malIds": [1], "movie": {"id": "7", "added": True}}

    assert validate(SCHEMA, payload) == {
        "eventType": "Grab",
        "malIds": [1],
        "movie": {"id": 7, "added": True},
    }


@pytest.mark.parametrize("payload", [[], "Grab", None, 5, b"{}"])
def test_validate_wants_a_json_object(payload: Any) -> None:
    with pytest.raises(PayloadError, match=r"^expected a JSON object$"):
        validate(SCHEMA, payload)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "invalid eventType: required key not provided"),
        ({"eventType": "Grab", "movie": {"id": "abc"}}, "invalid movie.id: expected an integer"),
    ],
)
def test_validate_names_the_bad_field(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError) as err:
        validate(SCHEMA, payload)
    assert str(err.value) == message


def test_validate_blames_the_body_when_no_field_is_named() -> None:
    def refuse(_: Any) -> Any:
        raise vol.Invalid("not today")

    with pytest.raises(PayloadError) as err:
        validate(vol.Schema(refuse), {})
    assert str(err.value) == "invalid body: not today"


def test_validate_keeps_the_reason_short() -> None:
    schema = object_schema({vol.Required("k" * 300): str})

    with pytest.raises(PayloadError) as err:
        validate(schema, {})
    assert len(str(err.value)) == 200


def test_parsed_webhook_results() -> None:
    assert ParsedWebhook((), "test received") == TEST_RECEIVED
    assert ParsedWebhook() == ParsedWebhook((), "accepted")
    assert ParsedWebhook.ignored("Health") == ParsedWebhook((), "ignored: Health")
    assert ParsedWebhook.ignored("x" * 500).note == "ignored: " + "x" * 111


@pytest.mark.parametrize(
    ("value", "missing"),
    [
        ("{{media_imdbid}}", True),
        ("tt{{imdb}}", True),
        ("{{ multi\nline }}", True),
        ("", True),
        ("   ", True),
        ("Arrival", False),
        ("{single braces}", False),
        (12, False),
        (None, False),
    ],
)
def test_an_unfilled_template_value_is_missing(value: Any, missing: bool) -> None:
    assert unfilled(value) is missing


def test_a_template_schema_treats_every_unfilled_value_as_missing() -> None:
    schema = template_schema(
        {
            vol.Optional("id"): lenient_id,
            vol.Optional("name"): lenient_str,
            vol.Optional("nested"): vol.Any(None, object_schema({vol.Optional("x"): lenient_id})),
        }
    )
    assert validate(schema, {"id": "{{id}}", "name": "{{name}}", "nested": "{{nested}}"}) == {
        "id": None,
        "name": None,
        "nested": None,
    }
    assert validate(schema, {"id": "7", "name": "Arrival", "nested": {"x": "3"}}) == {
        "id": 7,
        "name": "Arrival",
        "nested": {"x": 3},
    }
    with pytest.raises(PayloadError, match="invalid id"):
        validate(schema, {"id": "seven"})
