"""MARS, LAMB, LARS, signSGD / Signum, QHM and QHAdam: the claims their texts make, checked on the
engine's data; LARS's 1x2-matrix fixtures; maps; and live randomized comparisons with
pytorch_optimizer 4.1.0 (skipped without it). The fixture cases are compared in
tests/test_reference_fixtures.py, float path = array path in tests/test_scalar_path.py."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine.config import validate_config
from app.engine.runner import Trajectory, run
from tests.test_maps import test_every_cell_is_the_single_run_bit_for_bit as check_map

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "reference_optimizers.json")
                      .read_text())
RTOL = 1e-9
NAMES = ("mars", "lamb", "lars", "signsgd", "qhm", "qhadam")


def _run(optimizer: str, params: dict[str, Any], surface: str = "rosenbrock", steps: int = 80,
         schedule: dict[str, Any] | None = None, **extra: Any) -> Trajectory:
    one: dict[str, Any] = {"optimizer": optimizer, "params": params}
    if schedule is not None:
        one["schedule"] = schedule
    return run(validate_config({"surface": {"name": surface}, "steps": steps, "runs": [one],
                                **extra})).runs[0]


def _moves(traj: Trajectory, start: list[float]) -> np.ndarray:
    """Each step's move (steps x 2)."""
    path = np.column_stack([traj.x, traj.y])
    return np.diff(np.vstack([start, path]), axis=0)


def _grad(traj: Trajectory) -> np.ndarray:
    """The gradient each step used (steps x 2)."""
    return np.column_stack([traj.grad_x, traj.grad_y])


def _rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(ours - ref) / np.maximum(1e-3, np.abs(ref)))) if len(ref) else 0.0


# ---------------------------------------------------------------- LARS as a 1x2 matrix
MATRIX_CASES = [c for c in FIXTURES["cases"] if c.get("variant") == "matrix_1x2"]


@pytest.mark.parametrize("case", MATRIX_CASES, ids=[c["id"] for c in MATRIX_CASES])
def test_lars_as_a_matrix_walks_the_reference_1x2_path(case: dict[str, Any]) -> None:
    traj = run(validate_config({"surface": {"name": case["surface"]}, "start": case["start"],
                                "steps": FIXTURES["steps"],
                                "runs": [{"optimizer": "lars",
                                          "params": {**case["params"], "matrix": True}}]})).runs[0]
    n = min(case["horizon"], traj.steps)
    assert n == case["horizon"] or traj.status == "diverged"
    assert _rel_err(traj.x[:n], np.array(case["x"][:n])) < RTOL
    assert _rel_err(traj.y[:n], np.array(case["y"][:n])) < RTOL


def test_matrix_cases_exist() -> None:
    assert len(MATRIX_CASES) >= 3


# ---------------------------------------------------------------- the texts' claims
def test_signsgd_without_momentum_moves_every_coordinate_by_exactly_lr() -> None:
    for surface in ("rosenbrock", "himmelblau", "ill_conditioned"):
        traj = _run("signsgd", {"lr": 0.01, "momentum": 0.0}, surface)
        moves = _moves(traj, validate_config({"surface": {"name": surface}})["start"])
        np.testing.assert_allclose(np.abs(moves), 0.01, rtol=1e-12)
        # against the sign of the gradient the step used
        np.testing.assert_array_equal(np.sign(moves), -np.sign(_grad(traj)))
        np.testing.assert_allclose(traj.state["step_scale"], 0.01)


def test_signsgd_stalls_in_a_two_step_cycle_across_rosenbrocks_valley() -> None:
    traj = _run("signsgd", {"lr": 0.01, "momentum": 0.0}, steps=300)
    path = np.column_stack([traj.x, traj.y])
    np.testing.assert_allclose(path[-50:-2], path[-48:], rtol=0, atol=1e-9)  # period 2
    assert np.all(np.abs(path[-1] - path[-2]) > 0.009)  # both coordinates flip every step
    assert traj.loss[-1] > 4  # far from the minimum (1, 1)


def test_signum_moves_by_lr_along_the_sign_of_its_buffer() -> None:
    traj = _run("signsgd", {"lr": 0.01, "momentum": 0.9}, "himmelblau")
    moves = _moves(traj, validate_config({"surface": {"name": "himmelblau"}})["start"])
    b = traj.state["momentum_buffer"]
    np.testing.assert_allclose(moves, -0.01 * np.sign(b), rtol=1e-12, atol=0)


