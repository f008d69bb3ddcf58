"""AdaBelief, Yogi, Adan, ADOPT, AdEMAMix, LaProp and cautious masking (adamw, lion, laprop):
live randomized comparisons with pytorch_optimizer 4.1.0, the masking rule and the texts' claims
on engine data, coupled steps on the float path, and maps."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from app.engine.config import validate_config
from app.engine.maps import cell_run, hyper_map
from app.engine.optimizers import OPTIMIZERS
from app.engine.runner import FloatKernel, Trajectory, run
from tests.test_scalar_path import _assert_same_blocks, _config, _simulation

RTOL = 1e-9
NEW = ("adabelief", "yogi", "adan", "adopt", "ademamix", "laprop")


def _rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    if not len(ref):
        return 0.0
    return float(np.max(np.abs(ours - ref) / np.maximum(1e-3, np.abs(ref))))


def _run(optimizer: str, params: dict[str, Any], surface: str = "himmelblau",
         steps: int = 120, **extra: Any) -> Trajectory:
    config = validate_config({"surface": {"name": surface}, "steps": steps,
                              "runs": [{"optimizer": optimizer, "params": params}], **extra})
    return run(config).runs[0]


def _moves(traj: Trajectory, start: list[float]) -> np.ndarray:
    """Each step's move (steps x 2)."""
    points = np.column_stack([traj.x, traj.y])
    return np.diff(np.vstack([np.array(start), points]), axis=0)


# ---------------------------------------------------------------- live: pytorch_optimizer
def _random_params(name: str, rng: random.Random) -> dict[str, Any]:
    """A random configuration of ``name`` (its flags included)."""
    spec = OPTIMIZERS[name]
    params: dict[str, Any] = {"lr": rng.choice([3e-3, 0.01, 0.03, 0.05])}
    for p in spec.params:
        if p.kind == "bool" and p.name not in ("maximize", "amsgrad") and rng.random() < 0.4:
            params[p.name] = True
        if p.name == "weight_decay" and rng.random() < 0.5:
            params[p.name] = rng.choice([0.01, 0.1])
        if p.scale == "beta" and rng.random() < 0.4:
            params[p.name] = rng.choice([0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
    choices: dict[str, list[Any]] = {
        "max_grad_norm": [0.0, 0.5, 5.0], "initial_accumulator": [1e-6, 1e-2, 0.1],
        "alpha": [0.0, 2.0, 5.0], "t_alpha_beta3": [None, 40.0, 200.0],
        "steps_before_using_centered": [0, 5, 10], "n_sma_threshold": [5, 6],
    }
    for key, values in choices.items():
        if any(p.name == key for p in spec.params) and rng.random() < 0.6:
            params[key] = rng.choice(values)
    if name == "lion":
        params["lr"] = rng.choice([1e-3, 3e-3, 0.01])
    if name == "ademamix" and params.get("t_alpha_beta3") is not None:
        params["beta1"] = max(params.get("beta1", 0.9), 0.5)  # the reference takes log(beta1)
    return params


LIVE = [(name, None) for name in NEW] + [("adamw", None), ("lion", "pytorch_optimizer")]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "package"), LIVE, ids=[n for n, _ in LIVE])
def test_random_configurations_match_live_pytorch_optimizer(name: str,
                                                            package: str | None) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("pytorch_optimizer")
    from tests.reference_optimizers import chaos_horizon, reference_for, reference_trajectory

    ref_spec = reference_for(name, package)
    rng = random.Random(f"20261202-{name}")
    for _ in range(6):
        surface = rng.choice(["himmelblau", "ill_conditioned", "booth", "quadratic",
                              "rosenbrock"])
        params = _random_params(name, rng)
        if name in ("adamw", "lion"):
            params["cautious"] = True
        config = validate_config({"surface": {"name": surface}, "steps": 100,
                                  "runs": [{"optimizer": name, "params": params}]})
        full = config["runs"][0]["params"]
        case = {"optimizer": name, "surface": surface, "package": package,
                "params": {k: v for k, v in full.items() if k in ref_spec.defaults}}
        assert set(full) - set(case["params"]) <= {"amsgrad"}, name
        ref = reference_trajectory(case, config["start"], 100, state_steps=0)
        horizon = chaos_horizon(case, config["start"], 100, ref)
        ours = run(config).runs[0]
        n = min(horizon, ours.steps)
        assert n == horizon or ours.status == "diverged", (surface, params)
        assert _rel_err(ours.x[:n], np.array(ref["x"][:n])) < RTOL, (surface, params)
        assert _rel_err(ours.y[:n], np.array(ref["y"][:n])) < RTOL, (surface, params)


