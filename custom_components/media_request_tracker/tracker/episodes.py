"""Episode numbers in file names, and per-episode bookkeeping shared by the TV rules."""

from __future__ import annotations

import re

# "S01E05", "s1e5", and the multi-episode styles: "S01E05E06", "S01E05-E06", "S01E05-06",
# "S01E05-06-07", "S01E05.E06". None of them puts spaces around the hyphen, so in
# "Show - S02E01 - 025 - Title" (Sonarr's anime naming) the 025 is not a range end.
_SEASON_EPISODE = re.compile(
    r"(?<![0-9a-z])s(?P<season>\d{1,4})[ ._-]?e(?P<first>\d{1,4})"
    r"(?P<more>(?:[._]?-?e\d{1,4}|-\d{1,4}(?![0-9p]))*)(?![0-9])",
    re.IGNORECASE,
)
# "15x06", "15x06-x08", "15x06-07" (the older NxNN style).
_CROSS = re.compile(
    r"(?<![0-9a-z])(?P<season>\d{1,2})x(?P<first>\d{1,3})"
    r"(?P<more>(?:-x?\d{1,3}(?![0-9p]))*)(?![0-9])",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d{1,4}")


def _keys(match: re.Match[str]) -> list[tuple[int, int]]:
    season = int(match["season"])
    first = int(match["first"])
    rest = [int(number) for number in _NUMBER.findall(match["more"])]
    if len(rest) == 1 and "-" in match["more"] and rest[0] > first:
        return [(season, number) for number in range(first, rest[0] + 1)]
    return [(season, number) for number in (first, *rest)]


def episode_keys_in_name(name: str) -> list[tuple[int, int]]:
    """Return the (season, episode) pairs a file or release name names, in order.

    A range ("S01E05-E07") names every episode in it, and a repeated marker ("S15E06 - S15E07",
    Sonarr's "Duplicate" style) each one; a name without an SxxEyy or 1x05 marker names none
    (absolute anime numbering cannot be told apart from other numbers).
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    matches = list(_SEASON_EPISODE.finditer(base)) or list(_CROSS.finditer(base))
    return list(dict.fromkeys(key for match in matches for key in _keys(match)))
