"""A single run steps in Python floats (runner.FloatKernel); every number it records must be, bit
for bit, what the vectorised array kernel records for the same run (row 0 of two identical rows
here), through the same loop (runner.record_steps), which is what keeps a map cell equal to its
single run and the fixtures matched."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.engine import runner
from app.engine.config import build_objective, validate_config
from app.engine.optimizers import OPTIMIZERS
from app.engine.optimizers import base as opt_base
from app.engine.runner import (
    ArrayKernel,
    FloatKernel,
    RunEnd,
    Simulation,
    StepBlock,
    _Block,
    iter_run,
    record_steps,
)
from app.engine.surfaces import SURFACES

ROSEN = {"name": "rosenbrock"}
LOOKAHEAD_ADAM = {"optimizer": "lookahead", "params": {"k": 3, "alpha": 0.6},
                  "inner": {"optimizer": "adam", "params": {"lr": 0.05}}}

# (id, run, extra config): the optimizers with their options, schedules, noise and several
# surfaces.
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("sgd", {"optimizer": "sgd"}, {}),
    ("sgd momentum dampening wd", {"optimizer": "sgd", "params": {
        "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}}, {}),
    ("sgd nesterov maximize", {"optimizer": "sgd", "params": {
        "momentum": 0.9, "nesterov": True, "maximize": True, "lr": 1e-4}}, {}),
    ("adagrad", {"optimizer": "adagrad", "params": {
        "lr": 0.5, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.1}},
     {}),
    ("rmsprop", {"optimizer": "rmsprop", "params": {"lr": 0.01}}, {}),
    ("rmsprop centered momentum", {"optimizer": "rmsprop", "params": {
        "lr": 0.001, "centered": True, "momentum": 0.8, "weight_decay": 0.01}}, {}),
    ("adadelta", {"optimizer": "adadelta", "params": {"lr": 1.0, "weight_decay": 0.01}}, {}),
    ("adam", {"optimizer": "adam", "params": {"lr": 0.05}}, {}),
    ("amsgrad coupled wd", {"optimizer": "adam", "params": {
        "lr": 0.05, "amsgrad": True, "weight_decay": 0.1}}, {}),
    ("adam decoupled wd", {"optimizer": "adam", "params": {
        "lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}}, {}),
    ("adamw amsgrad", {"optimizer": "adamw", "params": {"lr": 0.05, "amsgrad": True}}, {}),
    ("nadam", {"optimizer": "nadam", "params": {"lr": 0.05, "weight_decay": 0.01}}, {}),
    ("radam", {"optimizer": "radam", "params": {"lr": 0.01}}, {}),
    ("radam decoupled beta2 0.9", {"optimizer": "radam", "params": {
        "lr": 0.01, "beta2": 0.9, "weight_decay": 0.1, "decoupled_weight_decay": True}}, {}),
    ("adamax", {"optimizer": "adamax", "params": {"lr": 0.05, "weight_decay": 0.01}}, {}),
    ("adabound", {"optimizer": "adabound", "params": {"lr": 0.01}}, {}),
    ("amsbound", {"optimizer": "adabound", "params": {
        "lr": 0.01, "amsbound": True, "weight_decay": 0.01}}, {}),
    ("lion", {"optimizer": "lion", "params": {"lr": 0.01}}, {}),
    ("lion wd maximize", {"optimizer": "lion", "params": {
        "lr": 0.001, "weight_decay": 0.1, "maximize": True}}, {}),
    ("lookahead adam", LOOKAHEAD_ADAM, {}),
    ("lookahead sgd momentum", {"optimizer": "lookahead", "params": {"k": 5},
                                "inner": {"optimizer": "sgd", "params": {"momentum": 0.9}}},
     {}),
    # schedules (the lr, and beta1 / momentum cycled by OneCycleLR and CyclicLR)
    ("adam cosine", {"optimizer": "adam", "params": {"lr": 0.05},
                     "schedule": {"name": "CosineAnnealingLR", "params": {"T_max": 40}}}, {}),
    ("adam one-cycle beta1", {"optimizer": "adam",
                              "schedule": {"name": "OneCycleLR", "params": {}}}, {}),
    ("sgd cyclic momentum", {"optimizer": "sgd", "params": {"momentum": 0.9},
                             "schedule": {"name": "CyclicLR", "params": {
                                 "max_lr": 0.002, "step_size_up": 10}}}, {}),
    ("rmsprop plateau", {"optimizer": "rmsprop", "params": {"lr": 0.01},
                         "schedule": {"name": "ReduceLROnPlateau", "params": {"patience": 2}}},
     {}),
    ("nadam warmup then cosine", {"optimizer": "nadam", "params": {"lr": 0.05}, "schedule": {
        "name": "SequentialLR", "params": {"milestones": [10], "schedulers": [
            {"name": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
            {"name": "CosineAnnealingLR", "params": {}}]}}}, {}),
    ("lookahead adam one-cycle", {**LOOKAHEAD_ADAM,
                                  "schedule": {"name": "OneCycleLR", "params": {}}}, {}),
    # noise, and surfaces: transcendental ones go through NumPy on a (1, 2) point
    ("adam noise", {"optimizer": "adam", "params": {"lr": 0.05}}, {"noise": 0.7, "seed": 5}),
    ("lookahead noise", LOOKAHEAD_ADAM, {"noise": 0.3, "seed": 11}),
    ("rmsprop rastrigin", {"optimizer": "rmsprop", "params": {"lr": 0.05}},
     {"surface": {"name": "rastrigin"}}),
    ("adam ackley noise", {"optimizer": "adam", "params": {"lr": 0.1}},
     {"surface": {"name": "ackley"}, "noise": 0.2, "seed": 1}),
    ("radam levi", {"optimizer": "radam", "params": {"lr": 0.05}},
     {"surface": {"name": "levi_n13"}}),
    ("sgd gaussian wells", {"optimizer": "sgd", "params": {"lr": 0.1, "momentum": 0.9}},
     {"surface": {"name": "gaussian_wells"}}),
    ("adamax beale", {"optimizer": "adamax", "params": {"lr": 0.05}},
     {"surface": {"name": "beale"}}),
    ("lion himmelblau", {"optimizer": "lion", "params": {"lr": 0.05}},
     {"surface": {"name": "himmelblau"}}),
    ("adagrad goldstein", {"optimizer": "adagrad", "params": {"lr": 0.1}},
     {"surface": {"name": "goldstein_price"}}),
    ("adam formula", {"optimizer": "adam", "params": {"lr": 0.05}},
     {"surface": {"expression": "sin(x)*y**2 + exp(0.1*x) + x**3/10"}}),
    ("nadam logistic regression", {"optimizer": "nadam", "params": {"lr": 0.1}},
     {"surface": {"name": "logistic_regression"}}),
    ("adadelta linear regression", {"optimizer": "adadelta", "params": {"lr": 1.0}},
     {"surface": {"name": "linear_regression"}}),
    ("sgd ill-conditioned rotated", {"optimizer": "sgd", "params": {"lr": 0.05}},
     {"surface": {"name": "ill_conditioned", "params": {"condition_number": 30,
                                                        "angle": 30}}}),
    # a wrapper's schedule drives its inner record: lr, momentum, AdaBound's initial lr
    ("lookahead sgd cyclic momentum", {"optimizer": "lookahead", "params": {"alpha": 0.7},
                                       "inner": {"optimizer": "sgd",
                                                 "params": {"momentum": 0.9}},
                                       "schedule": {"name": "CyclicLR", "params": {
                                           "max_lr": 0.002, "step_size_up": 10}}}, {}),
    ("lookahead adabound step", {"optimizer": "lookahead", "params": {"k": 3},
                                 "inner": {"optimizer": "adabound", "params": {"lr": 0.01}},
                                 "schedule": {"name": "StepLR", "params": {"step_size": 20}}},
     {}),
    # L-BFGS: its pair_update on floats (the line search's evaluations, their noise stream)
    ("lbfgs", {"optimizer": "lbfgs", "params": {"lr": 0.1}}, {}),
    ("lbfgs short history", {"optimizer": "lbfgs", "params": {"lr": 0.5, "history_size": 3}},
     {}),
    ("lbfgs strong wolfe", {"optimizer": "lbfgs", "params": {
        "line_search_fn": "strong_wolfe", "history_size": 5}}, {}),
    ("lbfgs strong wolfe noise", {"optimizer": "lbfgs", "params": {
        "line_search_fn": "strong_wolfe", "max_eval": 4}}, {"noise": 0.5, "seed": 3}),
    ("lbfgs noise", {"optimizer": "lbfgs", "params": {"lr": 0.05}}, {"noise": 0.2, "seed": 7}),
    ("lbfgs strong wolfe ackley", {"optimizer": "lbfgs", "params": {
        "line_search_fn": "strong_wolfe"}}, {"surface": {"name": "ackley"}}),
    ("lbfgs strong wolfe himmelblau cosine", {"optimizer": "lbfgs", "params": {
        "line_search_fn": "strong_wolfe", "lr": 0.5},
        "schedule": {"name": "CosineAnnealingLR", "params": {"T_max": 40}}},
     {"surface": {"name": "himmelblau"}}),
    ("lbfgs converged", {"optimizer": "lbfgs", "params": {
        "line_search_fn": "strong_wolfe", "tolerance_grad": 1e-3}}, {}),
    # Schedule-Free: its pair_update (the averaging weight once a step, the gradient at y)
    ("sgd schedulefree warmup noise", {"optimizer": "sgd_schedulefree", "params": {
        "lr": 0.002, "warmup_steps": 10, "weight_decay": 0.01}}, {"noise": 0.4, "seed": 9}),
    ("adamw schedulefree decay at z cosine", {"optimizer": "adamw_schedulefree", "params": {
        "lr": 0.05, "weight_decay": 0.1, "decay_at_z": True, "r": 0.5,
        "weight_lr_power": 1.5}, "schedule": {"name": "CosineAnnealingLR",
                                              "params": {"T_max": 40}}}, {}),
    ("radam schedulefree sgd phase himmelblau noise", {"optimizer": "radam_schedulefree",
                                                       "params": {"lr": 0.05,
                                                                  "silent_sgd_phase": False}},
     {"surface": {"name": "himmelblau"}, "noise": 0.2, "seed": 2}),
    # divergence: the run ends where the array path ends it
    ("sgd diverging", {"optimizer": "sgd", "params": {"lr": 0.01}}, {}),
    ("adagrad diverging on the saddle", {"optimizer": "adagrad", "params": {"lr": 5.0}},
     {"surface": {"name": "saddle"}}),
]


def _config(run: dict[str, Any], extra: dict[str, Any], steps: int = 80) -> dict[str, Any]:
    return validate_config({"surface": ROSEN, "start": [-1.2, 1.0], "steps": steps,
                            "runs": [run], **extra})


def _simulation(config: dict[str, Any], rows: int) -> Simulation:
    start = np.tile(np.asarray(config["start"], dtype=float), (rows, 1))
    return Simulation(build_objective(config["surface"]), config["runs"][0], start,
                      config["steps"], noise=config["noise"], seed=config["seed"],
                      batch_size=config["batch_size"])


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def _assert_same_block(scalar: _Block, array: _Block) -> None:
    assert scalar.diverged == array.diverged
    for name in ("p", "loss", "lr", "grad"):
        np.testing.assert_array_equal(_bits(getattr(scalar, name)), _bits(getattr(array, name)),
                                      err_msg=name)
    assert list(scalar.state) == list(array.state)  # same quantities, same order
    for name, values in array.state.items():
        np.testing.assert_array_equal(_bits(scalar.state[name]), _bits(values), err_msg=name)
    assert list(scalar.factors) == list(array.factors)
    for name, values in array.factors.items():
        np.testing.assert_array_equal(_bits(scalar.factors[name]), _bits(values), err_msg=name)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_float_path_records_the_array_path_bit_for_bit(case: tuple[Any, ...]) -> None:
    _, run, extra = case
    config = _config(run, extra)
    _assert_same_blocks(config, 30)


def _assert_same_blocks(config: dict[str, Any], first: int) -> None:
    """Two blocks (the float state carries over from one to the next) of the float kernel and
    of the array kernel on two identical rows (the vectorised core, row 0 recorded)."""
    one = _simulation(config, 1)
    assert FloatKernel.supports(one)
    floats = FloatKernel(one)
    arrays = ArrayKernel(_simulation(config, 2))
    _assert_same_block(record_steps(floats, first), record_steps(arrays, first))
    rest = config["steps"] - first
    _assert_same_block(record_steps(floats, rest), record_steps(arrays, rest))


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_registered_optimizer_with_its_defaults_records_the_same(name: str) -> None:
    """A new registry entry is covered too: its update and teach must run on floats exactly."""
    run: dict[str, Any] = {"optimizer": name}
    if OPTIMIZERS[name].wraps:
        run["inner"] = {"optimizer": "adam", "params": {"lr": 0.05}}
    config = _config(run, {}, steps=50)
    _assert_same_block(record_steps(FloatKernel(_simulation(config, 1)), 50),
                       record_steps(ArrayKernel(_simulation(config, 2)), 50))


def _flag_variants() -> list[tuple[str, str, dict[str, Any]]]:
    """Every optimizer stepped on floats, each boolean hyperparameter switched on in turn (with
    what it needs: Nesterov's momentum), with weight decay and momentum where they exist, so
    every branch of every update runs on floats."""
    out = []
    for name, spec in OPTIMIZERS.items():
        if spec.wraps or spec.needs_oracle:
            continue
        names = {p.name for p in spec.params}
        base: dict[str, Any] = {"lr": 0.01} if name not in ("adadelta", "sgd") else {}
        if "weight_decay" in names:
            base["weight_decay"] = 0.05
        flags = [p.name for p in spec.params if p.kind == "bool"]
        for flag in flags:
            params = dict(base)
            params[flag] = True
            if "momentum" in names:
                params["momentum"] = 0.8
            out.append((f"{name} {flag}", name, params))
    return out


@pytest.mark.parametrize("case", _flag_variants(), ids=lambda c: c[0])
def test_every_boolean_hyperparameter_records_the_same_on_floats(
    case: tuple[str, str, dict[str, Any]]
) -> None:
    _, name, params = case
    config = _config({"optimizer": name, "params": params},
                     {"noise": 0.1, "seed": 2, "surface": {"name": "himmelblau"}}, steps=60)
    _assert_same_blocks(config, 25)


def _lookahead_variants() -> list[tuple[str, str, dict[str, Any]]]:
    """Lookahead around every inner optimizer L-BFGS aside (on arrays, see below): defaults,
    then each boolean hyperparameter switched on; RMSprop with an alpha of its own."""
    out = []
    for name, spec in OPTIMIZERS.items():
        if spec.wraps or spec.needs_oracle:
            continue
        base: dict[str, Any] = {"lr": 0.02} if name not in ("adadelta", "sgd") else {}
        if name == "rmsprop":
            base["alpha"] = 0.9
        flags = [p.name for p in spec.params if p.kind == "bool" and p.name != "maximize"]
        for flag in [None, *flags]:
            params = dict(base)
            if flag is not None:
                params[flag] = True
            if flag == "nesterov":
                params["momentum"] = 0.9
            out.append((f"{name} {flag or 'defaults'}", name, params))
    return out


@pytest.mark.parametrize("case", _lookahead_variants(), ids=lambda c: c[0])
def test_lookahead_around_every_optimizer_records_the_same_on_floats(
    case: tuple[str, str, dict[str, Any]]
) -> None:
    _, name, params = case
    run = {"optimizer": "lookahead", "params": {"k": 4, "alpha": 0.3},
           "inner": {"optimizer": name, "params": params}}
    config = _config(run, {"noise": 0.2, "seed": 4}, steps=50)
    _assert_same_blocks(config, 23)


@pytest.mark.parametrize("name", [n for n, spec in SURFACES.items() if spec.build().float_exact])
def test_a_float_exact_surface_gives_its_array_values_on_floats(name: str) -> None:
    objective = SURFACES[name].build()
    rng = np.random.default_rng(0)
    points = rng.normal(0.0, 3.0, (2000, 2)) * 10.0 ** rng.uniform(-6, 6, (2000, 2))
    with np.errstate(all="ignore"):
        value = objective.fast_value(points[:, 0], points[:, 1])
        gx, gy = objective.fast_grad(points[:, 0], points[:, 1])
        for i, (x, y) in enumerate(points.tolist()):
            got = [objective.point_value(x, y), *objective.point_grad(x, y)]
            assert all(type(v) is float for v in got)
            np.testing.assert_array_equal(_bits(np.array(got)),
                                          _bits(np.array([value[i], gx[i], gy[i]])))


def test_every_optimizer_takes_the_float_path() -> None:
    """L-BFGS too (its pair_update); Lookahead around it steps on arrays (no pair_update)."""
    for name, spec in OPTIMIZERS.items():
        run = {"optimizer": name}
        if spec.wraps:
            run["inner"] = {"optimizer": "adam"}
        assert FloatKernel.supports(_simulation(_config(run, {}), 1))
    around_lbfgs = {"optimizer": "lookahead", "inner": {"optimizer": "lbfgs"}}
    assert not FloatKernel.supports(_simulation(_config(around_lbfgs, {}), 1))


def test_mini_batches_take_the_array_path() -> None:
    config = _config({"optimizer": "sgd"}, {"surface": {"name": "linear_regression"},
                                            "batch_size": 8})
    assert not FloatKernel.supports(_simulation(config, 1))


def _stream(config: dict[str, Any], block_size: int = 25) -> list[StepBlock | RunEnd]:
    objective = build_objective(config["surface"])
    return list(iter_run(objective, config["runs"][0], 0, config, block_size, first_block=7))


def _assert_same_stream(got: list[StepBlock | RunEnd], want: list[StepBlock | RunEnd]) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert type(a) is type(b)
        if isinstance(a, RunEnd):
            assert a == b
            continue
        assert isinstance(b, StepBlock)
        assert (a.run, a.first, len(a)) == (b.run, b.first, len(b))
        for name in ("x", "y", "loss", "lr", "grad_x", "grad_y"):
            np.testing.assert_array_equal(_bits(getattr(a, name)), _bits(getattr(b, name)))
        assert list(a.state) == list(b.state)
        for name in a.state:
            np.testing.assert_array_equal(_bits(a.state[name]), _bits(b.state[name]))


def _array_stream(config: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                  block_size: int = 25) -> list[StepBlock | RunEnd]:
    with monkeypatch.context() as patch:
        patch.setattr(FloatKernel, "supports", staticmethod(lambda sim: False))
        return _stream(config, block_size)


@pytest.mark.parametrize("case", [CASES[7], CASES[23], CASES[29], CASES[-1]],
                         ids=lambda c: c[0])
def test_iter_run_streams_the_same_blocks_on_either_path(
    case: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, run, extra = case
    config = _config(run, extra, steps=100)
    _assert_same_stream(_stream(config), _array_stream(config, monkeypatch))


@pytest.mark.parametrize("run, start", [
    # eps = 0 at the minimum: 0/0 raises on floats where NumPy gives nan (and the run diverges)
    ({"optimizer": "adam", "params": {"eps": 0.0}}, [1.0, 1.0]),
    ({"optimizer": "adadelta", "params": {"eps": 0.0, "lr": 0.5}}, [1.0, 1.0]),
    # lr = 0: AdaBound's bounds divide by the initial lr in the step's factors, on floats 0/0
    ({"optimizer": "adabound", "params": {"lr": 0.0}}, [-1.2, 1.0]),
])
def test_a_step_floats_cannot_take_restarts_the_run_on_arrays(
    run: dict[str, Any], start: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = validate_config({"surface": ROSEN, "start": start, "steps": 100, "runs": [run]})
    got = _stream(config)
    assert isinstance(got[-1], RunEnd) and got[-1].status == "diverged"
    _assert_same_stream(got, _array_stream(config, monkeypatch))


def test_a_fallback_mid_run_catches_up_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Force the float path to give up at step 60 (third block): the array rerun continues."""
    config = _config({"optimizer": "nadam", "params": {"lr": 0.05}}, {"noise": 0.4, "seed": 3},
                     steps=100)
    real = FloatKernel.open

    def give_up_at_60(self: FloatKernel, n: int) -> Any:
        move, close, applied = real(self, n)

        def failing(hp: Any, consts: Any, t: int) -> tuple[float, ...]:
            if t >= 60:
                raise ZeroDivisionError("forced")
            return move(hp, consts, t)

        return failing, close, applied

    want = _array_stream(config, monkeypatch)
    before = runner.FALLBACKS["nadam"]
    with monkeypatch.context() as patch:
        patch.setattr(FloatKernel, "open", give_up_at_60)
        got = _stream(config)
    _assert_same_stream(got, want)
    assert runner.FALLBACKS["nadam"] == before + 1  # counted (and logged)


@pytest.mark.parametrize("a, b", [
    (0.0, -0.0), (-0.0, 0.0), (1.0, 2.0), (2.0, 1.0), (np.nan, 1.0), (1.0, np.nan),
    (-np.inf, np.inf), (np.nan, np.nan), (-3.5, -3.5),
])
def test_float_helpers_follow_numpy_nan_and_signed_zero_rules(a: float, b: float) -> None:
    arr_a, arr_b = np.array([[a]]), np.array([[b]])
    with np.errstate(all="ignore"):
        pairs = [
            (opt_base.maximum(a, b), np.maximum(arr_a, arr_b)),
            (opt_base.minimum(a, b), np.minimum(arr_a, arr_b)),
            (opt_base.sqrt(a), np.sqrt(arr_a)),
            (opt_base.absolute(a), np.abs(arr_a)),
            (opt_base.sign(a), np.sign(arr_a)),
            (opt_base.per_run(a, 0.0), np.broadcast_to(arr_a, (1, 1)) + 0.0),
        ]
    for got, want in pairs:
        assert type(got) is float
        if np.isnan(want[0, 0]):  # a NaN ends the run whatever its sign bit: only NaN-ness counts
            assert np.isnan(got)
        else:
            assert _bits(np.array(got)) == _bits(want)[0, 0]


@pytest.mark.parametrize("a, b", [
    (0.0, -0.0), (-0.0, 0.0), (1.0, 2.0), (np.nan, 1.0), (-np.inf, np.inf), (-3.5, 4.0),
])
def test_float_helpers_on_vec2_pairs_are_numpy_per_coordinate(a: float, b: float) -> None:
    """A joint update's pairs through sqrt, maximum, minimum, abs, sign and the cautious mask:
    each coordinate as NumPy computes that column (NaN-ness only for a NaN)."""
    from app.engine.optimizers.pair import Vec2

    pa, pb, arr_a, arr_b = Vec2(a, b), Vec2(b, a), np.array([[a, b]]), np.array([[b, a]])
    with np.errstate(all="ignore"):
        pairs = [
            (opt_base.maximum(pa, pb), np.maximum(arr_a, arr_b)),
            (opt_base.minimum(pa, 1), np.minimum(arr_a, 1)),
            (opt_base.maximum(0.5, pb), np.maximum(0.5, arr_b)),
            (opt_base.sqrt(pa), np.sqrt(arr_a)),
            (opt_base.absolute(pa), np.abs(arr_a)),
            (opt_base.sign(pa), np.sign(arr_a)),
            (opt_base.cautious_mask(pa, pb), opt_base.cautious_mask(arr_a, arr_b)),
        ]
    for got, want in pairs:
        assert type(got) is Vec2 and type(got.x) is float and type(got.y) is float
        for value, column in ((got.x, want[0, 0]), (got.y, want[0, 1])):
            if np.isnan(column):
                assert np.isnan(value)
            else:
                assert _bits(np.array(value)) == _bits(np.array(column))
