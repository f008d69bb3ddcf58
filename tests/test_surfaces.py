"""Tests for the surface registry: gradients, minima, views, data surfaces and custom formulas."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest

from app.engine.errors import ConfigError
from app.engine.surfaces import (
    DEFAULT_EXPRESSION_START,
    DEFAULT_EXPRESSION_VIEW,
    SURFACES,
    Objective,
    SurfaceSpec,
    expression_surface,
    get_surface,
)

NAMES = sorted(SURFACES)
DATA_NAMES = sorted(n for n, s in SURFACES.items() if s.kind == "data")
REQUIRED = {
    "quadratic", "ill_conditioned", "rosenbrock", "beale", "himmelblau", "booth", "matyas",
    "three_hump_camel", "six_hump_camel", "goldstein_price", "rastrigin", "ackley",
    "styblinski_tang", "levi_n13", "saddle", "monkey_saddle", "gaussian_wells",
    "linear_regression", "logistic_regression",
}


def _grid(spec: SurfaceSpec, n: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """A dense n x n grid over the spec's view box."""
    xmin, xmax, ymin, ymax = spec.view
    return np.meshgrid(np.linspace(xmin, xmax, n), np.linspace(ymin, ymax, n))


def _span(spec: SurfaceSpec) -> float:
    """The larger side of the view box."""
    xmin, xmax, ymin, ymax = spec.view
    return max(xmax - xmin, ymax - ymin)


def _grad_scale(obj: Objective) -> float:
    """A typical gradient magnitude over the view (median over a coarse grid), at least 1."""
    gx, gy = obj.grad(*_grid(obj.spec, 41))
    return max(1.0, float(np.median(np.hypot(gx, gy))))


def _central_diff(obj: Objective, x: np.ndarray, y: np.ndarray, h: float) -> np.ndarray:
    """Central-difference gradient of ``obj.value`` at the points, shape (2, n)."""
    fx = (obj.value(x + h, y) - obj.value(x - h, y)) / (2 * h)
    fy = (obj.value(x, y + h) - obj.value(x, y - h)) / (2 * h)
    return np.stack([fx, fy])


def test_registry_holds_every_required_surface() -> None:
    """All surfaces other modules rely on are registered under their exact names."""
    assert REQUIRED <= set(SURFACES)
    assert set(DATA_NAMES) == {"linear_regression", "logistic_regression"}


@pytest.mark.parametrize("name", NAMES)
def test_spec_metadata_is_well_formed(name: str) -> None:
    """Names are lower snake case keys; labels, LaTeX, descriptions and views make sense."""
    spec = SURFACES[name]
    assert spec.name == name and re.fullmatch(r"[a-z][a-z0-9_]*", name)
    assert spec.label and spec.latex and spec.description
    assert spec.kind in {"analytic", "data"}
    xmin, xmax, ymin, ymax = spec.view
    assert xmin < xmax and ymin < ymax
    assert get_surface(name) is spec
    json.dumps(spec.to_catalog())


@pytest.mark.parametrize("name", NAMES)
def test_view_contains_start(name: str) -> None:
    """The suggested start lies inside the default view box."""
    spec = SURFACES[name]
    xmin, xmax, ymin, ymax = spec.view
    sx, sy = spec.start
    assert xmin < sx < xmax and ymin < sy < ymax


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name: str) -> None:
    """The analytic gradient agrees with central differences at random points in the view."""
    spec = SURFACES[name]
    obj = spec.build()
    rng = np.random.default_rng(1234)
    xmin, xmax, ymin, ymax = spec.view
    x = rng.uniform(xmin, xmax, 20)
    y = rng.uniform(ymin, ymax, 20)
    h = 1e-6 * _span(spec)
    numeric = _central_diff(obj, x, y, h)
    analytic = np.stack(obj.grad(x, y))
    atol = 1e-7 * (1.0 + np.abs(obj.value(x, y))) / _span(spec) + 1e-7
    assert np.all(np.abs(analytic - numeric) <= 1e-5 * np.abs(numeric) + atol), (
        analytic, numeric,
    )


