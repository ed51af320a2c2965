"""Episode numbers in file and release names: which episodes a season-pack file belongs to."""

from __future__ import annotations

import pytest

from custom_components.media_request_tracker.tracker.episodes import episode_keys_in_name


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        # One episode.
        ("S01E05", [(1, 5)]),
        ("s1e5", [(1, 5)]),
        ("Mad.Men.S01E05.1080p.BluRay.x264-GROUP.mkv", [(1, 5)]),
        ("Mad Men (2007) - S01E05 - 5G [Bluray-1080p].mkv", [(1, 5)]),
        ("Mad.Men.S01E05.5G.1080p.BluRay.x264-GROUP.mkv", [(1, 5)]),
        ("The Daily Show - S2024E05 - Guest.mkv", [(2024, 5)]),
        ("1x05", [(1, 5)]),
        ("Mad Men 1x05 5G.avi", [(1, 5)]),
        # Several episodes in one file: repeated, range and prefixed range.
        ("S01E05E06", [(1, 5), (1, 6)]),
        ("Show.S01E05E06E07.720p.mkv", [(1, 5), (1, 6), (1, 7)]),
        ("S01E05-E07", [(1, 5), (1, 6), (1, 7)]),
        ("S01E05-07", [(1, 5), (1, 6), (1, 7)]),
        ("Show - S01E05-E06 - Part One [WEBDL-1080p].mkv", [(1, 5), (1, 6)]),
        ("Show.S01E05-06-07.720p.mkv", [(1, 5), (1, 6), (1, 7)]),
        # Folders are not part of the file's name; either separator.
        (
            "Mad.Men.S01.1080p.BluRay.x264-GROUP/Mad.Men.S01E05.1080p.BluRay.x264-GROUP.mkv",
            [(1, 5)],
        ),
        ("/downloads/tv/Mad Men/Season 01/Mad Men - S01E13 - The Wheel.mkv", [(1, 13)]),
        (r"D:\Downloads\Mad.Men.S01.1080p\Mad.Men.S01E05.1080p.mkv", [(1, 5)]),
        (r"\\nas\tv\Mad Men\Season 01\Mad Men - 1x12 - Nixon vs. Kennedy.mkv", [(1, 12)]),
        ("Mad.Men.S01E05.1080p/Sample/sample.mkv", []),
        (r"Mad.Men.S01E05.1080p\sample.mkv", []),
        # No SxxEyy or 1x05 marker: absolute numbering cannot be told from other numbers.
        ("[SubsPlease] Show - 05 (1080p)", []),
        ("[SubsPlease] Sousou no Frieren - 28 (1080p) [ABCD1234].mkv", []),
        ("Mad.Men.S01.1080p.BluRay.x264-GROUP.nfo", []),
        # A season pack's own name names no episode.
        ("Show.S01.1080p", []),
        ("Mad.Men.S01.1080p.BluRay.x264-GROUP", []),
        # Resolutions are not episodes.
        ("Show.S01E03.720p", [(1, 3)]),
        ("S01E03 - 2160p", [(1, 3)]),
        ("Show.S01E03-720p.mkv", [(1, 3)]),
        ("Show S01E03 1080p WEB-DL", [(1, 3)]),
        ("Show.S01E03.480p.x264", [(1, 3)]),
        ("Show.S01E03.E04.720p.mkv", [(1, 3), (1, 4)]),
        ("Show.1x03.720p.mkv", [(1, 3)]),
        ("Show 2x10 1080p", [(2, 10)]),
        ("Show.S01E05.10bit.x265-GROUP.mkv", [(1, 5)]),
        # Sonarr's anime naming puts the absolute number after the marker: not a range end.
        ("Frieren - S02E01 - 029 - Title [WEBDL-1080p].mkv", [(2, 1)]),
        # An episode title that is a number is not another episode (Battlestar Galactica's
        # "33"), whether Sonarr named the file or the release carries the title.
        ("Battlestar Galactica (2004) - S01E01 - 33 [Bluray-1080p].mkv", [(1, 1)]),
        ("Battlestar.Galactica.2004.S01E01.33.1080p.BluRay.x264-GROUP.mkv", [(1, 1)]),
    ],
)
def test_episode_keys_in_name(name: str, keys: list[tuple[int, int]]) -> None:
    assert episode_keys_in_name(name) == keys


def test_a_range_is_written_out_in_order_without_repeats() -> None:
    assert episode_keys_in_name("Show.S02E09-12.1080p.mkv") == [(2, 9), (2, 10), (2, 11), (2, 12)]
    assert episode_keys_in_name("Show.S02E09E09.1080p.mkv") == [(2, 9)]


# Sonarr's six multi-episode styles, named as Sonarr's own tests name South Park 15x06-15x07
# (15x06-15x08 for the ranges): Sonarr/Sonarr src/NzbDrone.Core.Test/OrganizerTests/
# FileNameBuilderTests/MultiEpisodeFixture.cs. The "{season}x{episode:00}" format gives the
# NxNN forms. An Import Complete's files are paired with their episodes by these names.
@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("South Park - S15E06-07 - City Sushi", [(15, 6), (15, 7)]),
        ("South Park - S15E06 - S15E07 - City Sushi", [(15, 6), (15, 7)]),
        ("South Park - S15E06E07 - City Sushi", [(15, 6), (15, 7)]),
        ("South Park - S15E06-E07 - City Sushi", [(15, 6), (15, 7)]),
        ("South Park - S15E06-08 - City Sushi", [(15, 6), (15, 7), (15, 8)]),
        ("South Park - S15E06-E08 - City Sushi", [(15, 6), (15, 7), (15, 8)]),
        ("South Park - 15x06 - 15x07 - [100-101] - City Sushi - HDTV-720p", [(15, 6), (15, 7)]),
        ("South Park - 15x06-x08 - City Sushi", [(15, 6), (15, 7), (15, 8)]),
    ],
    ids=[
        "extend",
        "duplicate",
        "repeat",
        "scene",
        "range",
        "prefixed range",
        "duplicate, NxNN",
        "prefixed range, NxNN",
    ],
)
def test_sonarr_multi_episode_styles(name: str, keys: list[tuple[int, int]]) -> None:
    assert episode_keys_in_name(name) == keys
