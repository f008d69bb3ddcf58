"""The benchmark runner (``python -m bench``): its table and verdicts, and that every bench script
keeps the figures protocol (a ``--json`` flag). Nothing here is timed or run under load."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.__main__ import BENCH, SCRIPTS, Script, number, table, verdict
from bench.common import figure, pct


@pytest.mark.parametrize(("fig", "expected"), [
    (figure(2, "ratio", 35.0, "x", 30.0, "higher"), ("x1.17", "met")),
    (figure(2, "ratio", 5.0, "x", 30.0, "higher"), ("x0.17", "NOT met")),
    (figure(6, "latency", 12.0, "ms", 100.0, "lower"), ("x0.12", "met")),
    (figure(6, "errors", 0, "", 0, "lower"), ("", "met")),
    (figure(6, "errors", 3, "", 0, "lower"), ("", "NOT met")),
    (figure(6, "p50", 300.0, "ms", None, "lower"), ("", "(reference)")),
    (figure(2, "ratio", None, "x", 30.0, "higher", skipped="torch not installed"),
     ("", "skipped: torch not installed")),
    ({"issue": None, "name": "bench/x.py", "value": None, "failed": "exit 1: boom"},
     ("", "FAILED: exit 1: boom")),
])
def test_verdicts(fig: dict, expected: tuple[str, str]) -> None:
    assert verdict(fig) == expected


def test_the_table_lists_every_figure_by_issue() -> None:
    rows = [figure(6, "load errors", 0, "", 0, "lower"),
            figure(2, "batch", 6.5e7, "run-steps/s", 3e7, "higher")]
    text = table(rows).splitlines()
    assert text[0].split() == ["issue", "figure", "measured", "target", "ratio", "verdict"]
    assert text[2].startswith("#2") and "6.5e+07 run-steps/s" in text[2]
    assert ">= 3e+07 run-steps/s" in text[2] and text[2].endswith("met")
    assert text[3].startswith("#6")


def test_numbers_and_percentiles() -> None:
    assert [number(v) for v in (0, 4.98, 152.5, 3e7, 0.0012)] == ["0", "4.98", "152.5", "3e+07",
                                                                 "0.0012"]
    assert pct([3.0, 1.0, 2.0], 0.5) == 2.0 and pct([1.0], 0.99) == 1.0


@pytest.mark.parametrize("script", [s for s in SCRIPTS if s.path.exists()],
                         ids=lambda s: s.name)
def test_every_bench_script_takes_json(script: Script) -> None:
    """``--help`` lists --json (the runner's protocol); nothing is measured."""
    done = subprocess.run([sys.executable, str(script.path), "--help"], cwd=BENCH.parent,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "--json" in done.stdout
