"""Constants of the Media Request Tracker integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Final

DOMAIN: Final = "media_request_tracker"
LOGGER = logging.getLogger(__package__)

EVENT_STATE_CHANGED: Final = f"{DOMAIN}_state_changed"
EVENT_STUCK: Final = f"{DOMAIN}_stuck"


class Service(StrEnum):
    """The services of a media stack, in pipeline order."""

    JELLYSEERR = "jellyseerr"
    RADARR = "radarr"
    SONARR = "sonarr"
    QBITTORRENT = "qbittorrent"
    SHOKO = "shoko"
    JELLYFIN = "jellyfin"


# Entry data keys.
CONF_WEBHOOK_IDS: Final = "webhook_ids"

# Options and their defaults.
CONF_POLL_ACTIVE: Final = "poll_active"
CONF_POLL_IDLE: Final = "poll_idle"
CONF_ANIME_TAG: Final = "anime_tag"
CONF_KEEP_DAYS: Final = "keep_days"
CONF_LOCAL_ONLY: Final = "local_only"
CONF_ABANDON_DAYS: Final = "abandon_days"
CONF_MAX_REQUESTS: Final = "max_requests"
CONF_RECONCILE_MINUTES: Final = "reconcile_minutes"
CONF_BACKFILL: Final = "backfill"
# A section of the options: hours per lifecycle state before a request is flagged stuck.
CONF_STUCK_AFTER: Final = "stuck_after"

DEFAULT_POLL_ACTIVE: Final = 5
DEFAULT_POLL_IDLE: Final = 30
DEFAULT_ANIME_TAG: Final = "anime"
DEFAULT_KEEP_DAYS: Final = 30
DEFAULT_LOCAL_ONLY: Final = True
# Days without activity after which an active request fails as abandoned (0: never).
DEFAULT_ABANDON_DAYS: Final = 90
# The most requests tracked at once: past it the oldest finished ones go, then stale ones fail.
DEFAULT_MAX_REQUESTS: Final = 1000
# Minutes between two readings of the services' own records (0: never, not even at start-up).
DEFAULT_RECONCILE_MINUTES: Final = 15
# Whether the first set-up takes in the requests already in flight.
DEFAULT_BACKFILL: Final = True

# How often requests are checked for being stuck, and finished ones past retention forgotten.
HOUSEKEEPING_INTERVAL: Final = timedelta(minutes=5)

# Webhook bodies larger than this are refused before parsing.
MAX_BODY_BYTES: Final = 1024 * 1024

# 2: the compact form (tracker/stored.py); 1 stored every field by name (migrated on load).
STORAGE_VERSION: Final = 2
STORAGE_MINOR_VERSION: Final = 1
# Seconds within which a change is written to disk (a burst of changes shares one write), and
# within which a change of progress-like fields only is (download progress, speed, ETA).
SAVE_DELAY: Final = 2.0
# The longest wait between two tries of an unreachable qBittorrent.
POLL_RETRY_MAX: Final = timedelta(minutes=5)
VOLATILE_SAVE_DELAY: Final = 300.0
# Seconds after a poll for a new torrent during which further new torrents share one poll.
NEW_TORRENT_POLL_COOLDOWN: Final = 1.0
