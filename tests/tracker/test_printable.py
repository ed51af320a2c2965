"""Text from payloads, made safe for one log line."""

from __future__ import annotations

import pytest

from custom_components.media_request_tracker.tracker.printable import MAX_LOGGED, printable


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        ("Arrival", "Arrival"),
        ("Sousou no Frieren - 葬送のフリーレン", "Sousou no Frieren - 葬送のフリーレン"),
        ("Arrival\n2026-12-02 ERROR forged", "Arrival\\n2026-12-02 ERROR forged"),
        ("a\r\nb", "a\\r\\nb"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("left\u202eright", "left\\u202eright"),  # a bidi override hides text
        ("line\u2028separator", "line\\u2028separator"),
        ("nul\x00", "nul\\x00"),
    ],
)
def test_control_characters_are_escaped_and_letters_kept(text: str, logged: str) -> None:
    assert printable(text) == logged


def test_long_text_is_cut_and_anything_is_turned_into_text() -> None:
    assert printable("x" * 1000) == "x" * (MAX_LOGGED - 1) + "…"
    assert printable(ValueError("bad\nvalue")) == "bad\\nvalue"
    assert printable(None) == "None"
