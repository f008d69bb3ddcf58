"""Calibration of the cost model (app/engine/cost.py): measured compute next to the estimate.

    python bench/cost.py [--steps 2000] [--json]

Runs each configuration of a representative set in this process (every optimizer family on
analytic, formula and data surfaces, mini-batches, L-BFGS with and without its line search,
schedule trees with many schedulers and long formulas, basin and hyperparameter maps) and prints
the measured CPU seconds, the estimate and their ratio, meant to stay within about 2x either way:
the model refuses amplification by orders of magnitude and sizes stream blocks, it is not a
profiler. Also prints the estimate of the largest legitimate requests against the default
budget (they must fit). On a shared machine the measured side varies by 2x from run to run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings  # noqa: E402
from app.engine import maps  # noqa: E402
from app.engine.config import validate_config  # noqa: E402
from app.engine.cost import map_cost, trajectory_cost  # noqa: E402
from app.engine.runner import iter_config  # noqa: E402
from bench.common import emit, figure  # noqa: E402

ISSUE = 12
MEASURABLE_S = 0.002  # runs shorter than this ended early (diverged) and are not compared
LAMBDA = "+".join(["k*1"] * 100)  # 199 nodes after simplification
MATRIX: list[tuple[str, dict[str, Any]]] = [  # optimizers with matrix work per step
    ("adafactor", {}), ("muon", {}), ("muon", {"ns_steps": 20}), ("shampoo", {}),
    ("shampoo", {"preconditioning_compute_steps": 10, "matrix_eps": 1.0})]


def _min_formula(terms: int) -> str:
    text = "x**2+y**2"
    for i in range(terms):
        text = f"min({text},(x-{i % 9})**2+(y+{i % 7})**2)"
    return text


def trajectories(steps: int) -> list[tuple[str, dict[str, Any]]]:
    """(label, configuration) of the trajectory set."""
    out: list[tuple[str, dict[str, Any]]] = []
    sw = {"line_search_fn": "strong_wolfe"}
    for surface in ("rosenbrock", "rastrigin", "ackley", "goldstein_price"):
        for opt, params in (("sgd", {}), ("adam", {}), ("adadelta", {}), ("lbfgs", {}),
                            ("lbfgs", sw)):
            label = f"{surface} {opt}{' sw' if params else ''}"
            out.append((label, {"surface": {"name": surface}, "steps": steps,
                                "runs": [{"optimizer": opt, "params": params}]}))
    out.append(("rosenbrock lookahead(adam)", {"steps": steps, "runs": [
        {"optimizer": "lookahead", "inner": {"optimizer": "adam"}}]}))
    for opt, params in MATRIX:  # matrix work per step (cost.matrix_work)
        out.append((f"rosenbrock matrix {opt} {params or ''}".rstrip(), {
            "steps": steps, "runs": [{"optimizer": opt, "params": params}]}))
    for surface in ("rosenbrock", "ackley"):
        out.append((f"{surface} sam(adam)", {"surface": {"name": surface}, "steps": steps,
                                             "runs": [{"optimizer": "sam",
                                                       "inner": {"optimizer": "adam"}}]}))
    for surface in ("linear_regression", "logistic_regression"):
        for n in (64, 1024):
            for batch in (None, 8):
                for opt, params in (("adam", {}), ("lbfgs", sw)):
                    out.append((f"{surface} n={n} b={batch} {opt}", {
                        "surface": {"name": surface, "params": {"n_samples": n}},
                        "batch_size": batch, "steps": steps,
                        "runs": [{"optimizer": opt, "params": params}]}))
    for terms in (2, 10, 20):
        out.append((f"formula min x{terms} adam", {"surface": {"expression": _min_formula(terms)},
                                                    "steps": steps // 4,
                                                    "runs": [{"optimizer": "adam"}]}))
    out.append(("cosine schedule", {"steps": steps, "runs": [
        {"optimizer": "adam", "schedule": {"name": "CosineAnnealingLR"}}]}))
    out.append(("chained 31 x StepLR", {"steps": steps, "runs": [
        {"optimizer": "adam", "schedule": {"name": "ChainedScheduler", "params": {
            "schedulers": [{"name": "StepLR"}] * 31}}}]}))
    out.append(("LambdaLR 199 nodes", {"steps": steps // 4, "runs": [
        {"optimizer": "adam", "schedule": {"name": "LambdaLR", "params": {"lr_lambda": LAMBDA}}}]}))
    out.append(("chained 8 x LambdaLR 199 nodes", {"steps": steps // 8, "runs": [
        {"optimizer": "adam", "schedule": {"name": "ChainedScheduler", "params": {
            "schedulers": [{"name": "LambdaLR", "params": {"lr_lambda": LAMBDA}}] * 8}}}]}))
    return out


def measure_trajectory(config: dict[str, Any]) -> tuple[float, float]:
    """(measured, estimated) seconds of one configuration."""
    cfg = validate_config(config)
    t0 = time.process_time()
    for _ in iter_config(cfg, 500, 50):
        pass
    return time.process_time() - t0, trajectory_cost(cfg).seconds


def measure_map(kind: str, config: dict[str, Any], spec: dict[str, Any]) -> tuple[float, float]:
    """(measured, estimated) seconds of one map."""
    cfg = validate_config(config)
    validate = maps.validate_basin_map if kind == "basin" else maps.validate_hyper_map
    checked = validate(spec, cfg)
    make = maps.iter_basin_map if kind == "basin" else maps.iter_hyper_map
    xs, ys = maps.map_grid(kind, checked)
    t0 = time.process_time()
    for _ in make(cfg, checked):
        pass
    cells = len(xs) * len(ys)
    return time.process_time() - t0, map_cost(cfg, 0, cells, maps.BLOCK_CELLS).seconds


def map_set() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(label, kind, configuration, map) of the map set."""
    lam = {"name": "ChainedScheduler", "params": {
        "schedulers": [{"name": "LambdaLR", "params": {"lr_lambda": LAMBDA}}] * 8}}
    return [
        ("basin 128 adam x200", "basin", {"steps": 200, "runs": [{"optimizer": "adam"}]},
         {"cells": 128}),
        ("basin 64 rastrigin adam x200", "basin", {"surface": {"name": "rastrigin"},
                                                   "steps": 200,
                                                   "runs": [{"optimizer": "adam"}]},
         {"cells": 64}),
        ("basin 48 logistic adam x50", "basin", {"surface": {"name": "logistic_regression"},
                                                 "steps": 50, "runs": [{"optimizer": "adam"}]},
         {"cells": 48}),
        ("basin 32 formula adam x50", "basin", {"surface": {"expression": _min_formula(20)},
                                                "steps": 50, "runs": [{"optimizer": "adam"}]},
         {"cells": 32}),
        ("basin 16 lbfgs sw x50", "basin", {"steps": 50, "runs": [
            {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}}]},
         {"cells": 16}),
        ("basin 64 chained lambdas x20", "basin", {"steps": 20, "runs": [
            {"optimizer": "adam", "schedule": lam}]}, {"cells": 64}),
        ("hyper 64x64 adam x200", "hyper", {"steps": 200, "runs": [{"optimizer": "adam"}]},
         {"x": {"param": "lr", "cells": 64}, "y": {"param": "beta1", "cells": 64}}),
        *((f"hyper 48x48 matrix {opt} {params or ''} x100".replace("  ", " "), "hyper",
           {"steps": 100, "runs": [{"optimizer": opt, "params": params}]},
           {"x": {"param": "lr", "cells": 48}, "y": {"param": "weight_decay", "min": 0.0,
                                                     "max": 0.1, "cells": 48}})
          for opt, params in MATRIX),
        ("basin 128 sam(adam) x200", "basin", {"steps": 200, "runs": [
            {"optimizer": "sam", "inner": {"optimizer": "adam"}}]}, {"cells": 128}),
        ("hyper 64x64 sam(sgd) rho x lr x200", "hyper", {"steps": 200, "runs": [
            {"optimizer": "sam", "inner": {"optimizer": "sgd"}}]},
         {"x": {"param": "rho", "cells": 64}, "y": {"param": "lr", "cells": 64}}),
    ]


