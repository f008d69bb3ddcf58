"""The step scale: each optimizer's positive per-coordinate factor on its direction, recorded as
the teaching quantity ``step_scale``; and the update rule's lines as configured."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from app.engine.optimizers import OPTIMIZERS
from app.engine.optimizers.base import Line, as_lines
from app.engine.runner import Trajectory, run

SURFACES = [{"name": "rosenbrock"}, {"name": "himmelblau"}, {"name": "rastrigin"},
            {"name": "saddle"}]

RUNS: list[dict[str, Any]] = [
    {"optimizer": "sgd", "params": {"lr": 1e-3}},
    {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.9, "nesterov": True}},
    {"optimizer": "adagrad", "params": {"lr": 0.1, "lr_decay": 0.01}},
    {"optimizer": "rmsprop", "params": {"lr": 0.01}},
    {"optimizer": "rmsprop", "params": {"lr": 0.01, "centered": True, "momentum": 0.5}},
    {"optimizer": "adadelta", "params": {"lr": 1.0}},
    {"optimizer": "adam", "params": {"lr": 0.05}},
    {"optimizer": "adam", "params": {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}},
    {"optimizer": "adamw", "params": {"lr": 0.05}},
    {"optimizer": "nadam", "params": {"lr": 0.05}},
    {"optimizer": "radam", "params": {"lr": 0.001}},
    {"optimizer": "adamax", "params": {"lr": 0.05}},
    {"optimizer": "adabound", "params": {"lr": 0.01}},
    {"optimizer": "adabound", "params": {"lr": 0.01, "amsbound": True}},
    {"optimizer": "lion", "params": {"lr": 0.01}},
    {"optimizer": "asgd", "params": {"lr": 1e-3, "t0": 10, "lambd": 0.1}},
    {"optimizer": "rprop", "params": {"lr": 1e-3}},
    {"optimizer": "lbfgs", "params": {"lr": 0.1}},
    {"optimizer": "lbfgs", "params": {"lr": 1.0, "line_search_fn": "strong_wolfe"}},
    {"optimizer": "lookahead", "params": {"k": 3},
     "inner": {"optimizer": "adam", "params": {"lr": 0.05}}},
    {"optimizer": "adam", "params": {"lr": 0.05},
     "schedule": {"name": "CosineAnnealingLR", "params": {"T_max": 100}}},
]


def _trajectory(run_cfg: dict[str, Any], surface: dict[str, Any]) -> Trajectory:
    return run({"surface": surface, "steps": 60, "runs": [run_cfg]}).runs[0]


def _expected(run_cfg: dict[str, Any], traj: Trajectory) -> np.ndarray:
    """The step scale from the recorded state, lr and step number, by each formula."""
    spec = OPTIMIZERS[run_cfg["optimizer"]]
    hp = {p.name: p.default for p in spec.params} | run_cfg.get("params", {})
    name = run_cfg["optimizer"]
    if spec.wraps:
        inner = run_cfg["inner"]
        name = inner["optimizer"]
        hp = {p.name: p.default for p in OPTIMIZERS[name].params} | inner.get("params", {})
    s = traj.state
    lr = traj.lr[:, None]
    t = np.arange(1, traj.steps + 1, dtype=float)[:, None]
    if name in ("sgd", "lion"):
        return lr * np.ones((traj.steps, 2))
    if name == "lbfgs":
        return s["t"]
    if name == "asgd":  # eta_t, the lr it applied: the run's lr series
        return lr * np.ones((traj.steps, 2))
    if name == "rprop":
        return s["step_size"]
    if name == "adagrad":
        return lr / (1 + (t - 1) * hp["lr_decay"]) / (np.sqrt(s["sum"]) + hp["eps"])
    if name == "rmsprop":
        v = s["square_avg"] - (s["grad_avg"] ** 2 if hp["centered"] else 0)
        return lr / (np.sqrt(v) + hp["eps"])
    if name == "adadelta":
        before = np.vstack([np.zeros((1, 2)), s["acc_delta"][:-1]])
        return lr * np.sqrt(before + hp["eps"]) / np.sqrt(s["square_avg"] + hp["eps"])
    b1, b2, eps = hp["beta1"], hp["beta2"], hp["eps"]
    bc1, bc2 = 1 - b1**t, 1 - b2**t
    if name in ("adam", "adamw"):
        v = s["max_exp_avg_sq"] if hp.get("amsgrad") else s["exp_avg_sq"]
        return lr / bc1 / (np.sqrt(v / bc2) + eps)
    if name == "nadam":
        return lr / (np.sqrt(s["exp_avg_sq"] / bc2) + eps)
    if name == "radam":
        rho_inf = 2 / (1 - b2) - 1
        rho = rho_inf - 2 * t * b2**t / bc2
        rect = np.sqrt(np.clip((rho - 4) * (rho - 2) * rho_inf
                               / ((rho_inf - 4) * (rho_inf - 2) * rho), 0, None))
        adaptive = rect * np.sqrt(bc2) / (np.sqrt(s["exp_avg_sq"]) + eps)
        return lr / bc1 * np.where(rho > 5, adaptive, 1.0)
    if name == "adamax":
        return lr / bc1 / s["exp_inf"]
    if name == "adabound":
        v = s["max_exp_avg_sq"] if hp.get("amsbound") else s["exp_avg_sq"]
        final = hp["final_lr"]  # the lr is not scheduled here: final_lr * lr / initial_lr
        lower = final * (1 - 1 / (hp["gamma"] * t + 1))
        upper = final * (1 + 1 / (hp["gamma"] * t))
        return np.clip(lr * np.sqrt(bc2) / bc1 / (np.sqrt(v) + eps), lower, upper)
    raise AssertionError(f"no formula for {name}")


@pytest.mark.parametrize("surface", SURFACES, ids=[s["name"] for s in SURFACES])
@pytest.mark.parametrize("run_cfg", RUNS, ids=lambda r: r["optimizer"] + ",".join(
    f"{k}={v}" for k, v in r.get("params", {}).items()) + ("+sched" if "schedule" in r else ""))
def test_step_scale_is_positive_finite_and_its_formula(run_cfg: dict[str, Any],
                                                       surface: dict[str, Any]) -> None:
    traj = _trajectory(run_cfg, surface)
    assert traj.steps >= 2  # (L-BFGS's line search leaves the saddle at once)
    scale = traj.state["step_scale"]
    assert scale.shape == (traj.steps, 2)
    assert np.isfinite(scale).all() and (scale > 0).all()
    # RAdam's r_t loses digits to cancellation while rho_t is near 5
    rtol = 1e-10 if run_cfg["optimizer"] == "radam" else 1e-12
    np.testing.assert_allclose(scale, _expected(run_cfg, traj), rtol=rtol)


def test_every_optimizer_records_a_step_scale_and_its_catalog_formula() -> None:
    for name, spec in OPTIMIZERS.items():
        names = [v.name for v in spec.state]
        if spec.wraps:
            assert not spec.step_scale  # the inner optimizer's
            continue
        assert "step_scale" in names, name
        assert spec.step_scale and all(r"\hat\eta_t" in line.latex or "theta_t" in line.latex
                                       for line in as_lines(spec.step_scale)), name


def test_step_scale_is_smooth_where_the_update_ratio_spikes() -> None:
    """Adam on Rastrigin: the old -delta/g ratio changes sign and spikes as g crosses zero; the
    step scale stays positive, its steps no larger than a factor of a few."""
    traj = _trajectory({"optimizer": "adam", "params": {"lr": 0.05}}, {"name": "rastrigin"})
    ratio = traj.state["effective_lr"]
    scale = traj.state["step_scale"]
    assert (scale > 0).all()
    assert np.abs(np.diff(np.log(scale), axis=0)).max() < math.log(10)
    assert ratio.min() < 0 or np.abs(ratio).max() > 100 * scale.max()


def test_factors_are_recorded_per_step() -> None:
    traj = _trajectory({"optimizer": "adam", "params": {"lr": 0.05}}, {"name": "rosenbrock"})
    t = np.arange(1, traj.steps + 1)
    np.testing.assert_allclose(traj.factors["bias_correction1"], 1 - 0.9**t, rtol=1e-13)
    np.testing.assert_allclose(traj.factors["bias_correction2"], 1 - 0.999**t, rtol=1e-13)
    np.testing.assert_allclose(traj.factors["step_size"], 0.05 / (1 - 0.9**t), rtol=1e-13)
    radam = _trajectory({"optimizer": "radam"}, {"name": "rosenbrock"})
    assert set(radam.factors) == {"bias_correction1", "bias_correction2", "rho_t"}
    assert set(_trajectory({"optimizer": "sgd"}, {"name": "rosenbrock"}).factors) == set()


# ------------------------------------------------------------------ the update rule as configured
def _settings(spec: Any) -> list[dict[str, Any]]:
    """Every combination of the values the spec's line conditions distinguish."""
    names = sorted({c[0] for line in as_lines((*spec.equations, *spec.step_scale))
                    for c in line.when})
    choices = []
    for n in names:
        p = spec.param(n)
        choices.append(list(p.choices) if p.kind == "choice" else [False, True]
                       if p.kind == "bool" else [0.0, 0.5])
    out = []
    for values in itertools.product(*choices):
        hp = {p.name: p.default for p in spec.params} | dict(zip(names, values, strict=True))
        if spec.name == "sgd" and hp["nesterov"] and (hp["momentum"] == 0 or hp["dampening"]):
            continue  # refused by the check, as torch refuses it
        out.append(hp)
    return out


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_configuration_shows_one_update_and_one_gradient_line(name: str) -> None:
    spec = OPTIMIZERS[name]
    for hp in _settings(spec):
        shown = [line.latex for line in as_lines(spec.equations) if line.applies(hp)]
        if not spec.wraps:  # a wrapper's update is its inner optimizer's line
            updates = [s for s in shown if s.startswith(r"\theta_t =")]
            assert len(updates) == 1, (hp, updates)
        grads = [s for s in shown if s.startswith("g_t =")]
        assert len(grads) <= 1, (hp, grads)
        scales = [line for line in as_lines(spec.step_scale) if line.applies(hp)]
        assert bool(scales) != spec.wraps, hp


def test_conditions_name_real_hyperparameters() -> None:
    for spec in OPTIMIZERS.values():
        names = {p.name for p in spec.params}
        for line in as_lines((*spec.equations, *spec.step_scale)):
            for cond in line.when:
                assert cond[0] in names, (spec.name, cond)


def test_adam_lines_follow_amsgrad_and_weight_decay() -> None:
    spec = OPTIMIZERS["adam"]
    base = {p.name: p.default for p in spec.params}

    def shown(**hp: Any) -> str:
        return " | ".join(x.latex for x in as_lines(spec.equations) if x.applies(base | hp))

    assert r"v^{\max}" not in shown() and r"\lambda" not in shown()
    assert r"v^{\max}_t = \max" in shown(amsgrad=True)
    assert r"g_t \leftarrow g_t + \lambda" in shown(weight_decay=0.1)
    decoupled = shown(weight_decay=0.1, decoupled_weight_decay=True)
    assert r"(1 - \eta\lambda)" in decoupled and r"g_t \leftarrow" not in decoupled
    assert "-\\nabla f" in shown(maximize=True)
    assert Line("x", (("amsgrad", "==", True),)).to_catalog() == {
        "latex": "x", "when": [["amsgrad", "==", True]]}
