"""Engine speed, measured against torch.optim in the same process (not a test).

    python bench/engine.py [--json]

1. Eight trajectories (one per optimizer family) x 1000 steps on Rosenbrock: the engine's
   ``run()`` (validation, schedules, recording of every state quantity) against a plain torch loop
   (loss in torch ops, backward, ``optimizer.step()``), and their ratio. Target: engine >= 30x.
2. A batch of 10 000 Adam runs from different starts x 500 steps through the vectorised core:
   run-steps per second. Target: >= 3e7 on one core.
3. Per family of the optimizer picker (``FAMILIES``), generic over the registry (bench/families.py),
   as the headline: every registered optimizer x 1000 steps on Rosenbrock from (-1.2, 1.0), its
   engine ``run()`` against its reference package driven as a torch user drives it (loss in torch
   ops, autograd's ``backward()``, ``step()``; SAM's second gradient and L-BFGS's evaluations by
   autograd in the closure). The hyperparameters are those of its first fixture case on
   Rosenbrock under which both sides complete the 1000 steps, else its defaults with the lr of
   ``CHOSEN`` (a table says which for each optimizer). Summed per family: the ratio reference /
   engine against the target (>= 30x, issue 15) and the family's slowest member.
4. Per family, step only (a second figure, not the protocol of the target): every registered
   optimizer on its fixture cases' trajectories (~300 steps, several surfaces), the reference
   stepped by the test harness (tests/torch_reference.py, tests/reference_optimizers.py) with
   the engine surface's gradient written into ``.grad``, only its ``step()`` timed; and each
   family's slowest member's batch (``--rows`` runs x ``--batch-steps`` steps) in run-steps per
   second. An optimizer whose reference package is not importable is skipped with a line.

``--json`` prints the figures as the last line for the benchmark runner (``python -m bench``);
without torch the ratio is reported as skipped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine.config import build_objective, validate_config  # noqa: E402
from app.engine.runner import Simulation, run  # noqa: E402
from bench.common import best_of, emit, figure  # noqa: E402
from bench.families import (  # noqa: E402
    LONG_STEPS,
    batch_families,
    long_races,
    races,
    time_families,
)

FAMILIES = [
    ("sgd", {"lr": 1e-3, "momentum": 0.9}),
    ("adagrad", {"lr": 0.5}),
    ("rmsprop", {"lr": 0.01}),
    ("adadelta", {"lr": 1.0}),
    ("adam", {"lr": 0.05}),
    ("nadam", {"lr": 0.05}),
    ("radam", {"lr": 0.005}),  # 0.01 diverges at step 4 (its first steps are plain momentum)
    ("adamax", {"lr": 0.05}),
]
STEPS = 1000
ISSUE = 2  # the engine's issue
FAMILY_ISSUE = 15  # the per-family figures' issue
LONG = f"engine vs reference, {LONG_STEPS} steps Rosenbrock, autograd"
STEP_ONLY = "engine vs reference, step only on fixture trajectories"
RATIO_TARGET = 30.0
BATCH_TARGET = 3e7



def engine_families() -> float:
    """Time the engine on the eight family trajectories."""
    configs = [
        {"surface": {"name": "rosenbrock"}, "start": [-1.2, 1.0], "steps": STEPS,
         "runs": [{"optimizer": name, "params": params}]}
        for name, params in FAMILIES
    ]
    for config in configs:  # a fair race: every family runs all its steps, as torch's loop does
        trajectory = run(config).runs[0]
        assert trajectory.status == "completed", (config["runs"][0], trajectory.steps)
    return best_of(5, lambda: [run(c) for c in configs])


def torch_families() -> float | None:
    """Time torch.optim on the same trajectories (None when torch is not installed)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def one(name: str, params: dict) -> None:
        kwargs = dict(params)
        p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
        cls = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad,
               "rmsprop": torch.optim.RMSprop, "adadelta": torch.optim.Adadelta,
               "adam": torch.optim.Adam, "nadam": torch.optim.NAdam,
               "radam": torch.optim.RAdam, "adamax": torch.optim.Adamax}[name]
        opt = cls([p], foreach=False, **kwargs)
        for _ in range(STEPS):
            opt.zero_grad()
            loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
            loss.backward()
            opt.step()

    return best_of(5, lambda: [one(n, hp) for n, hp in FAMILIES])


def batch_adam(rows: int = 10_000, steps: int = 500) -> float:
    """Run-steps per second of a batch of Adam runs from different starts."""
    cfg = validate_config({"surface": {"name": "rosenbrock"}, "steps": steps,
                           "runs": [{"optimizer": "adam", "params": {"lr": 0.01}}]})
    objective = build_objective(cfg["surface"])
    rng = np.random.default_rng(0)
    starts = np.column_stack([rng.uniform(-2, 2, rows), rng.uniform(-1, 3, rows)])

    def go() -> None:
        sim = Simulation(objective, cfg["runs"][0], starts, steps)
        for _ in range(steps):
            sim.step()

    return rows * steps / best_of(3, go)


