"""Seeded webhook bodies for the fuzz tests: `BodyFuzzer` and `bodies`.

Arbitrary JSON built from each service's real key names, mutations of the real payloads in
tests/fixtures (keys dropped, wrong types, ids as strings and floats, huge strings, deep nesting,
arrays instead of objects), invalid UTF-8, random bytes, non-JSON, empty bodies and bodies over
1 MB; the same ones on every run for a seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from custom_components.media_request_tracker.const import MAX_BODY_BYTES, Service
from tests import (
    ARRIVAL_HASH,
    load_fixture,
)

SEED = 20240611

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
