"""One module per external service: its payload schema, its parser and its small API client."""

from __future__ import annotations

from dataclasses import dataclass

from .arr.api import ArrClient
from .jellyfin import JellyfinClient
from .jellyseerr import JellyseerrClient
from .qbittorrent import QBittorrentClient


@dataclass(frozen=True, slots=True)
class StackClients:
    """The API clients of one stack's services (None: the service is not configured)."""

    qbittorrent: QBittorrentClient
    radarr: ArrClient | None = None
    sonarr: ArrClient | None = None
    jellyfin: JellyfinClient | None = None
    jellyseerr: JellyseerrClient | None = None
