"""Learning-rate schedules: torch fixtures replayed, vectorisation, the reference doc's examples,
validation errors naming their field, and (when torch is importable) live random comparisons."""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine.errors import ConfigError
from app.engine.schedules import (
    SCHEDULES,
    ParamGroup,
    Scheduler,
    build_scheduler,
    schedule_catalog,
    validate_schedule,
)

FIXTURES = Path(__file__).parent / "fixtures"
DATA = json.loads((FIXTURES / "schedules.json").read_text())
CASES = DATA["cases"]
RTOL = 1e-12
ATOL = 1e-18


def _load_maker() -> Any:
    """The fixture generator module (its torch builder and lambdas; torch imported lazily)."""
    spec = importlib.util.spec_from_file_location(
        "make_schedule_fixtures", FIXTURES / "make_schedule_fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKER = _load_maker()


def run_engine(
    schedule: dict[str, Any],
    lr: Any,
    steps: int,
    kind: str = "sgd",
    metrics: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """lr and momentum after k scheduler steps, k = 0..steps: arrays of shape (steps + 1, B)."""
    name = "beta1" if kind == "adam" else "momentum"
    group = ParamGroup(lr, momentum=0.9, momentum_name=name)
    scheduler = build_scheduler(schedule, group, steps)
    assert isinstance(scheduler, Scheduler)
    lrs, moms = [group.lr.copy()], [group.momentum.copy()]
    for t in range(steps):
        scheduler.step(None if metrics is None else np.asarray(metrics[t], dtype=np.float64))
        lrs.append(group.lr.copy())
        moms.append(group.momentum.copy())
    return np.array(lrs), np.array(moms)


def assert_close(actual: np.ndarray, expected: Any) -> None:
    """Equal to torch within 1e-12 relative (bit-equal in practice)."""
    np.testing.assert_allclose(actual, np.asarray(expected, dtype=np.float64), rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------------------------------------
# Fixtures recorded from torch


def test_fixture_file_records_torch_version_and_covers_every_schedule() -> None:
    """The fixture says which torch made it and exercises every schedule."""
    assert DATA["torch_version"].startswith("2.13.0")
    names: set[str] = set()

    def walk(spec: dict[str, Any]) -> None:
        """Collect the names in a schedule tree."""
        names.add(spec["name"])
        for child in spec.get("params", {}).get("schedulers", []):
            walk(child)

    for case in CASES:
        walk(case["schedule"])
    assert names == set(SCHEDULES) - set(MAKER.TRANSFORMERS)  # those: schedules_transformers.json
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fixture_reproduced(case: dict[str, Any]) -> None:
    """Every recorded torch lr (and cycled momentum / beta1) is reproduced to 1e-12."""
    lrs, moms = run_engine(
        case["schedule"], case["lr"], case["steps"], case["optimizer"], case.get("metrics")
    )
    assert lrs.shape == (case["steps"] + 1, 1)
    assert_close(lrs[:, 0], case["expected_lr"])
    if "expected_momentum" in case:
        assert_close(moms[:, 0], case["expected_momentum"])
    else:
        assert np.all(moms == 0.9)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_vectorised_equals_per_run(case: dict[str, Any]) -> None:
    """B runs with different base lrs (and metrics) give exactly the per-run results."""
    base = case["lr"]
    lrs_in = np.array([base, base * 0.3, base * 3.7])
    metrics = None
    if "metrics" in case:
        m = np.asarray(case["metrics"])
        metrics = np.stack([m, m[::-1].copy(), m * 1.5], axis=1)
    lrs, moms = run_engine(case["schedule"], lrs_in, case["steps"], case["optimizer"], metrics)
    assert lrs.shape == (case["steps"] + 1, 3)
    for b in range(3):
        one_metrics = None if metrics is None else metrics[:, b]
        lr1, mom1 = run_engine(
            case["schedule"], lrs_in[b], case["steps"], case["optimizer"], one_metrics
        )
        np.testing.assert_array_equal(lrs[:, b], lr1[:, 0])
        np.testing.assert_array_equal(moms[:, b], mom1[:, 0])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_a_scalar_group_steps_as_the_array_group(case: dict[str, Any]) -> None:
    """One run's schedule on Python floats (the float path's) gives the array group's lrs and
    momenta bit for bit, and its values stay Python floats."""
    lrs, moms = run_engine(
        case["schedule"], case["lr"], case["steps"], case["optimizer"], case.get("metrics")
    )
    name = "beta1" if case["optimizer"] == "adam" else "momentum"
    group = ParamGroup(case["lr"], momentum=0.9, momentum_name=name, scalar=True)
    scheduler = build_scheduler(case["schedule"], group, case["steps"])
    got_lr, got_mom = [group.lr], [group.momentum]
    metrics = case.get("metrics")
    for t in range(case["steps"]):
        scheduler.step(None if metrics is None else float(metrics[t]))
        assert type(group.lr) is float and type(group.momentum) is float
        got_lr.append(group.lr)
        got_mom.append(group.momentum)
    assert np.array(got_lr).tobytes() == lrs[:, 0].tobytes()
    assert np.array(got_mom).tobytes() == moms[:, 0].tobytes()


# ------------------------------------------------------------------------------------------------
# The reference document's examples


def test_doc_cosine_annealing_values() -> None:
    """CosineAnnealingLR T=4, eta_min=0.01, B=0.1 (period 2 T_max, not clamped)."""
    lrs, _ = run_engine(_s("CosineAnnealingLR", T_max=4, eta_min=0.01), 0.1, 8)
    expected = [0.1, 0.08682, 0.055, 0.02318, 0.01, 0.02318, 0.055, 0.08682, 0.1]
    np.testing.assert_allclose(lrs[:, 0], expected, atol=5e-6)


def test_doc_warm_restarts_restart_points() -> None:
    """WarmRestarts T_0=3, T_mult=2 restarts (back to the base lr) at k = 3, 9, 21."""
    lrs, _ = run_engine(_s("CosineAnnealingWarmRestarts", T_0=3, T_mult=2), 0.1, 40)
    restarts = [k for k in range(1, 41) if lrs[k, 0] == 0.1]
    assert restarts == [3, 9, 21]
    assert all(lrs[k, 0] < lrs[k - 1, 0] for k in range(1, 41) if k not in restarts)


def test_doc_plateau_trace() -> None:
    """lr=1, patience=2, factor=0.5, threshold=0.1, cooldown=1, min_lr=0.1 on the doc's metrics."""
    spec = _s("ReduceLROnPlateau", patience=2, factor=0.5, threshold=0.1, cooldown=1, min_lr=0.1)
    metrics = [10, 9.5, 9.2, 9.1, 9.0] + [8.0] * 25
    lrs, _ = run_engine(spec, 1.0, 30, metrics=metrics)
    lr = lrs[:, 0]
    changes = {k: lr[k] for k in range(1, 31) if lr[k] != lr[k - 1]}
    assert changes == {4: 0.5, 9: 0.25, 13: 0.125, 17: 0.1}
    assert np.all(lr[17:] == 0.1)


def test_doc_sequential_example() -> None:
    """B=0.1, LinearLR(0.1, 1.0, 3) then CosineAnnealingLR(5) from milestone 3."""
    spec = _s(
        "SequentialLR",
        schedulers=[
            _s("LinearLR", start_factor=0.1, end_factor=1.0, total_iters=3),
            _s("CosineAnnealingLR", T_max=5),
        ],
        milestones=[3],
    )
    lrs, _ = run_engine(spec, 0.1, 9)
    expected = [0.01, 0.04, 0.07, 0.1, 0.0905, 0.0655, 0.0345, 0.0095, 0.0, 0.0095]
    np.testing.assert_allclose(lrs[:, 0], expected, atol=6e-5)


# ------------------------------------------------------------------------------------------------
# Defaults and the engine's own conventions


def _s(name: str, **params: Any) -> dict[str, Any]:
    """A schedule config."""
    return {"name": name, "params": params}


def test_validate_fills_every_default() -> None:
    """Every schedule validates with no params and returns every parameter filled."""
    for name, spec in SCHEDULES.items():
        out = validate_schedule({"name": name})
        assert out["name"] == name
        assert set(out["params"]) == {p.name for p in spec.params}
    out = validate_schedule(_s("ReduceLROnPlateau"))["params"]
    assert out == {
        "mode": "min", "factor": 0.1, "patience": 10, "threshold": 1e-4,
        "threshold_mode": "rel", "cooldown": 0, "min_lr": 0.0, "eps": 1e-8,
    }


def test_validate_is_idempotent_and_copies_defaults() -> None:
    """Validated output validates to itself; default lists are not shared between calls."""
    for name in SCHEDULES:
        once = validate_schedule({"name": name}, total_steps=500)
        assert validate_schedule(once, total_steps=500) == once
    a = validate_schedule({"name": "SequentialLR"})
    a["params"]["milestones"].append(99)
    assert validate_schedule({"name": "SequentialLR"})["params"]["milestones"] == [10]


def test_null_defaults_mean_the_run() -> None:
    """T_max / total_steps / max_lr / base_lr left empty take the run's steps and lr, per run."""
    lrs_in = np.array([0.1, 0.02])
    n = 300
    pairs = [
        (_s("CosineAnnealingLR"), [_s("CosineAnnealingLR", T_max=n)] * 2),
        (_s("OneCycleLR"), [_s("OneCycleLR", max_lr=0.1, total_steps=n),
                            _s("OneCycleLR", max_lr=0.02, total_steps=n)]),
        (_s("CyclicLR", step_size_up=20), [
            _s("CyclicLR", base_lr=0.1, max_lr=0.1 * 10.0, step_size_up=20),
            _s("CyclicLR", base_lr=0.02, max_lr=0.02 * 10.0, step_size_up=20)]),
    ]
    for implicit, explicit in pairs:
        got, got_m = run_engine(implicit, lrs_in, n)
        for b in range(2):
            want, want_m = run_engine(explicit[b], lrs_in[b], n)
            np.testing.assert_array_equal(got[:, b], want[:, 0])
            np.testing.assert_array_equal(got_m[:, b], want_m[:, 0])


def test_null_t_max_inside_sequential_is_the_phase_length() -> None:
    """Inside SequentialLR an empty T_max is the length of its phase (here 300 - 50)."""
    implicit = _s("SequentialLR", schedulers=[_s("LinearLR"), _s("CosineAnnealingLR")],
                  milestones=[50])
    explicit = _s("SequentialLR", schedulers=[_s("LinearLR"), _s("CosineAnnealingLR", T_max=250)],
                  milestones=[50])
    got, want = run_engine(implicit, 0.1, 300)[0], run_engine(explicit, 0.1, 300)[0]
    np.testing.assert_array_equal(got, want)


def test_one_cycle_with_run_length_does_not_crash_on_last_step() -> None:
    """A run of N steps steps OneCycleLR N times; with total_steps = N that is allowed."""
    lrs, moms = run_engine(_s("OneCycleLR", max_lr=0.1), 0.1, 100)
    assert lrs.shape == (101, 1)
    assert abs(lrs[99, 0] - 0.1 / 25 / 1e4) < 1e-15
    assert moms[0, 0] == 0.95


def test_plateau_needs_metric() -> None:
    """ReduceLROnPlateau steps on the loss; calling it without one is a programming error."""
    scheduler = build_scheduler(_s("ReduceLROnPlateau"), ParamGroup(0.1), 10)
    with pytest.raises(TypeError):
        scheduler.step()


def test_plateau_nan_metric_counts_as_bad() -> None:
    """A NaN loss never improves (as in torch), so it eventually cuts the lr."""
    scheduler = build_scheduler(_s("ReduceLROnPlateau", patience=1), ParamGroup([0.1, 0.1]), 10)
    for metric in ([1.0, 1.0], [np.nan, 0.5], [np.nan, 0.4]):
        scheduler.step(np.array(metric))
    assert scheduler.lr.tolist() == pytest.approx([0.01, 0.1])


def test_cycling_momentum_without_momentum_is_a_config_error() -> None:
    """torch refuses to cycle momentum on an optimizer with neither momentum nor beta1."""
    for name in ("CyclicLR", "OneCycleLR"):
        with pytest.raises(ConfigError) as err:
            build_scheduler(_s(name), ParamGroup(0.1), 100, field="runs[0].schedule")
        assert err.value.field == "runs[0].schedule.params.cycle_momentum"
        build_scheduler(_s(name, cycle_momentum=False), ParamGroup(0.1), 100)


def test_param_group_shapes() -> None:
    """ParamGroup takes scalars or (B,) arrays and keeps float64 (B,) arrays."""
    group = ParamGroup([0.1, 0.2], momentum=0.9, momentum_name="momentum")
    assert group.lr.dtype == np.float64 and group.lr.shape == (2,)
    assert group.momentum is not None and group.momentum.tolist() == [0.9, 0.9]
    assert group.initial_lr.tolist() == [0.1, 0.2]
    with pytest.raises(ValueError):
        ParamGroup(0.1, momentum=0.9)
    with pytest.raises(ValueError):
        ParamGroup(0.1, momentum=0.9, momentum_name="rho")


def test_catalog_is_json() -> None:
    """The catalog the page is built from serialises and describes every schedule."""
    catalog = schedule_catalog()
    json.dumps(catalog)
    assert [c["name"] for c in catalog] == list(SCHEDULES)
    for entry in catalog:
        assert entry["description"] and entry["latex"] and entry["label"]
    cyclic = next(c for c in catalog if c["name"] == "CyclicLR")
    assert cyclic["cycles_momentum"] is True


def test_engine_does_not_import_torch() -> None:
    """app/ must never import torch."""
    code = "import sys, app.engine.schedules; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


# ------------------------------------------------------------------------------------------------
# Validation errors name the field


INVALID = [
    ({"name": "NoSuchLR"}, "runs[0].schedule.name"),
    ("StepLR", "runs[0].schedule"),
    ({"name": "StepLR", "parms": {}}, "runs[0].schedule.parms"),
    ({"name": "StepLR", "params": [1]}, "runs[0].schedule.params"),
    (_s("StepLR", step_size=-3), "runs[0].schedule.params.step_size"),
    (_s("StepLR", step_size=2.5), "runs[0].schedule.params.step_size"),
    (_s("StepLR", gamma=0.0), "runs[0].schedule.params.gamma"),
    (_s("StepLR", gamma=-0.5), "runs[0].schedule.params.gamma"),
    (_s("ExponentialLR", gamma=0), "runs[0].schedule.params.gamma"),
    (_s("StepLR", lr=0.1), "runs[0].schedule.params.lr"),
    (_s("CosineAnnealingLR", T_max=0), "runs[0].schedule.params.T_max"),
    (_s("CosineAnnealingLR", eta_min="x"), "runs[0].schedule.params.eta_min"),
    (_s("ConstantLR", factor=0.0), "runs[0].schedule.params.factor"),
    (_s("LinearLR", start_factor=1.5), "runs[0].schedule.params.start_factor"),
    (_s("MultiStepLR", milestones=[10, -1]), "runs[0].schedule.params.milestones[1]"),
    (_s("MultiStepLR", milestones="10"), "runs[0].schedule.params.milestones"),
    (_s("MultiStepLR", milestones=list(range(1, 40))), "runs[0].schedule.params.milestones"),
    (_s("ReduceLROnPlateau", factor=1.0), "runs[0].schedule.params.factor"),
    (_s("ReduceLROnPlateau", mode="lowest"), "runs[0].schedule.params.mode"),
    (_s("CyclicLR", mode="sine"), "runs[0].schedule.params.mode"),
    (_s("CyclicLR", step_size_up=0), "runs[0].schedule.params.step_size_up"),
    (_s("OneCycleLR", pct_start=1.5), "runs[0].schedule.params.pct_start"),
    (_s("OneCycleLR", three_phase="yes"), "runs[0].schedule.params.three_phase"),
    (_s("OneCycleLR", total_steps=100, pct_start=0.01),
     "runs[0].schedule.params.pct_start"),  # phase 0 has zero length: torch divides by zero
    (_s("LambdaLR", lr_lambda="k +* 2"), "runs[0].schedule.params.lr_lambda"),
    (_s("LambdaLR", lr_lambda="x**2"), "runs[0].schedule.params.lr_lambda"),
    (_s("SequentialLR", schedulers=[_s("LinearLR"), _s("StepLR")], milestones=[5, 7]),
     "runs[0].schedule.params.milestones"),
    (_s("SequentialLR", schedulers=[_s("LinearLR"), _s("StepLR"), _s("StepLR")],
        milestones=[50, 20]), "runs[0].schedule.params.milestones[1]"),
    (_s("SequentialLR", schedulers=[_s("LinearLR"), _s("StepLR"), _s("StepLR")],
        milestones=[20, 20]), "runs[0].schedule.params.milestones[1]"),
    (_s("SequentialLR", schedulers=[], milestones=[]), "runs[0].schedule.params.schedulers"),
    (_s("SequentialLR", schedulers=[_s("LinearLR"), _s("StepLR", gamma=2e3)], milestones=[5]),
     "runs[0].schedule.params.schedulers[1].params.gamma"),
    (_s("SequentialLR", schedulers=[_s("LinearLR"), _s("ReduceLROnPlateau")], milestones=[5]),
     "runs[0].schedule.params.schedulers[1].name"),
    (_s("ChainedScheduler", schedulers=[_s("ReduceLROnPlateau")]),
     "runs[0].schedule.params.schedulers[0].name"),
    (_s("ChainedScheduler", schedulers=[{"name": "Nope"}]),
     "runs[0].schedule.params.schedulers[0].name"),
    (_s("SequentialLR", schedulers=[_s("LinearLR"), _s("ChainedScheduler")], milestones=[5]),
     "runs[0].schedule.params.schedulers[1].name"),
    (_s("ChainedScheduler", schedulers=[_s("StepLR")] * 33),
     "runs[0].schedule.params.schedulers"),
    (_s("ChainedScheduler", schedulers=[_s("ChainedScheduler", schedulers=[
        _s("ChainedScheduler", schedulers=[_s("StepLR")])])]),
     "runs[0].schedule.params.schedulers[0].params.schedulers[0].params.schedulers"),
    (_s("ChainedScheduler", schedulers=[_s("ChainedScheduler", schedulers=[_s("StepLR")] * 32)]
        * 3), "runs[0].schedule.params.schedulers[1].params.schedulers[29]"),  # the 65th
]


@pytest.mark.parametrize("spec, field", INVALID, ids=[f for _, f in INVALID])
def test_invalid_config_names_field(spec: Any, field: str) -> None:
    """Every invalid schedule config raises ConfigError naming the exact field."""
    with pytest.raises(ConfigError) as err:
        validate_schedule(spec, field="runs[0].schedule")
    assert err.value.field == field, str(err.value)


def test_one_cycle_checks_against_the_run() -> None:
    """With the run's steps known, OneCycleLR settings torch would raise on are rejected."""
    with pytest.raises(ConfigError) as err:
        validate_schedule(_s("OneCycleLR", total_steps=50), "s", total_steps=100)
    assert err.value.field == "s.params.total_steps"
    validate_schedule(_s("OneCycleLR", total_steps=100), "s", total_steps=100)
    # Two-phase with pct_start = 1: the last phase has zero length; torch divides by zero at N.
    with pytest.raises(ConfigError) as err:
        build_scheduler(_s("OneCycleLR", pct_start=1.0, cycle_momentum=False), ParamGroup(0.1),
                        100, field="s")
    assert err.value.field == "s.params.pct_start"
    # In a SequentialLR phase the check uses the steps of that phase.
    seq = _s("SequentialLR", schedulers=[_s("LinearLR"), _s("OneCycleLR", total_steps=60)],
             milestones=[50])
    validate_schedule(seq, "s", total_steps=110)
    with pytest.raises(ConfigError) as err:
        validate_schedule(seq, "s", total_steps=111)
    assert err.value.field == "s.params.schedulers[1].params.total_steps"


def _nested_one_cycle(total_steps: int | None) -> dict[str, Any]:
    """SequentialLR first inside SequentialLR, ending in a OneCycleLR (torch's extra step)."""
    inner = _s("SequentialLR", schedulers=[
        _s("LinearLR"),
        _s("OneCycleLR", max_lr=0.1, total_steps=total_steps, cycle_momentum=False),
    ], milestones=[10])
    return _s("SequentialLR", schedulers=[inner, _s("CosineAnnealingLR", T_max=50)],
              milestones=[200])


def test_nested_sequential_extra_step_is_accounted_for() -> None:
    """A first-child SequentialLR is stepped once more by torch: its last phase gets 91 steps."""
    with pytest.raises(ConfigError) as err:
        validate_schedule(_nested_one_cycle(90), "s", total_steps=100)
    assert err.value.field == "s.params.schedulers[0].params.schedulers[1].params.total_steps"
    implicit = run_engine(_nested_one_cycle(None), 0.1, 100)[0]
    np.testing.assert_array_equal(implicit, run_engine(_nested_one_cycle(91), 0.1, 100)[0])


def test_errors_from_build_use_the_callers_field() -> None:
    """build_scheduler re-checks the config and names fields under the caller's prefix."""
    with pytest.raises(ConfigError) as err:
        build_scheduler(_s("StepLR", step_size=0), ParamGroup(0.1), 10, field="runs[2].schedule")
    assert err.value.field == "runs[2].schedule.params.step_size"


# ------------------------------------------------------------------------------------------------
# Live comparisons against torch (skipped without torch)


def test_defaults_equal_torch_defaults() -> None:
    """Every parameter with a default in torch has torch's default here."""
    lr_scheduler = pytest.importorskip("torch.optim.lr_scheduler")
    ours_only = {"CyclicLR": {"base_lr", "max_lr"}, "OneCycleLR": {"max_lr", "total_steps"}}
    for name, spec in SCHEDULES.items():
        if name in MAKER.TRANSFORMERS:
            continue  # transformers' defaults: tests/test_schedules_transformers.py
        signature = inspect.signature(getattr(lr_scheduler, name).__init__)
        for param in spec.params:
            assert param.name in signature.parameters, (name, param.name)
            default = signature.parameters[param.name].default
            if default is inspect.Parameter.empty or param.name in ours_only.get(name, set()):
                continue
            assert param.default == default, (name, param.name, param.default, default)


def _random_leaf(rng: random.Random, steps: int, nested: bool) -> dict[str, Any]:
    """A random valid non-composite schedule with every torch-required parameter given."""
    names = [n for n in SCHEDULES
             if n not in ("SequentialLR", "ChainedScheduler") and n not in MAKER.TRANSFORMERS]
    if nested:
        names.remove("ReduceLROnPlateau")
    name = rng.choice(names)
    u = rng.uniform
    r = rng.randint
    if name == "LambdaLR":
        return _s(name, lr_lambda=rng.choice(list(MAKER.LAMBDAS)))
    if name == "StepLR":
        return _s(name, step_size=r(1, 60), gamma=u(0.05, 1.0))
    if name == "MultiStepLR":
        return _s(name, milestones=sorted(r(0, steps) for _ in range(r(0, 6))), gamma=u(0.1, 1))
    if name == "ConstantLR":
        return _s(name, factor=u(0.05, 1.0), total_iters=r(0, 80))
    if name == "LinearLR":
        return _s(name, start_factor=u(0.05, 1.0), end_factor=u(0.0, 1.0), total_iters=r(1, 100))
    if name == "ExponentialLR":
        return _s(name, gamma=u(0.95, 1.0))
    if name == "PolynomialLR":
        return _s(name, total_iters=r(1, 200), power=u(0.0, 3.0))
    if name == "CosineAnnealingLR":
        return _s(name, T_max=r(1, 200), eta_min=rng.choice([0.0, u(0.0, 0.01)]))
    if name == "CosineAnnealingWarmRestarts":
        return _s(name, T_0=r(1, 60), T_mult=r(1, 3), eta_min=rng.choice([0.0, u(0.0, 0.01)]))
    if name == "ReduceLROnPlateau":
        return _s(name, mode=rng.choice(["min", "max"]), factor=u(0.05, 0.9), patience=r(0, 10),
                  threshold=rng.choice([0.0, 1e-4, u(0.0, 0.2)]),
                  threshold_mode=rng.choice(["rel", "abs"]), cooldown=r(0, 5),
                  min_lr=rng.choice([0.0, 1e-4]), eps=rng.choice([1e-8, 0.0]))
    if name == "CyclicLR":
        return _s(name, base_lr=u(1e-4, 0.01), max_lr=u(0.01, 0.2), step_size_up=r(1, 60),
                  step_size_down=rng.choice([None, r(0, 60)]),
                  mode=rng.choice(["triangular", "triangular2", "exp_range"]),
                  gamma=u(0.98, 1.0), cycle_momentum=rng.random() < 0.7,
                  base_momentum=u(0.5, 0.85), max_momentum=u(0.85, 0.99))
    assert name == "OneCycleLR"
    return _s(name, max_lr=u(0.01, 0.5), total_steps=steps + r(0, 50), pct_start=u(0.05, 0.95),
              anneal_strategy=rng.choice(["cos", "linear"]), cycle_momentum=rng.random() < 0.7,
              base_momentum=u(0.5, 0.85), max_momentum=u(0.85, 0.99), div_factor=u(2.0, 50.0),
              final_div_factor=u(10.0, 1e4), three_phase=rng.random() < 0.5)


def _random_schedule(rng: random.Random, steps: int, depth: int = 1) -> dict[str, Any]:
    """A random valid schedule, sometimes composite (nested up to depth 3)."""
    kind = rng.random()
    if depth < 3 and kind < 0.2:
        n = rng.randint(1, 3)
        first = _random_schedule(rng, steps, depth + 1) if rng.random() < 0.3 else None
        children = [first or _random_leaf(rng, steps, True)]
        children += [_random_leaf(rng, steps, True) for _ in range(n - 1)]
        milestones = sorted(rng.sample(range(1, steps), n - 1))
        return _s("SequentialLR", schedulers=children, milestones=milestones)
    if depth < 3 and kind < 0.35:
        children = [
            _random_schedule(rng, steps, depth + 1) if rng.random() < 0.3
            else _random_leaf(rng, steps, True)
            for _ in range(rng.randint(1, 3))
        ]
        return _s("ChainedScheduler", schedulers=children)
    return _random_leaf(rng, steps, depth > 1)


def _compare_live(spec: dict[str, Any], lr: float, steps: int, kind: str, seed: int) -> None:
    """Run one config through torch and the engine and compare every lr and momentum."""
    metrics = None
    if spec["name"] == "ReduceLROnPlateau":
        gen = np.random.default_rng(seed)
        metrics = (np.cumsum(gen.normal(-0.01, 0.05, steps)) + 5.0).tolist()
    want_lr, want_m = MAKER.run_torch(spec, lr, steps, kind, metrics)
    got_lr, got_m = run_engine(spec, lr, steps, kind, metrics)
    assert_close(got_lr[:, 0], want_lr)
    assert_close(got_m[:, 0], want_m)


@pytest.mark.torch
def test_random_configs_match_torch_live() -> None:
    """Random valid configs (nested composites included) equal torch step for step."""
    pytest.importorskip("torch")
    rng = random.Random(20240613)
    done = 0
    while done < 150:
        steps = rng.randint(2, 400)
        spec = _random_schedule(rng, steps)
        try:
            validate_schedule(spec, total_steps=steps)
        except ConfigError:
            continue  # e.g. a OneCycleLR phase of zero length, which torch cannot run either
        kind = rng.choice(["sgd", "adam"])
        lr = 10 ** rng.uniform(-4, 0)
        try:
            _compare_live(spec, lr, steps, kind, done)
        except AssertionError as exc:
            raise AssertionError(f"config {json.dumps(spec)} lr={lr} steps={steps}") from exc
        done += 1


@pytest.mark.torch
def test_nested_sequential_matches_torch_live() -> None:
    """The nested-SequentialLR case above, against torch (which raises with total_steps=90)."""
    pytest.importorskip("torch")
    _compare_live(_nested_one_cycle(91), 0.1, 100, "sgd", 0)
    with pytest.raises(ValueError):
        MAKER.run_torch(_nested_one_cycle(90), 0.1, 100)


@pytest.mark.torch
@pytest.mark.parametrize("spec", [
    _s("CosineAnnealingLR", T_max=777, eta_min=1e-4),
    _s("CosineAnnealingLR", T_max=3),
    _s("CosineAnnealingWarmRestarts", T_0=7, T_mult=2, eta_min=1e-5),
    _s("ExponentialLR", gamma=0.9995),
    _s("PolynomialLR", total_iters=9000, power=0.7),
    _s("CyclicLR", base_lr=1e-3, max_lr=0.1, step_size_up=1, mode="triangular2"),
    _s("OneCycleLR", max_lr=0.1, total_steps=10_000, three_phase=True),
    _s("SequentialLR", schedulers=[_s("LinearLR", start_factor=0.01, total_iters=500),
                                   _s("CosineAnnealingLR", T_max=9500)], milestones=[500]),
    _s("ChainedScheduler", schedulers=[_s("CosineAnnealingLR", T_max=1000),
                                       _s("ExponentialLR", gamma=0.9999)]),
], ids=lambda s: s["name"])
def test_long_runs_match_torch_live(spec: dict[str, Any]) -> None:
    """10 000 steps of the recursive formulas stay equal to torch's."""
    pytest.importorskip("torch")
    if spec["name"] == "CyclicLR":
        # torch overflows 2.0 ** (cycle - 1) after 1024 cycles (k = 2048); compare up to there.
        _compare_live(spec, 0.05, 2040, "sgd", 0)
    else:
        _compare_live(spec, 0.05, 10_000, "sgd", 0)


def test_triangular2_beyond_torch_overflow_does_not_crash() -> None:
    """After 1024 cycles torch raises OverflowError; the engine continues at the limit (base_lr)."""
    spec = _s("CyclicLR", base_lr=1e-3, max_lr=0.1, step_size_up=1, mode="triangular2",
              cycle_momentum=False)
    lrs, _ = run_engine(spec, 0.05, 3000)
    assert np.all(np.isfinite(lrs)) and np.all(lrs[2050:, 0] == 1e-3)
    assert math.isclose(lrs[1, 0], 0.1, rel_tol=1e-15)