# ---------------------------------------------------------------- cautious masking's rule
def _mask_rule(mask: np.ndarray, agrees: np.ndarray) -> None:
    """0 where the update and the gradient disagree; elsewhere 2 / (1 + agreeing coordinates)."""
    kept = agrees.sum(axis=1, keepdims=True)
    np.testing.assert_array_equal(mask == 0, ~agrees)
    np.testing.assert_allclose(mask[agrees], np.broadcast_to(2 / (1 + kept), mask.shape)[agrees],
                               rtol=1e-15)


def test_lion_cautious_moves_only_agreeing_coordinates_by_two_thirds_or_all_of_lr() -> None:
    lr, beta1 = 0.01, 0.9
    traj = _run("lion", {"lr": lr, "cautious": True}, "rosenbrock", 200)
    start = [-1.2, 1.0]
    g = np.column_stack([traj.grad_x, traj.grad_y])
    m = traj.state["exp_avg"]
    before = np.vstack([np.zeros((1, 2)), m[:-1]])
    direction = np.sign(beta1 * before + (1 - beta1) * g)
    agrees = direction * g > 0
    mask = traj.state["cautious_mask"]
    _mask_rule(mask, agrees)
    assert (agrees.sum(axis=1) == 1).any() and (agrees.sum(axis=1) == 2).any()
    moves = _moves(traj, start)
    np.testing.assert_allclose(moves, -lr * mask * direction, rtol=1e-12, atol=1e-15)
    assert set(np.round(np.abs(moves[moves != 0]) / lr, 12)) <= {round(2 / 3, 12), 1.0}


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adamw_cautious_masks_m_against_the_gradient(weight_decay: float) -> None:
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    traj = _run("adamw", {"lr": lr, "cautious": True, "weight_decay": weight_decay},
                "rosenbrock", 150)
    start = [-1.2, 1.0]
    g = np.column_stack([traj.grad_x, traj.grad_y])
    m, v, mask = traj.state["exp_avg"], traj.state["exp_avg_sq"], traj.state["cautious_mask"]
    _mask_rule(mask, m * g > 0)
    t = np.arange(1, traj.steps + 1)[:, None]
    points = np.vstack([np.array(start), np.column_stack([traj.x, traj.y])])
    step = lr * mask * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    np.testing.assert_allclose(points[1:], points[:-1] * (1 - lr * weight_decay) - step,
                               rtol=1e-12, atol=1e-14)
    plain = _run("adamw", {"lr": lr, "weight_decay": weight_decay}, "rosenbrock", 150)
    assert "cautious_mask" not in plain.state
    assert (mask == 0).any()  # the flag changed something on this path
    assert not np.array_equal(plain.x, traj.x)


