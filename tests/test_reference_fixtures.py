"""Reference paths of the next optimizers: the fixture file is whole; ours match where we have them.

tests/fixtures/reference_optimizers.json comes from tests/fixtures/make_reference_fixtures.py (the
reference packages, float64); REFERENCES.md beside it says what each reference does.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine.config import validate_config
from app.engine.optimizers import OPTIMIZERS
from app.engine.runner import run

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "reference_optimizers.json")
                      .read_text())
CASES: list[dict[str, Any]] = FIXTURES["cases"]
RTOL = 1e-9

NEXT_OPTIMIZERS = {
    "rprop", "asgd", "adafactor", "muon",
    "sgd_schedulefree", "adamw_schedulefree", "radam_schedulefree",
    "prodigy", "dadapt_adam", "dadapt_sgd", "dadapt_adagrad",
    "adabelief", "yogi", "adan", "adopt", "ademamix", "laprop", "mars", "lamb", "lars",
    "signsgd", "qhm", "qhadam", "madgrad", "shampoo", "adamw", "sam", "lion",
}
COMPANIONS = {  # sequences each optimizer's cases carry beside the path
    "asgd": {"ax"},
    "sgd_schedulefree": {"grad_point", "z"},
    "adamw_schedulefree": {"grad_point", "z"},
    "radam_schedulefree": {"grad_point", "z"},
    "prodigy": {"d", "d_lr"},
    "dadapt_adam": {"d", "d_lr"},
    "dadapt_sgd": {"d", "d_lr"},
    "dadapt_adagrad": {"d", "d_lr"},
    "sam": {"perturbed"},
    "muon": {"ns_update"},
}


def _rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    if not len(ref):
        return 0.0
    return float(np.max(np.abs(ours - ref) / np.maximum(1e-3, np.abs(ref))))


def _finite(values: Any) -> bool:
    """Every number in a (nested) list is a finite float."""
    if isinstance(values, list):
        return all(_finite(v) for v in values)
    return isinstance(values, int | float) and not isinstance(values, bool) \
        and math.isfinite(values)


# ---------------------------------------------------------------- the file is whole
def test_fixtures_come_from_the_pinned_references_in_float64() -> None:
    assert FIXTURES["dtype"] == "float64"
    assert FIXTURES["packages"]["torch"].startswith("2.13.0")
    assert FIXTURES["packages"]["pytorch_optimizer"] == "4.1.0"
    assert set(FIXTURES["packages"]) == {"torch", "schedulefree", "prodigyopt", "dadaptation",
                                         "pytorch_optimizer", "lion-pytorch"}
    for case in CASES:
        assert case["reference"]["version"] == FIXTURES["packages"][case["reference"]["package"]]


def test_every_next_optimizer_is_present_on_three_surfaces() -> None:
    seen: dict[str, set[str]] = {}
    for case in CASES:
        seen.setdefault(case["optimizer"], set()).add(case["surface"])
    assert set(seen) == NEXT_OPTIMIZERS
    assert all(len(surfaces) >= 3 for surfaces in seen.values()), seen


def test_the_flags_the_issue_names_are_exercised() -> None:
    def has(name: str, **params: Any) -> bool:
        return any(c["optimizer"] == name and all(c["params"][k] == v for k, v in params.items())
                   for c in CASES)

    assert has("adamw", cautious=True) and has("laprop", cautious=True)
    assert any(c["optimizer"] == "lion" and c["params"].get("cautious") for c in CASES)
    assert has("sam", adaptive=True) and has("sam", adaptive=False)
    assert has("signsgd", momentum=0.9) and has("signsgd", momentum=0.0)
    assert has("lion") and any(c["reference"]["package"] == "lion-pytorch" for c in CASES)
    assert {c.get("variant") for c in CASES if c["optimizer"] == "muon"} == {
        None, "newton_schulz_float64"}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_is_well_formed(case: dict[str, Any]) -> None:
    steps = case["steps"]
    assert 0 < steps <= FIXTURES["steps"]
    assert 0 < case["horizon"] <= steps
    assert len(case["x"]) == len(case["y"]) == len(case["lr"]) == steps
    assert _finite(case["x"]) and _finite(case["y"]) and _finite(case["lr"])
    assert len(case["start"]) == 2 and _finite(case["start"])
    # hyperparameters in our names: every one a default of the reference, none a tuple
    assert set(case["params"]) == set(case["defaults"])
    assert set(case["set"]) <= set(case["params"])
    assert not any(isinstance(v, list) for v in case["params"].values())
    assert not set(case["params"]) & {"betas", "etas", "step_sizes", "nus", "ns_coefficients",
                                      "betas_1d"}
    assert set(case["companions"]) == COMPANIONS.get(case["optimizer"], set())
    for name, seq in case["companions"].items():
        assert len(seq) == steps, name
        assert _finite(seq), name
    assert 0 < len(case["state"]) <= min(FIXTURES["state_steps"], steps)
    for snapshot in case["state"]:
        assert snapshot and all(_finite(v) for v in snapshot.values())


def test_most_paths_are_well_conditioned() -> None:
    """The horizon cut applies to a few chaotic paths only."""
    assert sum(c["horizon"] == c["steps"] for c in CASES) >= 0.9 * len(CASES)
    assert all(c["horizon"] >= min(5, c["steps"]) for c in CASES)


def test_schedule_free_average_lies_between_its_iterates() -> None:
    """y = (1 - beta1) z + beta1 x: the recorded x, y (grad_point) and z are one step's triple."""
    for case in (c for c in CASES if c["optimizer"].endswith("_schedulefree")):
        beta1 = case["params"].get("beta1", case["params"].get("momentum"))
        x = np.column_stack([case["x"], case["y"]])
        y = np.array(case["companions"]["grad_point"])
        z = np.array(case["companions"]["z"])
        np.testing.assert_allclose((1 - beta1) * z + beta1 * x, y, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- REFERENCES.md, executed
TRANSCRIBED = [c for c in CASES if c.get("variant") != "newton_schulz_float64"]


@pytest.mark.parametrize("case", TRANSCRIBED, ids=[c["id"] for c in TRANSCRIBED])
def test_references_md_pseudo_code_reproduces_the_reference(case: dict[str, Any]) -> None:
    """The document's pseudo-code (tests/reference_transcriptions.py) walks the reference's path."""
    from app.engine.config import build_objective
    from tests.reference_transcriptions import transcribed_path

    objective = build_objective({"name": case["surface"], "params": {}})

    def grad(p: np.ndarray) -> np.ndarray:
        gx, gy = objective.grad(np.array([p[0]]), np.array([p[1]]))
        return np.array([float(gx[0]), float(gy[0])])

    path = transcribed_path(case, grad, case["horizon"])
    assert _rel_err(path[:, 0], np.array(case["x"][:case["horizon"]])) < RTOL
    assert _rel_err(path[:, 1], np.array(case["y"][:case["horizon"]])) < RTOL


# ---------------------------------------------------------------- ours against the references
def _engine_params(case: dict[str, Any]) -> dict[str, Any] | None:
    """The case's hyperparameters the engine's optimizer takes, or None when the case sets one
    it does not have (cautious=True, lion-pytorch's decoupled_weight_decay, ...)."""
    spec = OPTIMIZERS.get(case["optimizer"])
    if spec is None or case.get("variant") or bool(case.get("inner")) != spec.wraps:
        return None
    if case.get("inner") and _engine_inner(case) is None:
        return None
    names = {p.name for p in spec.params}
    if any(k not in names and v != case["defaults"][k] for k, v in case["params"].items()):
        return None
    return {k: v for k, v in case["params"].items() if k in names}


def _engine_inner(case: dict[str, Any]) -> dict[str, Any] | None:
    """A wrapper's case's inner optimizer as the engine's run takes it (SAM's torch SGD / Adam,
    every hyperparameter in the engine's names), or None if the engine lacks one of them."""
    inner = case["inner"]
    spec = OPTIMIZERS.get(inner["optimizer"])
    if spec is None or not set(inner["params"]) <= {p.name for p in spec.params}:
        return None
    return {"optimizer": spec.name, "params": dict(inner["params"])}


def _engine_run(case: dict[str, Any]) -> dict[str, Any]:
    """The engine's run of a case (a wrapper's inner optimizer nested)."""
    out = {"optimizer": case["optimizer"], "params": _engine_params(case)}
    if case.get("inner"):
        out["inner"] = _engine_inner(case)
    return out


ENGINE_CASES = [c for c in CASES if _engine_params(c) is not None]


def test_the_optimizers_we_have_are_compared() -> None:
    compared = {(c["optimizer"], c["reference"]["package"]) for c in ENGINE_CASES}
    assert ("lion", "lion-pytorch") in compared
    assert ("lion", "pytorch_optimizer") in compared
    assert ("adamw", "pytorch_optimizer") in compared
    assert {c["inner"]["optimizer"] for c in ENGINE_CASES if c["optimizer"] == "sam"} == {
        "sgd", "adam"}


@pytest.mark.parametrize("case", ENGINE_CASES, ids=[c["id"] for c in ENGINE_CASES])
def test_engine_matches_the_reference_up_to_the_horizon(case: dict[str, Any]) -> None:
    config = validate_config({"surface": {"name": case["surface"]}, "start": case["start"],
                              "steps": FIXTURES["steps"],
                              "runs": [_engine_run(case)]})
    result = run(config).runs[0]
    n = min(case["horizon"], result.steps)
    assert n == case["horizon"] or result.status == "diverged"
    assert _rel_err(result.x[:n], np.array(case["x"][:n])) < RTOL
    assert _rel_err(result.y[:n], np.array(case["y"][:n])) < RTOL
    for name, seq in case["companions"].items():  # a companion path recorded as its state
        if spec_of(case).wraps and name in {v.name for v in spec_of(case).state if v.path}:
            assert _rel_err(result.state[name][:n], np.array(seq[:n])) < RTOL, name
    if spec_of(case).applied_lr is None:
        np.testing.assert_allclose(result.lr[:n], case["lr"][:n], rtol=1e-12, atol=0)
    else:  # the lr chart shows the lr the step applied: the reference's own record of it
        applied = _applied_lr(case)
        m = min(n, len(applied))
        np.testing.assert_allclose(result.lr[:m], applied[:m], rtol=1e-12, atol=0)
    for name, state_name in COMPANION_STATE.get(case["optimizer"], {}).items():
        ours = result.state[state_name][:n]
        ref = np.array(case["companions"][name][:n])
        assert _rel_err(ours[:, 0], ref[:, 0]) < RTOL, name
        assert _rel_err(ours[:, 1], ref[:, 1]) < RTOL, name


def spec_of(case: dict[str, Any]) -> Any:
    """The engine's spec of the case's optimizer."""
    return OPTIMIZERS[case["optimizer"]]


# The companion paths our state records (a ``path`` state quantity), by fixture name.
COMPANION_STATE = {name: {"grad_point": "y", "z": "z"}
                   for name in ("sgd_schedulefree", "adamw_schedulefree", "radam_schedulefree")}


def _applied_lr(case: dict[str, Any]) -> list[float]:
    """The lr each recorded step applied, by the reference: ASGD's eta (the state after step k
    holds the eta of step k + 1), schedule-free's ``scheduled_lr`` (the lr after warmup or
    RAdam's rectification, recorded for the first steps), or the learning-rate-free
    optimizers' d x lr."""
    if case["optimizer"] == "asgd":
        return [case["params"]["lr"]] + [s["eta"] for s in case["state"]]
    if case["optimizer"].endswith("_schedulefree"):
        return [s["scheduled_lr"] for s in case["state"]]
    if case["optimizer"] == "mars":  # lr x lr_1d / lr0 on the AdamW fallback, else lr
        h = case["params"]
        factor = 1.0 if h["optimize_1d"] else h["lr_1d"] / h["lr"]
        return [lr * factor for lr in case["lr"]]
    return list(case["companions"]["d_lr"])


# ---------------------------------------------------------------- live: lion vs lion-pytorch
@pytest.mark.torch
def test_random_lion_configurations_match_live_lion_pytorch() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("lion_pytorch")
    from tests.reference_optimizers import chaos_horizon, reference_trajectory

    rng = random.Random(20261201)
    for _ in range(12):
        surface = rng.choice(["himmelblau", "ill_conditioned", "booth", "quadratic",
                              "rosenbrock"])
        params = {"lr": rng.choice([1e-3, 3e-3, 0.01, 0.03]),
                  "beta1": rng.choice([0.0, 0.5, 0.9, 0.95]),
                  "beta2": rng.choice([0.9, 0.98, 0.99]),
                  "weight_decay": rng.choice([0.0, 0.01, 0.1])}
        config = validate_config({"surface": {"name": surface}, "steps": 120,
                                  "runs": [{"optimizer": "lion", "params": params}]})
        case = {"optimizer": "lion", "surface": surface, "params": params}
        ref = reference_trajectory(case, config["start"], 120, state_steps=0)
        horizon = chaos_horizon(case, config["start"], 120, ref)
        ours = run(config).runs[0]
        n = min(horizon, ours.steps)
        assert n == horizon or ours.status == "diverged", params
        assert _rel_err(ours.x[:n], np.array(ref["x"][:n])) < RTOL, (surface, params)
        assert _rel_err(ours.y[:n], np.array(ref["y"][:n])) < RTOL, (surface, params)
