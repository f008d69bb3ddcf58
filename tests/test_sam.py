"""SAM / ASAM: the perturbed point its text describes, the inner step's gradient, map cells equal
to single runs, one level of wrapping, and live comparisons with pytorch_optimizer's SAM."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from app.address.codec import decode, encode
from app.engine.config import build_objective, validate_config
from app.engine.errors import ConfigError
from app.engine.maps import cell_run, hyper_map
from app.engine.optimizers import OPTIMIZERS
from app.engine.runner import (
    ArrayKernel,
    FloatKernel,
    Simulation,
    Trajectory,
    record_steps,
    run,
)

RTOL = 1e-9
F32 = 2e-7  # the perturbation's scale is float32, as the reference's


def _sam(params: dict[str, Any], inner: str = "sgd", **inner_params: Any) -> dict[str, Any]:
    return {"optimizer": "sam", "params": params,
            "inner": {"optimizer": inner, "params": inner_params}}


def _run(run_cfg: dict[str, Any], surface: str = "rosenbrock", steps: int = 60,
         **extra: Any) -> Trajectory:
    return run({"surface": {"name": surface}, "steps": steps, "runs": [run_cfg],
                **extra}).runs[0]


def _before(traj: Trajectory, start: list[float]) -> np.ndarray:
    """The point each step starts from (theta_{t-1})."""
    return np.vstack([np.array([start]), traj.points[:-1]])


def _grad(surface: str, points: np.ndarray) -> np.ndarray:
    objective = build_objective({"name": surface, "params": {}})
    gx, gy = objective.grad(points[:, 0], points[:, 1])
    return np.column_stack([gx, gy])


# ---------------------------------------------------------------- the text's claims
def test_the_perturbed_point_lies_rho_uphill_along_the_gradient() -> None:
    """Not adaptive: e_t = rho g_t / ||g_t||, a distance rho along the step's gradient."""
    rho = 0.2
    traj = _run(_sam({"rho": rho}, lr=1e-3, momentum=0.9), "himmelblau")
    start = validate_config({"surface": {"name": "himmelblau"}})["start"]
    e = traj.state["perturbed"] - _before(traj, start)
    g = np.column_stack([traj.grad_x, traj.grad_y])
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), rho, rtol=F32)
    cosine = np.sum(e * g, axis=1) / (np.linalg.norm(e, axis=1) * np.linalg.norm(g, axis=1))
    np.testing.assert_allclose(cosine, 1.0, rtol=1e-12)


def test_asam_measures_the_neighbourhood_relative_to_theta() -> None:
    """Adaptive: e_t = rho theta^2 g / || |theta| g ||, so e / |theta| has length rho, and a
    coordinate's share of the perturbation grows with |theta| (no longer along g)."""
    rho = 0.5
    traj = _run(_sam({"rho": rho, "adaptive": True}, lr=1e-3), "ill_conditioned")
    start = validate_config({"surface": {"name": "ill_conditioned"}})["start"]
    theta = _before(traj, start)
    e = traj.state["perturbed"] - theta
    g = np.column_stack([traj.grad_x, traj.grad_y])
    np.testing.assert_allclose(np.linalg.norm(e / np.abs(theta), axis=1), rho, rtol=F32)
    ratio = e / (theta * theta * g)  # one scale per step, shared by both coordinates
    np.testing.assert_allclose(ratio[:, 0], ratio[:, 1], rtol=1e-12)


def test_the_inner_optimizer_steps_from_the_point_with_the_perturbed_gradient() -> None:
    """SGD inside SAM: theta_t = theta_{t-1} - lr grad f(perturbed point), every step."""
    lr = 2e-3
    traj = _run(_sam({"rho": 0.1}, lr=lr), "rosenbrock")
    start = validate_config({})["start"]
    second = _grad("rosenbrock", traj.state["perturbed"])
    np.testing.assert_allclose(traj.points, _before(traj, start) - lr * second, rtol=1e-14)


PIT = {"expression": "y**2 + 1 - 1.2*exp(-50*(x+1)**2) - exp(-0.25*(x-1.5)**2)"}


