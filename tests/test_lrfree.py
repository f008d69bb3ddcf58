"""The learning-rate-free optimizers (Prodigy, D-Adaptation): their estimate d against the
references, live randomized comparisons, the claims their texts make, single runs against map
cells, and the nullable hyperparameters (growth_rate, beta3) through the API and the address."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.address.codec import decode, encode
from app.engine.config import validate_config
from app.engine.errors import ConfigError
from app.engine.maps import cell_run, hyper_map
from app.engine.optimizers import OPTIMIZERS
from app.engine.runner import ArrayKernel, FloatKernel, Simulation, record_steps, run

LR_FREE = ("prodigy", "dadapt_adam", "dadapt_sgd", "dadapt_adagrad")
FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "reference_optimizers.json")
                      .read_text())
CASES = [c for c in FIXTURES["cases"] if c["optimizer"] in LR_FREE]
RTOL = 1e-9
# The reference's group scalars after each of the first steps, in the engine's state names.
SCALARS = {"prodigy": ("d", "d_max", "d_hat", "d_numerator", "d_denom"),
           "dadapt_adam": ("d", "numerator_weighted"),
           "dadapt_sgd": ("d", "numerator_weighted", "g0_norm"),
           "dadapt_adagrad": ("d", "gsq_weighted", "sksq_weighted", "skl1")}
VECTORS = {"prodigy": ("s", "exp_avg", "exp_avg_sq"), "dadapt_adam": ("s", "exp_avg", "exp_avg_sq"),
           "dadapt_sgd": ("z", "s"), "dadapt_adagrad": ("alphak", "sk")}


def _rel(ours: Any, ref: Any) -> float:
    ours, ref = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    return float(np.max(np.abs(ours - ref) / np.maximum(1e-3, np.abs(ref)))) if ref.size else 0.0


def _config(optimizer: str, params: dict[str, Any], surface: str = "rosenbrock",
            steps: int = 300, start: list[float] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {"surface": {"name": surface}, "steps": steps,
                           "runs": [{"optimizer": optimizer, "params": params}]}
    if start is not None:
        raw["start"] = start
    return validate_config(raw)


def _states(config: dict[str, Any], steps: int) -> list[dict[str, np.ndarray]]:
    """The full state record (recorded or not) after each of the first ``steps`` steps."""
    sim = Simulation(run_objective(config), config["runs"][0],
                     np.asarray(config["start"], dtype=float).reshape(1, 2), config["steps"])
    out = []
    for _ in range(steps):
        sim.step()
        out.append({k: np.array(v, dtype=float) for k, v in sim.state.items()})
    return out


def run_objective(config: dict[str, Any]) -> Any:
    from app.engine.config import build_objective
    return build_objective(config["surface"])


# ---------------------------------------------------------------- the fixtures: d and the state
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_d_and_the_state_follow_the_reference(case: dict[str, Any]) -> None:
    """companions.d (d after each step) to the horizon, and the reference's state (group
    scalars and per-coordinate buffers) after each of its first steps."""
    config = _config(case["optimizer"], case["params"], case["surface"], FIXTURES["steps"],
                     case["start"])
    traj = run(config).runs[0]
    n = min(case["horizon"], traj.steps)
    assert _rel(traj.state["d"][:n, 0], case["companions"]["d"][:n]) < RTOL
    assert np.array_equal(traj.state["d"][:, 0], traj.state["d"][:, 1])  # one value per run
    names = {"numerator_weighted": "numerator_weighted", "exp_avg": "exp_avg", "s": "s",
             "exp_avg_sq": "exp_avg_sq", "z": "z", "alphak": "alphak", "sk": "sk"}
    snapshots = case["state"][:min(len(case["state"]), n)]
    for ours, ref in zip(_states(config, len(snapshots)), snapshots, strict=True):
        for name in SCALARS[case["optimizer"]]:
            assert _rel(ours[name][0, 0], ref[name]) < RTOL, name
        for name in VECTORS[case["optimizer"]]:
            assert _rel(ours[names[name]][0], ref[name]) < RTOL, name


# ---------------------------------------------------------------- live, random configurations
def _random_params(name: str, rng: random.Random) -> dict[str, Any]:
    growth = rng.choice([None, 1.02, 1.5])
    common = {"lr": rng.choice([0.3, 1.0, 2.0]), "d0": rng.choice([1e-6, 1e-4, 1e-2]),
              "weight_decay": rng.choice([0.0, 0.0, 0.01])}
    if growth is not None:
        common["growth_rate"] = growth
    if name in ("prodigy", "dadapt_adam"):
        common.update(beta1=rng.choice([0.0, 0.5, 0.9]), beta2=rng.choice([0.99, 0.999]),
                      eps=rng.choice([1e-8, 1e-4]), decouple=rng.choice([False, True]),
                      use_bias_correction=rng.choice([False, True]))
    if name == "prodigy":
        common.update(beta3=rng.choice([None, 0.9, 0.99]), d_coef=rng.choice([0.5, 1.0, 2.0]),
                      safeguard_warmup=rng.choice([False, True]))
    if name in ("dadapt_sgd", "dadapt_adagrad"):
        common["momentum"] = rng.choice([0.0, 0.5, 0.9])
    if name == "dadapt_adagrad":
        common["eps"] = rng.choice([1e-6, 1e-3])
    return common


@pytest.mark.torch
@pytest.mark.parametrize("name", LR_FREE)
def test_random_configurations_match_the_live_reference(name: str) -> None:
    """Random hyperparameters, surfaces and starts against prodigyopt / dadaptation: the path,
    the lr chart's d x lr and d itself, up to the reference's own chaos horizon."""
    pytest.importorskip("torch")
    pytest.importorskip("prodigyopt" if name == "prodigy" else "dadaptation")
    from tests.reference_optimizers import chaos_horizon, reference_trajectory

    rng = random.Random(f"lrfree-{name}")
    for _ in range(8):
        surface = rng.choice(["himmelblau", "ill_conditioned", "booth", "quadratic",
                              "rosenbrock"])
        params = _random_params(name, rng)
        start = [rng.uniform(-3, 3), rng.uniform(-3, 3)]
        config = _config(name, params, surface, 120, start)
        ref_params = {k: v for k, v in params.items() if v is not None or k == "beta3"}
        case = {"optimizer": name, "surface": surface, "params": ref_params}
        ref = reference_trajectory(case, config["start"], 120, state_steps=0)
        horizon = chaos_horizon(case, config["start"], 120, ref)
        ours = run(config).runs[0]
        n = min(horizon, ours.steps)
        assert n == horizon or ours.status == "diverged", (surface, params)
        where = (surface, start, params)
        assert _rel(ours.x[:n], ref["x"][:n]) < RTOL, where
        assert _rel(ours.y[:n], ref["y"][:n]) < RTOL, where
        assert _rel(ours.lr[:n], ref["companions"]["d_lr"][:n]) < RTOL, where
        assert _rel(ours.state["d"][:n, 0], ref["companions"]["d"][:n]) < RTOL, where


# ---------------------------------------------------------------- the texts' claims
@pytest.mark.parametrize("name", LR_FREE)
@pytest.mark.parametrize("surface", ["rosenbrock", "himmelblau", "quadratic", "booth"])
def test_the_path_starts_with_tiny_steps_then_accelerates(name: str, surface: str) -> None:
    """d starts at d0 = 1e-6 and never decreases; the first step is d0-sized (below 1e-5)
    while the largest step of the run is over a thousand times longer, as d grows by five
    decades."""
    config = _config(name, {}, surface, 150)
    traj = run(config).runs[0]
    d = traj.state["d"][:, 0]
    assert d[0] >= 1e-6 and np.all(np.diff(d) >= 0)
    assert d.max() > 1e5 * 1e-6
    p = np.vstack([config["start"], np.column_stack([traj.x, traj.y])])
    steps = np.linalg.norm(np.diff(p, axis=0), axis=1)
    assert steps[0] < 1e-5
    assert steps.max() > 1e3 * steps[0]


def _step_scale_formula(name: str, s: dict[str, np.ndarray]) -> np.ndarray:
    """The catalog's step-scale formula from the recorded state (default eps)."""
    if name == "dadapt_sgd":
        return s["dlr"]
    eps = OPTIMIZERS[name].param("eps").default
    if name == "prodigy":
        return s["dlr"] / (np.sqrt(s["exp_avg_sq"]) + s["d"] * eps)
    if name == "dadapt_adam":
        return 1 / (np.sqrt(s["exp_avg_sq"]) + eps)
    return s["dlr"] / (np.sqrt(s["alphak"]) + eps)