def test_laprop_cautious_masks_its_momentum() -> None:
    traj = _run("laprop", {"lr": 0.02, "cautious": True}, "rosenbrock", 150)
    g = np.column_stack([traj.grad_x, traj.grad_y])
    m, mask = traj.state["exp_avg"], traj.state["cautious_mask"]
    _mask_rule(mask, m * g > 0)
    lr1 = traj.state["exp_avg_lr_1"]
    np.testing.assert_allclose(_moves(traj, [-1.2, 1.0]), -(0.02 / lr1) * mask * m,
                               rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- coupled steps on floats
COUPLED = [
    ("adan clipped", {"optimizer": "adan", "params": {"lr": 0.05, "max_grad_norm": 1.0}}),
    ("adan clipped decoupled", {"optimizer": "adan", "params": {
        "lr": 0.05, "max_grad_norm": 0.5, "weight_decay": 0.02, "weight_decouple": True}}),
    ("adamw cautious one-cycle", {"optimizer": "adamw", "params": {"cautious": True},
                                  "schedule": {"name": "OneCycleLR", "params": {}}}),
    ("lookahead lion cautious", {"optimizer": "lookahead", "params": {"k": 3},
                                 "inner": {"optimizer": "lion",
                                           "params": {"lr": 0.01, "cautious": True}}}),
]


@pytest.mark.parametrize("case", COUPLED, ids=[c[0] for c in COUPLED])
def test_a_coupled_step_keeps_the_float_kernel_and_the_array_paths_bits(
        case: tuple[str, dict[str, Any]]) -> None:
    config = _config(case[1], {"noise": 0.2, "seed": 3}, steps=60)
    assert FloatKernel.supports(_simulation(config, 1))
    _assert_same_blocks(config, 23)


def test_a_coupled_step_costs_more_in_the_estimate() -> None:
    """A joint float step costs a few microseconds more than the per-coordinate one, far below
    an array step."""
    from app.engine.cost import ARRAY_STEP_US, US, optimizer_step

    def own(run_cfg: dict[str, Any]) -> float:
        return optimizer_step(validate_config({"runs": [run_cfg]})["runs"][0], 100)[0]

    for name, params in (("adamw", {"cautious": True}), ("lion", {"cautious": True}),
                         ("laprop", {"cautious": True}), ("adan", {"max_grad_norm": 1.0})):
        coupled, plain = own({"optimizer": name, "params": params}), own({"optimizer": name})
        assert plain < coupled < min(3 * plain, ARRAY_STEP_US * US), name
    wrapped = {"optimizer": "lookahead", "inner": {"optimizer": "lion",
                                                   "params": {"cautious": True}}}
    assert own(wrapped) > own({"optimizer": "lookahead", "inner": {"optimizer": "lion"}})


def test_clipping_scales_the_gradient_to_max_grad_norm() -> None:
    """Adan with max_grad_norm: each step's gradient is scaled so its norm is at most G (float32
    arithmetic: within 1e-7); off, the path is the unclipped one."""
    from app.engine.optimizers.adan import clip_factor

    g = np.array([[3.0, 4.0], [0.3, 0.4], [30.0, -40.0]])
    clip = clip_factor(g, 1.0, 1e-8)
    np.testing.assert_allclose(clip[:, 0], [0.2, 1.0, 0.02], rtol=1e-7)
    assert np.broadcast_to(clip_factor(g, 0.0, 1e-8), (3, 1)).tolist() == [[1.0]] * 3
    assert clip_factor(g, np.array([[0.0], [1.0], [0.0]]), 1e-8)[:, 0].tolist() == [1.0, 1.0, 1.0]
    clipped = _run("adan", {"lr": 0.05, "max_grad_norm": 1e6}, "rosenbrock", 50)
    plain = _run("adan", {"lr": 0.05}, "rosenbrock", 50)
    np.testing.assert_array_equal(clipped.x, plain.x)


# ---------------------------------------------------------------- the texts' claims
def test_yogi_moves_v_by_exactly_one_minus_beta2_g_squared() -> None:
    beta2 = 0.999
    traj = _run("yogi", {"lr": 0.05}, "himmelblau", 150)
    g2 = np.column_stack([traj.grad_x, traj.grad_y]) ** 2
    v = np.vstack([np.full((1, 2), 1e-6), traj.state["exp_avg_sq"]])
    change = np.abs(np.diff(v, axis=0))
    moved = change > 0
    np.testing.assert_allclose(change[moved], ((1 - beta2) * g2)[moved], rtol=1e-6)
    assert moved.mean() > 0.9


def test_adabelief_steps_grow_on_a_steady_slope_where_adam_keeps_lr() -> None:
    """A constant gradient: m approaches g, so (g - m)^2 and s shrink and the step grows."""
    slope = {"expression": "3*x + 2*y"}
    kwargs = {"surface": slope, "steps": 150, "start": [0.0, 0.0]}
    belief = run(validate_config({**kwargs, "runs": [{"optimizer": "adabelief",
                                                      "params": {"lr": 1e-3}}]})).runs[0]
    adam = run(validate_config({**kwargs, "runs": [{"optimizer": "adam",
                                                    "params": {"lr": 1e-3}}]})).runs[0]
    adam_moves = np.abs(_moves(adam, [0.0, 0.0]))
    belief_moves = np.abs(_moves(belief, [0.0, 0.0]))
    np.testing.assert_allclose(adam_moves[-1], 1e-3, rtol=1e-3)
    assert (belief_moves[-1] > 4 * adam_moves[-1]).all()
    assert (np.diff(belief_moves[20:, 0]) > 0).all()


def test_adopt_waits_one_step_then_moves_at_most_lr_t_to_the_quarter() -> None:
    lr = 0.05
    traj = _run("adopt", {"lr": lr}, "rosenbrock", 200)
    moves = np.abs(_moves(traj, [-1.2, 1.0]))
    assert (moves[0] == 0).all()
    t = np.arange(1, traj.steps + 1)[:, None]
    assert (moves <= lr * t**0.25 * (1 + 1e-12)).all()
    assert traj.factors["clip"].tolist() == [math.pow(k, 0.25) for k in range(1, traj.steps + 1)]


def test_laprop_steps_stay_below_lr_over_sqrt_one_minus_beta2_whatever_beta1() -> None:
    """beta1 0.99 > sqrt(beta2 0.9): LaProp's bound holds where Adam's m / sqrt(v) has none."""
    lr, beta2 = 0.01, 0.9
    for surface in ("rastrigin", "rosenbrock", "himmelblau"):
        traj = _run("laprop", {"lr": lr, "beta1": 0.99, "beta2": beta2}, surface, 300)
        start = validate_config({"surface": {"name": surface},
                                 "runs": [{"optimizer": "laprop"}]})["start"]
        moves = np.abs(_moves(traj, start))
        assert (moves <= lr / math.sqrt(1 - beta2) * (1 + 1e-12)).all(), surface


def test_ademamix_slow_average_is_not_bias_corrected() -> None:
    beta3 = 0.999
    slope = {"expression": "3*x + 2*y"}
    traj = run(validate_config({"surface": slope, "steps": 100, "start": [0.0, 0.0],
                                "runs": [{"optimizer": "ademamix",
                                          "params": {"beta3": beta3}}]})).runs[0]
    t = np.arange(1, 101)[:, None]
    np.testing.assert_allclose(traj.state["exp_avg_slow"], (1 - beta3**t) * [3.0, 2.0],
                               rtol=1e-10)


def test_adan_difference_average_starts_at_zero_and_follows_gradient_changes() -> None:
    beta2 = 0.92
    traj = _run("adan", {"lr": 0.02}, "rosenbrock", 80)
    g = np.column_stack([traj.grad_x, traj.grad_y])
    n = traj.state["exp_avg_diff"]
    assert (n[0] == 0).all()
    expected = np.zeros(2)
    for k in range(1, traj.steps):
        expected = expected + (1 - beta2) * ((g[k] - g[k - 1]) - expected)
        np.testing.assert_allclose(n[k], expected, rtol=1e-9, atol=1e-15)


# ---------------------------------------------------------------- maps
MAPS = [
    ("adabelief rectify", {"optimizer": "adabelief", "params": {"rectify": True}},
     {"param": "lr", "min": 1e-3, "max": 0.1}, {"param": "beta2", "min": 0.9, "max": 0.999}),
    ("yogi", {"optimizer": "yogi"},
     {"param": "lr", "min": 1e-3, "max": 0.1},
     {"param": "initial_accumulator", "min": 1e-6, "max": 0.1}),
    ("adan clip", {"optimizer": "adan", "params": {"lr": 0.02}},
     {"param": "max_grad_norm", "min": 0.0, "max": 2.0}, {"param": "beta2", "min": 0.5,
                                                          "max": 0.99}),
    ("adopt", {"optimizer": "adopt"},
     {"param": "lr", "min": 1e-3, "max": 0.1}, {"param": "beta1", "min": 0.5, "max": 0.99}),
    ("ademamix warm-up", {"optimizer": "ademamix", "params": {"lr": 0.01}},
     {"param": "alpha", "min": 0.0, "max": 8.0},
     {"param": "t_alpha_beta3", "min": 10.0, "max": 100.0}),
    ("laprop cautious centered", {"optimizer": "laprop", "params": {
        "cautious": True, "centered": True, "steps_before_using_centered": 3}},
     {"param": "lr", "min": 1e-3, "max": 0.1}, {"param": "beta2", "min": 0.9, "max": 0.999}),
    ("adamw cautious", {"optimizer": "adamw", "params": {"cautious": True}},
     {"param": "lr", "min": 1e-3, "max": 0.1}, {"param": "beta1", "min": 0.5, "max": 0.99}),
    ("lion cautious", {"optimizer": "lion", "params": {"cautious": True}},
     {"param": "lr", "min": 1e-4, "max": 0.05}, {"param": "weight_decay", "min": 0.0,
                                                  "max": 0.5}),
]


@pytest.mark.parametrize("case", MAPS, ids=[c[0] for c in MAPS])
def test_every_map_cell_is_the_single_run_bit_for_bit(case: tuple[Any, ...]) -> None:
    _, run_cfg, x, y = case
    config = validate_config({"surface": {"name": "rosenbrock"}, "steps": 50, "runs": [run_cfg]})
    result = hyper_map(config, {"x": {**x, "cells": 3}, "y": {**y, "cells": 3},
                                "threshold": 0.5})
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            cell = cell_run(config["runs"][0], {x["param"]: xv, y["param"]: yv})
            single = run({**config, "runs": [cell]}).runs[0]
            final = result.values["final_loss"][j, i]
            if single.status == "diverged":
                assert np.isnan(final)
            else:
                assert final == single.loss[-1]  # exact, not approximately


# ---------------------------------------------------------------- the step scale
def _direction(name: str, traj: Trajectory, hp: dict[str, Any]) -> np.ndarray:
    """The direction the catalog's step-scale line multiplies (its step is -scale * this)."""
    s = traj.state
    t = np.arange(1, traj.steps + 1)[:, None]
    if name == "adan":
        return (s["exp_avg"] / (1 - hp["beta1"] ** t)
                + hp["beta2"] * s["exp_avg_diff"] / (1 - hp["beta2"] ** t))
    if name == "ademamix":
        return s["exp_avg"] / (1 - hp["beta1"] ** t) + hp["alpha"] * s["exp_avg_slow"]
    return s["exp_avg"]


SCALES = [("adabelief", {"lr": 0.05}), ("adabelief", {"lr": 0.05, "rectify": True}),
          ("yogi", {"lr": 0.05}), ("adan", {"lr": 0.02}), ("adopt", {"lr": 0.02}),
          ("ademamix", {"lr": 0.01}), ("laprop", {"lr": 0.01})]


@pytest.mark.parametrize(("name", "params"), SCALES, ids=[f"{n}{p}" for n, p in SCALES])
def test_step_scale_times_the_catalog_direction_is_the_move(name: str,
                                                           params: dict[str, Any]) -> None:
    traj = _run(name, params, "himmelblau", 80)
    hp = {p.name: p.default for p in OPTIMIZERS[name].params} | params
    scale = traj.state["step_scale"]
    assert np.isfinite(scale).all() and (scale >= 0).all()
    assert (scale[1:] > 0).all()  # ADOPT's first step and rectify's first waits aside
    np.testing.assert_allclose(_moves(traj, [-0.5, 0.5]), -scale * _direction(name, traj, hp),
                               rtol=1e-9, atol=1e-15)