def legitimate_maximum() -> list[tuple[str, float]]:
    """Estimates of 8 runs x 10 000 steps of the costliest ordinary requests."""
    out = []
    sw = {"line_search_fn": "strong_wolfe"}
    for surface, batch in (("rosenbrock", None), ("goldstein_price", None),
                           ("logistic_regression", None), ("logistic_regression", 8),
                           ("linear_regression", 8)):
        cfg = validate_config({"surface": {"name": surface}, "batch_size": batch,
                               "steps": 10_000, "runs": [{"optimizer": "lbfgs",
                                                          "params": sw}] * 8})
        out.append((f"8 x 10000 lbfgs sw on {surface} b={batch}", trajectory_cost(cfg).seconds))
    return out


def main() -> None:
    """Print measured vs estimated for every configuration of the set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    ratios = []
    print(f"{'configuration':44s} {'measured':>9s} {'estimate':>9s} {'ratio':>6s}")
    for label, config in trajectories(args.steps):
        measured, estimate = measure_trajectory(config)
        if measured < MEASURABLE_S:  # diverged at once: the estimate is of the whole run
            print(f"{label:44s} {measured:9.3f} {estimate:9.3f}  (diverged at once)")
            continue
        ratios.append(estimate / measured)
        print(f"{label:44s} {measured:9.3f} {estimate:9.3f} {estimate / measured:6.2f}")
    for label, kind, config, spec in map_set():
        measured, estimate = measure_map(kind, config, spec)
        ratios.append(estimate / measured)
        print(f"{label:44s} {measured:9.3f} {estimate:9.3f} {estimate / measured:6.2f}")
    budget = Settings().cost_budget_s
    print(f"\nratio estimate/measured: min {min(ratios):.2f}, max {max(ratios):.2f}")
    print(f"largest legitimate requests (budget {budget:g} s):")
    for label, seconds in legitimate_maximum():
        print(f"  {label:44s} {seconds:7.2f} s {'fits' if seconds <= budget else 'OVER'}")
    emit([figure(ISSUE, "cost model: lowest estimate/measured", round(min(ratios), 2), "",
                 0.5, "higher"),
          figure(ISSUE, "cost model: highest estimate/measured", round(max(ratios), 2), "",
                 None, "lower")], args.json)


if __name__ == "__main__":
    main()