@pytest.mark.parametrize("name", NAMES)
def test_minima_are_stationary_with_listed_values(name: str) -> None:
    """At every listed point the gradient vanishes and the value equals the listed one."""
    obj = SURFACES[name].build()
    scale = _grad_scale(obj)
    for m in obj.minima:
        assert set(m) == {"x", "y", "value", "kind"}
        assert m["kind"] in {"global", "local", "saddle"}
        gx, gy = obj.grad(m["x"], m["y"])
        assert abs(gx) <= 1e-6 * scale and abs(gy) <= 1e-6 * scale, (m, gx, gy)
        assert obj.value(m["x"], m["y"]) == pytest.approx(m["value"], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_minima_kinds_match_the_neighbourhood(name: str) -> None:
    """Minima are lowest on a small ring around them; saddles have points above and below."""
    spec = SURFACES[name]
    obj = spec.build()
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    r = 1e-3 * _span(spec)
    for m in obj.minima:
        ring = obj.value(m["x"] + r * np.cos(angles), m["y"] + r * np.sin(angles))
        if m["kind"] == "saddle":
            assert ring.min() < m["value"] < ring.max()
        else:
            assert np.all(ring > m["value"] - 1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_global_minimum_is_below_a_dense_grid(name: str) -> None:
    """No grid point in the view beats the listed global minimum (and one is listed)."""
    spec = SURFACES[name]
    obj = spec.build()
    best = [m["value"] for m in obj.minima if m["kind"] == "global"]
    if name in {"saddle", "monkey_saddle"}:
        assert best == []
        return
    assert best
    values = obj.value(*_grid(spec))
    assert np.all(np.isfinite(values))
    tol = 1e-9 * (1.0 + float(np.ptp(values)))
    assert min(best) <= values.min() + tol
    # Global minima share one value and lie inside the view.
    assert max(best) == pytest.approx(min(best), rel=1e-9, abs=1e-12)
    xmin, xmax, ymin, ymax = spec.view
    for m in obj.minima:
        if m["kind"] == "global":
            assert xmin < m["x"] < xmax and ymin < m["y"] < ymax


@pytest.mark.parametrize("name", NAMES)
def test_evaluation_is_vectorised_and_broadcasts(name: str) -> None:
    """Values and gradients broadcast x and y and agree with point-by-point evaluation."""
    spec = SURFACES[name]
    obj = spec.build()
    xmin, xmax, ymin, ymax = spec.view
    x = np.linspace(xmin, xmax, 3)[:, None]
    y = np.linspace(ymin, ymax, 4)
    v = obj.value(x, y)
    gx, gy = obj.grad(x, y)
    assert v.shape == gx.shape == gy.shape == (3, 4)
    assert v.dtype == np.float64
    for i in range(3):
        for j in range(4):
            assert obj.value(x[i, 0], y[j]) == pytest.approx(v[i, j], rel=1e-12, abs=1e-12)
            assert obj.value(x[i, 0], y[j]).shape == ()
            pgx, pgy = obj.grad(float(x[i, 0]), float(y[j]))
            assert pgx == pytest.approx(gx[i, j], rel=1e-12, abs=1e-12)
            assert pgy == pytest.approx(gy[i, j], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_overflow_gives_non_finite_values_without_warnings(name: str) -> None:
    """Evaluating far outside the view never warns; it just returns inf/nan or big numbers."""
    obj = SURFACES[name].build()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = np.array([1e200, -1e300, np.inf, np.nan, 0.5])
        obj.value(big, big[::-1])
        obj.grad(big, big[::-1])


def test_objective_reports_no_samples_for_analytic_surfaces() -> None:
    """Analytic surfaces have n_samples None and refuse mini-batches with a ConfigError."""
    obj = get_surface("rosenbrock").build()
    assert obj.n_samples is None
    with pytest.raises(ConfigError):
        obj.batch_value_grad(0.0, 0.0, np.array([0]))


# --------------------------------------------------------------------------- specific surfaces


def test_known_minima_of_classic_functions() -> None:
    """Spot-check published minima: Himmelblau's four, Styblinski-Tang, six-hump camel."""
    him = get_surface("himmelblau").build().minima
    assert len(him) == 4 and all(m["value"] == pytest.approx(0, abs=1e-20) for m in him)
    assert {(round(m["x"], 6), round(m["y"], 6)) for m in him} == {
        (3.0, 2.0), (-2.805118, 3.131313), (-3.779310, -3.283186), (3.584428, -1.848127),
    }
    st = [m for m in get_surface("styblinski_tang").build().minima if m["kind"] == "global"]
    assert len(st) == 1
    assert st[0]["x"] == pytest.approx(-2.903534, abs=1e-6)
    assert st[0]["y"] == pytest.approx(-2.903534, abs=1e-6)
    assert st[0]["value"] == pytest.approx(-78.33233, abs=1e-5)
    six = get_surface("six_hump_camel").build().minima
    assert sum(m["kind"] == "global" for m in six) == 2
    assert all(m["value"] == pytest.approx(-1.0316284535, abs=1e-9)
               for m in six if m["kind"] == "global")
    gp = get_surface("goldstein_price").build().minima
    assert [m for m in gp if m["kind"] == "global"][0]["value"] == pytest.approx(3.0)
    wells = get_surface("gaussian_wells").build().minima
    kinds = {m["kind"]: m for m in wells}
    assert set(kinds) == {"global", "local", "saddle"}
    assert kinds["global"]["value"] < kinds["local"]["value"] < kinds["saddle"]["value"]


@pytest.mark.parametrize("angle", [0.0, 30.0, -60.0])
@pytest.mark.parametrize("kappa", [1.0, 10.0, 1000.0])
def test_ill_conditioned_curvatures_are_one_and_kappa(kappa: float, angle: float) -> None:
    """The Hessian's eigenvalues are 1 and kappa whatever the rotation; minimum at the origin."""
    obj = get_surface("ill_conditioned").build({"condition_number": kappa, "angle": angle})
    h = 1e-3
    cols = []
    for dx, dy in ((h, 0.0), (0.0, h)):
        gp = np.array(obj.grad(dx, dy))
        gm = np.array(obj.grad(-dx, -dy))
        cols.append((gp - gm) / (2 * h))
    eig = np.linalg.eigvalsh(np.column_stack(cols))
    assert eig == pytest.approx([1.0, kappa], rel=1e-9)
    assert obj.minima == [{"x": 0.0, "y": 0.0, "value": 0.0, "kind": "global"}]
    assert obj.params == {"condition_number": kappa, "angle": angle}


def test_ill_conditioned_default_is_the_textbook_form() -> None:
    """With default params the bowl is 0.5 (x^2 + 10 y^2)."""
    obj = get_surface("ill_conditioned").build()
    assert obj.value(2.0, 1.0) == pytest.approx(0.5 * (4 + 10))


# --------------------------------------------------------------------------- data surfaces


@pytest.mark.parametrize("name", DATA_NAMES)
def test_full_batch_equals_value_and_grad(name: str) -> None:
    """A batch of every sample gives the full-data value and gradient."""
    spec = SURFACES[name]
    obj = spec.build({"n_samples": 100, "data_seed": 7})
    assert obj.n_samples == 100
    x, y = _grid(spec, 9)
    v, gx, gy = obj.batch_value_grad(x, y, np.arange(100))
    assert v.shape == gx.shape == gy.shape == x.shape
    np.testing.assert_allclose(v, obj.value(x, y), rtol=1e-12, atol=1e-12)
    fgx, fgy = obj.grad(x, y)
    np.testing.assert_allclose(gx, fgx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gy, fgy, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", DATA_NAMES)
def test_batch_is_the_mean_of_single_samples(name: str) -> None:
    """A mini-batch's loss and gradient are the means of its single-sample ones."""
    obj = SURFACES[name].build()
    idx = np.array([3, 17, 17, 40, 63])
    x = np.array([0.3, -1.2, 2.5])
    y = np.array([[1.0], [-0.4]])
    v, gx, gy = obj.batch_value_grad(x, y, idx)
    singles = [obj.batch_value_grad(x, y, np.array([i])) for i in idx]
    for got, k in ((v, 0), (gx, 1), (gy, 2)):
        assert got.shape == (2, 3)
        np.testing.assert_allclose(got, np.mean([s[k] for s in singles], axis=0), rtol=1e-12)


@pytest.mark.parametrize("name", DATA_NAMES)
def test_batch_gradient_matches_central_differences(name: str) -> None:
    """The mini-batch gradient is the derivative of the mini-batch loss."""
    obj = SURFACES[name].build()
    idx = np.array([0, 5, 9])
    x = np.array([0.7, -0.9, 2.2])
    y = np.array([1.1, 0.2, -2.0])
    h = 1e-6
    _, gx, gy = obj.batch_value_grad(x, y, idx)
    fx = (obj.batch_value_grad(x + h, y, idx)[0] - obj.batch_value_grad(x - h, y, idx)[0]) / 2 / h
    fy = (obj.batch_value_grad(x, y + h, idx)[0] - obj.batch_value_grad(x, y - h, idx)[0]) / 2 / h
    np.testing.assert_allclose(gx, fx, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gy, fy, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", DATA_NAMES)
def test_data_depend_on_seed_only(name: str) -> None:
    """The same seed reproduces the data exactly; another seed gives other data."""
    spec = SURFACES[name]
    a = spec.build({"data_seed": 3})
    b = spec.build({"data_seed": 3})
    c = spec.build({"data_seed": 4})
    assert a.samples is not None and b.samples is not None and c.samples is not None
    np.testing.assert_array_equal(a.samples[0], b.samples[0])
    np.testing.assert_array_equal(a.samples[1], b.samples[1])
    assert a.value(1.0, 0.0) == b.value(1.0, 0.0)
    assert not np.array_equal(a.samples[0], c.samples[0])
    assert a.value(1.0, 0.0) != c.value(1.0, 0.0)
    assert a.minima != c.minima
    assert len(spec.build({"n_samples": 8}).samples[0]) == 8  # type: ignore[index]


def test_linear_regression_minimum_is_least_squares() -> None:
    """The listed minimum equals numpy's least-squares fit of the generated data."""
    obj = get_surface("linear_regression").build({"n_samples": 200, "data_seed": 11})
    xs, ys = obj.samples  # type: ignore[misc]
    coef, *_ = np.linalg.lstsq(np.column_stack([xs, np.ones_like(xs)]), ys, rcond=None)
    (m,) = obj.minima
    assert (m["x"], m["y"]) == pytest.approx(tuple(coef), rel=1e-10)
    assert m["x"] == pytest.approx(1.5, abs=0.2) and m["y"] == pytest.approx(-0.5, abs=0.2)


@pytest.mark.parametrize("seed", range(40))
def test_logistic_minimum_exists_even_for_tiny_data_sets(seed: int) -> None:
    """With only 8 samples the classes still overlap, so Newton finds a finite stationary point."""
    obj = get_surface("logistic_regression").build({"n_samples": 8, "data_seed": seed})
    xs, labels = obj.samples  # type: ignore[misc]
    assert set(np.unique(labels)) == {0.0, 1.0}
    (m,) = obj.minima
    assert np.isfinite(m["x"]) and np.isfinite(m["y"])
    gx, gy = obj.grad(m["x"], m["y"])
    assert abs(gx) < 1e-9 and abs(gy) < 1e-9


def test_logistic_loss_is_stable_far_away() -> None:
    """Huge logits give finite, linearly growing loss rather than overflow."""
    obj = get_surface("logistic_regression").build()
    v = obj.value(np.array([1e3, -1e3]), np.array([0.0, 0.0]))
    gx, gy = obj.grad(np.array([1e3, -1e3]), np.array([0.0, 0.0]))
    assert np.all(np.isfinite(v)) and np.all(v > 100)
    assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gy))


@pytest.mark.parametrize("idx", [np.array([], dtype=int), np.array([0, 64]), np.array([-1]),
                                 np.array([[0, 1]]), np.array([0.5])])
def test_bad_batch_indices_are_rejected(idx: np.ndarray) -> None:
    """Empty, out-of-range, 2-D or non-integer index arrays raise ValueError."""
    obj = get_surface("linear_regression").build()
    with pytest.raises(ValueError):
        obj.batch_value_grad(0.0, 0.0, idx)


# --------------------------------------------------------------------------- errors


def test_unknown_surface_name_names_the_field() -> None:
    """An unknown name raises ConfigError on surface.name listing the allowed names."""
    with pytest.raises(ConfigError) as err:
        get_surface("rosenbrok")
    assert err.value.field == "surface.name"
    assert "rosenbrock" in err.value.message
    with pytest.raises(ConfigError) as err:
        get_surface(3, field="runs[0].surface.name")  # type: ignore[arg-type]
    assert err.value.field == "runs[0].surface.name"


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("ill_conditioned", {"condition_number": 0}, "surface.params.condition_number"),
        ("ill_conditioned", {"condition_number": 1e5}, "surface.params.condition_number"),
        ("ill_conditioned", {"angle": "steep"}, "surface.params.angle"),
        ("ill_conditioned", {"kappa": 3}, "surface.params.kappa"),
        ("rosenbrock", {"a": 1}, "surface.params.a"),
        ("linear_regression", {"n_samples": 4}, "surface.params.n_samples"),
        ("linear_regression", {"n_samples": 10.5}, "surface.params.n_samples"),
        ("logistic_regression", {"data_seed": -1}, "surface.params.data_seed"),
    ],
)
def test_bad_params_name_the_param(name: str, params: dict, field: str) -> None:
    """Invalid or unknown surface parameters raise ConfigError naming the parameter."""
    with pytest.raises(ConfigError) as err:
        get_surface(name).build(params)
    assert err.value.field == field


def test_build_field_prefix_is_used() -> None:
    """The caller's field prefix appears in parameter errors."""
    with pytest.raises(ConfigError) as err:
        get_surface("ill_conditioned").build({"condition_number": 0}, field="runs[1].surface")
    assert err.value.field == "runs[1].surface.params.condition_number"
    with pytest.raises(ConfigError) as err:
        get_surface("ill_conditioned").build({"condition_number": 0}, "runs[1].surface.params")
    assert err.value.field == "runs[1].surface.params.condition_number"


# --------------------------------------------------------------------------- typed-in formulas


@pytest.fixture()
def _expression_module() -> None:
    """Skip formula tests until the expression parser module exists."""
    pytest.importorskip("app.engine.expression")


@pytest.mark.usefixtures("_expression_module")
@pytest.mark.parametrize(
    "text",
    ["x**2 + 3*y**2", "sin(x) * cos(y) + 0.1*(x**2 + y**2)", "(1 - x)**2 + 100*(y - x**2)**2",
     "exp(-(x**2 + y**2)) - x*y"],
)
def test_expression_gradient_matches_finite_differences(text: str) -> None:
    """A formula's symbolic gradient agrees with central differences of its values."""
    obj = expression_surface(text)
    rng = np.random.default_rng(5)
    x = rng.uniform(-3, 3, 20)
    y = rng.uniform(-3, 3, 20)
    h = 1e-6
    numeric = _central_diff(obj, x, y, h)
    analytic = np.stack(obj.grad(x, y))
    atol = 1e-7 * (1.0 + np.abs(obj.value(x, y)))
    assert np.all(np.abs(analytic - numeric) <= 1e-5 * np.abs(numeric) + atol)


@pytest.mark.usefixtures("_expression_module")
def test_expression_defaults_and_broadcasting() -> None:
    """Default spec fields, and derivatives independent of a variable still broadcast."""
    obj = expression_surface("x**2")
    spec = obj.spec
    assert (spec.name, spec.label, spec.kind) == ("expression", "Custom formula", "expression")
    assert spec.view == DEFAULT_EXPRESSION_VIEW and spec.start == DEFAULT_EXPRESSION_START
    assert spec.latex and not spec.log_scale
    assert obj.minima == [] and obj.n_samples is None
    x, y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-2, 2, 3))
    gx, gy = obj.grad(x, y)
    assert gx.shape == gy.shape == obj.value(x, y).shape == (3, 5)
    np.testing.assert_allclose(gx, 2 * x)
    np.testing.assert_array_equal(gy, np.zeros((3, 5)))
    const = expression_surface("7")
    assert const.value(x, y).shape == (3, 5)


@pytest.mark.usefixtures("_expression_module")
def test_expression_custom_view_and_start() -> None:
    """A given view and start are kept; without a start one is placed inside the view."""
    obj = expression_surface("x*y", view=(0, 10, -1, 1), start=(2, 0.5))
    assert obj.spec.view == (0.0, 10.0, -1.0, 1.0) and obj.spec.start == (2.0, 0.5)
    auto = expression_surface("x*y", view=(0, 12, 0, 6))
    sx, sy = auto.spec.start
    assert 0 < sx < 12 and 0 < sy < 6


@pytest.mark.usefixtures("_expression_module")
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "x +* y"}, "surface.expression"),
        ({"text": "x", "view": (1, 0, 0, 1)}, "surface.view"),
        ({"text": "x", "view": (0, 1, 0)}, "surface.view"),
        ({"text": "x", "view": (0, 1, 0, float("nan"))}, "surface.view"),
        ({"text": "x", "start": (0, "a")}, "surface.start"),
    ],
)
def test_expression_errors_name_the_field(kwargs: dict, field: str) -> None:
    """Bad formulas, views and starts raise ConfigError naming the right field."""
    with pytest.raises(ConfigError) as err:
        expression_surface(**kwargs)
    assert err.value.field.startswith(field)
