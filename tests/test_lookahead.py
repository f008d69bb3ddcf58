"""Lookahead around every inner optimizer: nested records, checked-in torch fixtures (always),
live torch comparisons (with torch), and the shared-name regression (Lookahead's alpha beside
RMSprop's alpha)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine.config import build_objective, validate_config
from app.engine.optimizers import OPTIMIZERS
from app.engine.runner import FloatKernel, Simulation, run
from tests.api_helpers import records_of

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "lookahead.json").read_text())
CASES = FIXTURES["cases"]
RTOL = 1e-9
# Inner optimizers with a torch reference (tests/fixtures/optimizers.json, lookahead.json); the
# others (Prodigy, D-Adaptation, ...) are compared with their own references elsewhere.
_TORCH_CASES = json.loads((Path(__file__).parent / "fixtures" / "optimizers.json").read_text())
INNER_NAMES = [name for name, spec in OPTIMIZERS.items() if not spec.wraps and name in {
    c["config"]["runs"][0]["optimizer"] for c in _TORCH_CASES["cases"]}]

# The case: Lookahead (k=5, alpha=0.5) around RMSprop (alpha=0.99, lr=0.01) on Himmelblau.
SHARED_ALPHA = {"optimizer": "lookahead", "params": {"k": 5, "alpha": 0.5},
                "inner": {"optimizer": "rmsprop", "params": {"alpha": 0.99}}}


def _rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    if not len(ref):
        return 0.0
    return float(np.max(np.abs(ours - ref) / np.maximum(1e-3, np.abs(ref))))


def _himmelblau(start: list[float] | None, steps: int = 20) -> dict[str, Any]:
    config: dict[str, Any] = {"surface": {"name": "himmelblau"}, "steps": steps,
                              "runs": [SHARED_ALPHA]}
    if start is not None:
        config["start"] = start
    return validate_config(config)


# ---------------------------------------------------------------- the regression
@pytest.mark.parametrize("start, first_x", [
    (None, -0.600),  # the page's default start (-0.5, 0.5): the merged alpha gave -0.514
    ([-1.0, 1.0], -1.100),  # the merged alpha gave -1.014
])
def test_lookaheads_alpha_leaves_rmsprops_alpha_alone(start: list[float] | None,
                                                      first_x: float) -> None:
    """RMSprop's first step is lr * g / sqrt((1 - alpha) g^2) = 10 lr with its own alpha 0.99;
    with Lookahead's 0.5 in its place it was lr * sqrt(2)."""
    config = _himmelblau(start)
    result = run(config).runs[0]
    x0, y0 = config["start"]
    assert abs(result.x[0] - first_x) < 1e-6  # torch's value, to the 3 decimals
    assert abs(result.x[0] - (x0 - 10 * 0.01)) < 1e-6
    assert abs(result.y[0] - (y0 + 10 * 0.01)) < 1e-6  # the y gradient is negative here
    # the inner state is RMSprop's with alpha 0.99: v = (1 - 0.99) g^2
    g = np.array([result.grad_x[0], result.grad_y[0]])
    np.testing.assert_allclose(result.state["square_avg"][0], (1 - 0.99) * g * g, rtol=1e-12)


def test_a_wrapper_nests_its_inner_optimizers_records() -> None:
    config = _himmelblau(None)
    sim = Simulation(build_objective(config["surface"]), config["runs"][0],
                     np.asarray(config["start"]).reshape(1, 2), config["steps"])
    assert sim.hp["k"] == 5 and sim.hp["alpha"] == 0.5
    assert sim.hp["inner"]["alpha"] == 0.99 and sim.hp["inner"]["lr"] == 0.01
    assert "lr" not in sim.hp and "_inner_spec" not in sim.hp
    assert set(sim.state) == {"inner", "slow_param"}
    assert set(sim.state["inner"]) == {"square_avg", "grad_avg", "momentum_buffer"}
    for _ in range(7):
        sim.step()
    assert set(sim.state) == {"inner", "slow_param"}
    # the recorded columns keep the names the page reads: the inner's, then slow_param
    names = list(sim.visible_state(np.zeros((1, 2))))
    assert names == ["square_avg", "grad_avg", "momentum_buffer", "slow_param", "step_scale",
                     "effective_lr"]


def test_no_wrapper_state_name_collides_with_an_inner_optimizers() -> None:
    """The recorded columns are flat (the page's names): a wrapper's own quantities must not
    shadow its inner optimizer's."""
    for spec in OPTIMIZERS.values():
        if spec.wraps:
            own = {v.name for v in spec.state}
            for name in INNER_NAMES:
                assert not own & {v.name for v in OPTIMIZERS[name].state}, (spec.name, name)


def test_lookahead_around_lbfgs_steps_with_the_line_search() -> None:
    config = validate_config({
        "surface": {"name": "himmelblau"}, "steps": 30,
        "runs": [{"optimizer": "lookahead", "params": {"k": 4},
                  "inner": {"optimizer": "lbfgs",
                            "params": {"lr": 1.0, "line_search_fn": "strong_wolfe"}}}]})
    sim = Simulation(build_objective(config["surface"]), config["runs"][0],
                     np.asarray(config["start"]).reshape(1, 2), config["steps"])
    assert sim.spec.needs_oracle and not FloatKernel.supports(sim)
    result = run(config).runs[0]
    assert result.status == "completed" and result.steps == 30
    assert {"d", "func_evals", "slow_param"} <= set(result.state)