def test_lamb_scales_adams_direction_by_one_trust_ratio_to_lr_times_the_norm() -> None:
    """The step is eta_t r u with r = min(||theta||, 10) / (||u|| + eps): its length is about
    lr / (1 - beta1^t) x ||theta||, and both coordinates scale alike (the direction is u)."""
    params = {"lr": 0.05, "eps": 1e-6}
    traj = _run("lamb", params, "himmelblau")
    start = validate_config({"surface": {"name": "himmelblau"}})["start"]
    moves = _moves(traj, start)
    path = np.vstack([start, np.column_stack([traj.x, traj.y])])
    m, v = traj.state["exp_avg"], traj.state["exp_avg_sq"]
    u = m / (np.sqrt(v) + 1e-6)
    un = np.linalg.norm(u, axis=1)
    r = traj.state["trust_ratio"][:, 0]
    wn = np.minimum(np.linalg.norm(path[:-1], axis=1), 10.0)
    np.testing.assert_allclose(traj.state["weight_norm"][:, 0], wn, rtol=1e-12)
    np.testing.assert_allclose(r, wn / (un + 1e-6), rtol=1e-12)
    step = traj.factors["step_size"]
    np.testing.assert_allclose(moves, -(step * r)[:, None] * u, rtol=1e-9, atol=1e-15)
    length = np.linalg.norm(moves, axis=1)
    np.testing.assert_allclose(length, step * wn, rtol=1e-4)  # ||u|| >> eps
    assert np.all(np.abs(moves[:, 0] * u[:, 1] - moves[:, 1] * u[:, 0])
                  <= 1e-12 * length * un)  # parallel to u
    np.testing.assert_allclose(traj.state["step_scale"][:, 0], step * r, rtol=1e-12)


def test_lamb_barely_moves_near_the_origin_and_adam_true_turns_the_ratio_off() -> None:
    near = _run("lamb", {"lr": 0.05}, "quadratic", start=[0.01, 0.01], steps=20)
    far = _run("lamb", {"lr": 0.05}, "quadratic", start=[3.0, 3.0], steps=20)
    off = _run("lamb", {"lr": 0.05, "adam": True}, "quadratic", start=[0.01, 0.01], steps=20)
    first = [np.linalg.norm(_moves(t, s)[0]) for t, s in
             ((near, [0.01, 0.01]), (far, [3.0, 3.0]), (off, [0.01, 0.01]))]
    np.testing.assert_allclose(first[0], 0.05 * np.hypot(0.01, 0.01) / 0.1, rtol=1e-3)
    np.testing.assert_allclose(first[1], 0.05 * np.hypot(3.0, 3.0) / 0.1, rtol=1e-3)
    assert first[2] > 30 * first[0]  # Adam's first step: about lr / (1 - beta1) per coordinate


def test_lars_on_the_vector_is_sgd_with_momentum_and_ignores_weight_decay() -> None:
    for surface in ("rosenbrock", "himmelblau"):
        sgd = _run("sgd", {"lr": 1e-3, "momentum": 0.9}, surface)
        for wd in (0.0, 0.5):
            lars = _run("lars", {"lr": 1e-3, "weight_decay": wd}, surface)
            np.testing.assert_array_equal(lars.x, sgd.x)
            np.testing.assert_array_equal(lars.y, sgd.y)
        assert np.all(lars.state["trust_ratio"] == 1.0)


def test_lars_as_a_matrix_steps_about_lr_times_tc_times_the_norm() -> None:
    start = [-2.0, 1.5]
    traj = _run("lars", {"lr": 10.0, "momentum": 0.0, "matrix": True}, "rosenbrock",
                start=start, steps=30)
    moves = _moves(traj, start)
    path = np.vstack([start, np.column_stack([traj.x, traj.y])])
    pn = np.linalg.norm(path[:-1], axis=1)
    np.testing.assert_allclose(np.linalg.norm(moves, axis=1), 10.0 * 1e-3 * pn, rtol=1e-12)
    # along -g: one ratio for both coordinates
    g = _grad(traj)
    assert np.all(np.abs(moves[:, 0] * g[:, 1] - moves[:, 1] * g[:, 0])
                  <= 1e-12 * np.linalg.norm(moves, axis=1) * np.linalg.norm(g, axis=1))


