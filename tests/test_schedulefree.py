"""Schedule-Free SGD / AdamW / RAdam: live against the schedulefree package, and what their texts
claim (x the average of the z's, lagging behind z; y between x and z; the warmup and the silent
phase on the lr chart; the gradient taken at y) checked on the engine's data."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from app.engine.config import build_objective, validate_config
from app.engine.maps import cell_run, hyper_map
from app.engine.optimizers import OPTIMIZERS
from app.engine.runner import Trajectory, run

RTOL = 1e-9
NAMES = ("sgd_schedulefree", "adamw_schedulefree", "radam_schedulefree")


def _run(name: str, params: dict[str, Any], surface: str = "himmelblau", steps: int = 80,
         **extra: Any) -> Trajectory:
    return run({"surface": {"name": surface}, "steps": steps,
                "runs": [{"optimizer": name, "params": params}], **extra}).runs[0]


def _rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(ours - ref) / np.maximum(1e-3, np.abs(ref)))) if len(ref) else 0.0


def _beta(name: str, params: dict[str, Any]) -> float:
    key = "momentum" if name == "sgd_schedulefree" else "beta1"
    return float(params.get(key, OPTIMIZERS[name].param(key).default))


# ---------------------------------------------------------------- live: the schedulefree package
def _random_params(rng: random.Random, name: str) -> dict[str, Any]:
    params: dict[str, Any] = {"weight_decay": rng.choice([0.0, 0.0, 0.01, 0.1]),
                              "r": rng.choice([0.0, 0.0, 0.5, 1.0]),
                              "weight_lr_power": rng.choice([2.0, 2.0, 0.0, 1.0])}
    if name == "sgd_schedulefree":
        params |= {"lr": rng.choice([1e-3, 3e-3, 0.01]),
                   "momentum": rng.choice([0.5, 0.9, 0.95])}
    else:
        params |= {"lr": rng.choice([0.01, 0.03, 0.1]), "beta1": rng.choice([0.5, 0.9, 0.95]),
                   "beta2": rng.choice([0.9, 0.99, 0.999]), "eps": rng.choice([1e-8, 1e-6])}
    if name == "radam_schedulefree":
        params["silent_sgd_phase"] = rng.choice([True, False])
    else:
        params["warmup_steps"] = rng.choice([0, 0, 5, 40])
    if name == "adamw_schedulefree":
        params["decay_at_z"] = rng.choice([True, False])
    return params


@pytest.mark.torch
def test_random_configurations_match_the_live_schedulefree_package() -> None:
    """Random hyperparameters, surfaces and starts: the path x, the companions y and z and the
    applied lr (the package's ``scheduled_lr``) to 1e-9, up to the chaos horizon."""
    pytest.importorskip("torch")
    pytest.importorskip("schedulefree")
    from tests.reference_optimizers import chaos_horizon, reference_trajectory

    rng = random.Random(20261202)
    for k in range(15):
        name = NAMES[k % 3]
        surface = rng.choice(["himmelblau", "ill_conditioned", "booth", "rosenbrock", "beale"])
        start = [round(rng.uniform(-3, 3), 3), round(rng.uniform(-2, 2), 3)]
        params = _random_params(rng, name)
        steps = 120
        case = {"optimizer": name, "surface": surface, "params": params}
        ref = reference_trajectory(case, start, steps, state_steps=steps)
        horizon = chaos_horizon(case, start, steps, ref)
        ours = run({"surface": {"name": surface}, "start": start, "steps": steps,
                    "runs": [{"optimizer": name, "params": params}]}).runs[0]
        n = min(horizon, ours.steps)
        label = (name, surface, start, params)
        assert n == horizon or ours.status == "diverged", label
        assert _rel_err(ours.x[:n], np.array(ref["x"][:n])) < RTOL, label
        assert _rel_err(ours.y[:n], np.array(ref["y"][:n])) < RTOL, label
        for companion, state in (("grad_point", "y"), ("z", "z")):
            theirs = np.array(ref["companions"][companion][:n])
            for c in (0, 1):
                assert _rel_err(ours.state[state][:n, c], theirs[:, c]) < RTOL, (companion,
                                                                                   label)
        applied = [s["scheduled_lr"] for s in ref["state"][:n]]
        np.testing.assert_allclose(ours.lr[:n], applied, rtol=1e-12, atol=0, err_msg=str(label))


# ---------------------------------------------------------------- the texts' claims
@pytest.mark.parametrize("name", NAMES)
def test_y_interpolates_between_the_average_x_and_z(name: str) -> None:
    """y = beta x + (1 - beta) z every step (RAdam-SF keeps y and z; its x is recovered)."""
    params = {"lr": 0.01} if name == "sgd_schedulefree" else {"lr": 0.05}
    traj = _run(name, params)
    beta = _beta(name, params)
    y, z = traj.state["y"], traj.state["z"]
    np.testing.assert_allclose(beta * traj.points + (1 - beta) * z, y, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["sgd_schedulefree", "adamw_schedulefree"])
def test_x_is_the_running_average_of_z_and_lags_behind_it(name: str) -> None:
    """Constant lr, r = 0: c_t = 1/t and x_t is the mean of z_1..z_t; each step x moves the
    fraction c_t of the way from x_{t-1} to z_t, so it stays on that segment, behind z."""
    traj = _run(name, {"lr": 0.01 if name == "sgd_schedulefree" else 0.05}, steps=120)
    t = np.arange(1, traj.steps + 1)
    c = traj.state["c"][:, 0]
    np.testing.assert_allclose(c, 1 / t, rtol=1e-13)
    z, x = traj.state["z"], traj.points
    np.testing.assert_allclose(x, np.cumsum(z, axis=0) / t[:, None], rtol=1e-9, atol=1e-12)
    before = np.vstack([[traj.points[0]], x[:-1]])[1:]  # x_{t-1} from step 2 on
    np.testing.assert_allclose(x[1:] - before, c[1:, None] * (z[1:] - before), rtol=1e-8,
                               atol=1e-13)
    # the average moves far less than z: its path is shorter
    assert np.abs(np.diff(x, axis=0)).sum() < np.abs(np.diff(z, axis=0)).sum()


def test_warmup_ramps_the_applied_lr_and_early_points_count_little() -> None:
    """warmup_steps = T: the lr chart shows lr t/T, then lr; weights lr_max^2 make c_t small
    during warmup compared with 1/t (the early points count little once the lr is full)."""
    lr, warm = 0.05, 20
    traj = _run("adamw_schedulefree", {"lr": lr, "warmup_steps": warm}, steps=60)
    t = np.arange(1, 61)
    np.testing.assert_allclose(traj.lr, lr * np.minimum(1, t / warm), rtol=1e-15)
    c = traj.state["c"][:, 0]
    assert c[0] == 1.0  # the first point is the whole average
    # c_t = t^2 / sum k^2 during warmup (weights lr_t^2): far above 1/t, the newest dominates
    np.testing.assert_allclose(c[:warm], t[:warm] ** 2 / np.cumsum(t[:warm] ** 2), rtol=1e-12)
    weights = np.minimum(1, t / warm) ** 2
    np.testing.assert_allclose(c, weights / np.cumsum(weights), rtol=1e-12)


def test_radam_silent_phase_holds_still_then_rectifies() -> None:
    """beta2 = 0.999: rho_t <= 4 for the first 4 steps; with the silent phase nothing moves and
    the applied lr and c_t are 0; without it the first steps are plain SGD (lr applied)."""
    silent = _run("radam_schedulefree", {"lr": 0.05})
    start = np.array(validate_config({"surface": {"name": "himmelblau"}})["start"])
    np.testing.assert_array_equal(silent.points[:4], np.tile(start, (4, 1)))
    np.testing.assert_array_equal(silent.lr[:4], 0.0)
    np.testing.assert_array_equal(silent.state["c"][:4, 0], 0.0)
    assert silent.lr[4] > 0 and silent.state["c"][4, 0] == 1.0  # the first weighted point
    assert (silent.lr[4:] < 0.05).all()  # rectified: r_t < 1
    plain = _run("radam_schedulefree", {"lr": 0.05, "silent_sgd_phase": False})
    np.testing.assert_array_equal(plain.lr[:4], 0.05)
    assert not np.array_equal(plain.points[0], start)


@pytest.mark.parametrize("name", NAMES)
def test_the_gradient_is_taken_at_y(name: str) -> None:
    """The recorded gradient of step t is the surface's gradient at y_{t-1} (y_0 = the start);
    the recorded loss is read at x."""
    traj = _run(name, {"lr": 0.01})
    objective = build_objective({"name": "himmelblau"})
    start = validate_config({"surface": {"name": "himmelblau"}})["start"]
    y_before = np.vstack([[start], traj.state["y"][:-1]])
    gx, gy = objective.grad(y_before[:, 0], y_before[:, 1])
    np.testing.assert_allclose(traj.grad_x, gx, rtol=1e-12)
    np.testing.assert_allclose(traj.grad_y, gy, rtol=1e-12)
    np.testing.assert_allclose(traj.loss, objective.value(traj.x, traj.y), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_y_and_z_are_companion_paths_and_c_is_drawn_on_the_lr_chart(name: str) -> None:
    state = {s["name"]: s for s in OPTIMIZERS[name].to_catalog()["state"]}
    assert state["y"]["path"] and state["z"]["path"]
    assert state["c"]["lr_chart"] and state["c"]["scalar"]
    assert [n for n, s in state.items() if s["path"]] == ["y", "z"]


@pytest.mark.parametrize("name", NAMES)
def test_step_scale_is_the_lr_applied_to_z_over_its_denominator(name: str) -> None:
    params = {"lr": 0.05, "silent_sgd_phase": False} if name == "radam_schedulefree" \
        else {"lr": 0.01 if name == "sgd_schedulefree" else 0.05, "warmup_steps": 10}
    traj = _run(name, params, steps=60)
    assert traj.steps == 60
    scale = traj.state["step_scale"]
    assert np.isfinite(scale).all() and (scale > 0).all()
    lr = traj.lr[:, None]
    if name == "sgd_schedulefree":
        np.testing.assert_allclose(scale, lr * np.ones((60, 2)), rtol=1e-15)
        return
    t = np.arange(1, 61)[:, None]
    bc2 = 1 - 0.999**t
    adaptive = lr / (np.sqrt(traj.state["exp_avg_sq"] / bc2) + 1e-8)
    if name == "radam_schedulefree":
        adaptive[:4] = lr[:4]  # rho_t <= 4: plain SGD steps
    np.testing.assert_allclose(scale, adaptive, rtol=1e-12)


# ---------------------------------------------------------------- maps and wrappers
MAPS = [
    ("sgd_schedulefree", {"warmup_steps": 5}, {"param": "lr", "min": 1e-3, "max": 0.02},
     {"param": "momentum", "min": 0.1, "max": 0.95}),
    ("adamw_schedulefree", {"weight_decay": 0.05}, {"param": "lr", "min": 0.01, "max": 0.3},
     {"param": "r", "min": 0.0, "max": 2.0}),
    ("radam_schedulefree", {"lr": 0.05}, {"param": "beta1", "min": 0.5, "max": 0.95},
     {"param": "weight_lr_power", "min": 0.0, "max": 3.0}),
]


@pytest.mark.parametrize("case", MAPS, ids=[c[0] for c in MAPS])
def test_every_map_cell_is_the_single_run_bit_for_bit(case: tuple[Any, ...]) -> None:
    name, params, x, y = case
    config = validate_config({"surface": {"name": "rosenbrock"}, "steps": 40,
                              "runs": [{"optimizer": name, "params": params}]})
    result = hyper_map(config, {"x": {**x, "cells": 3}, "y": {**y, "cells": 2},
                                "threshold": 1.0})
    base = config["runs"][0]
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            single = run({**config, "runs": [cell_run(base, {x["param"]: xv,
                                                               y["param"]: yv})]}).runs[0]
            final = result.values["final_loss"][j, i]
            if single.status == "diverged":
                assert result.values["diverged"][j, i] == single.steps + 1
            else:
                assert final == single.loss[-1]


def test_lookahead_takes_the_inner_gradient_at_its_y() -> None:
    """Wrapped, the gradient is still taken at the inner optimizer's y."""
    traj = run({"surface": {"name": "himmelblau"}, "steps": 30,
                "runs": [{"optimizer": "lookahead", "params": {"k": 5},
                          "inner": {"optimizer": "sgd_schedulefree",
                                    "params": {"lr": 0.01}}}]}).runs[0]
    objective = build_objective({"name": "himmelblau"})
    start = validate_config({"surface": {"name": "himmelblau"}})["start"]
    y_before = np.vstack([[start], traj.state["y"][:-1]])
    gx, _ = objective.grad(y_before[:, 0], y_before[:, 1])
    np.testing.assert_allclose(traj.grad_x, gx, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_a_schedule_driving_the_lr_negative_or_huge_ends_cleanly(name: str) -> None:
    """A fractional power of a negative lr_max, or weights beyond float range: no exception,
    the run ends as a NumPy run would (diverged or completed), on floats as on arrays."""
    for factor in ("-0.5", "exp(k)"):
        traj = run({"surface": {"name": "rosenbrock"}, "steps": 60,
                    "runs": [{"optimizer": name,
                              "params": {"lr": 1000.0, "r": 10.0, "weight_lr_power": 0.5},
                              "schedule": {"name": "LambdaLR",
                                           "params": {"lr_lambda": factor}}}]}).runs[0]
        assert traj.status in ("diverged", "completed")
