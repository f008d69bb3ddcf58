"""Adafactor, Muon and Shampoo: the claims their texts make, on the engine's data, and live
randomized comparisons with their references (torch.optim 2.13, pytorch_optimizer 4.1).

The fixture paths themselves are compared by tests/test_reference_fixtures.py (all three within
1e-12 relative over the 300 steps); here, what the fixtures carry beside the path (Muon's
orthogonalised update) and what the texts say.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine import runner
from app.engine.config import validate_config
from app.engine.errors import ConfigError
from app.engine.optimizers import OPTIMIZERS
from app.engine.optimizers.muon import bf16, newton_schulz
from app.engine.runner import Trajectory, run

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "reference_optimizers.json")
                      .read_text())
MUON_CASES = [c for c in FIXTURES["cases"] if c["optimizer"] == "muon" and not c.get("variant")]
RTOL = 1e-9
NAMES = ("adafactor", "muon", "shampoo")


def _run(optimizer: str, params: dict[str, Any] | None = None, steps: int = 200,
         surface: dict[str, Any] | None = None, start: list[float] | None = None) -> Trajectory:
    config: dict[str, Any] = {"surface": surface or {"name": "rosenbrock"}, "steps": steps,
                              "runs": [{"optimizer": optimizer, "params": params or {}}]}
    if start is not None:
        config["start"] = start
    return run(validate_config(config)).runs[0]


def _grad(t: Trajectory) -> np.ndarray:
    """The gradient each step used, (steps, 2)."""
    return np.column_stack([t.grad_x, t.grad_y])


def _rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    if not len(ref):
        return 0.0
    return float(np.max(np.abs(ours - ref) / np.maximum(1e-3, np.abs(ref))))


# ---------------------------------------------------------------- all three
def test_they_step_on_floats_both_coordinates_at_once() -> None:
    before = dict(runner.FALLBACKS)
    for name in NAMES:
        assert OPTIMIZERS[name].joint
        assert _run(name, steps=50).steps == 50
    assert dict(runner.FALLBACKS) == before  # no run fell back to the array kernel


def test_families_and_sources() -> None:
    assert OPTIMIZERS["adafactor"].family == "adaptive"
    assert OPTIMIZERS["muon"].family == "second_order"
    assert OPTIMIZERS["shampoo"].family == "second_order"


# ---------------------------------------------------------------- Muon
@pytest.mark.parametrize("case", MUON_CASES, ids=[c["id"] for c in MUON_CASES])
def test_muon_orthogonalised_update_is_torchs_bit_for_bit(case: dict[str, Any]) -> None:
    """The bfloat16 emulation gives torch's NS(U) exactly at every step of the fixture path
    (the path itself then stays within 3e-14 relative: torch's lerp rounds with an FMA)."""
    config = validate_config({"surface": {"name": case["surface"]}, "start": case["start"],
                              "steps": case["steps"],
                              "runs": [{"optimizer": "muon", "params": case["params"]}]})
    ours = run(config).runs[0]
    assert ours.steps == case["steps"]
    np.testing.assert_array_equal(ours.state["ns_update"], np.array(case["companions"]
                                                                    ["ns_update"]))
    assert _rel_err(ours.x, np.array(case["x"])) < 1e-12
    assert _rel_err(ours.y, np.array(case["y"])) < 1e-12


def test_muon_on_one_row_normalises_every_step_to_about_0_7_lr() -> None:
    """What orthogonalisation does to a single row: NS(U) = U/|U| times ~0.7, so each step has
    nearly the same length whatever the gradient (on Rosenbrock |g| spans decades)."""
    lr = 1e-3
    t = _run("muon", {"lr": lr, "weight_decay": 0.0}, steps=300)
    o = t.state["ns_update"]
    length = np.hypot(o[:, 0], o[:, 1])
    assert length.min() > 0.66 and length.max() < 0.74, (length.min(), length.max())
    p = np.column_stack([t.x, t.y])
    moves = np.hypot(*np.diff(np.vstack([[-1.2, 1.0], p]), axis=0).T)
    np.testing.assert_allclose(moves, lr * length, rtol=1e-9)
    near = _run("muon", {"lr": 0.01, "weight_decay": 0.0}, steps=300,
                surface={"name": "quadratic"})  # around the minimum: it jitters at that pace
    last = np.hypot(np.diff(near.x[-50:]), np.diff(near.y[-50:]))
    assert last.min() > 0.6 * 0.01 and np.hypot(near.x[-50:], near.y[-50:]).max() > 0.003
    g = np.hypot(_grad(t)[:, 0], _grad(t)[:, 1])
    assert g.max() / g.min() > 100  # the gradient's size varied by orders of magnitude
    # the direction is U's: momentum (Nesterov), normalised
    u = t.state["momentum_buffer"] * 0.95 + 0.05 * _grad(t)  # g + mu (B - g)
    cos = np.sum(u * o, axis=1) / (np.hypot(*u.T) * length)
    assert cos.min() > 0.999


def test_muon_update_keeps_eight_significant_bits() -> None:
    """Every value of NS(U) is a bfloat16 number: float32 bits with the low 16 bits zero."""
    o = _run("muon", steps=100).state["ns_update"]
    bits = o.astype(np.float32).view(np.uint32)
    assert np.all(bits & 0xFFFF == 0)
    assert np.array_equal(o.astype(np.float32).astype(np.float64), o)


def test_bf16_rounds_to_nearest_even() -> None:
    one = np.float32(1.0)
    ulp = np.float32(2.0**-7)  # bfloat16's spacing at 1
    assert bf16(one + ulp / 2)[0] == one  # a tie goes to the even neighbour
    assert bf16(one + ulp + ulp / 2)[0] == one + 2 * ulp
    assert bf16(one + ulp / 2 + np.float32(2.0**-20))[0] == one + ulp


def _bf16_cases() -> np.ndarray:
    """Doubles whose float32 casts cover every bfloat16 rounding: random float32 bit patterns
    (subnormals, normals, the overflow edge, inf, nan), ties and near-ties of bfloat16, zeros,
    and doubles between float32 values (rounded twice: to float32, then to bfloat16)."""
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2**32, 200_000, dtype=np.uint64).astype(np.uint32)
    low = rng.integers(0, 2**23, 20_000, dtype=np.uint64).astype(np.uint32)  # subnormals
    edge = rng.integers(0x7F7F0000, 0x7F800001, 20_000, dtype=np.uint64).astype(np.uint32)
    top = bits & np.uint32(0xFFFF0000)
    patterns = np.concatenate([bits, low, edge, top | 0x8000, top | 0x7FFF, top | 0x8001,
                               top | 0x18000, np.array([0, 0x80000000, 0x00800000, 0x007FFFFF,
                                                        0x7F7FFFFF, 0x7F800000, 0x7FC00000],
                                                       dtype=np.uint32)])
    with np.errstate(invalid="ignore"):  # signalling NaN patterns, quietened by the cast
        values = patterns.view(np.float32).astype(np.float64)
    values = np.concatenate([values, -values])
    between = rng.normal(size=20_000) * 10.0 ** rng.uniform(-40, 40, 20_000)
    return np.concatenate([values, between, between * (1 + 2.0**-30)])