@pytest.mark.parametrize("name", LR_FREE)
@pytest.mark.parametrize("surface", ["rosenbrock", "himmelblau", "rastrigin"])
def test_the_step_scale_is_positive_and_its_catalog_formula(name: str, surface: str) -> None:
    """gamma_t / (sqrt(v_t) + d_t eps) (Prodigy), 1 / (sqrt(v_t) + eps) (D-Adapt Adam),
    gamma_t (D-Adapt SGD), gamma_t / (sqrt(alpha_t) + eps) (D-Adapt AdaGrad)."""
    s = run(_config(name, {}, surface, 60)).runs[0].state
    assert np.isfinite(s["step_scale"]).all() and (s["step_scale"] > 0).all()
    np.testing.assert_allclose(s["step_scale"], _step_scale_formula(name, s), rtol=1e-12)


@pytest.mark.parametrize("name", LR_FREE)
def test_lr_multiplies_d_and_the_lr_chart_shows_d_times_lr(name: str) -> None:
    """The lr series is d x lr with the d the step used (d_0 x lr at the first step)."""
    traj = run(_config(name, {"lr": 0.5}, "quadratic", 60)).runs[0]
    d = traj.state["d"][:, 0]
    np.testing.assert_array_equal(traj.lr, 0.5 * np.concatenate([[1e-6], d[:-1]]))


