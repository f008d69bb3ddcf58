"""Optimizers against torch.optim: checked-in fixtures (always), live comparisons (with torch)."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine.config import validate_config
from app.engine.errors import ConfigError
from app.engine.optimizers import OPTIMIZERS
from app.engine.runner import run
from tests.test_reference_fixtures import NEXT_OPTIMIZERS
from tests.torch_names import NOT_TORCH, TORCH_OPTIMIZERS

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "optimizers.json").read_text())
# Lookahead around every inner optimizer (tests/fixtures/make_lookahead_fixtures.py): the same
# step-for-step check against torch runs over both files.
LOOKAHEAD = json.loads((Path(__file__).parent / "fixtures" / "lookahead.json").read_text())
CASES = FIXTURES["cases"]
# torch.optim's optimizers are compared here; the later ones (pytorch_optimizer, schedulefree,
# ...) against their own references in tests/test_reference_fixtures.py.
TORCH_NAMES = {c["config"]["runs"][0]["optimizer"] for c in CASES}
NEXT_NAMES = {c["optimizer"] for c in json.loads(
    (Path(__file__).parent / "fixtures" / "reference_optimizers.json").read_text())["cases"]}
REFERENCE_CASES = CASES + LOOKAHEAD["cases"]
RTOL = 1e-9


def _rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    if not len(ref):
        return 0.0
    return float(np.max(np.abs(ours - ref) / np.maximum(1e-3, np.abs(ref))))


def test_fixtures_come_from_torch_2_13_float64() -> None:
    assert FIXTURES["torch"].startswith("2.13.0")
    assert FIXTURES["dtype"] == "float64"


def test_fixtures_cover_every_optimizer_on_three_surfaces() -> None:
    seen: dict[str, set[str]] = {}
    for case in CASES:
        run_cfg = case["config"]["runs"][0]
        surface = case["config"]["surface"].get("name", "formula")
        seen.setdefault(run_cfg["optimizer"], set()).add(surface)
    # the optimizers added since are checked against tests/fixtures/reference_optimizers.json
    assert set(OPTIMIZERS) - set(seen) <= NEXT_OPTIMIZERS
    assert set(seen) == set(TORCH_OPTIMIZERS)
    assert all(len(surfaces) >= 3 for surfaces in seen.values())


@pytest.mark.parametrize("case", REFERENCE_CASES, ids=[c["id"] for c in REFERENCE_CASES])
def test_trajectory_matches_torch_step_for_step(case: dict[str, Any]) -> None:
    result = run(case["config"]).runs[0]
    ref_x, ref_y, ref_lr = (np.array(case[k]) for k in ("x", "y", "lr"))
    horizon = min(case["horizon"], case["steps"])
    n = min(horizon, result.steps)
    assert n == horizon or result.status == "diverged"
    assert _rel_err(result.x[:n], ref_x[:n]) < RTOL
    assert _rel_err(result.y[:n], ref_y[:n]) < RTOL
    np.testing.assert_allclose(result.lr[:n], ref_lr[:n], rtol=1e-12, atol=0)
    if case["steps"] < case["config"]["steps"]:
        assert result.status == "diverged"  # torch went non-finite: we must stop cleanly too


def test_most_fixture_paths_are_well_conditioned() -> None:
    """The horizon cut applies only to a few chaotic paths (documented in the fixture script)."""
    full = sum(c["horizon"] >= c["steps"] for c in CASES)
    assert full >= 0.9 * len(CASES)
    assert all(c["horizon"] >= min(10, c["steps"]) for c in CASES)


# ---------------------------------------------------------------- invalid hyperparameters
BAD = [
    ("sgd", {"lr": -0.1}, "runs[0].params.lr"),
    ("sgd", {"momentum": -0.5}, "runs[0].params.momentum"),
    ("sgd", {"nesterov": True, "momentum": 0.0}, "runs[0].params.nesterov"),
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "runs[0].params.nesterov"),
    ("adam", {"beta1": 1.0}, "runs[0].params.beta1"),
    ("adam", {"beta2": -0.1}, "runs[0].params.beta2"),
    ("adam", {"eps": -1e-8}, "runs[0].params.eps"),
    ("adam", {"lr": "fast"}, "runs[0].params.lr"),
    ("adam", {"lr": float("nan")}, "runs[0].params.lr"),
    ("adam", {"lr": float("inf")}, "runs[0].params.lr"),
    ("adam", {"amsgrad": 1}, "runs[0].params.amsgrad"),
    ("adam", {"momentum": 0.9}, "runs[0].params.momentum"),
    ("rmsprop", {"alpha": 1.5}, "runs[0].params.alpha"),
    ("lbfgs", {"line_search_fn": "backtracking"}, "runs[0].params.line_search_fn"),
    ("lbfgs", {"history_size": 2.5}, "runs[0].params.history_size"),
    ("lookahead", {"k": 0}, "runs[0].params.k"),
    ("adamax", {"weight_decay": -1}, "runs[0].params.weight_decay"),
    ("adabound", {"gamma": 0.0}, "runs[0].params.gamma"),
    ("nosuch", {}, "runs[0].optimizer"),
]


@pytest.mark.parametrize("name,params,field", BAD, ids=[f"{b[0]}-{b[2]}" for b in BAD])
def test_invalid_hyperparameter_names_the_field_and_range(
    name: str, params: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigError) as info:
        validate_config({"runs": [{"optimizer": name, "params": params}]})
    assert info.value.field == field
    assert str(info.value).startswith(field)
    assert len(info.value.message) > 10


def test_range_error_states_the_allowed_range() -> None:
    with pytest.raises(ConfigError) as info:
        validate_config({"runs": [{"optimizer": "adam", "params": {"beta1": 1.2}}]})
    assert "[0, 1)" in info.value.message


def test_lookahead_inner_errors_are_named_under_inner() -> None:
    with pytest.raises(ConfigError) as info:
        validate_config({"runs": [{"optimizer": "lookahead",
                                   "inner": {"optimizer": "adam", "params": {"lr": -1}}}]})
    assert info.value.field == "runs[0].inner.params.lr"


# ---------------------------------------------------------------- determinism and divergence
def test_same_seed_same_trajectory_bit_for_bit() -> None:
    cfg = {"surface": {"name": "himmelblau"}, "steps": 200, "noise": 0.5, "seed": 7,
           "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]}
    a, b = run(cfg).runs[0], run(cfg).runs[0]
    assert a.x.tobytes() == b.x.tobytes() and a.y.tobytes() == b.y.tobytes()
    c = run({**cfg, "seed": 8}).runs[0]
    assert not np.array_equal(a.x, c.x)


def test_minibatch_seeded_and_full_batch_is_gradient_descent() -> None:
    base = {"surface": {"name": "linear_regression"}, "steps": 50,
            "runs": [{"optimizer": "sgd", "params": {"lr": 0.05}}]}
    full = run(base).runs[0]
    mini = run({**base, "batch_size": 4, "seed": 3}).runs[0]
    again = run({**base, "batch_size": 4, "seed": 3}).runs[0]
    other = run({**base, "batch_size": 4, "seed": 4}).runs[0]
    assert np.array_equal(mini.x, again.x)
    assert not np.array_equal(mini.x, other.x)
    assert not np.array_equal(mini.x, full.x)
    whole = run({**base, "batch_size": 10_000}).runs[0]
    assert np.array_equal(whole.x, full.x)


def test_divergence_ends_cleanly_without_non_finite_values() -> None:
    result = run({"surface": {"name": "rosenbrock"}, "steps": 500,
                  "runs": [{"optimizer": "sgd", "params": {"lr": 0.5}}]}).runs[0]
    assert result.status == "diverged"
    assert result.steps < 500
    arrays = [result.x, result.y, result.loss, result.lr, result.grad_x, result.grad_y,
              *result.state.values()]
    assert all(np.isfinite(a).all() for a in arrays)


def test_teaching_quantities_are_recorded() -> None:
    result = run({"surface": {"name": "quadratic"}, "steps": 20,
                  "runs": [{"optimizer": "adam", "params": {"lr": 0.1}}]}).runs[0]
    assert {"exp_avg", "exp_avg_sq", "m_hat", "v_hat", "effective_lr"} <= set(result.state)
    beta1 = 0.9
    np.testing.assert_allclose(result.state["m_hat"][0], result.state["exp_avg"][0] / (1 - beta1))
    # effective lr: the lr plain GD would need for the same move
    moved = result.x[1] - result.x[0]
    np.testing.assert_allclose(result.state["effective_lr"][1, 0], -moved / result.grad_x[1])


# ---------------------------------------------------------------- live comparison with torch
def _random_run(rng: random.Random) -> dict[str, Any]:
    name = rng.choice([n for n in TORCH_OPTIMIZERS if n not in ("lookahead",)])
    spec = OPTIMIZERS[name]
    params: dict[str, Any] = {}
    for p in spec.params:
        if p.kind == "float" and p.name != "lr" and rng.random() < 0.5:
            if p.scale == "beta":
                params[p.name] = rng.choice([0.0, 0.5, 0.8, 0.9, 0.95, 0.99])
            elif p.name in ("eps",):
                params[p.name] = rng.choice([1e-8, 1e-6, 1e-3])
            elif p.name in ("weight_decay", "lr_decay", "dampening"):
                params[p.name] = rng.choice([0.0, 0.01, 0.1])
        if p.kind == "bool" and p.name not in ("maximize", *NOT_TORCH) and rng.random() < 0.3:
            params[p.name] = True
    if name == "sgd" and params.get("nesterov"):
        params["momentum"], params["dampening"] = 0.9, 0.0
    params["lr"] = {"adadelta": 1.0, "lbfgs": 0.1, "sgd": 1e-3, "lion": 3e-3}.get(
        name, rng.choice([0.01, 0.03]))
    return {"optimizer": name, "params": params}


@pytest.mark.torch
def test_random_configurations_match_live_torch() -> None:
    pytest.importorskip("torch")
    from tests.torch_reference import torch_trajectory

    rng = random.Random(20261121)
    checked = 0
    for _ in range(24):
        cfg = validate_config({"surface": {"name": rng.choice(["himmelblau", "ill_conditioned",
                                                               "booth", "quadratic"])},
                               "steps": 150, "runs": [_random_run(rng)]})
        ref = torch_trajectory(cfg)
        ours = run(cfg).runs[0]
        n = min(len(ref["x"]), ours.steps)
        assert _rel_err(ours.x[:n], ref["x"][:n]) < RTOL, cfg["runs"][0]
        assert _rel_err(ours.y[:n], ref["y"][:n]) < RTOL, cfg["runs"][0]
        checked += 1
    assert checked == 24


# ------------------------------------------- L-BFGS: a cubic interpolation that divides by zero
STRONG_WOLFE = {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}}
MINIBATCH_LBFGS = [(surface, batch, seed) for surface in ("logistic_regression",
                                                          "linear_regression")
                   for batch in (1, 2, 4, 8, 16) for seed in (0, 1, 2)]
ZERO_DIVISION = [("logistic_regression", 1, 0), ("logistic_regression", 1, 1),
                 ("logistic_regression", 1, 2), ("logistic_regression", 2, 0),
                 ("logistic_regression", 2, 1), ("logistic_regression", 4, 1)]
"""The mini-batch configurations whose line search divided by zero (ZeroDivisionError before)."""


def _minibatch_config(surface: str, batch: int, seed: int, steps: int = 300) -> dict[str, Any]:
    return validate_config({"surface": {"name": surface}, "batch_size": batch, "seed": seed,
                            "steps": steps, "runs": [STRONG_WOLFE]})


def test_every_minibatch_strong_wolfe_configuration_completes() -> None:
    for surface, batch, seed in MINIBATCH_LBFGS:
        result = run(_minibatch_config(surface, batch, seed)).runs[0]
        assert result.status in ("completed", "diverged"), (surface, batch, seed)
        assert np.isfinite(result.x).all() and np.isfinite(result.y).all()
        assert result.steps == 300 or result.status == "diverged"


CUBIC_EDGES = [  # (x1, f1, g1, x2, f2, g2, bounds)
    (0.0, 1.0, -1.0, 1.0, 0.0, -1.0, (1.01, 10.0)),  # -2 / 0: min_pos inf, clamped to 10
    (0.0, 1.0, -3.0, 1.0, 0.0, -3.0, (1.01, 10.0)),  # 0 / 0: min_pos NaN, passed on
    (2.0, 1.0, -1.0, 2.0, 1.0, 1.0, None),  # x1 == x2: d1 NaN, so the bisection
    (0.0, 1e300, -1e300, 1.0, -1e300, -1e300, None),  # d1 * d1 overflows to inf
]


def test_the_cubic_interpolation_divides_as_float64_tensors_do() -> None:
    from app.engine.optimizers.lbfgs import _cubic_interpolate

    assert _cubic_interpolate(*CUBIC_EDGES[0]) == 10.0
    assert math.isnan(_cubic_interpolate(*CUBIC_EDGES[1]))
    assert _cubic_interpolate(*CUBIC_EDGES[2]) == 2.0
    assert _cubic_interpolate(*CUBIC_EDGES[3]) == 0.5


@pytest.mark.torch
@pytest.mark.parametrize("args", CUBIC_EDGES)
def test_the_cubic_interpolation_edges_match_torchs(args: tuple) -> None:
    torch = pytest.importorskip("torch")
    from torch.optim.lbfgs import _cubic_interpolate as torch_cubic

    from app.engine.optimizers.lbfgs import _cubic_interpolate

    # torch's slopes are 0-dim tensors (g.dot(d)), and so is a step length that came out of an
    # earlier interpolation (with two plain floats, x1 == x2 would raise in torch too)
    x1, f1, g1, x2, f2, g2, bounds = args
    tensor = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    theirs = float(torch_cubic(tensor(x1), f1, tensor(g1), x2, f2, tensor(g2), bounds=bounds))
    ours = _cubic_interpolate(*args)
    assert ours == theirs or (math.isnan(ours) and math.isnan(theirs))


def _line_searches_that_divide_by_zero(config: dict[str, Any], limit: int) -> list[tuple]:
    """(inputs of _strong_wolfe, its outputs, its evaluate) for every step of ``config`` whose
    line search divided by zero, up to ``limit`` of them."""
    import app.engine.optimizers.lbfgs as lbfgs

    found: list[tuple] = []
    divided = [False]
    real_div, real_search = lbfgs._div, lbfgs._strong_wolfe

    def spy_div(a: float, b: float) -> float:
        divided[0] = divided[0] or b == 0
        return real_div(a, b)

    def spy_search(evaluate: Any, *args: Any) -> Any:
        divided[0] = False
        out = real_search(evaluate, *args)
        if divided[0] and len(found) < limit:
            found.append((args, out, evaluate))
        return out

    lbfgs._div, lbfgs._strong_wolfe = spy_div, spy_search
    try:
        run(config)
    finally:
        lbfgs._div, lbfgs._strong_wolfe = real_div, real_search
    return found


@pytest.mark.torch
@pytest.mark.parametrize("surface,batch,seed", ZERO_DIVISION)
def test_a_line_search_that_divides_by_zero_matches_torchs(surface: str, batch: int,
                                                           seed: int) -> None:
    """torch's own _strong_wolfe, given the same step (point, direction, slope, batch), ends
    where ours does: the same step length, loss and number of evaluations."""
    torch = pytest.importorskip("torch")
    from torch.optim.lbfgs import _strong_wolfe as torch_strong_wolfe

    torch.set_default_dtype(torch.float64)
    searches = _line_searches_that_divide_by_zero(_minibatch_config(surface, batch, seed), 3)
    assert searches, "the configuration no longer reaches the zero division"
    for (x, t, d, f, g, gtd, max_ls), (f_ours, _, t_ours, evals_ours), evaluate in searches:
        def obj_func(_x: Any, step: Any, _d: Any, x: Any = x, d: Any = d,
                     evaluate: Any = evaluate) -> tuple[float, Any]:
            step = float(step)
            loss, grad = evaluate((x[0] + step * d[0], x[1] + step * d[1]))
            return loss, torch.tensor(grad)

        f_new, _, t_new, evals = torch_strong_wolfe(
            obj_func, torch.tensor(x), t, torch.tensor(d), f, torch.tensor(g),
            torch.tensor(gtd), max_ls=max_ls)
        assert evals == evals_ours
        np.testing.assert_allclose(float(t_new), t_ours, rtol=1e-12, atol=0)
        np.testing.assert_allclose(float(f_new), f_ours, rtol=1e-12, atol=0)


@pytest.mark.torch
def test_formula_surface_line_searches_match_live_torch() -> None:
    pytest.importorskip("torch")
    from tests.torch_reference import torch_trajectory

    for expression, start in (("abs(x) + abs(y)", [-1.6875, -0.9375]),
                              ("abs(x) + abs(y)", [0.5625, 2.4375]),
                              ("max(abs(x), abs(y))", [2.0625, -1.3125])):
        cfg = validate_config({"surface": {"expression": expression}, "start": start,
                               "steps": 50, "runs": [STRONG_WOLFE]})
        assert _line_searches_that_divide_by_zero(cfg, 1), (expression, start)
        ref = torch_trajectory(cfg)
        ours = run(cfg).runs[0]
        assert ours.steps == len(ref["x"]) == 50
        # near the kinks at 0 the paths keep rounding-sized differences (torch's FMAs): compare
        # absolutely on this O(1) view
        assert np.max(np.abs(ours.x - ref["x"])) < 1e-8, (expression, start)
        assert np.max(np.abs(ours.y - ref["y"])) < 1e-8, (expression, start)


# ---------------------------------------------------------------- the contract's extension points
def test_a_companion_path_is_flagged_in_the_catalog_and_streamed_as_state() -> None:
    """ASGD's averaged point ``ax``: ``"path": true`` in the catalog, the plain average of the
    iterates since t0 in the run's state (x and y, as any state quantity)."""
    entries = {s["name"]: s for s in OPTIMIZERS["asgd"].to_catalog()["state"]}
    assert entries["ax"]["path"] is True
    assert not any(s["path"] for n, s in entries.items() if n != "ax")
    assert not any(s["path"] for spec in OPTIMIZERS.values()
                   if spec.name != "asgd" and spec.name in TORCH_OPTIMIZERS
                   for s in spec.to_catalog()["state"])
    t0 = 20
    traj = run({"surface": {"name": "himmelblau"}, "steps": 60,
                "runs": [{"optimizer": "asgd", "params": {"lr": 0.01, "t0": t0}}]}).runs[0]
    ax = traj.state["ax"]
    # step t averages with mu = 1 / max(1, t - 1 - t0): up to step t0 + 2 ax is the point itself,
    # then the mean of the points since step t0 + 2
    np.testing.assert_array_equal(ax[:t0 + 2], traj.points[:t0 + 2])
    for t in (t0 + 5, 60):
        np.testing.assert_allclose(ax[t - 1], traj.points[t0 + 1:t].mean(axis=0), rtol=1e-12)


def test_an_applied_lr_is_the_runs_lr_series() -> None:
    """ASGD applies eta_t = lr / (1 + lambd lr (t-1))^alpha (eta_1 = lr): its lr series."""
    lr, lambd, alpha = 0.01, 0.5, 0.75
    traj = run({"surface": {"name": "himmelblau"}, "steps": 40, "runs": [
        {"optimizer": "asgd", "params": {"lr": lr, "lambd": lambd, "alpha": alpha}}]}).runs[0]
    t = np.arange(1, 41)
    np.testing.assert_allclose(traj.lr, lr / (1 + lambd * lr * (t - 1)) ** alpha, rtol=1e-14)
    np.testing.assert_array_equal(traj.lr, traj.state["applied_eta"][:, 0])
