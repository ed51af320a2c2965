"""qBittorrent WebUI API v2: login, the tracked torrents' progress, and the finish hook.

Facts from qBittorrent's sources and a 4.5.2 capture (PAYLOADS.md §6): a wrong password is
`200 "Fails."` before 5.2 and `401` after; calls without a session get 403; the session cookie's name
varies, so the session must keep cookies from IP hosts (`CookieJar(unsafe=True)`); hashes are
lower-case; `eta == 8640000` means unknown; 5.x renamed pausedDL/pausedUP to stoppedDL/stoppedUP.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import aiohttp
from homeassistant.util.json import json_loads

from ..schema_library import vol
from ..tracker import TorrentPhase, TorrentProgress
from ..tracker.events import TorrentFile, TorrentFiles
from .api import REQUEST_TIMEOUT, CannotConnect, InvalidAuth, PayloadError
from .schema import ParsedWebhook, lenient_str, object_schema

ETA_UNKNOWN = 8640000

# The torrent fields a TorrentProgress is made of; the rest of maindata is dropped on arrival.
SYNC_FIELDS = ("state", "progress", "dlspeed", "eta", "size")

# qBittorrent state → what the torrent is doing. `stalledDL` means no peers right now, not failure;
# a torrent still downloading is treated as queued until data has arrived.
STATE_PHASES: dict[str, TorrentPhase] = {
    "metaDL": TorrentPhase.QUEUED,
    "forcedMetaDL": TorrentPhase.QUEUED,
    "queuedDL": TorrentPhase.QUEUED,
    "checkingResumeData": TorrentPhase.QUEUED,
    "allocating": TorrentPhase.QUEUED,
    "moving": TorrentPhase.QUEUED,
    "unknown": TorrentPhase.QUEUED,
    "downloading": TorrentPhase.DOWNLOADING,
    "forcedDL": TorrentPhase.DOWNLOADING,
    "stalledDL": TorrentPhase.DOWNLOADING,
    "checkingDL": TorrentPhase.DOWNLOADING,
    "pausedDL": TorrentPhase.PAUSED,
    "stoppedDL": TorrentPhase.PAUSED,
    "uploading": TorrentPhase.COMPLETE,
    "stalledUP": TorrentPhase.COMPLETE,
    "checkingUP": TorrentPhase.COMPLETE,
    "forcedUP": TorrentPhase.COMPLETE,
    "queuedUP": TorrentPhase.COMPLETE,
    "pausedUP": TorrentPhase.COMPLETE,
    "stoppedUP": TorrentPhase.COMPLETE,
    "error": TorrentPhase.ERROR,
    "missingFiles": TorrentPhase.ERROR,
}


def torrent_progress(info: dict[str, Any]) -> TorrentProgress | None:
    """Turn one `torrents/info` entry into a TorrentProgress (None if it has no hash)."""
    torrent_hash = info.get("hash")
    if not isinstance(torrent_hash, str):
        return None
    state = str(info.get("state", "unknown"))
    progress = float(info.get("progress") or 0.0)
    phase = STATE_PHASES.get(state, TorrentPhase.QUEUED)
    if progress >= 1.0 and phase is not TorrentPhase.ERROR:
        phase = TorrentPhase.COMPLETE
    elif phase is TorrentPhase.DOWNLOADING and progress <= 0 and not info.get("dlspeed"):
        phase = TorrentPhase.QUEUED
    eta = info.get("eta")
    return TorrentProgress(
        qbit_hash=torrent_hash.lower(),
        phase=phase,
        client_state=state,
        progress=min(max(progress, 0.0), 1.0),
        download_speed=int(info.get("dlspeed") or 0),
        eta=int(eta) if isinstance(eta, int) and 0 <= eta < ETA_UNKNOWN else None,
        size=int(info["size"]) if isinstance(info.get("size"), int) and info["size"] > 0 else None,
    )


POLL_REQUESTED = ParsedWebhook(note="poll requested")
HOOK_SCHEMA = object_schema({vol.Optional("hash"): lenient_str})


def parse_webhook(payload: Any) -> ParsedWebhook:
    """Accept the "run external program on torrent finished" call; it only asks for a poll now.

    The body is optional (`curl -X POST <url>` is enough); a JSON object may name the `hash`.
    """
    if payload is None:
        return POLL_REQUESTED
    if not isinstance(payload, dict):
        raise PayloadError("expected a JSON object or an empty body")
    try:
        HOOK_SCHEMA(payload)
    except vol.Invalid as err:
        raise PayloadError(f"invalid hash: {err.error_message}"[:200]) from err
    return POLL_REQUESTED


class QBittorrentClient:
    """An async qBittorrent WebUI client on a session with its own cookie jar."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, username: str, password: str
    ) -> None:
        """Bind to the WebUI at `url`; the session must keep cookies from IP hosts."""
        self._session = session
        self.url = url.rstrip("/")
        self._username = username
        self._password = password
        self._logged_in = False
        # sync/maindata state: the server keeps one diff per login session, so a new login
        # starts again from rid 0 (PAYLOADS.md §6).
        self._rid = 0
        self._torrents: dict[str, dict[str, Any]] = {}

    async def _request(
        self,
        method: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        try:
            response = await self._session.request(
                method,
                f"{self.url}/api/v2/{path}",
                data=data,
                params=params,
                timeout=REQUEST_TIMEOUT,
            )
            await response.read()
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CannotConnect(type(err).__name__) from err
        return response

    async def async_login(self) -> None:
        """Log in; raise InvalidAuth for wrong credentials, CannotConnect otherwise."""
        response = await self._request(
            "POST",
            "auth/login",
            data={"username": self._username, "password": self._password},
        )
        if response.status == HTTPStatus.OK and (await response.text()).strip() == "Ok.":
            self._logged_in = True
            self._rid = 0
            return
        self._logged_in = False
        if response.status in (HTTPStatus.OK, HTTPStatus.UNAUTHORIZED):
            raise InvalidAuth("qBittorrent refused the username or password")
        raise CannotConnect(f"login answered HTTP {response.status}")

    async def _get_json(
        self, path: str, params: dict[str, str] | None = None, *, with_rid: bool = False
    ) -> Any:
        if not self._logged_in:
            await self.async_login()
            if with_rid:
                params = {**(params or {}), "rid": "0"}
        response = await self._request("GET", path, params=params)
        if response.status == HTTPStatus.FORBIDDEN:
            # The session expired (inactivity) or qBittorrent restarted: log in again once;
            # a new session knows nothing of our rid, so sync starts over.
            await self.async_login()
            if with_rid:
                params = {**(params or {}), "rid": "0"}
            response = await self._request("GET", path, params=params)
        if response.status != HTTPStatus.OK:
            raise CannotConnect(f"{path} answered HTTP {response.status}")
        try:
            return await response.json(content_type=None, loads=json_loads)
        except ValueError as err:
            raise CannotConnect("invalid JSON") from err

    async def async_torrents(self, hashes: set[str]) -> list[TorrentProgress]:
        """Return the progress of the given torrents (unknown hashes are simply absent).

        Uses the incremental `sync/maindata`: after the first full answer, an unchanged poll
        is a few bytes. With nothing to follow it only checks that qBittorrent answers.
        """
        if not hashes:
            await self._get_json("transfer/info")
            return []
        await self._async_sync()
        return [
            progress
            for torrent_hash in sorted(hashes)
            if (info := self._torrents.get(torrent_hash)) is not None
            and (progress := torrent_progress({**info, "hash": torrent_hash})) is not None
        ]

    async def _async_sync(self) -> None:
        """Fetch what changed since the last rid and merge it into our copy."""
        body = await self._get_json("sync/maindata", {"rid": str(self._rid)}, with_rid=True)
        if not isinstance(body, dict):
            raise CannotConnect("sync/maindata did not return an object")
        if body.get("full_update"):
            self._torrents = {}
        for torrent_hash, changes in (body.get("torrents") or {}).items():
            if isinstance(changes, dict):
                record = self._torrents.setdefault(str(torrent_hash).lower(), {})
                # Keep only what a TorrentProgress needs: 5,000 torrents stay small.
                record.update((key, changes[key]) for key in SYNC_FIELDS if key in changes)
        for torrent_hash in body.get("torrents_removed") or []:
            self._torrents.pop(str(torrent_hash).lower(), None)
        rid = body.get("rid")
        self._rid = rid if isinstance(rid, int) else 0

    async def async_files(self, torrent_hash: str) -> TorrentFiles:
        """Return the files of a torrent with their progress (per-episode progress of a pack)."""
        body = await self._get_json("torrents/files", {"hash": torrent_hash})
        if not isinstance(body, list):
            raise CannotConnect("torrents/files did not return a list")
        return TorrentFiles(
            torrent_hash,
            tuple(
                TorrentFile(
                    name=str(item["name"]),
                    progress=min(max(float(item.get("progress") or 0.0), 0.0), 1.0),
                    size=int(item.get("size") or 0),
                )
                for item in body
                if isinstance(item, dict) and isinstance(item.get("name"), str)
            ),
        )
