"""Fuzzing the six webhooks: generated bodies get a 2xx or 4xx, log no error, change no request.

Bodies come from a seeded generator (`BodyFuzzer`): arbitrary JSON built from each service's real key
names, mutations of the real payloads in tests/fixtures (keys dropped, wrong types, ids as strings and
floats, huge strings, deep nesting, arrays instead of objects), invalid UTF-8, random bytes, non-JSON,
empty bodies and bodies over 1 MB. Three runs, all with fixed seeds:

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
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest
from homeassistant.core import HomeAssistant
from hypothesis import HealthCheck, given, settings, strategies as st
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.media_request_tracker.const import DOMAIN, MAX_BODY_BYTES, Service
from custom_components.media_request_tracker.services import radarr
from custom_components.media_request_tracker.services.api import PayloadError
from custom_components.media_request_tracker.services.schema import ParsedWebhook
from custom_components.media_request_tracker.tracker import Tracker
from custom_components.media_request_tracker.webhook import WEBHOOKS, decode_body

from . import (
    ARRIVAL_HASH,
    ENTRY_DATA,
    JELLYFIN_URL,
    SHOKO_URL,
    SHOKO_WEBHOOK_ID,
    WEBHOOK_IDS,
    load_fixture,
    mock_qbittorrent,
    setup_integration,
    torrent,
)

SEED = 20240611
HTTP_EXAMPLES = int(os.environ.get("MRT_FUZZ_EXAMPLES", "2000"))
PARSER_EXAMPLES = int(os.environ.get("MRT_FUZZ_PARSER_EXAMPLES", "10000"))
HYPOTHESIS_EXAMPLES = int(os.environ.get("MRT_FUZZ_HYPOTHESIS_EXAMPLES", "300"))
SERVICES = tuple(Service)
ANIME_TAG = "anime"
# Shoko's webhook is there: its stack is tests/flows/test_anime_flow.py's `anime_entry`.
ALL_WEBHOOK_IDS = WEBHOOK_IDS | {"shoko": SHOKO_WEBHOOK_ID}

# The real payloads of each webhook, the seeds of the mutations.
FIXTURES: dict[Service, list[Any]] = {
    Service.JELLYSEERR: [
        load_fixture("seerr_movie_approved.json"),
        load_fixture("seerr_movie_auto_approved_snake_case.json"),
        load_fixture("seerr_movie_pending.json"),
        load_fixture("seerr_tv_approved.json"),
    ],
    Service.RADARR: [
        load_fixture("radarr_grab.json"),
        load_fixture("radarr_download.json"),
        load_fixture("radarr_grab_anime.json"),
        load_fixture("radarr_download_anime.json"),
        {"eventType": "Test", "movie": {"id": 1, "tmdbId": 0}},
        {
            "eventType": "ManualInteractionRequired",
            "movie": {"id": 41, "tmdbId": 329865},
            "downloadId": ARRIVAL_HASH.upper(),
            "downloadStatusMessages": [{"title": "x", "messages": ["no match"]}],
        },
    ],
    Service.SONARR: [
        load_fixture("sonarr_grab_season_pack.json"),
        load_fixture("sonarr_download_file.json"),
        load_fixture("sonarr_import_complete.json"),
        {"eventType": "Test"},
    ],
    Service.QBITTORRENT: [{}, {"hash": ARRIVAL_HASH}, {"hash": ARRIVAL_HASH.upper()}],
    Service.SHOKO: [
        load_fixture("shoko_file_matched_movie.json"),
        {
            "type": 1,
            "target": "ShokoEvent:FileNotMatched",
            "arguments": [
                {"RelativePath": "a\\b.mkv", "FileID": 3, "AutoMatchAttempts": 2, "IsUDPBanned": 0}
            ],
        },
        [{"type": 6}, load_fixture("shoko_file_matched_movie.json")],
    ],
    Service.JELLYFIN: [
        {"NotificationType": "ItemAdded", "ItemType": "Movie", "Provider_tmdb": "329865"},
        {"NotificationType": "ItemAdded", "ItemType": "Episode", "Provider_tvdb": "81189"},
        {"NotificationType": "PlaybackStart"},
    ],
}


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


# Every key name the real payloads use, plus the ones the parsers read.
KEYS: tuple[str, ...] = tuple(
    sorted(
        {key for payloads in FIXTURES.values() for key in _keys(payloads)}
        | {
            "eventType",
            "movie",
            "series",
            "episodes",
            "id",
            "tmdbId",
            "tvdbId",
            "tmdb_id",
            "tvdb_id",
            "imdbId",
            "downloadId",
            "downloadClientType",
            "release",
            "movieFile",
            "episodeFile",
            "episodeFiles",
            "isUpgrade",
            "notification_type",
            "media",
            "media_type",
            "request",
            "extra",
            "name",
            "value",
            "subject",
            "NotificationType",
            "ItemType",
            "Provider_tmdb",
            "Provider_tvdb",
            "Provider_imdb",
            "type",
            "target",
            "arguments",
            "RelativePath",
            "CrossReferences",
            "FileID",
            "hash",
            "seasonNumber",
            "episodeNumber",
            "relativePath",
            "path",
            "tags",
            "images",
            "coverType",
            "remoteUrl",
            "remoteMovie",
            "downloadStatusMessages",
            "messages",
            "title",
            "year",
            "size",
        }
    )
)
# Values the parsers branch on.
WORDS: tuple[str, ...] = (
    "Test", "Grab", "Download", "ManualInteractionRequired", "Rename", "Health",
    "MEDIA_PENDING", "MEDIA_APPROVED", "MEDIA_AUTO_APPROVED", "MEDIA_DECLINED", "MEDIA_FAILED",
    "MEDIA_AVAILABLE", "TEST_NOTIFICATION", "movie", "tv", "book", "ItemAdded", "Movie",
    "Series", "Season", "Episode", "ShokoEvent:FileMatched", "ShokoEvent:FileNotMatched",
    "anime", "ANIME", "qBittorrent", "Transmission", "poster", "Requested Seasons", "1, 2, 0",
    "Arrival (2016)", "S01E01", "S01E01-E03", "true", "false", "True", "", " ", "0", "-1",
    "007", " 42 ", "1.5", "4K ", ARRIVAL_HASH, ARRIVAL_HASH.upper(), "0" * 64, "null",
    "\u0000", "\ud83c\udfac", "é", "\u202e", "%s%n", "../../etc/passwd",
)  # fmt: skip
INTS: tuple[int, ...] = (0, 1, -1, 2, 41, 329865, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 10**18)
FLOATS: tuple[float, ...] = (0.0, -0.0, 1.0, 41.0, 329865.0, 1.5, -2.5, 1e18, 1e300, 2.0**63)


class BodyFuzzer:
    """Seeded generator of webhook bodies (bytes) for one service."""

    def __init__(self, service: Service, seed: int) -> None:
        """Generate bodies for `service`, reproducibly from `seed`."""
        self.service = service
        self.rng = random.Random(f"{seed}-{service}")  # noqa: S311  (reproducible, not secret)

    # -- JSON values ----------------------------------------------------------------------------

    def text(self) -> str:
        rng = self.rng
        match rng.randrange(8):
            case 0:
                return rng.choice(KEYS)
            case 1:
                return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(12)))
            case 2:
                return rng.choice("xé 9\u200b") * rng.choice((4095, 4096, 4097, 5000, 70_000))
            case 3:
                return str(rng.choice(INTS)) + rng.choice(("", " ", ".0", "e3", "x"))
            case _:
                return rng.choice(WORDS)

    def scalar(self) -> Any:
        rng = self.rng
        match rng.randrange(6):
            case 0:
                return None
            case 1:
                return rng.choice((True, False))
            case 2:
                return rng.choice(INTS) if rng.random() < 0.7 else rng.randrange(-1000, 10**6)
            case 3:
                return rng.choice(FLOATS) if rng.random() < 0.7 else rng.uniform(-1e6, 1e6)
            case _:
                return self.text()

    def value(self, depth: int = 0) -> Any:
        rng = self.rng
        roll = rng.random()
        if depth >= 6 or roll < 0.5:
            return self.scalar()
        if roll < 0.7:
            return [self.value(depth + 1) for _ in range(rng.randrange(5))]
        return {self.key(): self.value(depth + 1) for _ in range(rng.randrange(6))}

    def key(self) -> str:
        return self.rng.choice(KEYS) if self.rng.random() < 0.85 else self.text()[:40]

    def wrong(self, old: Any) -> Any:
        """A replacement for `old`: same value in another type, or anything else."""
        rng = self.rng
        if isinstance(old, int | float) and not isinstance(old, bool) and rng.random() < 0.6:
            return rng.choice(
                (str(old), f" {old} ", float(old), float(old) + 0.5, -old, [old], {"id": old},
                 str(old) * 30, bool(old), None, "")
            )  # fmt: skip
        if isinstance(old, str) and rng.random() < 0.5:
            huge = (old or "x") * (5000 // max(len(old), 1) + 1)  # past MAX_TEXT, once
            return rng.choice((old.upper(), old.lower(), huge, [old], {"value": old}, ""))
        if isinstance(old, dict | list) and rng.random() < 0.4:
            return rng.choice((list(old) if isinstance(old, dict) else {}, json.dumps(old), None))
        return self.value()

    # -- mutations of the real payloads ---------------------------------------------------------

    def mutate(self, payload: Any) -> Any:
        payload = json.loads(json.dumps(payload))
        for _ in range(self.rng.choice((1, 1, 1, 2, 3, 6))):
            payload = self._mutate_once(payload)
        return payload

    def _mutate_once(self, root: Any) -> Any:
        rng = self.rng
        # Pick a random container in the tree and one of its slots.
        containers: list[Any] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict | list):
                containers.append(node)
                for child in node.values() if isinstance(node, dict) else node:
                    walk(child)

        walk(root)
        if not containers or rng.random() < 0.05:
            return self.wrong(root)
        node = rng.choice(containers)
        slots: list[Any] = list(node) if isinstance(node, dict) else list(range(len(node)))
        roll = rng.random()
        if not slots or roll < 0.15:
            if isinstance(node, dict):
                node[self.key()] = self.value()
            else:
                node.append(self.value())
        elif roll < 0.4:
            del node[rng.choice(slots)]
        elif roll < 0.9:
            slot = rng.choice(slots)
            node[slot] = self.wrong(node[slot])
        else:
            slot = rng.choice(slots)
            for _ in range(rng.randrange(2, 40)):
                node[slot] = rng.choice(([node[slot]], {self.key(): node[slot]}))
        return root

    # -- bodies ---------------------------------------------------------------------------------

    def body(self) -> bytes:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return self.encode(self.mutate(rng.choice(FIXTURES[self.service])))
        if roll < 0.7:
            return self.encode(self.random_object())
        if roll < 0.78:
            return self.encode(self.value())
        if roll < 0.84:
            return self.corrupt(self.encode(rng.choice(FIXTURES[self.service])))
        if roll < 0.88:
            return bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        if roll < 0.92:
            return self.deep()
        if roll < 0.96:
            return rng.choice((b"", b" ", b"\n\t ", b"null", b"{}", b"[]", b"[{}]", b"0", b'""'))
        if roll < 0.999:
            payloads = [self.mutate(rng.choice(FIXTURES[self.service])) for _ in range(3)]
            return self.encode(payloads[: rng.randrange(4)])
        # Rarely (each costs a megabyte): at, just over and far over the limit.
        pad = MAX_BODY_BYTES - 20 + rng.choice((0, 30, 5000))
        return b'{"eventType": "Test", "pad": "' + b"x" * pad + b'"}'

    def random_object(self) -> dict[str, Any]:
        """An object with the service's key names and values of any type."""
        base = self.rng.choice(FIXTURES[self.service])
        keys = list(base) if isinstance(base, dict) else ["type", "target", "arguments"]
        return {
            key: self.value() for key in keys + [self.key() for _ in range(self.rng.randrange(4))]
        }

    def encode(self, value: Any) -> bytes:
        if self.rng.random() < 0.1:
            # NaN/Infinity and lone surrogates are not JSON to a strict parser.
            return json.dumps(value, allow_nan=True).encode()
        try:
            return json.dumps(value, ensure_ascii=self.rng.random() < 0.5, allow_nan=False).encode(
                "utf-8", "surrogatepass"
            )
        except ValueError:
            return json.dumps(value).encode()

    def corrupt(self, body: bytes) -> bytes:
        rng = self.rng
        data = bytearray(body)
        match rng.randrange(4):
            case 0:  # invalid UTF-8 inside a string or anywhere
                at = rng.randrange(len(data) + 1)
                data[at:at] = rng.choice((b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80"))
            case 1:  # truncated
                del data[rng.randrange(len(data) + 1) :]
            case 2:  # a byte flipped
                if data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
            case _:  # trailing garbage, or a BOM in front
                data = rng.choice((data + b"}x", bytearray(b"\xef\xbb\xbf") + data))
        return bytes(data)

    def deep(self) -> bytes:
        """Nesting past any sane depth (and past the JSON parser's limit), built as text."""
        depth = self.rng.choice((64, 500, 1023, 1024, 1025, 5000, 100_000))
        key = self.rng.choice(("movie", "series", "media", "arguments", "episodes", "x"))
        if self.rng.random() < 0.5:
            return b"[" * depth + b"1" + b"]" * depth
        return (f'{{"{key}": '.encode() * depth) + b"{}" + b"}" * depth


def bodies(service: Service, count: int, seed: int = SEED) -> Iterator[bytes]:
    """Yield `count` generated bodies for `service`, the same ones on every run."""
    fuzzer = BodyFuzzer(service, seed)
    for _ in range(count):
        yield fuzzer.body()


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
    entry = MockConfigEntry(domain=DOMAIN, title="Media Request Tracker", data=data)
    _mock_stack(aioclient_mock)
    await setup_integration(hass, entry)
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


# The answers to a valid body that acts: events for the tracker, or qBittorrent's poll (which may
# legitimately update or mark stuck any request whose torrent it follows).
VALID_NOTES = {"accepted", "poll requested"}


def _snapshot(entry: MockConfigEntry) -> dict[str, Any]:
    return cast("dict[str, Any]", entry.runtime_data.tracker.to_dict())


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