def test_the_worst_loss_within_rho_is_high_in_a_narrow_pit_and_low_in_a_wide_basin() -> None:
    """The loss at the perturbed point above the loss where the step started (what SAM descends
    beyond the loss): far larger in the narrow pit than in the wide basin, for the same rho."""
    objective = build_objective(validate_config({"surface": PIT})["surface"])

    def excess(start: list[float]) -> float:
        traj = run({"surface": PIT, "start": start, "steps": 300,
                    "runs": [_sam({"rho": 0.05}, lr=0.01)]}).runs[0]
        p = traj.state["perturbed"]
        worst = objective.value(p[:, 0], p[:, 1])
        before = np.concatenate([objective.value(np.array(start[:1]), np.array(start[1:])),
                                 traj.loss[:-1]])
        return float(np.mean((worst - before)[-50:]))

    narrow, wide = excess([-0.95, 0.3]), excess([1.2, 0.3])
    assert 0 < wide and 50 * wide < narrow


def test_a_run_can_hover_on_the_rim_of_a_narrow_pit() -> None:
    """The description's caveat on engine data: plain SGD (rho = 0) settles in the narrow pit;
    SAM stays on the pit's rim (the ridge between the pit and the wide basin), its perturbed
    point landing on either side of the rim in turn, each gradient pushing the run back."""
    surface = PIT

    def final(rho: float) -> Trajectory:
        return run({"surface": surface, "start": [-0.85, 0.5], "steps": 600,
                    "runs": [_sam({"rho": rho}, lr=0.02)]}).runs[0]

    objective = build_objective(validate_config({"surface": surface})["surface"])
    xs = np.linspace(-0.99, 1.4, 24_000)
    rim = float(xs[np.argmax(objective.value(xs, np.zeros_like(xs)))])
    plain, sam = final(0.0), final(0.3)
    assert abs(plain.x[-1] + 1) < 0.1 and plain.loss[-1] < 0
    last = slice(-100, None)
    assert np.all(np.abs(sam.x[last] - rim) < 0.05) and np.all(sam.loss[last] > 0.5)
    sides = np.sign(sam.state["perturbed"][last, 0] - rim)
    assert (sides > 0).sum() > 20 and (sides < 0).sum() > 20


def test_the_catalog_names_the_inner_optimizers_sam_refuses() -> None:
    """The page's inner select leaves out what validation refuses (L-BFGS's own line search)."""
    refused = set()
    for name, spec in OPTIMIZERS.items():
        if spec.wraps:
            continue
        try:
            validate_config({"runs": [{"optimizer": "sam", "inner": {"optimizer": name}}]})
        except ConfigError:
            refused.add(name)
    assert refused == set(OPTIMIZERS["sam"].to_catalog()["inner_excludes"]) == {
        "lbfgs", "sgd_schedulefree", "adamw_schedulefree", "radam_schedulefree"}
    assert OPTIMIZERS["lookahead"].to_catalog()["inner_excludes"] == []


def test_the_catalog_flags_the_perturbed_point_as_a_companion_path() -> None:
    entry = OPTIMIZERS["sam"].to_catalog()
    assert entry["wraps"] and entry["family"] == "wrapper"
    assert [s["name"] for s in entry["state"] if s["path"]] == ["perturbed"]
    traj = _run(_sam({}, "adam", lr=0.05), steps=5)
    assert {"exp_avg", "exp_avg_sq", "perturbed", "step_scale"} <= set(traj.state)


# ---------------------------------------------------------------- floats, arrays, maps, noise
def _inner_variants() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """SAM (then ASAM) around every inner optimizer it takes, each boolean switched on in turn."""
    out = []
    for name, spec in OPTIMIZERS.items():
        if spec.wraps or spec.needs_oracle or spec.gradient_at is not None:
            continue
        base: dict[str, Any] = {"lr": 0.02} if name not in ("adadelta", "sgd") else {}
        flags = [p.name for p in spec.params if p.kind == "bool" and p.name != "maximize"]
        for k, flag in enumerate([None, *flags]):
            params = dict(base)
            if flag is not None:
                params[flag] = True
            if flag == "nesterov":
                params["momentum"] = 0.9
            sam = {"rho": 0.05 * (k + 1), "adaptive": k % 2 == 1}
            out.append((f"{name} {flag or 'defaults'}", sam, {"optimizer": name,
                                                               "params": params}))
    return out


