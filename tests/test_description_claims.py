"""The catalog's texts on the surfaces, the torch schedules and the first optimizers (SGD to
L-BFGS): each claim they make about the maths, checked on the engine's data. (The later
optimizers' claims are checked beside their references: tests/test_trust_sign_qh.py,
test_adam_descendants.py, test_matrix_optimizers.py, test_lrfree.py, test_schedulefree.py,
test_madgrad.py, test_sam.py; the lessons' in tests/test_lessons.py.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.engine.config import validate_config
from app.engine.optimizers import OPTIMIZERS
from app.engine.runner import Trajectory, run
from app.engine.schedules import SCHEDULES
from app.engine.surfaces import SURFACES
from tests.test_trust_sign_qh import _moves


def _run(optimizer: str, params: dict[str, Any] | None = None, surface: str = "quadratic",
         steps: int = 50, start: list[float] | None = None,
         schedule: tuple[str, dict[str, Any]] | None = None, **extra: Any) -> Trajectory:
    one: dict[str, Any] = {"optimizer": optimizer, "params": params or {}}
    if schedule is not None:
        one["schedule"] = {"name": schedule[0], "params": schedule[1]}
    cfg: dict[str, Any] = {"surface": {"name": surface}, "steps": steps, "runs": [one], **extra}
    if start is not None:
        cfg["start"] = start
    return run(validate_config(cfg)).runs[0]


def _start(surface: str) -> list[float]:
    return validate_config({"surface": {"name": surface}, "runs": [{"optimizer": "sgd"}]})["start"]


def _hessian(name: str, x: float, y: float, h: float = 1e-5) -> np.ndarray:
    """The surface's Hessian at (x, y), by central differences of its analytic gradient."""
    grad = SURFACES[name].build().grad
    cols = []
    for dx, dy in ((h, 0.0), (0.0, h)):
        hi = np.array(grad(np.array([x + dx]), np.array([y + dy]))).reshape(2)
        lo = np.array(grad(np.array([x - dx]), np.array([y - dy]))).reshape(2)
        cols.append((hi - lo) / (2 * h))
    return np.column_stack(cols)


def _text(kind: dict[str, Any], name: str) -> str:
    return kind[name].description


def _minima(name: str, kind: str | None = None) -> list[dict[str, Any]]:
    found = SURFACES[name].build().minima
    return [m for m in found if kind is None or m["kind"] == kind]


# ---------------------------------------------------------------- surfaces
def test_quadratic_curves_equally_lands_in_one_step_at_lr_1_and_diverges_above_2() -> None:
    """"every direction curves equally ... With lr = 1 it lands in one step; above lr = 2 it
    diverges"."""
    assert "lr = 1 it lands in one step" in _text(SURFACES, "quadratic")
    for point in ((2.5, -1.7), (-0.3, 2.9), (0.0, 0.0)):
        np.testing.assert_allclose(_hessian("quadratic", *point), np.eye(2), atol=1e-6)
    for start in ([2.5, -1.7], [-2.9, 0.4]):
        traj = _run("sgd", {"lr": 1.0}, start=start, steps=3)
        assert traj.x[0] == 0.0 and traj.y[0] == 0.0
    assert _run("sgd", {"lr": 1.99}, start=[2.5, -1.7], steps=3000).loss[-1] < 1e-12
    assert _run("sgd", {"lr": 2.01}, start=[2.5, -1.7], steps=3000).status == "diverged"


@pytest.mark.parametrize(("name", "ratio", "axis"), [("booth", 9.0, 45.0), ("matyas", 25.0, 45.0)])
def test_tilted_bowls_have_the_condition_number_and_the_angle_their_texts_give(
        name: str, ratio: float, axis: float) -> None:
    """Booth: "tilted 45 degrees with condition number 9"; Matyas: "A long, very flat diagonal
    valley (condition number 25)"."""
    assert f"condition number {ratio:g}" in _text(SURFACES, name)
    (m,) = _minima(name, "global")
    values, vectors = np.linalg.eigh(_hessian(name, m["x"], m["y"]))
    assert values[1] / values[0] == pytest.approx(ratio, rel=1e-6)
    flat = vectors[:, 0]  # the valley runs along the flattest direction
    angle = np.degrees(np.arctan2(flat[1], flat[0])) % 90  # tilted from the axes
    assert angle == pytest.approx(axis, abs=1e-4)
    # a quadratic: the same curvature everywhere in the view
    np.testing.assert_allclose(_hessian(name, m["x"] + 1.3, m["y"] - 0.7),
                               _hessian(name, m["x"], m["y"]), atol=1e-5)


def test_three_hump_camel_has_one_global_minimum_between_two_shallower_local_ones() -> None:
    (best,) = _minima("three_hump_camel", "global")
    local = _minima("three_hump_camel", "local")
    assert len(local) == 2 and all(m["value"] > best["value"] for m in local)
    assert local[0]["x"] * local[1]["x"] < 0  # one on each side


