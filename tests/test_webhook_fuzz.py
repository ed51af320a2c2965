"""Fuzzing the six webhooks: generated bodies get a 2xx or 4xx, log no error, change no request.

Bodies come from a seeded generator (`BodyFuzzer`, in tests/helpers/body_fuzzer.py): arbitrary
JSON built from each service's real key names, mutations of the real payloads in tests/fixtures
(keys dropped, wrong types, ids as strings and floats, huge strings, deep nesting, arrays instead
of objects), invalid UTF-8, random bytes, non-JSON, empty bodies and bodies over 1 MB. Three
runs, all with fixed seeds:

- `test_parsers_fuzz`: 10,000 bodies per webhook (MRT_FUZZ_PARSER_EXAMPLES) through decode_body and
  the webhook's parser, then into a Tracker: only a ParsedWebhook or a PayloadError, never another
  exception.
- `test_parsers_hypothesis`: the same property over Hypothesis-generated bodies (derandomized).
- `test_webhooks_fuzz_over_http`: MRT_FUZZ_EXAMPLES bodies per webhook (2,000 by default; 10,000 is
  the long run, see README) POSTed to a running stack with one tracked request.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest
from homeassistant.core import HomeAssistant
from hypothesis import HealthCheck, given, settings, strategies as st
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.clients.api import PayloadError
from custom_components.media_request_tracker.clients.arr import radarr
from custom_components.media_request_tracker.clients.schema import ParsedWebhook
from custom_components.media_request_tracker.const import DOMAIN, MAX_BODY_BYTES, Service
from custom_components.media_request_tracker.tracker import Tracker
from custom_components.media_request_tracker.webhook import WEBHOOKS, decode_body

from . import (
    ENTRY_DATA,
    JELLYFIN_URL,
    NO_RECONCILING,
    SHOKO_URL,
    SHOKO_WEBHOOK_ID,
    WEBHOOK_IDS,
    load_fixture,
    mock_qbittorrent,
    setup_integration,
    torrent,
)
from .helpers.body_fuzzer import FIXTURES, KEYS, SEED, WORDS, bodies

HTTP_EXAMPLES = int(os.environ.get("MRT_FUZZ_EXAMPLES", "2000"))
PARSER_EXAMPLES = int(os.environ.get("MRT_FUZZ_PARSER_EXAMPLES", "10000"))
HYPOTHESIS_EXAMPLES = int(os.environ.get("MRT_FUZZ_HYPOTHESIS_EXAMPLES", "300"))
SERVICES = tuple(Service)
ANIME_TAG = "anime"
# Shoko's webhook is there: its stack is the `anime_entry` of tests/flows/conftest.py.
ALL_WEBHOOK_IDS = WEBHOOK_IDS | {"shoko": SHOKO_WEBHOOK_ID}


def _parse(service: Service, body: bytes) -> ParsedWebhook:
    """What the webhook handler does with a body before the coordinator sees it."""
    coordinator = cast("Any", SimpleNamespace(anime_tag=ANIME_TAG))
    return WEBHOOKS[service].parse(decode_body(body), coordinator)


def _tracker_with_arrival() -> Tracker:
    tracker = Tracker()
    for event in radarr.parse_webhook(load_fixture("radarr_grab.json"), ANIME_TAG).events:
        tracker.apply(event, datetime(2025, 1, 1, tzinfo=UTC))
    return tracker


def _check_parser(service: Service, body: bytes, tracker: Tracker) -> str:
    """Parse a body; a ParsedWebhook's events must apply. Return "rejected" or the note."""
    reason: str | None = None
    try:
        parsed = _parse(service, body)
    except PayloadError as err:
        reason = str(err)
    except Exception as err:  # noqa: BLE001  (any other exception is the failure reported)
        pytest.fail(f"{service}: {type(err).__name__}: {err} for body {body[:2000]!r}")
    if reason is not None:
        assert reason, f"{service}: a PayloadError without a reason for {body[:300]!r}"
        return "rejected"
    assert isinstance(parsed, ParsedWebhook), f"{service}: {parsed!r}"
    for event in parsed.events:
        try:
            tracker.apply(event, datetime(2025, 1, 2, tzinfo=UTC))
        except Exception as err:  # noqa: BLE001  (reported as the failure)
            pytest.fail(
                f"{service}: tracker.apply raised {type(err).__name__}: {err} "
                f"for event {event!r} from body {body[:2000]!r}"
            )
    return parsed.note.split(":")[0]


