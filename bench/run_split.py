"""Where a single run's time goes: the engine's fixed cost per ``run()`` and its cost per step.

    python bench/run_split.py [optimizer ...]

For each optimizer, ``run()`` of one run on Rosenbrock from (-1.2, 1.0) is timed at 1 step (best
of 200) and at 1000 steps (best of 15; 5 for L-BFGS and Muon), and t(N) = fixed + N x per-step
is solved from the two (fixed: validation, the surface, the Simulation, the recording's setup and
output arrays; per step: the optimizer's update, the surface's point functions, the row
recorded). Not a test, no target: a tool for finding overhead (not part of ``python -m bench``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine.runner import run  # noqa: E402
from bench.common import best_of  # noqa: E402

RUNS: dict[str, dict[str, Any]] = {
    "sgd": {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.9}},
    "adam": {"optimizer": "adam", "params": {"lr": 0.05}},
    "qhadam": {"optimizer": "qhadam", "params": {"lr": 0.05, "nu1": 0.7}},
    "lamb": {"optimizer": "lamb", "params": {"lr": 0.01}},
    "sgd_schedulefree": {"optimizer": "sgd_schedulefree", "params": {"lr": 1e-3}},
    "prodigy": {"optimizer": "prodigy", "params": {}},
    "dadapt_sgd": {"optimizer": "dadapt_sgd", "params": {"lr": 0.5}},
    "muon": {"optimizer": "muon", "params": {"lr": 0.02}},
    "lbfgs": {"optimizer": "lbfgs", "params": {"lr": 0.1, "history_size": 100, "max_eval": 25}},
    "lookahead": {"optimizer": "lookahead", "params": {},
                  "inner": {"optimizer": "adam", "params": {"lr": 0.05}}},
}



def config(name: str, steps: int) -> dict[str, Any]:
    """One run of ``name`` on Rosenbrock for ``steps`` steps."""
    return {"surface": {"name": "rosenbrock"}, "start": [-1.2, 1.0], "steps": steps,
            "runs": [RUNS[name]]}


def main() -> None:
    """Print each optimizer's fixed cost and per-step cost."""
    names = sys.argv[1:] or list(RUNS)
    print(f"{'optimizer':18s} {'fixed us':>9s} {'per step us':>12s} {'1000 steps ms':>14s}")
    for name in names:
        one, long = config(name, 1), config(name, 1000)
        assert run(long).runs[0].status == "completed", name
        t1 = best_of(200, lambda c=one: run(c))
        t2 = best_of(5 if name in ("lbfgs", "muon") else 15, lambda c=long: run(c))
        per_step = (t2 - t1) / 999
        print(f"{name:18s} {1e6 * (t1 - per_step):9.1f} {1e6 * per_step:12.2f} "
              f"{1e3 * t2:14.2f}")


if __name__ == "__main__":
    main()
