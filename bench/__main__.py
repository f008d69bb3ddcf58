"""``python -m bench``: run every benchmark and print one table of its figures against the targets
the issues name.

    python -m bench [--full] [--only engine,load] [--timeout 900]

Each script of ``SCRIPTS`` runs as a subprocess with ``--json`` (and quick flags unless
``--full``: the quick run takes a few minutes on two cores); its last stdout line is its list of
figures (protocol in bench/common.py). A script that is missing is left out, one that crashes
or prints no figures gets a "failed" row, and figures a script could not measure (no torch, no
Chromium) are shown as skipped. Exit status 1 when a script failed, else 0: whether targets are
met is for people to read, not for CI to gate on (machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Script:
    """A bench script and the flags of its quick run."""

    name: str
    quick: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        """Its file in bench/."""
        return BENCH / f"{self.name}.py"


SCRIPTS = (
    Script("engine"),
    Script("server", ("--seconds", "3", "--requests", "15")),
    Script("browser", ("--changes", "20", "--seconds", "3")),
    Script("maps", ("--repeats", "1")),
    Script("bad_inputs", ("--repeats", "3")),
    Script("load", ("--seconds", "10")),
    Script("cost", ("--steps", "500")),
)


def run_script(script: Script, full: bool, timeout: float) -> tuple[list[dict[str, Any]], str]:
    """The script's figures, or an empty list and why it failed."""
    command = [sys.executable, str(script.path), *(() if full else script.quick), "--json"]
    try:
        done = subprocess.run(command, cwd=BENCH.parent, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return [], f"no answer within {timeout:g} s"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [], f"exit {done.returncode}: {tail[:120]}"
    try:
        figures = json.loads(lines[-1])
    except json.JSONDecodeError:
        return [], "its last line is not a JSON list of figures"
    if not isinstance(figures, list):
        return [], "its last line is not a JSON list of figures"
    return figures, ""


def number(value: float) -> str:
    """A figure in a short, readable form (3e+07, 4.98, 152.5, 0)."""
    if value == 0 or 0.01 <= abs(value) < 1e5:
        return f"{value:.4g}"
    return f"{value:.3g}"


def verdict(fig: dict[str, Any]) -> tuple[str, str]:
    """(measured vs target, met / NOT met / skipped / for reference)."""
    value, target = fig.get("value"), fig.get("target")
    if fig.get("failed"):
        return "", f"FAILED: {fig['failed']}"
    if value is None:
        return "", f"skipped: {fig.get('skipped') or 'not measured'}"
    if target is None:
        return "", "(reference)"
    met = value >= target if fig.get("better") == "higher" else value <= target
    ratio = f"x{value / target:.2f}" if target else ""
    return ratio, "met" if met else "NOT met"


def table(rows: list[dict[str, Any]]) -> str:
    """One text table of every figure, by issue."""
    head = ("issue", "figure", "measured", "target", "ratio", "verdict")
    body = []
    for fig in sorted(rows, key=lambda f: (f.get("issue") or 0)):
        unit = f" {fig['unit']}" if fig.get("unit") else ""
        value, target = fig.get("value"), fig.get("target")
        sign = ">=" if fig.get("better") == "higher" else "<="
        ratio, word = verdict(fig)
        body.append((f"#{fig['issue']}" if fig.get("issue") else "", str(fig.get("name", "")),
                     number(value) + unit if isinstance(value, int | float) else "-",
                     f"{sign} {number(target)}{unit}" if isinstance(target, int | float) else "",
                     ratio, word))
    widths = [min(90, max(len(r[i]) for r in (head, *body))) for i in range(len(head))]
    lines = ["  ".join(cell[:w].ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in (head, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    """Run the scripts one after another (they share the machine), then print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true",
                        help="each script's own defaults (slower) instead of the quick flags")
    parser.add_argument("--only", default="", help="comma-separated script names")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per script")
    args = parser.parse_args()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    rows: list[dict[str, Any]] = []
    failed = False
    for script in SCRIPTS:
        if (wanted and script.name not in wanted) or not script.path.exists():
            continue
        started = time.perf_counter()
        print(f"bench/{script.name}.py ...", end=" ", flush=True)
        figures, problem = run_script(script, args.full, args.timeout)
        print(f"{time.perf_counter() - started:.0f} s" + (f" FAILED ({problem})" if problem
                                                          else ""), flush=True)
        if problem:
            failed = True
            rows.append({"issue": None, "name": f"bench/{script.name}.py", "value": None,
                         "failed": problem})
        rows += figures
    print()
    print(table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