@pytest.mark.parametrize("case", _inner_variants(), ids=lambda c: c[0])
def test_a_single_run_on_floats_records_the_array_path_bit_for_bit(
        case: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    """SAM's pair_update (both coordinates at once, float32 scale on NumPy scalars) is its
    array update with the oracle, bit for bit, noise and the inner's applied lr included."""
    from tests.test_scalar_path import _assert_same_blocks, _config, _simulation

    _, sam, inner = case
    config = _config({"optimizer": "sam", "params": sam, "inner": inner},
                     {"noise": 0.2, "seed": 4}, steps=50)
    one = _simulation(config, 1)
    if one.driven.joint_for(one.driven_hp):
        # an inner update coupling the coordinates cannot step one coordinate at a time
        assert not FloatKernel.supports(one)
        return
    _assert_same_blocks(config, 23)


@pytest.mark.parametrize("extra", [
    {"surface": {"name": "rastrigin"}},
    {"surface": {"expression": "sin(x)*y**2 + exp(0.1*x) + x**3/10"}, "noise": 0.5, "seed": 9},
    {"runs_schedule": {"name": "OneCycleLR", "params": {}}},
], ids=["numpy surface", "formula noise", "one-cycle"])
def test_floats_equal_arrays_on_other_surfaces_and_schedules(extra: dict[str, Any]) -> None:
    from tests.test_scalar_path import _assert_same_blocks, _config

    extra = dict(extra)
    run_cfg = _sam({"rho": 0.1, "adaptive": True}, "adam", lr=0.05)
    schedule = extra.pop("runs_schedule", None)
    if schedule:
        run_cfg["schedule"] = schedule
    _assert_same_blocks(_config(run_cfg, extra, steps=60), 17)


@pytest.mark.parametrize("extra", [{}, {"noise": 0.4, "seed": 3}], ids=["exact", "noise"])
def test_a_single_run_is_row_zero_of_two_identical_rows(extra: dict[str, Any]) -> None:
    """SAM steps on arrays (the oracle's second gradient): one row and two rows agree bit for
    bit, the second gradient's noise included."""
    config = validate_config({"surface": {"name": "himmelblau"}, "steps": 40,
                              "runs": [_sam({"rho": 0.1, "adaptive": True}, "adam", lr=0.05)],
                              **extra})

    def block(rows: int) -> Any:
        sim = Simulation(build_objective(config["surface"]), config["runs"][0],
                         np.tile(config["start"], (rows, 1)), config["steps"],
                         noise=config["noise"], seed=config["seed"])
        return record_steps(ArrayKernel(sim), config["steps"])

    one, two = block(1), block(2)
    for name in ("p", "loss", "grad"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    for name, values in two.state.items():
        np.testing.assert_array_equal(one.state[name], values, err_msg=name)


@pytest.mark.parametrize("extra", [{}, {"noise": 0.3, "seed": 5}], ids=["exact", "noise"])
def test_every_map_cell_is_its_single_run(extra: dict[str, Any]) -> None:
    config = validate_config({"surface": {"name": "rosenbrock"}, "steps": 40,
                              "runs": [_sam({}, "sgd", lr=1e-3, momentum=0.9)], **extra})
    x = {"param": "rho", "min": 0.01, "max": 0.5, "cells": 3}
    y = {"param": "lr", "min": 1e-4, "max": 2e-3, "cells": 2}
    result = hyper_map(config, {"x": x, "y": y})
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            cell = cell_run(config["runs"][0], {"rho": xv, "lr": yv})
            single = run({**config, "runs": [cell]}).runs[0]
            if single.status == "diverged":
                assert np.isnan(result.values["final_loss"][j, i])
            else:
                assert result.values["final_loss"][j, i] == single.loss[-1]


# ---------------------------------------------------------------- configuration and URLs
@pytest.mark.parametrize(("run_cfg", "field"), [
    ({"optimizer": "sam", "inner": {"optimizer": "lookahead"}}, "runs[0].inner.optimizer"),
    ({"optimizer": "lookahead", "inner": {"optimizer": "sam"}}, "runs[0].inner.optimizer"),
    ({"optimizer": "sam", "inner": {"optimizer": "lbfgs"}}, "runs[0].inner.optimizer"),
    ({"optimizer": "sam", "inner": {"optimizer": "sam"}}, "runs[0].inner.optimizer"),
    ({"optimizer": "sam", "inner": {"optimizer": "lookahead",
                                    "inner": {"optimizer": "adam"}}}, "runs[0].inner.inner"),
    ({"optimizer": "sam", "params": {"rho": -0.1}}, "runs[0].params.rho"),
    ({"optimizer": "sam", "params": {"lr": 0.1}}, "runs[0].params.lr"),
])
def test_one_level_of_wrapping_and_bad_values_are_named(run_cfg: dict[str, Any],
                                                        field: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_config({"runs": [run_cfg]})
    assert info.value.field == field


def test_nesting_is_a_4xx_naming_the_field(client: Any) -> None:
    for inner in ("lookahead", "lbfgs"):
        got = client.post("/api/config", json={"runs": [{"optimizer": "sam",
                                                         "inner": {"optimizer": inner}}]})
        assert got.status_code == 422
        detail = got.json()["detail"][0]
        assert detail["field"] == "runs[0].inner.optimizer" and inner in detail["msg"]
    got = client.get("/api/trajectory?r0=lookahead&r0.inner=sam")
    assert 400 <= got.status_code < 500


def test_the_address_carries_sam_and_its_inner_optimizer() -> None:
    query = "r0=sam,rho=0.1,adaptive=1&r0.inner=adam,lr=0.05"
    config = validate_config(decode(query))
    assert config["runs"][0]["params"] == {"rho": 0.1, "adaptive": True, "perturb_eps": 1e-12}
    assert config["runs"][0]["inner"]["optimizer"] == "adam"
    assert config["runs"][0]["inner"]["params"]["lr"] == 0.05
    assert validate_config(decode(encode(config))) == config


# ---------------------------------------------------------------- live: pytorch_optimizer's SAM
@pytest.mark.torch
def test_random_sam_configurations_match_live_pytorch_optimizer() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("pytorch_optimizer")
    from tests.reference_optimizers import REFERENCES, chaos_horizon, reference_trajectory

    rng = random.Random(20261202)
    for _ in range(10):
        surface = rng.choice(["himmelblau", "ill_conditioned", "booth", "quadratic",
                              "rosenbrock"])
        start = [v + rng.uniform(-0.5, 0.5)
                 for v in validate_config({"surface": {"name": surface}})["start"]]
        params = {"rho": rng.choice([0.01, 0.05, 0.2, 0.5]), "adaptive": rng.random() < 0.4,
                  "perturb_eps": rng.choice([1e-12, 1e-6])}
        if rng.random() < 0.5:
            inner_params = {"lr": rng.choice([1e-4, 5e-4, 2e-3]),
                            "momentum": rng.choice([0.0, 0.5, 0.9]),
                            "weight_decay": rng.choice([0.0, 0.01])}
            if inner_params["momentum"] and rng.random() < 0.5:
                inner_params["nesterov"] = True
            inner = {"optimizer": "sgd", "params": inner_params}
        else:
            inner = {"optimizer": "adam", "params": {
                "lr": rng.choice([0.003, 0.01, 0.05]), "beta1": rng.choice([0.0, 0.5, 0.9]),
                "beta2": rng.choice([0.9, 0.999]), "amsgrad": rng.random() < 0.3}}
        defaults = REFERENCES[inner["optimizer"]].defaults
        full_inner = {"optimizer": inner["optimizer"],
                      "params": {**defaults, **inner["params"]}}
        case = {"optimizer": "sam", "surface": surface, "params": params, "inner": full_inner}
        ref = reference_trajectory(case, start, 120, state_steps=0)
        horizon = chaos_horizon(case, start, 120, ref)
        config = validate_config({"surface": {"name": surface}, "start": start, "steps": 120,
                                  "runs": [{"optimizer": "sam", "params": params,
                                            "inner": inner}]})
        ours = run(config).runs[0]
        n = min(horizon, ours.steps)
        assert n == horizon or ours.status == "diverged", (surface, params, inner)
        for got, want in ((ours.x[:n], ref["x"][:n]), (ours.y[:n], ref["y"][:n]),
                          (ours.state["perturbed"][:n],
                           ref["companions"].get("perturbed", [])[:n])):
            want = np.array(want)
            err = np.max(np.abs(got - want) / np.maximum(1e-3, np.abs(want))) if n else 0.0
            assert err < RTOL, (surface, start, params, inner)