def test_muon_float_path_bf16_is_the_bit_route_everywhere() -> None:
    """The float path's bfloat16 rounding (Veltkamp's split in its normal range, else the bits)
    is the array path's bit route on every value, pairs as single values; a value beyond
    float32's range raises OverflowError on both (the float path's cast, then the run steps on
    arrays)."""
    from app.engine.optimizers.muon import _bf16, _bf16_pair

    values = _bf16_cases()
    finite32 = np.abs(values) <= np.finfo(np.float32).max
    values = values[finite32 | ~np.isfinite(values)]
    with np.errstate(over="ignore"):
        want = bf16(values).astype(np.float64)
    got = np.array([_bf16(v) for v in values.tolist()])
    np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))
    pairs = np.array([_bf16_pair(a, b) for a, b in
                      zip(values[::2].tolist(), values[1::2].tolist(), strict=False)])
    np.testing.assert_array_equal(pairs.reshape(-1).view(np.uint64),
                                  want[:2 * len(pairs)].view(np.uint64))
    for x in (3.5e38, -1e300):
        with pytest.raises(OverflowError):
            _bf16(x)
        with pytest.raises(OverflowError):
            _bf16_pair(1.0, x)


def test_muon_match_rms_adamw_scales_the_step_and_null_is_original() -> None:
    base = _run("muon", {"weight_decay": 0.0}, steps=30)
    adjusted = _run("muon", {"weight_decay": 0.0, "adjust_lr_fn": "match_rms_adamw"}, steps=30)
    null = _run("muon", {"weight_decay": 0.0, "adjust_lr_fn": None}, steps=30)
    np.testing.assert_array_equal(null.x, base.x)
    np.testing.assert_allclose(adjusted.state["step_scale"], 0.2 * math.sqrt(2) * 1e-3)
    np.testing.assert_allclose(base.state["step_scale"], 1e-3)


