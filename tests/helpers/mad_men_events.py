"""Mad Men season 1 as the tracker core receives it: the season pack and single-episode grabs."""

from __future__ import annotations

from typing import Any

from custom_components.media_request_tracker.tracker import (
    FileImported,
    ImportNeedsAttention,
    MediaKey,
    MediaType,
    ReleaseGrabbed,
    Request,
    RequestNotified,
    RequestState,
    TorrentPhase,
    TorrentProgress,
    Tracker,
)
from custom_components.media_request_tracker.tracker.events import (
    EpisodeRef,
    ImportedEpisode,
    LibraryEpisodesFound,
    TorrentFile,
    TorrentFiles,
)
from tests.tracker import at, tracker_after

S = RequestState

MAD_MEN = MediaKey(
    MediaType.TV, tmdb_id=1104, tvdb_id=80337, imdb_id="tt0804503", title="Mad Men", year=2007
)
SEVERANCE = MediaKey(
    MediaType.TV, tmdb_id=95396, tvdb_id=371980, imdb_id="tt11280740", title="Severance", year=2022
)
SONARR_ID = 4
JELLYSEERR_ID = 21
PACK_HASH = "3c9e1f0a2b4d6e8f0a1b2c3d4e5f60718293a4b5"
PACK_RELEASE = "Mad.Men.S01.1080p.BluRay.x264-DEMAND"
SERIES_JELLYFIN_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
METHOD = "series by tvdb id, episodes by number"
REASON = "One or more episodes expected in this release were not imported or missing"

TITLES = {
    1: "Smoke Gets in Your Eyes",
    2: "Ladies Room",
    3: "Marriage of Figaro",
    4: "New Amsterdam",
    5: "5G",
    6: "Babylon",
    7: "Red in the Face",
    8: "The Hobo Code",
    9: "Shoot",
    10: "Long Weekend",
    11: "Indian Summer",
    12: "Nixon vs. Kennedy",
    13: "The Wheel",
}
SEASON_1 = tuple(TITLES)

# The pack's files as qBittorrent lists them: (episode, bytes, progress), plus a .nfo. The
# request's progress is bytes-weighted: 14_295_000_000 of 26_500_000_000 bytes = 0.5394339…,
# stored as 0.539434 (the plain mean of the episodes would be 0.45).
PACK_FILES = (
    (1, 3_100_000_000, 1.0),
    (2, 3_000_000_000, 0.9),
    (3, 2_900_000_000, 0.8),
    (4, 2_200_000_000, 0.75),
    (5, 2_100_000_000, 0.6),
    (6, 2_000_000_000, 0.5),
    (7, 1_900_000_000, 0.4),
    (8, 1_800_000_000, 0.3),
    (9, 1_700_000_000, 0.25),
    (10, 1_600_000_000, 0.2),
    (11, 1_500_000_000, 0.1),
    (12, 1_400_000_000, 0.05),
    (13, 1_300_000_000, 0.0),
)
PACK_PROGRESS = 0.539434


def torrent_hash(tag: str) -> str:
    """Return a distinct lower-case 40-hex hash for a torrent named `tag` in a test."""
    return (tag.encode().hex() + "0" * 40)[:40]


def ref(number: int, season: int = 1) -> EpisodeRef:
    """Return how Sonarr names Mad Men episode `season`x`number`."""
    return EpisodeRef(
        season,
        number,
        TITLES.get(number) if season == 1 else f"Season {season} episode {number}",
        sonarr_episode_id=1000 * season + number,
        tvdb_id=300000 + 100 * season + number,
    )


def library_path(number: int, season: int = 1) -> str:
    """Return the library file Sonarr imports episode `season`x`number` to."""
    return (
        f"/media/tv/Mad Men (2007)/Season {season:02d}/"
        f"Mad Men (2007) - S{season:02d}E{number:02d} - {TITLES.get(number, 'Episode')} "
        "[Bluray-1080p].mkv"
    )


def episode_jellyfin_id(number: int) -> str:
    """Return the Jellyfin item id of episode `number`."""
    return f"{number:02d}" + "e" * 30


def seerr(target: RequestState = S.APPROVED, **fields: Any) -> RequestNotified:
    """Return Jellyseerr's notification for a Mad Men season 1 request."""
    values: dict[str, Any] = {
        "media": MAD_MEN,
        "target": target,
        "jellyseerr_id": JELLYSEERR_ID,
        "overview": "A drama about one of New York's most prestigious ad agencies.",
        "requested_by": "carol",
        "requested_seasons": (1,),
    }
    return RequestNotified(**{**values, **fields})


