"""Real qbittorrent-nox instances for tests: profiles, start/stop, torrents and peers on loopback.

How and why (QBITTORRENT-LAB.md in the shared notes): the profile is written before the first start
so nothing ever leaves loopback (DHT, PeX, LSD, UPnP, GeoIP download all off, BT bound to `lo`);
the WebUI password is pre-written as PBKDF2 (4.6.1+ has no default password); wrong logins are
allowed 100 times (the default bans the IP for an hour after 5); `IgnoreLimitsOnLAN=false`, or a
loopback transfer ignores the speed limit; BitTorrent over TCP only (measured here: after a
SIGKILL the seeder keeps the dead uTP connection for about 60 s and ignores the restarted
downloader, which reuses the same port; a killed TCP connection is reset at once). Torrents are single-file v1 torrents without a tracker,
bencoded by hand; the downloader is told about the seeder with `torrents/addPeers`.

This is a helper module, not a test module: tests/clients/test_qbittorrent_real.py uses it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import aiohttp

QBITTORRENT_NOX = shutil.which("qbittorrent-nox")

USERNAME = "admin"
DEFAULT_PASSWORD = "lab-password"
PIECE_LENGTH = 256 * 1024
# Start-up to WebUI answering takes well under a second; generous for a loaded CI machine.
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
API_TIMEOUT = aiohttp.ClientTimeout(total=10)

CONFIG_TEMPLATE = """\
[LegalNotice]
Accepted=true

[Network]
PortForwardingEnabled=false

[BitTorrent]
Session\\Port={bt_port}
Session\\Interface=lo
Session\\InterfaceName=lo
Session\\InterfaceAddress=127.0.0.1
Session\\DHTEnabled=false
Session\\PeXEnabled=false
Session\\LSDEnabled=false
Session\\AddTrackersEnabled=false
Session\\QueueingSystemEnabled=false
Session\\IgnoreLimitsOnLAN=false
Session\\MultiConnectionsPerIp=true
Session\\DefaultSavePath={save_path}
Session\\TempPathEnabled=false
Session\\RefreshInterval=250
Session\\BTProtocol=TCP
Session\\GlobalDLSpeedLimit={download_limit_kib}

[Preferences]
General\\Locale=en
Connection\\ResolvePeerCountries=false
Downloads\\SavePath={save_path}
WebUI\\Enabled=true
WebUI\\Address=127.0.0.1
WebUI\\Port={webui_port}
WebUI\\UseUPnP=false
WebUI\\Username={username}
WebUI\\Password_PBKDF2="{password_pbkdf2}"
WebUI\\LocalHostAuth=true
WebUI\\HostHeaderValidation=true
WebUI\\CSRFProtection=true
WebUI\\MaxAuthenticationFailCount=100
"""


class LabError(RuntimeError):
    """A qBittorrent instance did not do what the test needed (with its log for the reason)."""


# -- ports, passwords, profiles ----------------------------------------------------------------


def free_port(*, udp_too: bool = False) -> int:
    """Return a loopback port free right now (TCP, and UDP too for a BT port: uTP uses it).

    The port is released before qBittorrent binds it, so another process could take it first;
    `QBittorrentInstance.start` retries with new ports when the WebUI that answers is not ours.
    """
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
            if not udp_too:
                return port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise LabError("no free loopback port")


def pbkdf2_password(password: str) -> str:
    """Return the Password_PBKDF2 value qBittorrent stores for `password`.

    Same as qBittorrent's Utils::Password::PBKDF2::generate: 16-byte salt, HMAC-SHA512,
    100 000 iterations, 64-byte key, both base64 in a Qt `@ByteArray(salt:key)`.
    """
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100_000, dklen=64)
    return f"@ByteArray({base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()})"


def write_config(
    profile: Path,
    *,
    webui_port: int,
    bt_port: int,
    password: str,
    save_path: Path,
    download_limit: int = 0,
) -> None:
    """Write the profile's qBittorrent.conf (download_limit in bytes/s, 0 = unlimited)."""
    config = profile / "qBittorrent" / "config" / "qBittorrent.conf"
    config.parent.mkdir(parents=True, exist_ok=True)
    save_path.mkdir(parents=True, exist_ok=True)
    config.write_text(
        CONFIG_TEMPLATE.format(
            bt_port=bt_port,
            webui_port=webui_port,
            save_path=save_path,
            username=USERNAME,
            password_pbkdf2=pbkdf2_password(password),
            # KiB/s in the config file, bytes/s in the WebAPI.
            download_limit_kib=download_limit // 1024,
        )
    )