@pytest.mark.torch
def test_newton_schulz_is_torchs_on_random_inputs() -> None:
    """Bit for bit against torch's own function, over 1e-6..1e3 and several coefficients."""
    torch = pytest.importorskip("torch")
    from torch.optim._muon import _zeropower_via_newtonschulz

    rng = np.random.default_rng(7)
    for coefficients, steps, eps in (((3.4445, -4.775, 2.0315), 5, 1e-7),
                                     ((2.0, -1.5, 0.5), 3, 1e-3), ((3.0, -3.2, 1.2), 8, 1e-7)):
        hp = {"ns_a": coefficients[0], "ns_b": coefficients[1], "ns_c": coefficients[2],
              "ns_steps": steps, "eps": eps}
        u = rng.normal(size=(200, 2)) * 10.0 ** rng.uniform(-6, 3, (200, 1))
        ox, oy = newton_schulz(u[:, :1], u[:, 1:], hp)
        for i in range(200):  # floats (the single run's path) = arrays (a map's)
            fx, fy = newton_schulz(float(u[i, 0]), float(u[i, 1]), hp)
            assert (fx, fy) == (ox[i, 0], oy[i, 0])
        for i in range(200):
            want = _zeropower_via_newtonschulz(torch.tensor(u[i:i + 1], dtype=torch.float64),
                                               coefficients, steps, eps)
            got = want.double().numpy()[0]
            assert (ox[i, 0], oy[i, 0]) == (got[0], got[1]), (u[i], coefficients)


def test_muon_beyond_float32_range_steps_on_arrays() -> None:
    """A gradient beyond float32's range overflows torch's cast to inf: on floats the cast
    raises, and the run restarts on arrays, which give torch's inf (then NaN: diverged)."""
    before = runner.FALLBACKS["muon"]
    t = _run("muon", {}, steps=5, surface={"expression": "x*x*x*x*x*x*x*x + y*y"}, start=[1e6, 0.5])
    assert runner.FALLBACKS["muon"] == before + 1
    assert t.status == "diverged"


# ---------------------------------------------------------------- Adafactor
def test_adafactor_on_a_vector_keeps_one_average_per_coordinate() -> None:
    """Not factored: step 1's variance is exactly g^2 per coordinate, and the step is the step
    scale alpha_t / (c_t sqrt(max(v, eps1^2))) times g."""
    t = _run("adafactor", {"lr": 0.01}, steps=100, surface={"name": "himmelblau"})
    np.testing.assert_array_equal(t.state["variance"][0], _grad(t)[0] ** 2)
    p = np.vstack([[-0.5, 0.5], np.column_stack([t.x, t.y])])
    np.testing.assert_allclose(np.diff(p, axis=0), -t.state["step_scale"] * _grad(t),
                               rtol=1e-12, atol=1e-300)


def test_adafactor_step_is_relative_to_the_parameters_rms() -> None:
    """alpha_t = max(eps2, RMS(theta)) rho_t: near the origin the step shrinks to eps2 rho_t."""
    t = _run("adafactor", {"lr": 0.01}, steps=60, surface={"name": "quadratic"},
             start=[1e-5, -2e-5])
    rho = t.factors["rho"]
    np.testing.assert_allclose(rho, np.minimum(0.01, 1 / np.sqrt(np.arange(1, 61))))
    np.testing.assert_allclose(t.state["alpha"][:, 0], 1e-3 * rho, rtol=1e-15)
    far = _run("adafactor", {"lr": 0.01}, steps=1, surface={"name": "quadratic"},
               start=[30.0, 40.0])
    assert far.state["alpha"][0, 0] == pytest.approx(0.01 * math.hypot(30, 40) / math.sqrt(2))