def test_six_hump_camel_has_two_symmetric_global_minima_and_four_local_ones() -> None:
    best = _minima("six_hump_camel", "global")
    assert len(best) == 2 and len(_minima("six_hump_camel", "local")) == 4
    assert (best[0]["x"], best[0]["y"]) == pytest.approx((-best[1]["x"], -best[1]["y"]))


def test_goldstein_price_values_go_from_3_to_about_a_million_across_the_view() -> None:
    assert "from 3 to about a million" in _text(SURFACES, "goldstein_price")
    xmin, xmax, ymin, ymax = SURFACES["goldstein_price"].view
    x, y = np.meshgrid(np.linspace(xmin, xmax, 401), np.linspace(ymin, ymax, 401))
    z = SURFACES["goldstein_price"].build().value(x, y)
    assert z.min() == pytest.approx(3.0, rel=1e-9)
    assert 5e5 < z.max() < 2e6
    assert len(_minima("goldstein_price", "local")) >= 2  # "several local minima"


def test_styblinski_tang_has_four_basins_of_three_depths() -> None:
    """"the deepest is at (-2.90, -2.90), the two beside it are equally deep and the shallowest
    is at (2.75, 2.75)"."""
    text = _text(SURFACES, "styblinski_tang")
    assert "(-2.90, -2.90)" in text and "(2.75, 2.75)" in text
    found = sorted(_minima("styblinski_tang"), key=lambda m: m["value"])
    assert len(found) == 4
    assert (round(found[0]["x"], 2), round(found[0]["y"], 2)) == (-2.90, -2.90)
    assert (round(found[3]["x"], 2), round(found[3]["y"], 2)) == (2.75, 2.75)
    assert found[1]["value"] == pytest.approx(found[2]["value"], rel=1e-12)
    assert found[0]["value"] < found[1]["value"] < found[3]["value"]


def test_levi_n13_is_a_rippled_bowl_centred_at_1_1() -> None:
    (best,) = _minima("levi_n13", "global")
    assert (best["x"], best["y"], best["value"]) == pytest.approx((1.0, 1.0, 0.0), abs=1e-9)
    # "many small local minima along the way": plain gradient descent stops in one
    traj = _run("sgd", {"lr": 0.001}, surface="levi_n13", steps=3000)
    assert traj.loss[-1] > 0.1 and np.hypot(traj.x[-1] - traj.x[-2], traj.y[-1] - traj.y[-2]) < 1e-6


def test_saddle_slows_gd_to_a_crawl_near_the_centre_then_slides_off_along_y() -> None:
    assert np.allclose(np.linalg.eigvalsh(_hessian("saddle", 0.0, 0.0)), [-2.0, 2.0], atol=1e-6)
    traj = _run("sgd", {"lr": 0.05}, surface="saddle", steps=200)
    start = _start("saddle")
    speed = np.hypot(*_moves(traj, start).T)
    slowest = int(np.argmin(speed[:100]))
    assert speed[slowest] < speed[0] / 3  # a crawl
    assert np.hypot(traj.x[slowest], traj.y[slowest]) < np.hypot(*start) / 4  # near the centre
    assert abs(traj.y[-1]) > 10 * abs(start[1]) and abs(traj.x[-1]) < 1e-3  # off along y


def test_monkey_saddle_is_flat_to_second_order_with_three_downhill_directions() -> None:
    obj = SURFACES["monkey_saddle"].build()
    assert np.allclose(np.array(obj.grad(np.array([0.0]), np.array([0.0]))).reshape(2), 0.0)
    np.testing.assert_allclose(_hessian("monkey_saddle", 0.0, 0.0), 0.0, atol=1e-6)
    angles = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    downhill = obj.value(0.5 * np.cos(angles), 0.5 * np.sin(angles)) < 0
    sectors = int(np.sum(downhill & ~np.roll(downhill, 1)))  # runs of downhill directions
    assert sectors == 3


def test_gaussian_wells_has_a_shallow_narrow_well_beside_a_deeper_wider_one() -> None:
    (deep,) = _minima("gaussian_wells", "global")
    (shallow,) = _minima("gaussian_wells", "local")
    assert deep["value"] < shallow["value"]
    narrow = np.linalg.eigvalsh(_hessian("gaussian_wells", shallow["x"], shallow["y"]))
    wide = np.linalg.eigvalsh(_hessian("gaussian_wells", deep["x"], deep["y"]))
    assert narrow.min() > 1.5 * wide.max()  # curves more sharply in every direction: narrower