def test_dadapt_sgd_diverges_on_himmelblau_and_the_ill_conditioned_bowl() -> None:
    """Its text: without per-coordinate scaling it overshoots and diverges there."""
    for surface in ("himmelblau", "ill_conditioned"):
        assert run(_config("dadapt_sgd", {}, surface)).runs[0].status == "diverged"
        assert run(_config("dadapt_adagrad", {}, surface)).runs[0].status == "completed"


@pytest.mark.parametrize("name", LR_FREE)
def test_a_start_at_a_stationary_point_takes_no_step(name: str) -> None:
    """No gradient: the denominators are 0, the references return without a step (DAdaptSGD
    would divide by |g_1| = 0 and raise; the engine takes no step either)."""
    traj = run(_config(name, {}, "quadratic", 20, [0.0, 0.0])).runs[0]
    assert traj.status == "completed" and traj.steps == 20
    assert np.all(traj.x == 0) and np.all(traj.y == 0)
    assert np.all(traj.state["d"] == 1e-6)


# ---------------------------------------------------------------- one row, many rows, maps
def _flag_variants() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name in LR_FREE:
        spec = OPTIMIZERS[name]
        out.append((name, {"weight_decay": 0.05, "growth_rate": 1.1}))
        out.append((name, {"lr": 0.0}))  # nothing accumulates, nothing moves
        for p in spec.params:
            if p.kind == "bool":
                out.append((name, {"weight_decay": 0.05, p.name: not p.default}))
        if "momentum" in {p.name for p in spec.params}:
            out.append((name, {"momentum": 0.8}))
        if "beta1" in {p.name for p in spec.params}:
            out.append((name, {"beta1": 0.0}))
    return out


@pytest.mark.parametrize("case", _flag_variants(), ids=lambda c: f"{c[0]} {c[1]}")
def test_the_float_path_records_row_0_of_identical_rows_bit_for_bit(
    case: tuple[str, dict[str, Any]]
) -> None:
    """A single run steps on floats (the float kernel's joint path on Vec2 pairs, or the
    optimizer's pair_update on each coordinate's floats); it records what row 0 of a batch
    records on arrays, so a map cell is its single run exactly (noise and a schedule
    included)."""
    name, params = case
    raw = {"surface": {"name": "himmelblau"}, "steps": 60, "noise": 0.1, "seed": 2,
           "runs": [{"optimizer": name, "params": params,
                     "schedule": {"name": "CosineAnnealingLR", "params": {}}}]}
    config = validate_config(raw)

    def simulation(rows: int) -> Simulation:
        start = np.tile(np.asarray(config["start"], dtype=float), (rows, 1))
        return Simulation(run_objective(config), config["runs"][0], start, config["steps"],
                          noise=config["noise"], seed=config["seed"])

    floats = FloatKernel(simulation(1))
    assert floats.joint or OPTIMIZERS[name].pair_update is not None
    one, two = record_steps(floats, 60), record_steps(ArrayKernel(simulation(2)), 60)
    for field in ("p", "loss", "lr", "grad"):
        np.testing.assert_array_equal(getattr(one, field), getattr(two, field), err_msg=field)
    assert list(one.state) == list(two.state)
    for key in one.state:
        np.testing.assert_array_equal(one.state[key], two.state[key], err_msg=key)


