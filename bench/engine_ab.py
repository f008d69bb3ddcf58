"""The engine of two commits timed in one process, interleaved (not a test; a tool for speed work).

    python bench/engine_ab.py REV [--optimizers prodigy,lamb] [--rounds 20] [--steps 1000]

Extracts REV's ``app/`` (``git archive``) into a temporary directory, imports it beside the
working tree's as the package ``app_base`` (the engine's modules import each other relatively),
and times each optimizer's run on Rosenbrock from (-1.2, 1.0), with its default hyperparameters,
on both: per round the best of 3 runs of each side in turn. It prints the median over the rounds
of new time / old time with its quartiles, the steps each side ran (a run that ends early times
little), and whether both recorded the same path bit for bit.

Two runs of bench/engine.py differ by +-20 % on a machine whose speed swings within minutes; a
ratio taken in one process, the two sides sampling the same stretch of load, is steadier (a few
per cent between identical trees).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engine.optimizers import OPTIMIZERS  # noqa: E402
from app.engine.runner import run as run_new  # noqa: E402
from bench.common import best_of  # noqa: E402


def _extract(rev: str, into: Path) -> None:
    """REV's app/ as ``into/app_base``."""
    archive = subprocess.run(["git", "archive", rev, "app"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "app").rename(into / "app_base")


def _config(name: str, steps: int) -> dict[str, Any]:
    run: dict[str, Any] = {"optimizer": name}
    if OPTIMIZERS[name].wraps:
        run["inner"] = {"optimizer": "adam", "params": {"lr": 0.05}}
    return {"surface": {"name": "rosenbrock"}, "start": [-1.2, 1.0], "steps": steps,
            "runs": [run]}


def compare(run_old: Callable[[Any], Any], name: str, steps: int, rounds: int
            ) -> tuple[list[float], int, int, bool]:
    """The rounds' ratios new / old, each side's steps and whether the paths are the same."""
    config = _config(name, steps)
    old, new = run_old(config).runs[0], run_new(config).runs[0]
    same = old.x.tobytes() == new.x.tobytes() and old.y.tobytes() == new.y.tobytes()
    ratios = []
    for _ in range(rounds):
        a = best_of(3, lambda: run_old(config))
        b = best_of(3, lambda: run_new(config))
        ratios.append(b / a)
    return ratios, old.steps, new.steps, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rev", help="the commit to compare the working tree with")
    parser.add_argument("--optimizers", default="", help="comma-separated (default: all)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    names = [n for n in args.optimizers.split(",") if n] or list(OPTIMIZERS)
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown:
        parser.error(f"unknown optimizers: {', '.join(unknown)}")
    with tempfile.TemporaryDirectory() as tmp:
        _extract(args.rev, Path(tmp))
        sys.path.insert(0, tmp)
        run_old = importlib.import_module("app_base.engine.runner").run
        print(f"new / old time, {args.steps} steps on Rosenbrock, median of {args.rounds} rounds "
              f"(best of 3 each), old = {args.rev}")
        print(f"{'optimizer':22s} {'median':>7s} {'q1':>6s} {'q3':>6s}  steps old/new  same path")
        for name in names:
            try:
                ratios, s_old, s_new, same = compare(run_old, name, args.steps, args.rounds)
            except Exception as exc:  # an optimizer REV does not have, or refuses
                print(f"{name:22s} not compared: {type(exc).__name__}: {exc}")
                continue
            q1, _, q3 = statistics.quantiles(ratios, n=4)
            print(f"{name:22s} {statistics.median(ratios):7.3f} {q1:6.3f} {q3:6.3f}  "
                  f"{s_old:5d}/{s_new:<5d}     {same}")


if __name__ == "__main__":
    main()