# ---------------------------------------------------------------- schedules
def test_exponential_lr_with_gamma_0_99_halves_about_every_69_steps() -> None:
    assert "halves about every 69 steps" in _text(SCHEDULES, "ExponentialLR")
    lr = _run("sgd", {"lr": 0.1}, steps=140, schedule=("ExponentialLR", {"gamma": 0.99})).lr
    assert lr[69] / lr[0] == pytest.approx(0.5, rel=0.01)
    assert lr[138] / lr[69] == pytest.approx(0.5, rel=0.01)


def test_inverse_sqrt_lr_has_halved_three_timescales_after_the_warm_up() -> None:
    assert "3 x timescale" in _text(SCHEDULES, "InverseSqrtLR")
    lr = _run("sgd", {"lr": 0.1}, steps=200, schedule=(
        "InverseSqrtLR", {"num_warmup_steps": 20, "timescale": 30})).lr
    assert lr[20] == pytest.approx(0.1) and lr[20 + 90] == pytest.approx(0.05)
    assert np.all(np.diff(lr[20:]) < 0) and lr[-1] > 0  # never zero


def test_cosine_annealing_lands_at_eta_min_and_rises_again_past_t_max() -> None:
    lr = _run("sgd", {"lr": 0.1}, steps=300, schedule=(
        "CosineAnnealingLR", {"T_max": 100, "eta_min": 0.001})).lr
    assert lr[100] == pytest.approx(0.001) and lr[100] == lr.min()
    assert lr[150] > 0.04 and lr[200] == pytest.approx(0.1)


def test_cyclic_lr_with_max_lr_left_empty_climbs_to_ten_times_the_base() -> None:
    assert "10 x base_lr" in _text(SCHEDULES, "CyclicLR")
    lr = _run("sgd", {"lr": 0.02}, steps=2200, schedule=(
        "CyclicLR", {"step_size_up": 1000})).lr
    assert lr.min() == pytest.approx(0.02) and lr.max() == pytest.approx(0.2)