@pytest.mark.parametrize("name, x, y", [
    ("prodigy", {"param": "d0", "min": 1e-8, "max": 1e-2, "scale": "log"},
     {"param": "growth_rate", "min": 1.01, "max": 10.0, "scale": "log"}),
    ("dadapt_adam", {"param": "beta2", "min": 0.9, "max": 0.9999, "scale": "beta"},
     {"param": "lr", "min": 0.1, "max": 2.0}),
    ("dadapt_sgd", {"param": "momentum", "min": 0.0, "max": 0.9},
     {"param": "weight_decay", "min": 0.0, "max": 0.1}),
    ("dadapt_adagrad", {"param": "eps", "min": 1e-8, "max": 1e-2, "scale": "log"},
     {"param": "d0", "min": 1e-7, "max": 1e-3, "scale": "log"}),
])
def test_every_map_cell_is_its_single_run(name: str, x: dict[str, Any], y: dict[str, Any]
                                          ) -> None:
    config = _config(name, {}, "rosenbrock", 40)
    result = hyper_map(config, {"x": {**x, "cells": 3}, "y": {**y, "cells": 3}})
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            cell = cell_run(config["runs"][0], {x["param"]: xv, y["param"]: yv})
            single = run({**config, "runs": [cell]}).runs[0]
            assert single.status == "completed"
            assert result.values["final_loss"][j, i] == single.loss[-1]  # exact


# ---------------------------------------------------------------- nullable hyperparameters
def test_growth_rate_and_beta3_null_mean_no_limit_and_sqrt_beta2() -> None:
    cat = {p.name: p for p in OPTIMIZERS["prodigy"].params}
    assert cat["growth_rate"].default is None and cat["growth_rate"].nullable
    assert cat["beta3"].default is None and cat["beta3"].nullable
    for name in LR_FREE:
        assert OPTIMIZERS[name].param("growth_rate").to_catalog()["nullable"] is True
    explicit = run(_config("prodigy", {"beta3": math.sqrt(0.999)}, steps=80)).runs[0]
    implicit = run(_config("prodigy", {"beta3": None}, steps=80)).runs[0]
    np.testing.assert_array_equal(explicit.x, implicit.x)
    huge = run(_config("dadapt_adam", {"growth_rate": 1e6}, steps=80)).runs[0]
    unlimited = run(_config("dadapt_adam", {}, steps=80)).runs[0]
    np.testing.assert_array_equal(huge.x, unlimited.x)  # d never grows 1e6-fold in a step here
    limited = run(_config("dadapt_adam", {"growth_rate": 1.05}, steps=80)).runs[0]
    d = limited.state["d"][:, 0]
    assert np.all(d[1:] <= d[:-1] * 1.05 * (1 + 1e-15))


@pytest.mark.parametrize("params, field", [
    ({"growth_rate": 0.5}, "growth_rate"), ({"growth_rate": "inf"}, "growth_rate"),
    ({"beta3": 1.0}, "beta3"), ({"d0": 0.0}, "d0"), ({"d_coef": 0.0}, "d_coef"),
])
def test_bad_values_are_refused_by_name(params: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        _config("prodigy", params)
    assert error.value.field.endswith(field)


@pytest.mark.parametrize("params", [{}, {"growth_rate": None, "beta3": None},
                                    {"growth_rate": 1.02, "beta3": 0.9, "d0": 1e-4},
                                    {"decouple": False, "safeguard_warmup": True}])
def test_the_nullable_values_round_trip_through_the_address(params: dict[str, Any]) -> None:
    config = _config("prodigy", params)
    query = encode(config)
    assert validate_config(decode(query)) == config
    if params.get("growth_rate"):
        assert "growth_rate=1.02" in query
    else:
        assert "growth_rate" not in query  # the default, null, is not written
    moved = _config("dadapt_sgd", {"growth_rate": 1.5})
    assert validate_config(decode(encode(moved))) == moved
    # a link may spell the default out
    spelled = validate_config(decode("r0=prodigy,growth_rate=null,beta3=null"))
    assert spelled["runs"][0]["params"] == _config("prodigy", {})["runs"][0]["params"]