def test_qhm_nu_zero_is_sgd_and_nu_one_is_momentum_with_the_lr_scaled() -> None:
    sgd = _run("sgd", {"lr": 1e-3})
    qh0 = _run("qhm", {"lr": 1e-3, "momentum": 0.9, "nu": 0.0})
    np.testing.assert_array_equal(qh0.x, sgd.x)
    np.testing.assert_array_equal(qh0.y, sgd.y)
    mom = _run("sgd", {"lr": 1e-3 * (1 - 0.9), "momentum": 0.9}, steps=60)
    qh1 = _run("qhm", {"lr": 1e-3, "momentum": 0.9, "nu": 1.0}, steps=60)
    np.testing.assert_allclose(qh1.x, mom.x, rtol=1e-9)
    np.testing.assert_allclose(qh1.y, mom.y, rtol=1e-9)


def test_qhm_with_the_buffer_alone_overshoots_where_the_papers_nu_does_not() -> None:
    """beta 0.999: nu = 1 circles (the loss rises in many steps), nu = 0.7 hardly ever."""
    for surface, lr in (("rosenbrock", 1e-3), ("ill_conditioned", 0.01), ("himmelblau", 0.01)):
        alone = _run("qhm", {"lr": lr, "momentum": 0.999, "nu": 1.0}, surface, steps=500)
        paper = _run("qhm", {"lr": lr, "momentum": 0.999, "nu": 0.7}, surface, steps=500)
        rises = [int(np.sum(np.diff(t.loss) > 0)) for t in (alone, paper)]
        assert rises[0] > 100 and rises[1] < 25, (surface, rises)


def test_signum_crosses_rosenbrocks_valley_where_signsgd_stalls() -> None:
    signum = _run("signsgd", {"lr": 0.01, "momentum": 0.9}, steps=300)
    plain = _run("signsgd", {"lr": 0.01, "momentum": 0.0}, steps=300)
    assert signum.loss[-1] < 0.5 < 4 < plain.loss[-1]


def test_mars_correction_advances_faster_along_the_valley_with_gamma() -> None:
    for surface in ("rosenbrock", "ill_conditioned"):
        final = [_run("mars", {"lr": 0.01, "optimize_1d": True, "gamma": g}, surface,
                      steps=300).loss[-1] for g in (0.0, 0.025, 0.1)]
        assert final[0] > final[1] > final[2], (surface, final)


def test_lamb_approaches_a_minimum_at_the_origin_no_faster_than_geometrically() -> None:
    """Each step is at most alpha_t ||theta|| long: ||theta_t|| >= (1 - alpha_t) ||theta_{t-1}||."""
    start = [3.0, 3.0]
    traj = _run("lamb", {"lr": 0.05}, "quadratic", start=start, steps=300)
    norms = np.linalg.norm(np.vstack([start, np.column_stack([traj.x, traj.y])]), axis=1)
    alpha = traj.factors["step_size"]
    assert np.all(norms[1:] >= (1 - alpha) * norms[:-1] * (1 - 1e-12))
    assert norms[-1] > 0


def test_qhadam_with_nus_one_is_adam_and_first_steps_by_about_lr() -> None:
    adam = _run("adam", {"lr": 0.01}, "himmelblau", steps=40)
    qh = _run("qhadam", {"lr": 0.01}, "himmelblau", steps=40)
    # the bias-correction weights 1/w are float32: Adam's path to ~1e-7 relative
    np.testing.assert_allclose(qh.x, adam.x, rtol=1e-5)
    np.testing.assert_allclose(qh.y, adam.y, rtol=1e-5)
    start = validate_config({"surface": {"name": "himmelblau"}})["start"]
    np.testing.assert_allclose(np.abs(_moves(qh, start)[0]), 0.01, rtol=1e-6)
    w = qh.state["beta1_weight"][:, 0]
    t = np.arange(1, qh.steps + 1)
    np.testing.assert_allclose(w, (1 - 0.9**t) / (1 - 0.9), rtol=1e-6)