# ---------------------------------------------------------------- the checked-in fixtures
def test_fixtures_come_from_torch_2_13_float64() -> None:
    assert FIXTURES["torch"].startswith("2.13.0")
    assert FIXTURES["dtype"] == "float64"


def test_fixtures_wrap_every_inner_optimizer_on_three_surfaces() -> None:
    seen: dict[str, set[str]] = {}
    for case in CASES:
        run_cfg = case["config"]["runs"][0]
        assert run_cfg["optimizer"] == "lookahead"
        seen.setdefault(run_cfg["inner"]["optimizer"], set()).add(
            case["config"]["surface"]["name"])
    assert set(seen) == set(INNER_NAMES)
    assert all(len(surfaces) >= 3 for surfaces in seen.values())


def test_fixtures_include_the_shared_alpha_and_the_presets() -> None:
    inners = [(c["config"]["runs"][0]["params"], c["config"]["runs"][0]["inner"])
              for c in CASES]
    assert any(inner["optimizer"] == "rmsprop" and inner["params"].get("alpha") is not None
               and inner["params"]["alpha"] != params["alpha"] for params, inner in inners)
    flags = {(inner["optimizer"], flag) for _, inner in inners
             for flag, value in inner["params"].items() if value is True}
    assert {("sgd", "nesterov"), ("rmsprop", "centered"), ("adam", "amsgrad"),
            ("adamw", "amsgrad"), ("adabound", "amsbound")} <= flags
    assert any(inner["optimizer"] == "sgd" and inner["params"].get("momentum")
               and not inner["params"].get("nesterov") for _, inner in inners)


def test_most_fixture_paths_are_well_conditioned() -> None:
    """The horizon cut applies only to a few chaotic paths (L-BFGS and momentum on Rosenbrock)."""
    full = sum(c["horizon"] >= c["steps"] for c in CASES)
    assert full >= 0.8 * len(CASES)
    assert all(c["horizon"] >= min(10, c["steps"]) for c in CASES)


# ---------------------------------------------------------------- live comparison with torch
# Non-default hyperparameters for each inner optimizer; a new registry entry gets its defaults.
LIVE_PARAMS: dict[str, dict[str, Any]] = {
    "sgd": {"lr": 2e-3, "momentum": 0.7, "nesterov": True},
    "adagrad": {"lr": 0.3, "lr_decay": 0.02, "weight_decay": 0.01},
    "rmsprop": {"lr": 0.01, "alpha": 0.8, "centered": True, "momentum": 0.2},
    "adadelta": {"lr": 2.0, "rho": 0.8},
    "adam": {"lr": 0.03, "beta1": 0.7, "amsgrad": True, "weight_decay": 0.01},
    "adamw": {"lr": 0.03, "beta2": 0.95},
    "nadam": {"lr": 0.03, "momentum_decay": 0.02},
    "radam": {"lr": 0.02, "decoupled_weight_decay": True, "weight_decay": 0.02},
    "adamax": {"lr": 0.03, "beta2": 0.9},
    "adabound": {"lr": 0.02, "final_lr": 0.02, "amsbound": True},
    "lion": {"lr": 0.005, "beta1": 0.8},
    "lbfgs": {"lr": 0.5, "history_size": 4, "line_search_fn": "strong_wolfe"},
}


@pytest.mark.torch
@pytest.mark.parametrize("inner", INNER_NAMES)
def test_lookahead_around_every_optimizer_matches_live_torch(inner: str) -> None:
    pytest.importorskip("torch")
    from tests.torch_reference import torch_trajectory

    for surface, alpha in (("himmelblau", 0.8), ("ill_conditioned", 0.35), ("booth", 0.6)):
        cfg = validate_config({"surface": {"name": surface}, "steps": 120, "runs": [{
            "optimizer": "lookahead", "params": {"k": 4, "alpha": alpha},
            "inner": {"optimizer": inner, "params": LIVE_PARAMS.get(inner, {})}}]})
        ref = torch_trajectory(cfg)
        ours = run(cfg).runs[0]
        n = min(len(ref["x"]), ours.steps)
        assert n == len(ref["x"]) == ours.steps, (surface, inner)
        assert _rel_err(ours.x[:n], ref["x"][:n]) < RTOL, (surface, inner)
        assert _rel_err(ours.y[:n], ref["y"][:n]) < RTOL, (surface, inner)


# ---------------------------------------------------------------- the address is unchanged
LINK = "surface=himmelblau&r0=lookahead,k=5,alpha=0.5&r0.inner=rmsprop,alpha=0.99"


def test_a_lookahead_link_opens_as_before_and_steps_rmsprops_alpha(client: Any) -> None:
    """The query and JSON keys are today's (``r0.inner``, ``inner``); the stream's state columns
    keep the names the page reads."""
    records = records_of(client.get(f"/api/trajectory?{LINK}").content)
    start = records[0]
    assert start["config"]["runs"][0] == {
        "optimizer": "lookahead", "params": {"k": 5, "alpha": 0.5},
        "inner": {"optimizer": "rmsprop", "params": {
            **{p.name: p.default for p in OPTIMIZERS["rmsprop"].params}, "alpha": 0.99}},
        "schedule": None}
    assert "r0=lookahead" in start["query"] and "r0.inner=rmsprop" in start["query"]
    steps = next(r for r in records if r["type"] == "steps")
    assert abs(steps["x"][0] - -0.600) < 1e-6
    assert set(steps["state"]) == {"square_avg", "grad_avg", "momentum_buffer", "slow_param",
                                   "step_scale", "effective_lr"}
