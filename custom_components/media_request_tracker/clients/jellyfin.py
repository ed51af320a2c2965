"""Jellyfin: is the requested item in the library and playable? Plus the Webhook plugin's ItemAdded.

Jellyfin has no `AnyProviderIdEquals` (that is Emby): `/Items` ignores unknown parameters and would
return every item, a false "available". So we search by title or year and compare `ProviderIds`
ourselves (jellyfin `ItemsController.cs`; PAYLOADS.md §5). Only playable items count, as the item
found says of itself: a file (`Path`), neither virtual (a missing episode) nor a placeholder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from ..schema_library import vol
from ..tracker import LibraryCheckRequested, MediaKey, MediaType
from ..tracker.correlation import normalise_title
from .api import JsonApiClient
from .schema import ParsedWebhook, lenient_id, lenient_str, template_schema, validate

# The fields asked of a found item: its provider ids, and its file. `LocationType` and
# `IsPlaceHolder` come without asking; `MediaSources` (every stream of every version) is not
# needed to know there is a file (jellyfin `DtoService.cs`).
ITEM_FIELDS = "ProviderIds,Path"
SERIES_FIELDS = "ProviderIds"
EPISODE_FIELDS = "Path"
# Every search is bounded: the item looked for was just added, so the newest come first and a
# page of them is enough (a year scan or an untyped title search in a large library would
# otherwise return thousands of items, with their media sources, images and user data).
SEARCH_LIMIT = 50
LEAN = {"enableImages": "false", "enableUserData": "false"}
SEARCH_BOUNDS = {
    **LEAN,
    "limit": str(SEARCH_LIMIT),
    "sortBy": "DateCreated",
    "sortOrder": "Descending",
    "enableTotalRecordCount": "false",
}
# Episodes asked per season of a request (`season=`, jellyfin `TvShowsController.GetEpisodes`),
# at most this many each: more than any season holds, however long a show runs.
EPISODE_LIMIT = 500

# ItemType of the plugin's ItemAdded → the media type a request has.
ITEM_MEDIA_TYPES: dict[str, MediaType] = {
    "Movie": MediaType.MOVIE,
    "Series": MediaType.TV,
    "Season": MediaType.TV,
    "Episode": MediaType.TV,
}

SCHEMA = template_schema(
    {
        vol.Required("NotificationType"): vol.All(str, vol.Length(max=64)),
        vol.Optional("ItemType"): lenient_str,
        vol.Optional("Provider_tmdb"): lenient_id,
        vol.Optional("Provider_tvdb"): lenient_id,
        vol.Optional("Provider_imdb"): lenient_str,
    }
)


@dataclass(frozen=True, slots=True)
class LibraryMatch:
    """An item found in the library, and which search found it."""

    item_id: str
    method: str


def is_playable(item: dict[str, Any]) -> bool:
    """Return whether an item can be played: it has a file, and is neither virtual nor a stub.

    A virtual item is a missing episode Jellyfin knows from metadata; a placeholder is a stub
    file (such as `.disc`) that stands for media kept offline.
    """
    if item.get("LocationType") == "Virtual" or item.get("IsPlaceHolder") is True:
        return False
    return bool(item.get("Path"))


def provider_id(item: dict[str, Any], key: str) -> str | None:
    """Return a provider id of an item (keys are case-sensitive: "Tmdb", "Tvdb", "Imdb")."""
    ids = item.get("ProviderIds")
    value = ids.get(key) if isinstance(ids, dict) else None
    return str(value) if value not in (None, "") else None


def _same_title(item: dict[str, Any], title: str | None, year: int | None) -> bool:
    """Return whether an item has the title (folded) and, when both are known, the year."""
    if not title or normalise_title(str(item.get("Name", ""))) != normalise_title(title):
        return False
    return year is None or item.get("ProductionYear") in (None, year)


def parse_webhook(payload: Any) -> ParsedWebhook:
    """Turn the Webhook plugin's body into a request to check the library now.

    The plugin posts a user template, often as text/plain with every value a string; only
    ItemAdded matters, and its provider ids narrow the check to one request when present.
    """
    data = validate(SCHEMA, payload)
    kind = data["NotificationType"]
    if kind != "ItemAdded":
        return ParsedWebhook.ignored(kind)
    media_type = ITEM_MEDIA_TYPES.get(data.get("ItemType") or "")
    ids = (data.get("Provider_tmdb"), data.get("Provider_tvdb"), data.get("Provider_imdb"))
    if media_type is None or data.get("ItemType") != "Movie" or all(v is None for v in ids):
        # An episode's or season's provider ids are its own, not its series': check every
        # waiting request rather than none.
        return ParsedWebhook((LibraryCheckRequested(),))
    media = MediaKey(media_type=media_type, tmdb_id=ids[0], tvdb_id=ids[1], imdb_id=ids[2])
    return ParsedWebhook((LibraryCheckRequested(media),))


class JellyfinClient(JsonApiClient):
    """The Jellyfin API, with the `Authorization: MediaBrowser Token` header."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str) -> None:
        """Bind to Jellyfin at `url` with an API key."""
        super().__init__(session, url, {"Authorization": f'MediaBrowser Token="{api_key}"'})

    async def async_validate(self) -> None:
        """Call `/System/Info`, which needs a valid API key."""
        await self.get_json("/System/Info")

    async def _items(
        self, params: dict[str, str], fields: str = ITEM_FIELDS
    ) -> list[dict[str, Any]]:
        body = await self.get_json(
            "/Items", {"recursive": "true", "fields": fields, **SEARCH_BOUNDS, **params}
        )
        return _item_list(body)

    async def async_find_movie(
        self,
        tmdb_id: int | None,
        title: str | None,
        year: int | None,
        *,
        anime: bool = False,
        anidb_id: int | None = None,
    ) -> LibraryMatch | None:
        """Find a playable movie: by TMDB id among a title search, then among the year's movies.

        Anime movies are often filed by Shokofin as a Series whose provider ids hold only AniDB
        and Shoko ids (PAYLOADS.md §5), so for anime the search goes on: a series by TMDB id,
        any item type by TMDB id, then a title (+year) search among movies and series that
        accepts an item with our AniDB id, or with the same name and year.
        """

        def by_tmdb(item: dict[str, Any]) -> bool:
            return tmdb_id is not None and provider_id(item, "Tmdb") == str(tmdb_id)

        def by_anidb_or_name(item: dict[str, Any]) -> bool:
            if anidb_id is not None and provider_id(item, "AniDB") == str(anidb_id):
                return True
            return _same_title(item, title, year)

        searches: list[tuple[str, dict[str, str], Callable[[dict[str, Any]], bool]]] = []
        if title and tmdb_id is not None:
            searches.append(
                (
                    "tmdb id, title search",
                    {"includeItemTypes": "Movie", "hasTmdbId": "true", "searchTerm": title},
                    by_tmdb,
                )
            )
        if year and tmdb_id is not None:
            searches.append(
                (
                    "tmdb id, year scan",
                    {"includeItemTypes": "Movie", "hasTmdbId": "true", "years": str(year)},
                    by_tmdb,
                )
            )
        if anime and title:
            if tmdb_id is not None:
                searches += [
                    (
                        "series by tmdb id",
                        {"includeItemTypes": "Series", "searchTerm": title},
                        by_tmdb,
                    ),
                    ("any type by tmdb id", {"searchTerm": title}, by_tmdb),
                ]
            searches.append(
                (
                    "anidb id or title search",
                    {"includeItemTypes": "Movie,Series", "searchTerm": title},
                    by_anidb_or_name,
                )
            )
        for method, params, matches in searches:
            for item in await self._items(params):
                if item.get("Id") and matches(item) and is_playable(item):
                    return LibraryMatch(str(item["Id"]), method)
        return None

    async def async_find_series(
        self, tvdb_id: int | None, tmdb_id: int | None, title: str | None, year: int | None
    ) -> LibraryMatch | None:
        """Find a series by TVDB id, then TMDB id, then title and year, among a title search."""
        if not title:
            return None
        items = await self._items(
            {"includeItemTypes": "Series", "searchTerm": title}, fields=SERIES_FIELDS
        )
        rules: tuple[tuple[str, Any], ...] = (
            (
                "tvdb id",
                lambda item: tvdb_id is not None and provider_id(item, "Tvdb") == str(tvdb_id),
            ),
            (
                "tmdb id",
                lambda item: tmdb_id is not None and provider_id(item, "Tmdb") == str(tmdb_id),
            ),
            (
                "title and year",
                lambda item: (
                    normalise_title(str(item.get("Name", ""))) == normalise_title(title)
                    and (year is None or item.get("ProductionYear") in (None, year))
                ),
            ),
        )
        for method, matches in rules:
            for item in items:
                if item.get("Id") and matches(item):
                    return LibraryMatch(str(item["Id"]), method)
        return None

    async def async_find_episodes(
        self, series_id: str, seasons: Iterable[int]
    ) -> dict[tuple[int, int], str]:
        """Return the playable episodes of these seasons by (season, episode), one call each.

        Virtual ones are left out; a multi-episode file is one item with `IndexNumberEnd`: it
        stands for each episode it holds.
        """
        found: dict[tuple[int, int], str] = {}
        for season in sorted(set(seasons)):
            body = await self.get_json(
                f"/Shows/{series_id}/Episodes",
                {
                    "season": str(season),
                    "fields": EPISODE_FIELDS,
                    "isMissing": "false",
                    "limit": str(EPISODE_LIMIT),
                    **LEAN,
                },
            )
            for item in _item_list(body):
                if item.get("Id") and is_playable(item):
                    found |= dict.fromkeys(_episode_keys(item), str(item["Id"]))
        return found


def _item_list(body: Any) -> list[dict[str, Any]]:
    """Return the items of a Jellyfin list answer ({Items: [...]}), skipping odd entries."""
    items = body.get("Items") if isinstance(body, dict) else None
    return [item for item in items or [] if isinstance(item, dict)]


def _episode_keys(item: dict[str, Any]) -> list[tuple[int, int]]:
    """Return the (season, episode) keys an episode item holds (none if it is not numbered)."""
    season, first = item.get("ParentIndexNumber"), item.get("IndexNumber")
    if not isinstance(season, int) or not isinstance(first, int):
        return []
    last = item.get("IndexNumberEnd")
    last = last if isinstance(last, int) and last >= first else first
    return [(season, number) for number in range(first, last + 1)]