def grab(*numbers: int, qbit_hash: str | None = PACK_HASH, **fields: Any) -> ReleaseGrabbed:
    """Return Sonarr's Grab of the given season-1 episodes (all of them: the season pack)."""
    episodes = fields.pop("episodes", tuple(ref(n) for n in numbers or SEASON_1))
    values: dict[str, Any] = {
        "media": MAD_MEN,
        "arr_id": SONARR_ID,
        "qbit_hash": qbit_hash,
        "release_title": PACK_RELEASE,
        "quality": "Bluray-1080p",
        "indexer": "Local Indexer (Prowlarr)",
        "release_group": "DEMAND",
        "file_size": 26_500_000_000,
        "download_client": "qBittorrent",
        "episodes": episodes,
    }
    return ReleaseGrabbed(**{**values, **fields})


def torrent(
    phase: TorrentPhase,
    client_state: str,
    progress: float,
    speed: int = 0,
    eta: int | None = None,
    qbit_hash: str = PACK_HASH,
) -> TorrentProgress:
    """Return qBittorrent's view of one torrent."""
    return TorrentProgress(qbit_hash, phase, client_state, progress, speed, eta)


def imported(
    *numbers: int, qbit_hash: str | None = PACK_HASH, is_upgrade: bool = False, season: int = 1
) -> FileImported:
    """Return Sonarr's Download of the given episodes, each in its own library file.

    One number is an "On File Import" POST; several are the "On Import Complete" POST.
    Sonarr's parser leaves the request-level final_path empty for TV.
    """
    return FileImported(
        MAD_MEN,
        SONARR_ID,
        qbit_hash,
        None,
        is_upgrade=is_upgrade,
        episodes=tuple(ImportedEpisode(ref(n, season), library_path(n, season)) for n in numbers),
    )


def found(*numbers: int, request_id: str = "1") -> LibraryEpisodesFound:
    """Return Jellyfin's answer: the series and these season-1 episodes are playable."""
    return LibraryEpisodesFound(
        request_id,
        SERIES_JELLYFIN_ID,
        tuple((1, n, episode_jellyfin_id(n)) for n in numbers),
        METHOD,
    )


def pack_files(*rows: tuple[int, int, float]) -> TorrentFiles:
    """Return the files of the season pack (each row: episode, bytes, progress) plus its .nfo."""
    return TorrentFiles(
        PACK_HASH,
        (
            TorrentFile(f"{PACK_RELEASE}/{PACK_RELEASE}.nfo", 1.0, 4_096),
            *(
                TorrentFile(
                    f"{PACK_RELEASE}/Mad.Men.S01E{n:02d}.1080p.BluRay.x264-DEMAND.mkv", p, s
                )
                for n, s, p in rows
            ),
        ),
    )


DOWNLOADING_30 = torrent(TorrentPhase.DOWNLOADING, "downloading", 0.3, 5_000_000, 1800)
COMPLETE = torrent(TorrentPhase.COMPLETE, "stalledUP", 1.0, 0, 0)


def episodes_of(request: Request, *names: str) -> dict[tuple[int, int], dict[str, Any]]:
    """Return some stored fields of every episode, by (season, episode)."""
    return {
        episode.key: {name: episode.to_dict()[name] for name in names}
        for episode in request.episodes
    }


def downloaded_pack() -> Tracker:
    """Return a tracker whose Mad Men season pack has finished downloading (at 3 minutes)."""
    return tracker_after(seerr(), grab(), DOWNLOADING_30, pack_files(*PACK_FILES), COMPLETE)


IMPORT_TIME = 360


def imported_pack() -> Tracker:
    """Return a tracker whose whole Mad Men season 1 is imported (at 6 minutes)."""
    tracker = downloaded_pack()
    for number in SEASON_1:
        tracker.apply(imported(number), at(IMPORT_TIME))
    return tracker


H1, H2, H3, H45 = (torrent_hash(tag) for tag in ("ep1", "ep2", "ep3", "ep4+5"))


def single(number: int, qbit_hash: str) -> ReleaseGrabbed:
    """Return Sonarr's Grab of one episode, in a torrent of its own."""
    return grab(number, qbit_hash=qbit_hash, release_title=f"Mad.Men.S01E{number:02d}.1080p")


REGRAB_HASH = torrent_hash("regrab")


def attention(*numbers: int) -> ImportNeedsAttention:
    """Return Sonarr's ManualInteractionRequired for the given episodes of the pack."""
    return ImportNeedsAttention(
        MAD_MEN, SONARR_ID, PACK_HASH, REASON, episodes=tuple(ref(n) for n in numbers)
    )