def test_warm_restarts_jump_back_after_cycles_t_mult_times_longer_each() -> None:
    """"with T_mult = 2 the cycles last T_0, 2 T_0, 4 T_0, ..."."""
    lr = _run("sgd", {"lr": 0.1}, steps=80, schedule=(
        "CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 2})).lr
    assert list(np.flatnonzero(np.isclose(lr, 0.1))) == [0, 10, 30, 70]


def test_linear_with_warmup_is_a_tent_that_stays_at_zero() -> None:
    lr = _run("sgd", {"lr": 0.1}, steps=120, schedule=(
        "LinearWithWarmupLR", {"num_warmup_steps": 10, "num_training_steps": 100})).lr
    assert lr[0] == 0 and lr[10] == pytest.approx(0.1) and lr.max() == pytest.approx(0.1)
    np.testing.assert_allclose(np.diff(lr[:11]), 0.01)  # straight lines up ...
    np.testing.assert_allclose(np.diff(lr[10:101]), -0.1 / 90)  # ... and down
    assert np.all(lr[100:] == 0)


# ---------------------------------------------------------------- optimizers
def test_adam_first_step_moves_each_coordinate_by_about_lr() -> None:
    """"Each coordinate then moves by about lr ... whatever the gradient's scale"."""
    for surface in ("quadratic", "rosenbrock", "goldstein_price"):
        traj = _run("adam", {"lr": 0.05}, surface=surface, steps=1)
        np.testing.assert_allclose(np.abs(_moves(traj, _start(surface))), 0.05, rtol=1e-6)


def test_adamw_shrinks_the_parameters_by_one_minus_lr_wd() -> None:
    start = [2.5, -1.7]
    with_decay = _run("adamw", {"lr": 0.05, "weight_decay": 0.1}, start=start, steps=1)
    without = _run("adamw", {"lr": 0.05, "weight_decay": 0.0}, start=start, steps=1)
    # the first Adam step is the same; the decay takes lr * wd of the parameters on top
    np.testing.assert_allclose([with_decay.x[0] - without.x[0], with_decay.y[0] - without.y[0]],
                               -0.05 * 0.1 * np.array(start), rtol=1e-9)


def test_radam_takes_momentum_steps_until_rho_t_passes_5_at_step_6() -> None:
    """"Until its variance is tractable (rho_t > 5; with beta2 = 0.999 from step 6 on) it takes
    plain momentum steps"."""
    assert "from step 6 on" in _text(OPTIMIZERS, "radam")
    start = [2.5, -1.7]
    traj = _run("radam", {"lr": 0.01}, start=start, steps=10)
    rho = traj.factors["rho_t"]
    assert np.all(rho[:5] <= 5) and np.all(rho[5:] > 5)
    moves = _moves(traj, start)
    m_hat = traj.state["m_hat"]
    np.testing.assert_allclose(moves[:5], -0.01 * m_hat[:5], rtol=1e-9)  # momentum steps
    assert np.all(traj.state["rect"][:5] == 0) and np.all(traj.state["rect"][5:] > 0)
    assert np.all(np.diff(traj.state["rect"][5:, 0]) > 0)  # r_t rises towards 1


def test_nadam_momentum_schedule_warms_up() -> None:
    mu = _run("nadam", {"lr": 0.01}, start=[2.5, -1.7], steps=300).factors["mu"]
    assert np.all(np.diff(mu) > 0) and mu[0] < 0.46 and mu[-1] < 0.9


def test_lion_moves_every_coordinate_by_exactly_lr() -> None:
    for surface in ("himmelblau", "rosenbrock"):
        traj = _run("lion", {"lr": 0.01}, surface=surface, steps=60)
        np.testing.assert_allclose(np.abs(_moves(traj, _start(surface))), 0.01, rtol=1e-12)


def test_adagrad_step_size_only_shrinks_and_rmsprops_grows_back() -> None:
    """Adagrad: "the effective step size shrinks forever"; RMSprop: "the average forgets ...
    so the step size does not shrink forever"."""
    scale = _run("adagrad", {"lr": 0.5}, surface="ill_conditioned", steps=300).state["step_scale"]
    assert np.all(np.diff(scale, axis=0) <= 0)
    scale = _run("rmsprop", {"lr": 0.01}, start=[2.9, 2.9], steps=2000).state["step_scale"]
    low = int(np.argmin(scale[:, 0]))
    assert scale[-1, 0] > 10 * scale[low, 0]


def test_adadelta_starts_slowly_and_speeds_up() -> None:
    for surface in ("quadratic", "himmelblau"):
        speed = np.hypot(*_moves(_run("adadelta", {}, surface=surface, steps=101),
                                 _start(surface)).T)
        assert speed[0] < 0.005 and speed[100] > 1.2 * speed[0]
        assert np.all(np.diff(speed[:20]) > 0)


def test_rprop_grows_its_step_while_the_sign_holds_and_shrinks_and_skips_on_a_flip() -> None:
    traj = _run("rprop", {"lr": 0.01}, surface="ill_conditioned", steps=60)
    step = traj.state["step_size"]
    grad = np.column_stack([traj.grad_x, traj.grad_y])
    moves = _moves(traj, _start("ill_conditioned"))
    for k in range(1, len(step)):
        for c in (0, 1):
            product = grad[k, c] * traj.state["prev"][k - 1, c]
            if product > 0:
                assert step[k, c] == pytest.approx(min(step[k - 1, c] * 1.2, 50))
            elif product < 0:
                assert step[k, c] == pytest.approx(max(step[k - 1, c] * 0.5, 1e-6))
                assert moves[k, c] == 0.0  # that step is skipped
    assert np.any(grad[1:] * traj.state["prev"][:-1] < 0)  # a flip happened


def test_lbfgs_heads_almost_straight_to_a_quadratics_minimum() -> None:
    params = {"lr": 1.0, "line_search_fn": "strong_wolfe"}
    traj = _run("lbfgs", params, surface="ill_conditioned", steps=6)
    first = SURFACES["ill_conditioned"].build().value(*(np.array([v]) for v in
                                                        _start("ill_conditioned")))
    assert traj.loss[4] < 1e-4 * float(first[0])
    assert _run("sgd", {"lr": 0.05}, surface="ill_conditioned", steps=6).loss[-1] > 0.1


def test_asgds_averaged_point_settles_closer_to_the_minimum_than_the_iterate() -> None:
    traj = _run("asgd", {"lr": 0.05, "t0": 50}, steps=2000, noise=1.0, seed=3)
    ax = traj.state["ax"]
    iterate = np.mean(np.hypot(traj.x[-500:], traj.y[-500:]))
    averaged = np.mean(np.hypot(ax[-500:, 0], ax[-500:, 1]))
    assert averaged < iterate / 3


def test_adabound_clips_the_step_size_into_a_band_closing_in_on_final_lr() -> None:
    """"each coordinate's step size lr/sqrt(v) is clipped into a band [lower_t, upper_t] that
    starts at [0, inf) and closes in on final_lr"."""
    traj = _run("adabound", {"final_lr": 0.1, "gamma": 0.001}, surface="himmelblau", steps=3000)
    lower, upper = traj.state["lower_bound"][:, 0], traj.state["upper_bound"][:, 0]
    assert lower[0] < 1e-3 and upper[0] > 100
    assert np.all(np.diff(lower) > 0) and np.all(np.diff(upper) < 0)
    assert 0.07 < lower[-1] < 0.1 < upper[-1] < 0.14
    scale = traj.state["step_scale"]
    assert np.all(scale >= lower[:, None] * (1 - 1e-12)) and np.all(scale <= upper[:, None])