@pytest.mark.parametrize("service", SERVICES, ids=str)
def test_parsers_fuzz(service: Service) -> None:
    """PARSER_EXAMPLES generated bodies per webhook: a ParsedWebhook or a PayloadError, nothing else.

    Bodies over 1 MB never reach a parser (the handler answers 413), so they are skipped here.
    """
    tracker = _tracker_with_arrival()
    outcomes: Counter[str] = Counter()
    for body in bodies(service, PARSER_EXAMPLES, seed=SEED + 1):
        if len(body) > MAX_BODY_BYTES:
            outcomes["too large"] += 1
            continue
        outcomes[_check_parser(service, body, tracker)] += 1
    Tracker.from_dict(tracker.to_dict())  # what was applied can be stored and read back
    print(f"\n{service.value}: {sum(outcomes.values())} bodies parsed: {dict(outcomes)}")  # noqa: T201  (the counts, shown with -s)
    assert sum(outcomes.values()) == PARSER_EXAMPLES
    # The generator must reach both sides of the parsers, or it fuzzes only the JSON decoder.
    assert outcomes["rejected"] > PARSER_EXAMPLES // 10, outcomes
    assert sum(n for note, n in outcomes.items() if note not in ("rejected", "too large")) > (
        PARSER_EXAMPLES // 50
    ), outcomes