def test_mars_fallback_ignores_lr_and_steps_at_lr_1d() -> None:
    """optimize_1d off: the step's lr is lr x lr_1d / lr0 = lr_1d without a schedule."""
    a = _run("mars", {"lr": 3e-3, "lr_1d": 0.01})
    b = _run("mars", {"lr": 0.3, "lr_1d": 0.01})
    np.testing.assert_allclose(a.x, b.x, rtol=1e-12)
    np.testing.assert_allclose(a.y, b.y, rtol=1e-12)
    np.testing.assert_allclose(a.lr, 0.01, rtol=1e-15)  # the lr chart: the applied lr
    sched = _run("mars", {"lr": 0.02, "lr_1d": 0.01},
                 schedule={"name": "StepLR", "params": {"step_size": 10, "gamma": 0.5}})
    np.testing.assert_allclose(sched.lr, 0.01 * 0.5 ** (np.arange(sched.steps) // 10),
                               rtol=1e-12)


def test_mars_shampoo_is_adamw_on_a_vector_and_lion_moves_by_lr() -> None:
    base = {"lr": 0.01, "optimize_1d": True}
    adamw = _run("mars", {**base, "mars_type": "adamw"})
    shampoo = _run("mars", {**base, "mars_type": "shampoo"})
    np.testing.assert_array_equal(adamw.x, shampoo.x)
    lion = _run("mars", {**base, "mars_type": "lion"}, "himmelblau")
    moves = _moves(lion, validate_config({"surface": {"name": "himmelblau"}})["start"])
    np.testing.assert_allclose(np.abs(moves), 0.01, rtol=1e-12)


def test_mars_variance_reduction_changes_the_path_only_with_optimize_1d() -> None:
    on = {"lr": 0.01, "optimize_1d": True}
    a, b = _run("mars", {**on, "gamma": 0.0}), _run("mars", {**on, "gamma": 0.1})
    assert np.max(np.abs(a.x - b.x)) > 1e-6
    off = {"lr": 0.01, "lr_1d": 0.01}
    c, d = _run("mars", {**off, "gamma": 0.0}), _run("mars", {**off, "gamma": 0.1})
    np.testing.assert_array_equal(c.x, d.x)


def test_every_step_scale_is_positive_and_finite() -> None:
    runs = [("mars", {"lr": 0.01}), ("mars", {"lr": 0.01, "optimize_1d": True}),
            ("lamb", {"lr": 0.05}), ("lamb", {"lr": 0.05, "adam": True, "weight_decay": 0.1,
                                              "weight_decouple": False}),
            ("lars", {"lr": 10.0, "matrix": True}), ("signsgd", {"lr": 0.01}),
            ("qhm", {"lr": 1e-3, "momentum": 0.999, "nu": 0.7}),
            ("qhadam", {"lr": 0.05, "nu1": 0.7, "nu2": 0.5})]
    for name, params in runs:
        for surface in ("rosenbrock", "himmelblau", "saddle"):
            scale = _run(name, params, surface, steps=40).state["step_scale"]
            assert np.isfinite(scale).all() and (scale > 0).all(), (name, params, surface)


# ---------------------------------------------------------------- maps: cell = single run
MAP_CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("lamb lr x beta1", {"optimizer": "lamb", "params": {"pre_norm": True}},
     {"param": "lr", "min": 0.01, "max": 0.1}, {"param": "beta1", "min": 0.5, "max": 0.95}, {}),
    ("lamb rectify wd x beta2", {"optimizer": "lamb", "params": {"rectify": True, "lr": 0.05}},
     {"param": "weight_decay", "min": 0.0, "max": 0.1},
     {"param": "beta2", "min": 0.9, "max": 0.999}, {}),
    ("lars matrix lr x momentum", {"optimizer": "lars", "params": {"matrix": True}},
     {"param": "lr", "min": 1.0, "max": 10.0}, {"param": "momentum", "min": 0.0, "max": 0.9},
     {}),
    ("mars gamma x lr", {"optimizer": "mars", "params": {"optimize_1d": True,
                                                         "cautious": True}},
     {"param": "gamma", "min": 0.0, "max": 0.2}, {"param": "lr", "min": 1e-3, "max": 0.03}, {}),
    ("mars fallback lr_1d x beta1_1d", {"optimizer": "mars", "params": {"ams_bound": True}},
     {"param": "lr_1d", "min": 1e-3, "max": 0.03},
     {"param": "beta1_1d", "min": 0.5, "max": 0.95}, {"noise": 0.3, "seed": 4}),
    ("signsgd lr x momentum", {"optimizer": "signsgd"},
     {"param": "lr", "min": 1e-3, "max": 0.02}, {"param": "momentum", "min": 0.0, "max": 0.9},
     {}),
    ("qhm nu x momentum", {"optimizer": "qhm", "params": {"lr": 1e-3}},
     {"param": "nu", "min": 0.0, "max": 1.0}, {"param": "momentum", "min": 0.0, "max": 0.999},
     {}),
    ("qhadam nu1 x nu2", {"optimizer": "qhadam", "params": {"lr": 0.05}},
     {"param": "nu1", "min": 0.0, "max": 1.0}, {"param": "nu2", "min": 0.0, "max": 1.0}, {}),
]


