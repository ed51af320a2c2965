"""How every benchmark prints: one line per figure, its target beside it, PASS or MISS.

A figure line reads `name .... value   target   PASS|MISS`; a figure without a target says
`(no target)`. The last line counts them. A missed target does not change the exit status:
the scripts measure, they do not gate.
"""

from __future__ import annotations

import argparse
import math
import platform
from dataclasses import dataclass

from homeassistant.const import __version__ as HA_VERSION  # noqa: N812


@dataclass(frozen=True)
class Target:
    """A bound a figure should stay within, and how to say it."""

    text: str
    low: float
    high: float

    def met(self, value: float) -> bool:
        """Return whether `value` is within the bounds."""
        return self.low <= value <= self.high


def at_most(bound: float, text: str) -> Target:
    """Return the target `value <= bound` (shown as `text`)."""
    return Target(text, -math.inf, bound)


def at_least(bound: float, text: str) -> Target:
    """Return the target `value >= bound` (shown as `text`)."""
    return Target(text, bound, math.inf)


def exactly(value: float, text: str = "") -> Target:
    """Return the target `figure == value` (shown as `= value`, then `text`)."""
    return Target(f"= {value:,g} {text}".rstrip(), value, value)


def parse_args(description: str | None) -> argparse.Namespace:
    """Read the command line every benchmark takes (`--quick`)."""
    parser = argparse.ArgumentParser(
        description=(description or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, a few seconds (a smoke test)"
    )
    return parser.parse_args()


def _say(text: str) -> None:
    """Print a line now (the log, on stderr, must not overtake it)."""
    print(text, flush=True)


class Report:
    """Prints a benchmark's figures and counts them."""

    def __init__(self, title: str, *, quick: bool) -> None:
        """Print the header: what runs, on which Home Assistant and Python."""
        self.passed = 0
        self.missed = 0
        self.untargeted = 0
        sizes = "quick sizes (smoke test, figures not representative)" if quick else "full sizes"
        _say(f"{title}: {sizes}; Home Assistant {HA_VERSION}, Python {platform.python_version()}")

    def section(self, text: str) -> None:
        """Print a heading for the figures that follow."""
        _say(f"\n{text}")

    def note(self, text: str) -> None:
        """Print a line of explanation."""
        _say(f"  {text}")

    def figure(
        self, name: str, value: float, unit: str, target: Target | None = None, *, digits: int = 2
    ) -> None:
        """Print one figure with its target and verdict."""
        shown = f"{value:,.{digits}f} {unit}".rstrip()
        if target is None:
            verdict, bound = "", "(no target)"
            self.untargeted += 1
        elif target.met(value):
            verdict, bound = "PASS", target.text
            self.passed += 1
        else:
            verdict, bound = "MISS", target.text
            self.missed += 1
        _say(f"  {name:<60} {shown:>14}   {bound:<28} {verdict}".rstrip())

    def finish(self) -> int:
        """Print the closing count; return the exit status (0: a MISS is a finding, not an error)."""
        _say(
            f"\nfigures: {self.passed + self.missed + self.untargeted} "
            f"({self.passed} PASS, {self.missed} MISS, {self.untargeted} without target)"
        )
        return 0