# Hypothesis: JSON over the real key names, or bytes; derandomized, so CI always runs the same.
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(WORDS),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=30,
)
_bodies = st.one_of(
    _json.map(lambda value: json.dumps(value).encode()),
    st.sampled_from([p for ps in FIXTURES.values() for p in ps]).flatmap(
        lambda payload: st.dictionaries(st.sampled_from(KEYS), _json, max_size=4).map(
            lambda changes: json.dumps(
                {**payload, **changes} if isinstance(payload, dict) else [changes, *payload]
            ).encode()
        )
    ),
    st.binary(max_size=200),
    st.text(max_size=50).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@settings(
    max_examples=HYPOTHESIS_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(body=_bodies)
def test_parsers_hypothesis(body: bytes) -> None:
    """Every webhook's parser: a ParsedWebhook or a PayloadError for any Hypothesis body."""
    tracker = _tracker_with_arrival()
    for service in SERVICES:
        _check_parser(service, body, tracker)


# -- over HTTP, on a running stack --------------------------------------------------------------


class _Records(logging.Handler):
    """Keeps every record at WARNING or above (cheaper than caplog for 12,000 records)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _mock_stack(aioclient_mock: AiohttpClientMocker) -> None:
    """qBittorrent has Arrival queued, Shoko's stream is down, Jellyfin's library is empty."""
    aioclient_mock.clear_requests()
    mock_qbittorrent(aioclient_mock, [torrent(state="queuedDL")])
    aioclient_mock.post(f"{SHOKO_URL}/signalr/aggregate/negotiate", status=503)
    aioclient_mock.get(f"{JELLYFIN_URL}/Items", json={"Items": []})


@pytest.fixture
async def fuzz_entry(hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, freezer: Any) -> Any:
    """The stack with all six webhooks (Shoko's stream down), time frozen, Arrival grabbed."""
    data = ENTRY_DATA | {
        "shoko": {"url": SHOKO_URL, "api_key": "shoko-key"},
        "webhook_ids": ALL_WEBHOOK_IDS,
    }
    entry = MockConfigEntry(
        domain=DOMAIN, title="Media Request Tracker", data=data, options=NO_RECONCILING
    )
    _mock_stack(aioclient_mock)
    await setup_integration(hass, entry)
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


# The answers to a valid body that acts: events for the tracker, or qBittorrent's poll (which may
# legitimately update or mark stuck any request whose torrent it follows).
VALID_NOTES = {"accepted", "poll requested"}


def _snapshot(entry: MockConfigEntry) -> dict[str, Any]:
    return cast("dict[str, Any]", entry.runtime_data.coordinator.tracker.to_dict())


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two tracker snapshots, field by field."""
    old = {r["request_id"]: r for r in before.get("requests", [])}
    new = {r["request_id"]: r for r in after.get("requests", [])}
    changes = [f"added {key}" for key in new.keys() - old.keys()]
    changes += [f"removed {key}" for key in old.keys() - new.keys()]
    changes += [
        f"{key}.{field}: {old[key].get(field)!r} -> {new[key].get(field)!r}"
        for key in old.keys() & new.keys()
        for field in old[key].keys() | new[key].keys()
        if old[key].get(field) != new[key].get(field)
    ]
    changes += [
        f"{field}: {before.get(field)!r} -> {after.get(field)!r}"
        for field in before.keys() | after.keys()
        if field != "requests" and before.get(field) != after.get(field)
    ]
    return changes


# pyproject's 120 s timeout fits the CI count; the long run gets about 50 ms a body.
@pytest.mark.timeout(max(120, HTTP_EXAMPLES * len(SERVICES) // 20))
async def test_webhooks_fuzz_over_http(
    hass: HomeAssistant,
    fuzz_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """HTTP_EXAMPLES bodies per webhook against a stack tracking Arrival.

    Asserted for every body: the status is 200, 400 or 413 (never 5xx); a 4xx carries
    {"error": <reason>} and a 200 {"result": <note>} (Home Assistant answers a handler's exception
    with a bare 200, so a bare 200 is a crash); every rejected body logs exactly one WARNING; no
    record at ERROR or above and none carrying an exception; and the stored requests (the tracker's
    to_dict(), i.e. every request, not only Arrival) are exactly as before unless the answer was
    200 "accepted" (a valid body with events) or qBittorrent's 200 "poll requested" (a valid body
    that makes the integration poll): those may legitimately change or add requests.
    Time is frozen, so no poll or check runs between the two snapshots on its own.
    """
    client = await hass_client_no_auth()
    grab = json.dumps(load_fixture("radarr_grab.json")).encode()
    response = await client.post(f"/api/webhook/{WEBHOOK_IDS['radarr']}", data=grab)
    assert response.status == 200
    await hass.async_block_till_done()
    assert _snapshot(fuzz_entry)["requests"][0]["state"] == "grabbing"

    handler = _Records()
    logging.getLogger().addHandler(handler)
    statuses: dict[str, Counter[str]] = {}
    before = _snapshot(fuzz_entry)
    started = os.times().elapsed  # time.monotonic is frozen
    try:
        for service in SERVICES:
            counts = statuses[service] = Counter()
            url = f"/api/webhook/{ALL_WEBHOOK_IDS[service]}"
            for body in bodies(service, HTTP_EXAMPLES):
                handler.records.clear()
                response = await client.post(url, data=body)
                text = await response.text()
                await hass.async_block_till_done()
                failure = f"{service} answered {response.status} {text[:300]!r} to {body[:2000]!r}"
                assert response.status in (200, 400, 413), failure
                answer = json.loads(text) if text else None
                problems = [
                    f"{r.levelname} {r.name}: {r.getMessage()[:500]}"
                    for r in handler.records
                    if r.levelno >= logging.ERROR or r.exc_info
                ]
                assert not problems, f"{failure}; logged {problems}"
                if response.status == 200:
                    assert isinstance(answer, dict), failure
                    assert set(answer) == {"result"}, failure
                    note = answer["result"]
                    counts[f"200 {note.split(':')[0]}"] += 1
                    assert not handler.records, f"{failure}; logged {handler.records}"
                else:
                    assert isinstance(answer, dict), failure
                    assert set(answer) == {"error"}, failure
                    assert answer["error"], failure
                    counts[f"{response.status}"] += 1
                    ours = [r for r in handler.records if r.name.startswith("custom_components")]
                    assert len(ours) == 1, f"{failure}; logged {handler.records}"
                    assert ALL_WEBHOOK_IDS[service] not in ours[0].getMessage()
                    note = "rejected"
                after = _snapshot(fuzz_entry)
                if note not in VALID_NOTES:
                    assert after == before, f"{failure}: changed {_diff(before, after)}"
                before = after
    finally:
        logging.getLogger().removeHandler(handler)
    elapsed = os.times().elapsed - started
    summary = {service.value: dict(counts) for service, counts in statuses.items()}
    print(f"\n{HTTP_EXAMPLES} bodies per webhook over HTTP in {elapsed:.1f} s: {summary}")  # noqa: T201  (the counts, shown with -s)
    for counts in statuses.values():
        assert sum(counts.values()) == HTTP_EXAMPLES, summary
        assert counts["400"] > 0, summary
        assert sum(n for key, n in counts.items() if key.startswith("200")) > 0, summary
    # Arrival is still tracked: no invalid body removed or reset it.
    requests = _snapshot(fuzz_entry)["requests"]
    assert any(request["title"] == "Arrival" for request in requests)