@pytest.mark.parametrize("case", MAP_CASES, ids=[c[0] for c in MAP_CASES])
def test_a_map_cell_is_its_single_run(case: tuple[Any, ...]) -> None:
    check_map(case)


# ---------------------------------------------------------------- live: pytorch_optimizer
def _random_params(name: str, rng: random.Random) -> tuple[dict[str, Any], bool]:
    """Random hyperparameters in our names (the reference's keywords), and LARS's matrix."""
    c = rng.choice
    wd = {"weight_decay": c([0.0, 0.01, 0.1])}
    if name == "signsgd":
        return {"lr": c([1e-3, 0.01, 0.03]), "momentum": c([0.0, 0.5, 0.9, 0.99]), **wd,
                "weight_decouple": c([True, False])}, False
    if name == "qhm":
        return {"lr": c([1e-3, 3e-3]), "momentum": c([0.0, 0.5, 0.9, 0.999]),
                "nu": c([0.0, 0.3, 0.7, 1.0]), **wd, "weight_decouple": c([True, False]),
                "fixed_decay": c([True, False])}, False
    if name == "qhadam":
        return {"lr": c([0.01, 0.05]), "beta1": c([0.5, 0.9]), "beta2": c([0.9, 0.999]),
                "nu1": c([0.0, 0.7, 1.0]), "nu2": c([0.5, 1.0]), **wd,
                "weight_decouple": c([True, False]), "fixed_decay": c([True, False]),
                "eps": c([1e-8, 1e-3])}, False
    if name == "lamb":
        return {"lr": c([0.01, 0.05]), "beta1": c([0.5, 0.9]), "beta2": c([0.9, 0.999]), **wd,
                "weight_decouple": c([True, False]), "fixed_decay": c([True, False]),
                "rectify": c([True, False]), "degenerated_to_sgd": c([True, False]),
                "n_sma_threshold": c([4, 5, 8]), "grad_averaging": c([True, False]),
                "max_grad_norm": c([0.0, 1.0, 10.0]), "adam": c([True, False]),
                "pre_norm": c([True, False]), "eps": c([1e-6, 1e-3])}, False
    if name == "lars":
        matrix = c([True, False])
        return {"lr": c([1.0, 10.0]) if matrix else c([1e-3, 3e-3]), **wd,
                "momentum": c([0.0, 0.5, 0.9]), "dampening": c([0.0, 0.3]),
                "trust_coefficient": c([1e-3, 1e-2]), "nesterov": c([True, False])}, matrix
    return {"lr": c([3e-3, 0.01]), "beta1": c([0.9, 0.95]), "beta2": c([0.95, 0.99]),
            "gamma": c([0.0, 0.025, 0.1]), "mars_type": c(["adamw", "lion", "shampoo"]),
            "optimize_1d": c([True, False]), "lr_1d": c([3e-3, 0.01]),
            "beta1_1d": c([0.8, 0.9]), "beta2_1d": c([0.9, 0.95]), **wd,
            "weight_decay_1d": c([0.0, 0.1]), "weight_decouple": c([True, False]),
            "fixed_decay": c([True, False]), "ams_bound": c([True, False]),
            "cautious": c([True, False]), "eps": c([1e-8, 1e-4])}, False


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_random_configurations_match_live_pytorch_optimizer(name: str) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("pytorch_optimizer")
    from tests.reference_optimizers import chaos_horizon, reference_trajectory

    rng = random.Random(f"20261202-{name}")
    for _ in range(8):
        surface = rng.choice(["himmelblau", "ill_conditioned", "booth", "quadratic",
                              "rosenbrock"])
        params, matrix = _random_params(name, rng)
        engine = {**params, "matrix": True} if matrix else params
        config = validate_config({"surface": {"name": surface}, "steps": 120,
                                  "runs": [{"optimizer": name, "params": engine}]})
        case = {"optimizer": name, "surface": surface, "params": params,
                **({"variant": "matrix_1x2"} if matrix else {})}
        ref = reference_trajectory(case, config["start"], 120, state_steps=0)
        horizon = chaos_horizon(case, config["start"], 120, ref)
        ours = run(config).runs[0]
        n = min(horizon, ours.steps)
        assert n == horizon or ours.status == "diverged", (surface, params)
        assert _rel_err(ours.x[:n], np.array(ref["x"][:n])) < RTOL, (surface, params)
        assert _rel_err(ours.y[:n], np.array(ref["y"][:n])) < RTOL, (surface, params)