# -- torrents ----------------------------------------------------------------------------------


def bencode(value: int | str | bytes | list[Any] | dict[str, Any]) -> bytes:
    """Encode a value as BitTorrent's bencode (dictionary keys sorted, as the format requires)."""
    match value:
        case bool():
            raise TypeError("bencode has no booleans")
        case int():
            return b"i%de" % value
        case str():
            return bencode(value.encode())
        case bytes():
            return b"%d:%s" % (len(value), value)
        case list():
            return b"l" + b"".join(bencode(item) for item in value) + b"e"
        case dict():
            items = sorted((key.encode(), item) for key, item in value.items())
            return b"d" + b"".join(bencode(key) + bencode(item) for key, item in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Torrent:
    """A .torrent file and its v1 info hash (lower-case hex, as qBittorrent reports it)."""

    name: str
    size: int
    data: bytes
    info_hash: str


def write_payload(path: Path, size: int) -> None:
    """Write `size` random bytes (random, so no piece can be found anywhere but at the seeder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        remaining = size
        while remaining:
            chunk = min(remaining, 1024 * 1024)
            file.write(os.urandom(chunk))
            remaining -= chunk


def make_torrent(payload: Path) -> Torrent:
    """Return a private, trackerless single-file v1 torrent of `payload`."""
    data = payload.read_bytes()
    pieces = b"".join(
        hashlib.sha1(data[offset : offset + PIECE_LENGTH], usedforsecurity=False).digest()
        for offset in range(0, len(data), PIECE_LENGTH)
    )
    info = {
        "length": len(data),
        "name": payload.name,
        "piece length": PIECE_LENGTH,
        "pieces": pieces,
        "private": 1,
    }
    return Torrent(
        name=payload.name,
        size=len(data),
        data=bencode({"info": info, "created by": "media_request_tracker tests"}),
        info_hash=hashlib.sha1(bencode(info), usedforsecurity=False).hexdigest(),
    )


def sha256_of(path: Path) -> str:
    """Return a file's SHA-256 (to compare what was downloaded with what was seeded)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- instances ---------------------------------------------------------------------------------


def _open_output(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("ab")


class QBittorrentInstance:
    """One qbittorrent-nox process with its own profile, ports and WebUI session."""

    def __init__(self, root: Path, name: str, *, password: str, download_limit: int = 0) -> None:
        """Describe an instance whose profile lives in `root / name` (nothing starts yet)."""
        self.name = name
        self.profile = root / name
        self.save_path = self.profile / "downloads"
        self.password = password
        self.download_limit = download_limit
        self.webui_port = 0
        self.bt_port = 0
        self._process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None
        # True once the WebUI on our port proved to be this process's: only then is it shut
        # down through the API (never a neighbour's instance that took the port).
        self._verified = False

    @property
    def url(self) -> str:
        """Return the WebUI's base URL."""
        return f"http://127.0.0.1:{self.webui_port}"

    @property
    def peer_address(self) -> str:
        """Return the BitTorrent listen address, as torrents/addPeers takes it."""
        return f"127.0.0.1:{self.bt_port}"

    @property
    def running(self) -> bool:
        """Return True while the process runs."""
        return self._process is not None and self._process.returncode is None

    def log_tail(self, lines: int = 30) -> str:
        """Return the end of qBittorrent's own log and of its stdout (for failure messages)."""
        parts = []
        for path in (
            self.profile / "qBittorrent" / "data" / "logs" / "qbittorrent.log",
            self.profile / "stdout.log",
        ):
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)

    # -- life cycle ----------------------------------------------------------------------------

    async def start(self, *, attempts: int = 3) -> None:
        """Write the profile on first start, start the process and log in to its WebUI.

        A restart keeps profile and ports (the torrents come back from the resume data). On the
        first start a port taken by someone else in the meantime means new ports and a retry.
        """
        first_start = self.webui_port == 0
        for attempt in range(1, attempts + 1):
            if first_start:
                self.webui_port = free_port()
                self.bt_port = free_port(udp_too=True)
                await asyncio.to_thread(
                    write_config,
                    self.profile,
                    webui_port=self.webui_port,
                    bt_port=self.bt_port,
                    password=self.password,
                    save_path=self.save_path,
                    download_limit=self.download_limit,
                )
            await self._spawn()
            try:
                await self._wait_until_ours()
                self._verified = True
            except LabError:
                await self.stop()
                if not first_start or attempt == attempts:
                    raise
            else:
                return

    async def _spawn(self) -> None:
        assert QBITTORRENT_NOX is not None, "qbittorrent-nox is not installed"
        self._verified = False
        output = await asyncio.to_thread(_open_output, self.profile / "stdout.log")
        try:
            # Foreground (no -d) so the PID is the process's own; a session of its own so a
            # signal meant for the test runner's process group never reaches it.
            self._process = await asyncio.create_subprocess_exec(
                QBITTORRENT_NOX,
                f"--profile={self.profile}",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            output.close()
        self._session = aiohttp.ClientSession(
            # qBittorrent sets its SID cookie for a bare IP host: aiohttp's default jar drops it.
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=API_TIMEOUT,
        )

    async def _wait_until_ours(self) -> None:
        """Wait for the WebUI to accept our password and to report our own save path."""
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while True:
            if not self.running:
                raise LabError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                if await self.login():
                    break
                # Another WebUI on the port (it does not know our password): not ours.
                raise LabError(f"{self.name}: port {self.webui_port} answers for someone else")
            except (aiohttp.ClientError, TimeoutError):
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise LabError(f"{self.name}: WebUI did not answer:\n{self.log_tail()}")
            await asyncio.sleep(0.05)
        preferences = await self.get_json("app/preferences")
        if Path(preferences["save_path"]) != self.save_path:
            raise LabError(f"{self.name}: port {self.webui_port} answers for another profile")

    async def stop(self) -> None:
        """Shut down cleanly (app/shutdown), else SIGTERM, else SIGKILL; idempotent."""
        if self.running:
            if self._verified:
                with contextlib.suppress(aiohttp.ClientError, TimeoutError, LabError):
                    await self.post("app/shutdown")
            if not await self._wait_for_exit(STOP_TIMEOUT if self._verified else 0.1):
                self._signal(signal.SIGTERM)
                if not await self._wait_for_exit(STOP_TIMEOUT):
                    await self.kill()
        await self._close_session()
        if self._process is not None:
            await self._process.wait()

    async def kill(self) -> None:
        """Kill the process at once (SIGKILL: no clean-up, no resume data written now)."""
        self._signal(signal.SIGKILL)
        if self._process is not None:
            await self._process.wait()
        await self._close_session()

    def _signal(self, signum: signal.Signals) -> None:
        if self.running:
            assert self._process is not None
            with contextlib.suppress(ProcessLookupError):
                self._process.send_signal(signum)

    async def _wait_for_exit(self, seconds: float) -> bool:
        if self._process is None:
            return True
        try:
            async with asyncio.timeout(seconds):
                await self._process.wait()
        except TimeoutError:
            return False
        return True

    async def _close_session(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- WebAPI --------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        data: Any = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        if self._session is None:
            raise LabError(f"{self.name} is not running")
        async with self._session.request(
            method, f"{self.url}/api/v2/{path}", data=data, params=params
        ) as response:
            return response.status, await response.text()

    async def login(self) -> bool:
        """Log in with our password; True if qBittorrent answered "Ok."."""
        status, text = await self._call(
            "POST", "auth/login", data={"username": USERNAME, "password": self.password}
        )
        return status == 200 and text.strip() == "Ok."

    async def post(self, path: str, data: Any = None) -> str:
        """POST to the WebAPI; return the body, raising LabError unless the answer is 200."""
        status, text = await self._call("POST", path, data=data)
        if status != 200:
            raise LabError(f"{self.name}: POST {path} answered {status} {text!r}")
        return text

    async def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET a WebAPI JSON answer."""
        status, text = await self._call("GET", path, params=params)
        if status != 200:
            raise LabError(f"{self.name}: GET {path} answered {status} {text!r}")
        return json.loads(text)

    async def torrent_info(self, info_hash: str) -> dict[str, Any] | None:
        """Return torrents/info for one torrent, or None while qBittorrent does not list it."""
        body = await self.get_json("torrents/info", {"hashes": info_hash})
        return body[0] if body else None

    async def add_torrent(self, torrent: Torrent, *, skip_checking: bool = False) -> dict[str, Any]:
        """Add a .torrent and wait until qBittorrent lists it (it appears asynchronously)."""
        form = aiohttp.FormData()
        form.add_field(
            "torrents",
            torrent.data,
            filename=f"{torrent.name}.torrent",
            content_type="application/x-bittorrent",
        )
        form.add_field("savepath", str(self.save_path))
        form.add_field("skip_checking", "true" if skip_checking else "false")
        answer = await self.post("torrents/add", form)
        if answer.strip() != "Ok.":
            raise LabError(f"{self.name}: torrents/add answered {answer!r}")
        return await self.wait_for_torrent(torrent.info_hash, lambda _: True)

    async def wait_for_torrent(
        self,
        info_hash: str,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        within: float = 10.0,
    ) -> dict[str, Any]:
        """Poll torrents/info until the torrent is listed and `predicate(info)` holds."""
        deadline = asyncio.get_running_loop().time() + within
        info: dict[str, Any] | None = None
        while asyncio.get_running_loop().time() < deadline:
            info = await self.torrent_info(info_hash)
            if info is not None and predicate(info):
                return info
            await asyncio.sleep(0.1)
        raise LabError(f"{self.name}: torrent {info_hash} never got there; last: {info}")

    async def add_peer(self, info_hash: str, peer: QBittorrentInstance) -> None:
        """Tell this instance about `peer` for the torrent (no tracker, no DHT: it must be told)."""
        await self.post("torrents/addPeers", {"hashes": info_hash, "peers": peer.peer_address})

    def resume_data_saved(self, info_hash: str) -> bool:
        """Return True once the torrent's resume data is on disk (it survives a kill)."""
        return (
            self.profile / "qBittorrent" / "data" / "BT_backup" / f"{info_hash}.fastresume"
        ).exists()


class QBittorrentLab:
    """The instances of one test, each in its own profile under the test's tmp_path."""

    def __init__(self, root: Path) -> None:
        """Keep every profile under `root`."""
        self.root = root
        self.instances: list[QBittorrentInstance] = []

    async def start(
        self, name: str, *, password: str = DEFAULT_PASSWORD, download_limit: int = 0
    ) -> QBittorrentInstance:
        """Start a new instance (download_limit in bytes/s, 0 = unlimited)."""
        instance = QBittorrentInstance(
            self.root, name, password=password, download_limit=download_limit
        )
        self.instances.append(instance)
        await instance.start()
        return instance

    async def seed(self, seeder: QBittorrentInstance, size: int, name: str) -> Torrent:
        """Create a random payload of `size` bytes at `seeder`, make its torrent, seed it."""
        payload = seeder.save_path / name
        await asyncio.to_thread(write_payload, payload, size)
        torrent = await asyncio.to_thread(make_torrent, payload)
        # The payload is known to be complete: skip the hash check, it seeds at once.
        await seeder.add_torrent(torrent, skip_checking=True)
        await seeder.wait_for_torrent(
            torrent.info_hash, lambda info: info["progress"] == 1 and info["state"].endswith("UP")
        )
        return torrent

    async def stop_all(self) -> None:
        """Stop every instance (all of them, even if one fails to stop)."""
        results = await asyncio.gather(
            *(instance.stop() for instance in self.instances), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