def main() -> None:
    """Measure, print the table, and the figures as JSON with --json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    parser.add_argument("--cases", type=int, default=2,
                        help="fixture trajectories per optimizer in the family ratios")
    parser.add_argument("--repeats", type=int, default=3, help="timings per side (best kept)")
    parser.add_argument("--rows", type=int, default=10_000, help="runs of a family batch")
    parser.add_argument("--batch-steps", type=int, default=100, help="steps of a family batch")
    args = parser.parse_args()
    engine = engine_families()
    reference = torch_families()
    rate = batch_adam()
    print(f"{'figure':58s} {'value':>12s} {'target':>10s}")
    print(f"{'engine: 8 families x 1000 steps on Rosenbrock (s)':58s} {engine:12.4f}")
    if reference is None:
        print("torch.optim: not installed (pip install torch==2.13.0) - ratio not measured")
    else:
        print(f"{'torch.optim: same 8 trajectories (s)':58s} {reference:12.4f}")
        print(f"{'ratio torch / engine':58s} {reference / engine:12.2f} {'>= 30':>10s}")
    print(f"{'batch: 10 000 Adam runs x 500 steps (run-steps/s)':58s} {rate:12.3e} "
          f"{'>= 3e7':>10s}")
    ratio_name = "engine vs torch.optim, 8 families x 1000 steps"
    family_figures = per_family(args)
    emit([
        figure(ISSUE, ratio_name, round(reference / engine, 2), "x", RATIO_TARGET, "higher")
        if reference is not None else
        figure(ISSUE, ratio_name, None, "x", RATIO_TARGET, "higher",
               skipped="torch not installed (pip install torch==2.13.0)"),
        figure(ISSUE, "engine: 8 families x 1000 steps on Rosenbrock", round(engine, 4), "s",
               None, "lower"),
        figure(ISSUE, "batch of 10 000 Adam runs x 500 steps", round(rate), "run-steps/s",
               BATCH_TARGET, "higher"),
        *family_figures,
    ], args.json)


def per_family(args: argparse.Namespace) -> list[dict]:
    """Print the per-family ratios (today's protocol, then step only) and batch rates; their
    figures (issue 15)."""
    out = long_family(args)
    found, notes = races(args.cases)
    print(f"\nper family, step only (a second figure): every registered optimizer against its "
          f"reference on {args.cases} fixture trajector{'y' if args.cases == 1 else 'ies'} "
          f"each (~300 steps, several surfaces), the engine's gradient written into .grad, "
          f"only step() timed (best of {args.repeats})")
    for note in notes:
        print(f"  {note}")
    if not found:
        return [*out, figure(FAMILY_ISSUE, f"{STEP_ONLY}, per family", None, "x", None,
                             "higher", skipped=notes[0] if notes else "no reference")]
    print(f"{'family':16s} {'cases':>5s} {'engine s':>9s} {'ref s':>9s} {'ratio':>7s}  "
          "each member's ratio")
    for fam in time_families(found, args.repeats):
        assert fam.members is not None
        members = ", ".join(f"{name} {r / e:.0f}x" for name, (e, r) in fam.members.items())
        print(f"{fam.family:16s} {fam.cases:5d} {fam.engine:9.4f} {fam.reference:9.4f} "
              f"{fam.ratio:7.1f}  {members}")
        out.append(figure(FAMILY_ISSUE, f"{STEP_ONLY}: {fam.family}", round(fam.ratio, 1),
                          "x", None, "higher"))
    print(f"\nbatch per family: {args.rows} runs x {args.batch_steps} steps of each optimizer "
          "(row-by-row L-BFGS: rows / 50); the slowest member")
    for family, name, rate in batch_families(found, args.rows, args.batch_steps, 2):
        print(f"{family:16s} {name:22s} {rate:12.3e} run-steps/s")
        out.append(figure(FAMILY_ISSUE, f"batch run-steps/s: {family} ({name})", round(rate),
                          "run-steps/s", None, "higher"))
    return out


def long_family(args: argparse.Namespace) -> list[dict]:
    """Per family under the headline's protocol (bench/families.py ``long_races``): print the
    source of each optimizer's hyperparameters and its ratio, then each family's summed ratio,
    target and slowest member; their figures."""
    found, notes = long_races()
    print(f"\nper family, as the headline: every registered optimizer x {LONG_STEPS} steps on "
          f"Rosenbrock from (-1.2, 1.0), the reference computing loss and gradient with torch "
          f"autograd (backward(), step()) (best of {args.repeats})")
    for note in notes:
        print(f"  {note}")
    if not found:
        return [figure(FAMILY_ISSUE, f"{LONG}, per family", None, "x", RATIO_TARGET, "higher",
                       skipped=notes[0] if notes else "no reference")]
    families = time_families(found, args.repeats)
    source = {r.optimizer: r.case for r in found}
    print(f"{'optimizer':20s} {'family':14s} {'hyperparameters from':36s} {'engine s':>9s} "
          f"{'ref s':>8s} {'ratio':>7s}")
    for fam in families:
        assert fam.members is not None
        for name, (e, r) in fam.members.items():
            print(f"{name:20s} {fam.family:14s} {source[name]:36s} {e:9.4f} {r:8.4f} "
                  f"{r / e:7.1f}")
    print(f"\n{'family':16s} {'members':>7s} {'engine s':>9s} {'ref s':>9s} {'ratio':>7s} "
          f"{'target':>7s}  slowest member")
    out = []
    for fam in families:
        assert fam.members is not None
        slow, (e, r) = min(fam.members.items(), key=lambda item: item[1][1] / item[1][0])
        print(f"{fam.family:16s} {fam.cases:7d} {fam.engine:9.4f} {fam.reference:9.4f} "
              f"{fam.ratio:7.1f} {'>= 30':>7s}  {slow} {r / e:.1f}x")
        out.append(figure(FAMILY_ISSUE, f"{LONG}: {fam.family}", round(fam.ratio, 1), "x",
                          RATIO_TARGET, "higher"))
        out.append(figure(FAMILY_ISSUE, f"{LONG}: {fam.family}, slowest member ({slow})",
                          round(r / e, 1), "x", None, "higher"))
    return out


if __name__ == "__main__":
    main()