def test_every_joint_optimizer_has_its_own_step_cost() -> None:
    """A joint step (the trust ratio's norms on the run's two floats) costs a little more than
    Adam's: the cost model counts it."""
    from app.engine.cost import optimizer_step

    alone = optimizer_step({"optimizer": "lamb"}, 100)[0]
    wrapped = optimizer_step({"optimizer": "lookahead", "inner": {"optimizer": "lamb"}}, 100)[0]
    assert wrapped > alone > optimizer_step({"optimizer": "adam"}, 100)[0]


@pytest.mark.parametrize("name", NAMES)
def test_a_schedule_and_noise_record_the_same_on_floats(name: str) -> None:
    """One-cycle (the lr and the cycled momentum / beta1) with noise: float path = arrays."""
    from tests.test_scalar_path import _assert_same_blocks, _config

    params = {"mars": {"optimize_1d": True, "cautious": True}, "lamb": {"rectify": True},
              "lars": {"matrix": True}}.get(name, {})
    run_cfg = {"optimizer": name, "params": params,
               "schedule": {"name": "OneCycleLR", "params": {}}}
    _assert_same_blocks(_config(run_cfg, {"noise": 0.3, "seed": 3}, steps=60), 21)


SCHEDULED = [("mars", {"lr": 0.01, "lr_1d": 0.02}), ("mars", {"lr": 0.01, "optimize_1d": True}),
             ("lamb", {"lr": 0.05}), ("lars", {"lr": 1e-3}), ("signsgd", {"lr": 0.01}),
             ("qhm", {"lr": 1e-3, "momentum": 0.9, "nu": 0.7}),
             ("qhadam", {"lr": 0.05, "nu1": 0.7})]


@pytest.mark.torch
@pytest.mark.parametrize("case", SCHEDULED, ids=lambda c: c[0] + ",".join(c[1]))
def test_one_cycle_matches_live_pytorch_optimizer_with_torchs_scheduler(
        case: tuple[str, dict[str, Any]]) -> None:
    """torch's OneCycleLR on the reference: the lr, and momentum / betas[0] cycled; MARS's
    fallback keeps lr_1d / lr0 from its construction."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("pytorch_optimizer")
    from app.engine.config import build_objective
    from tests.reference_optimizers import reference_for

    name, params = case
    steps, surface = 60, "ill_conditioned"
    config = validate_config({"surface": {"name": surface}, "steps": steps, "runs": [
        {"optimizer": name, "params": params, "schedule": {"name": "OneCycleLR", "params": {
            "max_lr": params["lr"], "total_steps": steps}}}]})
    ours = run(config).runs[0]
    objective = build_objective({"name": surface, "params": {}})
    param = torch.tensor(config["start"], dtype=torch.float64).requires_grad_(True)
    opt = reference_for(name).build(param, params)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=params["lr"], total_steps=steps)
    xs, ys = [], []
    for _ in range(steps):
        x, y = (float(v) for v in param.detach())
        gx, gy = objective.grad(np.array([x]), np.array([y]))
        param.grad = torch.tensor([float(gx[0]), float(gy[0])], dtype=torch.float64)
        opt.step()
        sched.step()
        xs.append(float(param.detach()[0]))
        ys.append(float(param.detach()[1]))
    assert ours.steps == steps
    assert _rel_err(ours.x, np.array(xs)) < RTOL
    assert _rel_err(ours.y, np.array(ys)) < RTOL


def test_float32_of_a_float_is_numpys_float32_bit_for_bit() -> None:
    """norms.float32 rounds a Python float through struct (the float path's fast route): the
    same value, sign and infinities as NumPy's float32, denormals and the range's edge too."""
    import math
    import warnings

    from app.engine.optimizers.norms import float32

    rng = random.Random(15)
    values = [0.0, -0.0, 1e-50, -1e-50, 1.4e-45, 7e-46, 3.4028234663852886e38,
              3.4028235677973366e38, 3.402823567797337e38, -3.5e38, 1e300, math.inf, -math.inf,
              0.1, 1 / 3]
    values += [rng.uniform(-1, 1) * 10 ** rng.uniform(-50, 40) for _ in range(20_000)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy warns of the overflow to inf
        expected = [float(np.float32(v)) for v in values]
    got = [float32(v) for v in values]
    assert [math.copysign(1, v) for v in got] == [math.copysign(1, v) for v in expected]
    assert got == expected
    assert math.isnan(float32(math.nan))