def test_adafactor_eps1_null_is_machine_epsilon_and_a_number_is_used() -> None:
    spec = OPTIMIZERS["adafactor"]
    assert spec.param("eps1").default is None and spec.param("eps1").nullable
    auto = _run("adafactor", {"eps1": None}, steps=40)
    machine = _run("adafactor", {"eps1": 2.220446049250313e-16}, steps=40)
    np.testing.assert_array_equal(auto.x, machine.x)
    with pytest.raises(ConfigError, match="eps1"):
        validate_config({"runs": [{"optimizer": "adafactor", "params": {"eps1": -1.0}}]})


# ---------------------------------------------------------------- Shampoo
def _rotation(degrees: float) -> np.ndarray:
    """The map from the unrotated bowl's coordinates to the rotated bowl's (Q^T)."""
    a = math.radians(degrees)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


@pytest.mark.parametrize("params", [{"lr": 0.3}, {"lr": 0.1, "momentum": 0.5},
                                    {"lr": 0.2, "weight_decay": 0.05}])
def test_shampoo_is_rotation_invariant_and_adam_is_not(params: dict[str, Any]) -> None:
    """On the ill-conditioned bowl rotated by 35 degrees, from the rotated start, Shampoo's path
    is the rotated path of the unrotated bowl (to rounding); Adam's is not (its per-coordinate
    scaling sees the valley tilted between the axes)."""
    kappa = {"condition_number": 50}
    start = np.array([-2.5, 1.0])
    q = _rotation(35)

    def paths(optimizer: str, hp: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        flat = _run(optimizer, hp, steps=150, start=list(start),
                    surface={"name": "ill_conditioned", "params": {**kappa, "angle": 0}})
        turned = _run(optimizer, hp, steps=150, start=list(q @ start),
                      surface={"name": "ill_conditioned", "params": {**kappa, "angle": 35}})
        return np.column_stack([flat.x, flat.y]) @ q.T, np.column_stack([turned.x, turned.y])

    want, got = paths("shampoo", params)
    scale = np.abs(start).max()
    assert np.abs(got - want).max() < 1e-9 * scale
    want, got = paths("adam", {"lr": params["lr"]})
    assert np.abs(got - want).max() > 1e-2 * scale
    want, got = paths("sgd", {"lr": 0.03})  # invariant too, but it adapts nothing
    assert np.abs(got - want).max() < 1e-9 * scale


def test_shampoo_preconditioner_is_the_sum_of_outer_products() -> None:
    """diag H = eps + sum g_i^2, H_xy = sum g_x g_y, R = H^(-1/2); the step is lr R g."""
    t = _run("shampoo", {"lr": 0.05}, steps=40, surface={"name": "himmelblau"})
    g = _grad(t)
    np.testing.assert_allclose(t.state["pre_cond_0"], 1e-6 + np.cumsum(g * g, axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(t.state["pre_cond_0_xy"][:, 0],
                               np.cumsum(g[:, 0] * g[:, 1]), rtol=1e-12)
    k = 17
    h = np.array([[t.state["pre_cond_0"][k, 0], t.state["pre_cond_0_xy"][k, 0]],
                  [t.state["pre_cond_0_xy"][k, 0], t.state["pre_cond_0"][k, 1]]])
    r = np.array([[t.state["inv_pre_cond_0"][k, 0], t.state["inv_pre_cond_0_xy"][k, 0]],
                  [t.state["inv_pre_cond_0_xy"][k, 0], t.state["inv_pre_cond_0"][k, 1]]])
    np.testing.assert_allclose(r @ h @ r, np.eye(2), atol=1e-9)
    move = np.array([t.x[k] - t.x[k - 1], t.y[k] - t.y[k - 1]])
    np.testing.assert_allclose(move, -0.05 * r @ g[k], rtol=1e-9)


def test_shampoo_preconditioning_every_k_steps_holds_r_in_between() -> None:
    t = _run("shampoo", {"lr": 0.05, "preconditioning_compute_steps": 3}, steps=12,
             surface={"name": "himmelblau"})
    r = t.state["inv_pre_cond_0"]
    assert np.all(r[:2] == 0)  # not computed before step 3: no move
    assert t.x[0] == -0.5 and t.y[1] == 0.5
    np.testing.assert_array_equal(r[2], r[3])
    np.testing.assert_array_equal(r[3], r[4])
    assert np.all(r[5] != r[4])


def test_a_diverging_shampoo_map_row_does_not_break_the_others() -> None:
    """A non-finite H in one row of a batch: that row is NaN, the SVD of the others goes on."""
    from app.engine.optimizers.shampoo import inverse_root

    h00 = np.array([[2.0], [np.inf], [1.0]])
    h01 = np.array([[0.5], [1.0], [0.0]])
    h11 = np.array([[1.0], [1.0], [4.0]])
    r00, r01, r10, r11 = inverse_root(h00, h01, h11)
    assert np.isnan(r00[1, 0]) and np.isfinite(r00[[0, 2], 0]).all()
    np.testing.assert_allclose([r00[2, 0], r11[2, 0], r01[2, 0]], [1.0, 0.5, 0.0], atol=1e-15)
    assert all(math.isnan(v) for v in inverse_root(math.nan, 0.0, 1.0))


# ---------------------------------------------------------------- live, randomized
LIVE_SURFACES = ("himmelblau", "ill_conditioned", "booth", "quadratic", "rosenbrock")


def _random_params(name: str, rng: random.Random) -> dict[str, Any]:
    """Random hyperparameters in the reference's names (those our spec shares)."""
    if name == "adafactor":
        return {"lr": rng.choice([1e-3, 0.01, 0.05]), "beta2_decay": rng.choice([-0.8, -0.5,
                                                                                  -1.0]),
                "eps1": rng.choice([None, 1e-30, 1e-8]), "eps2": rng.choice([1e-3, 1e-2]),
                "d": rng.choice([1.0, 2.0]), "weight_decay": rng.choice([0.0, 0.01, 0.1]),
                "maximize": False}
    if name == "muon":
        return {"lr": rng.choice([1e-3, 3e-3, 0.01, 0.03]),
                "weight_decay": rng.choice([0.0, 0.1]), "momentum": rng.choice([0.0, 0.5, 0.95]),
                "nesterov": rng.choice([True, False]), "ns_steps": rng.choice([1, 3, 5]),
                "adjust_lr_fn": rng.choice([None, "original", "match_rms_adamw"])}
    return {"lr": rng.choice([1e-3, 0.01, 0.05]), "momentum": rng.choice([0.0, 0.0, 0.5, 0.9]),
            "weight_decay": rng.choice([0.0, 0.01]), "weight_decouple": rng.choice([True, False]),
            "fixed_decay": rng.choice([True, False]),
            "preconditioning_compute_steps": rng.choice([1, 1, 2, 5]),
            "matrix_eps": rng.choice([1e-6, 1e-3])}


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_random_configurations_match_the_reference_live(name: str) -> None:
    """Random hyperparameters and surfaces against the reference, up to its own chaos horizon
    (Shampoo's inverse root is LAPACK's SVD: torch's MKL and NumPy's OpenBLAS round differently,
    which a near-singular H amplifies: the horizon cuts where the reference itself does)."""
    pytest.importorskip("torch")
    if name == "shampoo":
        pytest.importorskip("pytorch_optimizer")
    from tests.reference_optimizers import chaos_horizon, reference_trajectory

    rng = random.Random(f"{name}-20261202")
    compared = 0
    for _ in range(8):
        surface = rng.choice(LIVE_SURFACES)
        params = _random_params(name, rng)
        config = validate_config({"surface": {"name": surface}, "steps": 120,
                                  "runs": [{"optimizer": name, "params": params}]})
        case = {"optimizer": name, "surface": surface, "params": params}
        ref = reference_trajectory(case, config["start"], 120, state_steps=0)
        horizon = chaos_horizon(case, config["start"], 120, ref)
        ours = run(config).runs[0]
        n = min(horizon, ours.steps)
        assert n == horizon or ours.status == "diverged", params
        assert _rel_err(ours.x[:n], np.array(ref["x"][:n])) < RTOL, (surface, params)
        assert _rel_err(ours.y[:n], np.array(ref["y"][:n])) < RTOL, (surface, params)
        if name == "muon":
            np.testing.assert_array_equal(ours.state["ns_update"][:n],
                                          np.array(ref["companions"]["ns_update"][:n]))
        compared += n
    assert compared >= 8 * 60  # the horizons leave most of the paths compared


# ---------------------------------------------------------------- links and cost
@pytest.mark.parametrize("run_cfg, query", [
    ({"optimizer": "adafactor", "params": {"eps1": None}}, "r0=adafactor"),
    ({"optimizer": "adafactor", "params": {"eps1": 1e-30}}, "r0=adafactor,eps1=1e-30"),
    ({"optimizer": "muon", "params": {"adjust_lr_fn": None}}, "r0=muon,adjust_lr_fn=null"),
    ({"optimizer": "muon", "params": {"adjust_lr_fn": "match_rms_adamw", "nesterov": False}},
     "r0=muon,nesterov=false,adjust_lr_fn=match_rms_adamw"),
    ({"optimizer": "shampoo", "params": {"preconditioning_compute_steps": 4}},
     "r0=shampoo,preconditioning_compute_steps=4"),
])
def test_links_round_trip_the_null_choices(run_cfg: dict[str, Any], query: str) -> None:
    """eps1's null (torch's None) is the default and leaves the link; a number stays; Muon's
    adjust_lr_fn=null stays null (it steps as "original")."""
    from app.address.codec import encode
    from app.links import read_config

    config = validate_config({"runs": [run_cfg]})
    assert encode(config).endswith(query)
    assert read_config(encode(config))[0]["runs"] == config["runs"]


def test_cost_grows_with_the_matrix_work() -> None:
    from app.engine.cost import trajectory_cost

    def seconds(optimizer: str, params: dict[str, Any]) -> float:
        return trajectory_cost(validate_config({"steps": 1000, "runs": [
            {"optimizer": optimizer, "params": params}]})).seconds

    assert seconds("muon", {"ns_steps": 20}) > 2 * seconds("muon", {}) > 2 * seconds("sgd", {})
    assert seconds("shampoo", {}) > 2 * seconds("shampoo", {"preconditioning_compute_steps": 50})


# ---------------------------------------------------------------- maps
MAPS = [
    ({"optimizer": "adafactor", "params": {"lr": 0.05}},
     {"param": "eps1", "min": 1e-30, "max": 1e-2, "scale": "log"},
     {"param": "beta2_decay", "min": -1.0, "max": -0.5}),
    ({"optimizer": "muon", "params": {"lr": 0.01}}, {"param": "ns_a", "min": 3.0, "max": 3.6},
     {"param": "momentum", "min": 0.5, "max": 0.99}),
    ({"optimizer": "shampoo", "params": {"lr": 0.05}},
     {"param": "matrix_eps", "min": 1e-6, "max": 0.1, "scale": "log"},
     {"param": "momentum", "min": 0.0, "max": 0.9}),
    ({"optimizer": "shampoo", "params": {"lr": 0.05}},
     {"param": "weight_decay", "min": 0.0, "max": 0.2}, {"param": "lr", "min": 0.01, "max": 0.3}),
    ({"optimizer": "lookahead", "params": {"k": 3}, "inner": {"optimizer": "muon",
                                                               "params": {"lr": 0.02}}},
     {"param": "lr", "min": 0.005, "max": 0.05}, {"param": "weight_decay", "min": 0.0,
                                                  "max": 0.2}),
]


@pytest.mark.parametrize("run_cfg, x, y", MAPS, ids=lambda v: str(v)[:40])
def test_every_map_cell_is_its_single_run_bit_for_bit(run_cfg: dict[str, Any], x: dict[str, Any],
                                                      y: dict[str, Any]) -> None:
    """The array path over a map's rows (per-row hyperparameters) is each cell's float run."""
    from app.engine.maps import cell_run, hyper_map

    config = validate_config({"surface": {"name": "himmelblau"}, "steps": 40, "runs": [run_cfg]})
    result = hyper_map(config, {"x": {**x, "cells": 3}, "y": {**y, "cells": 2}})
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            cell = cell_run(config["runs"][0], {x["param"]: xv, y["param"]: yv})
            single = run({**config, "runs": [cell]}).runs[0]
            assert single.status == "completed"
            assert result.values["final_loss"][j, i] == single.loss[-1]
