"""MADGRAD: live against pytorch_optimizer's, and its text's claim about the cube root (on a
steady slope the step does not decay and grows like |g|^(1/3); AdaGrad's shrinks like
1/sqrt(t) whatever |g|) checked on the engine's data."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from app.engine.config import validate_config
from app.engine.maps import cell_run, hyper_map
from app.engine.runner import Trajectory, run

RTOL = 1e-9
PLANE = {"expression": "2*x + y/4"}  # gradient (2, 1/4) everywhere: (2 / (1/4))^(1/3) = 2


def _run(surface: dict[str, Any], name: str, params: dict[str, Any],
         steps: int = 300) -> Trajectory:
    return run({"surface": surface, "start": [0.0, 0.0], "steps": steps,
                "runs": [{"optimizer": name, "params": params}]}).runs[0]


def _rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(ours - ref) / np.maximum(1e-3, np.abs(ref)))) if len(ref) else 0.0


@pytest.mark.torch
def test_random_configurations_match_live_pytorch_optimizer() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("pytorch_optimizer")
    from tests.reference_optimizers import chaos_horizon, reference_trajectory

    rng = random.Random(20261203)
    for _ in range(12):
        surface = rng.choice(["himmelblau", "ill_conditioned", "booth", "rosenbrock", "beale"])
        start = [round(rng.uniform(-3, 3), 3), round(rng.uniform(-2, 2), 3)]
        params = {"lr": rng.choice([1e-3, 0.01, 0.03]),
                  "momentum": rng.choice([0.0, 0.5, 0.9]),
                  "weight_decay": rng.choice([0.0, 0.0, 0.01, 0.1]),
                  "weight_decouple": rng.choice([True, False]),
                  "eps": rng.choice([1e-6, 1e-8, 0.0]),
                  "maximize": rng.random() < 0.15}
        case = {"optimizer": "madgrad", "surface": surface, "params": params}
        ref = reference_trajectory(case, start, 120, state_steps=0)
        horizon = chaos_horizon(case, start, 120, ref)
        ours = run({"surface": {"name": surface}, "start": start, "steps": 120,
                    "runs": [{"optimizer": "madgrad", "params": params}]}).runs[0]
        n = min(horizon, ours.steps)
        label = (surface, start, params)
        assert n == horizon or ours.status == "diverged", label
        assert _rel_err(ours.x[:n], np.array(ref["x"][:n])) < RTOL, label
        assert _rel_err(ours.y[:n], np.array(ref["y"][:n])) < RTOL, label


def _moves(traj: Trajectory) -> np.ndarray:
    """Each step's move per coordinate, as positive lengths."""
    return np.abs(np.diff(np.vstack([[0.0, 0.0], traj.points]), axis=0))


def test_on_a_steady_slope_the_step_does_not_decay_and_grows_like_the_cube_root_of_g() -> None:
    """momentum 0 (the point is z): MADGRAD's moves settle to a constant, in the ratio
    (g_x / g_y)^(1/3) = 2; AdaGrad's shrink like 1/sqrt(t), equal on both coordinates."""
    madgrad = _moves(_run(PLANE, "madgrad", {"lr": 0.01, "momentum": 0.0}))
    np.testing.assert_allclose(madgrad[100:, 0] / madgrad[100:, 1], 2.0, rtol=1e-4)
    np.testing.assert_allclose(madgrad[299] / madgrad[99], 1.0, rtol=0.01)
    # the limit (2 lr / 3)^(2/3) |g|^(1/3) of x0 - s / v^(1/3) growing like t
    np.testing.assert_allclose(madgrad[299], (2 * 0.01 / 3) ** (2 / 3) * np.array([2, 0.25])
                               ** (1 / 3), rtol=0.01)
    adagrad = _moves(_run(PLANE, "adagrad", {"lr": 0.01}))
    np.testing.assert_allclose(adagrad[:, 0], adagrad[:, 1], rtol=1e-8)  # (eps)
    np.testing.assert_allclose(adagrad[299] / adagrad[99], np.sqrt(100 / 300), rtol=1e-3)


def test_step_scale_is_the_newest_gradients_weight_over_the_cube_root() -> None:
    """w_t / (v_t^(1/3) + eps), and z's move is that times g_t plus the rescaled old sum."""
    traj = _run({"name": "himmelblau"}, "madgrad", {"lr": 0.01, "momentum": 0.0}, steps=60)
    t = np.arange(1, 61)[:, None]
    w = (0.01 + 1e-6) * np.sqrt(t)
    np.testing.assert_allclose(traj.factors["weight"], w[:, 0], rtol=1e-15)
    rms = np.cbrt(traj.state["grad_sum_sq"]) + 1e-6
    scale = traj.state["step_scale"]
    assert (scale > 0).all()
    np.testing.assert_allclose(scale, w / rms, rtol=1e-12)
    g = np.column_stack([traj.grad_x, traj.grad_y])
    s_before = traj.state["s"][:-1]
    rms_before = rms[:-1]
    move = np.diff(traj.points, axis=0)
    np.testing.assert_allclose(move, -scale[1:] * g[1:] - s_before * (1 / rms[1:]
                                                                      - 1 / rms_before),
                               rtol=1e-8, atol=1e-13)


def test_every_map_cell_is_the_single_run_bit_for_bit() -> None:
    """momentum from 0 (the point recomputed as z) to 0.9, per cell; lr per cell."""
    config = validate_config({"surface": {"name": "rosenbrock"}, "steps": 40,
                              "runs": [{"optimizer": "madgrad",
                                        "params": {"weight_decay": 0.01}}]})
    x = {"param": "lr", "min": 1e-3, "max": 0.05, "cells": 3}
    y = {"param": "momentum", "min": 0.0, "max": 0.9, "cells": 3}
    result = hyper_map(config, {"x": x, "y": y, "threshold": 1.0})
    base = config["runs"][0]
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            single = run({**config, "runs": [cell_run(base, {"lr": xv,
                                                               "momentum": yv})]}).runs[0]
            assert single.status == "completed"
            assert result.values["final_loss"][j, i] == single.loss[-1]
