"""Smoke test of the benchmarks in bench/: each one runs with --quick and prints its figures.

No timing is asserted (a benchmark's figures are read by people, after a full run). The
scripts run at once, each in a process of its own, on this test's interpreter (so on every Home
Assistant version the suite runs on); together they take a few seconds of wall time each.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

# Script -> figures it must print (a figure line: name, value, target or "(no target)").
SCRIPTS: dict[str, tuple[str, ...]] = {
    "qbittorrent_poll.py": ("bytes received per poll", "client CPU per poll"),
    "webhook_ingest.py": (
        "no-op webhook: Home Assistant CPU per webhook",
        "same Radarr Grab again: CPU / no-op webhook's",
        "new title (Radarr Grab): CPU / bare-entity webhook's",
        "new title (Radarr Grab): rate / rate at 1 tracked",
        "new titles per second",
    ),
    "entity_writes.py": (
        "the same Radarr Grab again",
        "20 polls, nothing changed",
        "unchanged poll / bare client fetch",
    ),
    "setup_from_store.py": (
        "ready (every sensor written)",
        "peak RSS above the empty store's",
        "tracemalloc peak",
    ),
    "store_writes.py": (
        "writes per burst of 20 (until 1 min after)",
        "writes per minute, 5 downloads moving",
        "longest loop stall while the file was written",
    ),
    "attribute_size.py": ("attributes, JSON", "one state_changed message (websocket)"),
}
FIGURE = re.compile(
    r"^  (?P<name>.+?)\s{2,}(?P<value>-?[\d,.]+)\b.*?(?P<verdict>PASS|MISS|\(no target\))$"
)
SUMMARY = re.compile(r"^figures: (\d+) \((\d+) PASS, (\d+) MISS, (\d+) without target\)$")
TIMEOUT = 110  # seconds for all of them; pytest's own limit is 120


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py's autouse fixture: the scripts start their own Home Assistant."""


def _shared_fixtures_present() -> bool:
    shared = Path(os.environ.get("MRT_SHARED_DIR") or BENCH.parents[1] / "shared")
    return (shared / "fixtures" / "webhooks").is_dir()


def test_every_benchmark_is_smoke_tested_and_says_how_to_run() -> None:
    scripts = {path.name for path in BENCH.glob("*.py") if not path.name.startswith("_")}
    assert scripts == set(SCRIPTS)
    for name in scripts:
        docstring = ast.get_docstring(ast.parse((BENCH / name).read_text())) or ""
        assert f"Run: .venv/bin/python bench/{name} [--quick]" in docstring, name


def _problems(name: str, status: int, out: str, err: str) -> list[str]:
    """Return what is wrong with one script's run (nothing when it ran and printed its figures)."""
    problems = []
    if status != 0:
        problems.append(f"exit status {status}")
    if "Traceback" in err:
        problems.append("a traceback on stderr")
    lines = out.splitlines()
    figures = [match for line in lines if (match := FIGURE.match(line))]
    names = {match["name"].strip() for match in figures}
    problems += [f"no figure {wanted!r}" for wanted in SCRIPTS[name] if wanted not in names]
    summary = next((match for line in lines if (match := SUMMARY.match(line))), None)
    if summary is None:
        problems.append("no closing count of figures")
    elif int(summary[1]) != len(figures) or int(summary[1]) != sum(map(int, summary.groups()[1:])):
        problems.append(f"{len(figures)} figure lines, but the count says {summary[0]!r}")
    return [f"{name}: {problem}" for problem in problems]


def test_every_benchmark_runs_quick_and_prints_its_figures() -> None:
    if not _shared_fixtures_present():
        # As the shared-payload tests: skipped on a checkout without them, a failure in CI.
        if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
            pytest.fail("the shared webhook fixtures (../shared/fixtures/webhooks) are missing")
        pytest.skip("the shared webhook fixtures (../shared/fixtures/webhooks) are missing")
    runs = {
        name: subprocess.Popen(  # noqa: S603  (our own scripts, on this interpreter)
            [sys.executable, str(BENCH / name), "--quick"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in SCRIPTS
    }
    problems = []
    deadline = time.monotonic() + TIMEOUT
    try:
        for name, run in runs.items():
            out, err = run.communicate(timeout=max(1.0, deadline - time.monotonic()))
            if found := _problems(name, run.returncode, out, err):
                problems += [*found, f"{name} printed:\n{out}\n{err[-3000:]}"]
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
                run.wait()
    assert not problems, "\n".join(problems)
