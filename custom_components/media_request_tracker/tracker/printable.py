"""Text from outside, made safe for a log line: no newline or control character gets through."""

from __future__ import annotations

import unicodedata

# Longest piece of outside text a log line shows.
MAX_LOGGED = 300


# Controls, formats (bidi overrides included) and line/paragraph separators would let a
# payload forge or hide log lines; letters of every script stay as they are.
ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escape(char: str) -> str:
    if unicodedata.category(char) in ESCAPED_CATEGORIES:
        return char.encode("unicode_escape").decode("ascii")
    return char


def printable(value: object) -> str:
    """Return `value` as one line of text for a log line, control characters escaped."""
    text = str(value)
    if len(text) > MAX_LOGGED:
        text = text[: MAX_LOGGED - 1] + "…"
    return "".join(_escape(char) for char in text)
