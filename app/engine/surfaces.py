"""Registry of 2D loss surfaces (analytic, data-fitting and typed-in formulas), pure NumPy.

Every surface is vectorised over points (``x`` and ``y`` broadcast), evaluated in float64 under
``np.errstate(all="ignore")`` so overflow yields inf/nan for the runner to detect, and has an
analytic gradient. Known minima are exact or polished once by Newton's method on the analytic
gradient, so the gradient there is zero to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import numpy as np

from .errors import ConfigError
from .params import Param, validate_params
from .text import Translations, i18n

Array = np.ndarray
ValueFn = Callable[[Array, Array], Array]
GradFn = Callable[[Array, Array], tuple[Array, Array]]
BatchFn = Callable[[Array, Array, Array], tuple[Array, Array, Array]]
Point = tuple[float, float, str]
Factory = Callable[["SurfaceSpec", dict[str, Any]], "Objective"]

DEFAULT_EXPRESSION_VIEW: tuple[float, float, float, float] = (-3.0, 3.0, -3.0, 3.0)
DEFAULT_EXPRESSION_START: tuple[float, float] = (-2.0, 2.0)
_CHUNK = 1 << 20  # elements per block when averaging over data samples (bounds memory)


def _inputs(x: Any, y: Any) -> tuple[Array, Array, tuple[int, ...]]:
    """Both coordinates as float64 arrays plus their broadcast shape."""
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    return xa, ya, np.broadcast(xa, ya).shape


def _full(a: Any, shape: tuple[int, ...]) -> Array:
    """``a`` as a writable float64 array of exactly ``shape`` (constants get broadcast)."""
    out = np.asarray(a, dtype=np.float64)
    if out.shape != shape:
        out = np.broadcast_to(out, shape).copy()
    return out


# Tree nodes of a formula (value and both derivatives) that cost about one analytic surface's
# evaluation (measured: about 0.7 ns per node and cell against 40 ns for Rosenbrock).
EXPRESSION_NODES_PER_COST = 40.0


class Objective:
    """A surface bound to its parameter values: vectorised value, analytic gradient, minima."""

    def __init__(
        self,
        spec: SurfaceSpec,
        params: Mapping[str, Any],
        value_fn: ValueFn,
        grad_fn: GradFn,
        minima: Sequence[Point],
        *,
        n_samples: int | None = None,
        batch_fn: BatchFn | None = None,
        samples: tuple[Array, Array] | None = None,
        cost: float = 1.0,
        float_exact: bool = False,
    ) -> None:
        """Bind the callables; minima values are computed here so they match ``value`` exactly."""
        self.spec = spec
        self.params: dict[str, Any] = dict(params)
        self._value_fn = value_fn
        self._grad_fn = grad_fn
        self._batch_fn = batch_fn
        self.n_samples = n_samples
        self.samples = samples
        # Work of one value + gradient evaluation relative to an analytic surface (~1); bounds
        # the maps, which evaluate many points per step.
        self.cost = cost
        # The value and gradient functions use only + - * / (no NumPy calls, no powers), so on
        # Python floats they return Python floats bit for bit equal to their array results.
        self.float_exact = float_exact
        self.minima: list[dict[str, Any]] = [
            {"x": float(px), "y": float(py), "value": float(self.value(px, py)), "kind": kind}
            for px, py, kind in minima
        ]

    def value(self, x: Any, y: Any) -> Array:
        """The loss at the (broadcast) points; inf/nan where it overflows."""
        xa, ya, shape = _inputs(x, y)
        with np.errstate(all="ignore"):
            return _full(self._value_fn(xa, ya), shape)

    def grad(self, x: Any, y: Any) -> tuple[Array, Array]:
        """The analytic gradient (d/dx, d/dy) at the (broadcast) points."""
        xa, ya, shape = _inputs(x, y)
        with np.errstate(all="ignore"):
            gx, gy = self._grad_fn(xa, ya)
            return _full(gx, shape), _full(gy, shape)

    def fast_value(self, x: Array, y: Array) -> Array:
        """``value`` for the runner's hot loop: float64 inputs of one shape, errstate held."""
        v = self._value_fn(x, y)
        return v if getattr(v, "shape", None) == x.shape else _full(v, x.shape)

    def fast_grad(self, x: Array, y: Array) -> tuple[Array, Array]:
        """``grad`` for the runner's hot loop: float64 inputs of one shape, errstate held."""
        gx, gy = self._grad_fn(x, y)
        if getattr(gx, "shape", None) != x.shape:
            gx = _full(gx, x.shape)
        if getattr(gy, "shape", None) != x.shape:
            gy = _full(gy, x.shape)
        return gx, gy

    def point_value(self, x: float, y: float) -> float:
        """The loss at one point, bit for bit ``fast_value`` on a (1, 2) point's columns (the
        runner's scalar path; errstate held by the caller)."""
        if self.float_exact:
            return self._value_fn(x, y)  # type: ignore[arg-type, return-value]
        p = np.array([[x, y]])  # the array path's very layout: NumPy picks its loops by it
        return float(self.fast_value(p[:, 0], p[:, 1])[0])

    def point_grad(self, x: float, y: float) -> tuple[float, float]:
        """The gradient at one point, bit for bit ``fast_grad`` on a (1, 2) point's columns."""
        if self.float_exact:
            return self._grad_fn(x, y)  # type: ignore[arg-type, return-value]
        p = np.array([[x, y]])
        gx, gy = self.fast_grad(p[:, 0], p[:, 1])
        return float(gx[0]), float(gy[0])

    def point_functions(self) -> tuple[Callable[[float, float], float],
                                       Callable[[float, float], tuple[float, float]]]:
        """``point_value`` and ``point_grad``; for a float-exact surface its own functions,
        without the wrapper's call (the scalar path's hot loop calls them every step)."""
        if self.float_exact:
            return self._value_fn, self._grad_fn  # type: ignore[return-value]
        return self.point_value, self.point_grad

    def batch_value_grad(self, x: Any, y: Any, idx: Any) -> tuple[Array, Array, Array]:
        """Mean loss and gradient over the data samples ``idx`` (data surfaces only)."""
        if self._batch_fn is None or self.n_samples is None:
            raise ConfigError(
                "surface.name", f"{self.spec.label} has no data samples to draw mini-batches from"
            )
        index = np.asarray(idx)
        if index.ndim != 1 or index.size == 0 or not np.issubdtype(index.dtype, np.integer):
            raise ValueError("idx must be a non-empty 1-D integer array of sample indices")
        if index.min() < 0 or index.max() >= self.n_samples:
            raise ValueError(f"sample indices must lie in [0, {self.n_samples})")
        xa, ya, shape = _inputs(x, y)
        with np.errstate(all="ignore"):
            v, gx, gy = self._batch_fn(xa, ya, index)
            return _full(v, shape), _full(gx, shape), _full(gy, shape)


@dataclass(frozen=True)
class SurfaceSpec:
    """A named loss surface: what to show the student and how to build it for given params."""

    name: str
    label: str
    latex: str
    description: str
    view: tuple[float, float, float, float]
    start: tuple[float, float]
    params: tuple[Param, ...] = ()
    kind: str = "analytic"
    log_scale: bool = False
    factory: Factory | None = dc_field(default=None, repr=False, compare=False)
    zh: Translations = dc_field(default_factory=dict)  # {"label", "description"} in Chinese

    def build(self, params: Mapping[str, Any] | None = None, field: str = "surface") -> Objective:
        """Validate and bind params; errors name ``<surface field>.params.<param>``."""
        # ``field`` may name the surface ("surface") or its params object ("surface.params").
        if self.factory is None:
            raise ConfigError(field, f"surface {self.name!r} cannot be built")
        prefix = field if field == "params" or field.endswith(".params") else f"{field}.params"
        values = validate_params(self.params, params, prefix)
        return self.factory(self, values)

    def to_catalog(self) -> dict[str, Any]:
        """The JSON description of this surface (with default-parameter minima) for the page."""
        return {
            "name": self.name,
            "label": self.label,
            "latex": self.latex,
            "description": self.description,
            "view": list(self.view),
            "start": list(self.start),
            "params": [p.to_catalog() for p in self.params],
            "kind": self.kind,
            "log_scale": self.log_scale,
            "minima": self.build().minima,
            **i18n(self.zh),
        }


# --------------------------------------------------------------------------- minima polishing


def _fd_hessian(grad: GradFn, x: float, y: float) -> Array:
    """Jacobian of the analytic gradient by central differences (only steers Newton steps)."""
    h = 1e-6 * max(1.0, abs(x), abs(y))
    cols = []
    for dx, dy in ((h, 0.0), (0.0, h)):
        gp = np.array(grad(np.float64(x + dx), np.float64(y + dy)), dtype=np.float64)
        gm = np.array(grad(np.float64(x - dx), np.float64(y - dy)), dtype=np.float64)
        cols.append((gp - gm) / (2 * h))
    hess = np.column_stack(cols)
    return 0.5 * (hess + hess.T)


def _newton(
    grad: GradFn,
    x: float,
    y: float,
    hess: Callable[[float, float], Array] | None = None,
    iters: int = 60,
) -> tuple[float, float]:
    """Refine a stationary point by Newton's method; the fixed point zeroes the analytic grad."""
    p = np.array([x, y], dtype=np.float64)
    with np.errstate(all="ignore"):
        for _ in range(iters):
            g = np.array(grad(p[0], p[1]), dtype=np.float64)
            if not np.all(np.isfinite(g)) or np.max(np.abs(g)) == 0.0:
                break
            h = hess(p[0], p[1]) if hess is not None else _fd_hessian(grad, p[0], p[1])
            step = np.linalg.solve(h, g)
            p = p - step
            if np.max(np.abs(step)) <= 1e-15 * max(1.0, float(np.max(np.abs(p)))):
                break
    return float(p[0]), float(p[1])


def _polish(grad: GradFn, guesses: Sequence[Point]) -> list[Point]:
    """Newton-refine each approximate stationary point, keeping its kind."""
    return [(*_newton(grad, x, y), kind) for x, y, kind in guesses]


# --------------------------------------------------------------------------- analytic surfaces


def _quadratic_value(x: Array, y: Array) -> Array:
    """Isotropic bowl with unit curvature: one step of lr = 1 lands on the minimum."""
    return 0.5 * (x * x + y * y)


def _quadratic_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of the isotropic bowl."""
    return x, y


def _ill_conditioned(p: Mapping[str, Any]) -> tuple[ValueFn, GradFn]:
    """Bowl with curvatures 1 and kappa along axes rotated by ``angle`` degrees."""
    kappa = float(p["condition_number"])
    theta = math.radians(float(p["angle"]))
    c, s = math.cos(theta), math.sin(theta)

    def value(x: Array, y: Array) -> Array:
        """0.5 (u^2 + kappa v^2) in the rotated frame."""
        u = c * x + s * y
        v = c * y - s * x
        return 0.5 * (u * u + kappa * v * v)

    def grad(x: Array, y: Array) -> tuple[Array, Array]:
        """Chain rule back from the rotated frame."""
        u = c * x + s * y
        v = c * y - s * x
        return c * u - s * kappa * v, s * u + c * kappa * v

    return value, grad


def _rosenbrock_value(x: Array, y: Array) -> Array:
    """Rosenbrock's banana valley (squares as products: NumPy's ``a**2`` is ``a*a``, a Python
    float's is ``pow``)."""
    a = 1 - x
    b = y - x * x
    return a * a + 100 * (b * b)


def _rosenbrock_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Rosenbrock."""
    r = y - x * x
    return -2 * (1 - x) - 400 * x * r, 200 * r


def _beale_terms(x: Array, y: Array) -> tuple[Array, Array, Array]:
    """The three residuals of Beale's function."""
    return 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y**3


def _beale_value(x: Array, y: Array) -> Array:
    """Beale: sum of squared residuals."""
    t1, t2, t3 = _beale_terms(x, y)
    return t1 * t1 + t2 * t2 + t3 * t3


def _beale_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Beale."""
    t1, t2, t3 = _beale_terms(x, y)
    gx = 2 * (t1 * (y - 1) + t2 * (y * y - 1) + t3 * (y**3 - 1))
    gy = 2 * x * (t1 + 2 * t2 * y + 3 * t3 * y * y)
    return gx, gy


def _himmelblau_value(x: Array, y: Array) -> Array:
    """Himmelblau: four equal minima."""
    a = x * x + y - 11
    b = x + y * y - 7
    return a * a + b * b


def _himmelblau_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Himmelblau."""
    a = x * x + y - 11
    b = x + y * y - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def _booth_value(x: Array, y: Array) -> Array:
    """Booth: a tilted, mildly ill-conditioned quadratic."""
    a = x + 2 * y - 7
    b = 2 * x + y - 5
    return a * a + b * b


def _booth_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Booth."""
    a = x + 2 * y - 7
    b = 2 * x + y - 5
    return 2 * a + 4 * b, 4 * a + 2 * b


def _matyas_value(x: Array, y: Array) -> Array:
    """Matyas: a quadratic with a flat diagonal valley (condition number 25)."""
    return 0.26 * (x * x + y * y) - 0.48 * x * y


def _matyas_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Matyas."""
    return 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


def _three_hump_value(x: Array, y: Array) -> Array:
    """Three-hump camel."""
    x2 = x * x
    return 2 * x2 - 1.05 * x2 * x2 + x2**3 / 6 + x * y + y * y


def _three_hump_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of the three-hump camel."""
    x2 = x * x
    return 4 * x - 4.2 * x2 * x + x2 * x2 * x + y, x + 2 * y


def _six_hump_value(x: Array, y: Array) -> Array:
    """Six-hump camel."""
    x2 = x * x
    y2 = y * y
    return (4 - 2.1 * x2 + x2 * x2 / 3) * x2 + x * y + (-4 + 4 * y2) * y2


def _six_hump_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of the six-hump camel."""
    x2 = x * x
    return 8 * x - 8.4 * x2 * x + 2 * x2 * x2 * x + y, x - 8 * y + 16 * y**3


def _goldstein_parts(x: Array, y: Array) -> tuple[Array, Array, Array, Array, Array, Array]:
    """Goldstein-Price's two factors A, B and their partial derivatives."""
    a = x + y + 1
    pa = 19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y
    dpa = -14 + 6 * x + 6 * y  # d pa/dx == d pa/dy
    fa = 1 + a * a * pa
    dfa = 2 * a * pa + a * a * dpa  # same for x and y
    b = 2 * x - 3 * y
    pb = 18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y
    fb = 30 + b * b * pb
    dfb_x = 4 * b * pb + b * b * (-32 + 24 * x - 36 * y)
    dfb_y = -6 * b * pb + b * b * (48 - 36 * x + 54 * y)
    return fa, dfa, dfa, fb, dfb_x, dfb_y


def _goldstein_value(x: Array, y: Array) -> Array:
    """Goldstein-Price."""
    fa, _, _, fb, _, _ = _goldstein_parts(x, y)
    return fa * fb


def _goldstein_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Goldstein-Price by the product rule."""
    fa, dfa_x, dfa_y, fb, dfb_x, dfb_y = _goldstein_parts(x, y)
    return dfa_x * fb + fa * dfb_x, dfa_y * fb + fa * dfb_y


_TWO_PI = 2 * math.pi


def _rastrigin_value(x: Array, y: Array) -> Array:
    """Rastrigin: a bowl covered in a regular grid of local minima."""
    return 20 + x * x - 10 * np.cos(_TWO_PI * x) + y * y - 10 * np.cos(_TWO_PI * y)


def _rastrigin_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Rastrigin."""
    return 2 * x + 10 * _TWO_PI * np.sin(_TWO_PI * x), 2 * y + 10 * _TWO_PI * np.sin(_TWO_PI * y)


def _ackley_value(x: Array, y: Array) -> Array:
    """Ackley, summed so the value at the origin is exactly 0."""
    r = np.sqrt(0.5 * (x * x + y * y))
    cos_mean = 0.5 * (np.cos(_TWO_PI * x) + np.cos(_TWO_PI * y))
    return (20 - 20 * np.exp(-0.2 * r)) + (math.e - np.exp(cos_mean))


def _ackley_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Ackley; at the origin (a cone tip) the zero subgradient is used."""
    r = np.sqrt(0.5 * (x * x + y * y))
    safe_r = np.where(r > 0, r, 1.0)
    cone = np.where(r > 0, 20 * 0.2 * np.exp(-0.2 * r) * 0.5 / safe_r, 0.0)
    wave = np.exp(0.5 * (np.cos(_TWO_PI * x) + np.cos(_TWO_PI * y))) * 0.5 * _TWO_PI
    return cone * x + wave * np.sin(_TWO_PI * x), cone * y + wave * np.sin(_TWO_PI * y)


def _styblinski_value(x: Array, y: Array) -> Array:
    """Styblinski-Tang in 2D (the standard 1/2 scaling)."""
    return 0.5 * (x**4 - 16 * x * x + 5 * x + y**4 - 16 * y * y + 5 * y)


def _styblinski_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Styblinski-Tang."""
    return 2 * x**3 - 16 * x + 2.5, 2 * y**3 - 16 * y + 2.5


def _levi_value(x: Array, y: Array) -> Array:
    """Levi function N.13."""
    s3x = np.sin(3 * math.pi * x)
    s3y = np.sin(3 * math.pi * y)
    s2y = np.sin(_TWO_PI * y)
    return s3x * s3x + (x - 1) ** 2 * (1 + s3y * s3y) + (y - 1) ** 2 * (1 + s2y * s2y)


def _levi_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of Levi N.13 (using 2 sin a cos a = sin 2a)."""
    s3y = np.sin(3 * math.pi * y)
    s2y = np.sin(_TWO_PI * y)
    gx = 3 * math.pi * np.sin(6 * math.pi * x) + 2 * (x - 1) * (1 + s3y * s3y)
    gy = (
        (x - 1) ** 2 * 3 * math.pi * np.sin(6 * math.pi * y)
        + 2 * (y - 1) * (1 + s2y * s2y)
        + (y - 1) ** 2 * _TWO_PI * np.sin(4 * math.pi * y)
    )
    return gx, gy


def _saddle_value(x: Array, y: Array) -> Array:
    """The plain saddle."""
    return x * x - y * y


def _saddle_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of the plain saddle."""
    return 2 * x, -2 * y


def _monkey_value(x: Array, y: Array) -> Array:
    """The monkey saddle (three valleys meet at a flat point)."""
    return x**3 - 3 * x * y * y


def _monkey_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of the monkey saddle."""
    return 3 * x * x - 3 * y * y, -6 * x * y


# Gaussian wells: (amplitude, centre x, centre y, width s) with f = -A exp(-|p - c|^2 / s).
_WELLS: tuple[tuple[float, float, float, float], ...] = (
    (0.8, -1.5, 1.0, 0.6),  # shallow, narrow: the trap
    (2.0, 1.5, -1.0, 3.0),  # deep, wide: the global minimum
)
_CONFINE = 0.05  # small quadratic confinement so the surface is bounded below at infinity


def _wells_value(x: Array, y: Array) -> Array:
    """Two Gaussian wells plus a weak quadratic bowl."""
    out = _CONFINE * (x * x + y * y)
    for amp, cx, cy, s in _WELLS:
        out = out - amp * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / s)
    return out


def _wells_grad(x: Array, y: Array) -> tuple[Array, Array]:
    """Gradient of the wells: each contributes (2A/s) e (p - c)."""
    gx = 2 * _CONFINE * x
    gy = 2 * _CONFINE * y
    for amp, cx, cy, s in _WELLS:
        k = 2 * amp / s * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / s)
        gx = gx + k * (x - cx)
        gy = gy + k * (y - cy)
    return gx, gy


def _wells_hessian(x: float, y: float) -> Array:
    """Analytic Hessian of the wells: (2A/s) e (I - (2/s) r r^T) per well, plus 2q I."""
    hess = 2 * _CONFINE * np.eye(2)
    for amp, cx, cy, s in _WELLS:
        r = np.array([x - cx, y - cy])
        k = 2 * amp / s * math.exp(-float(r @ r) / s)
        hess = hess + k * (np.eye(2) - (2 / s) * np.outer(r, r))
    return hess


def _analytic(
    name: str,
    label: str,
    latex: str,
    description: str,
    view: tuple[float, float, float, float],
    start: tuple[float, float],
    value: ValueFn,
    grad: GradFn,
    minima: Sequence[Point],
    *,
    log_scale: bool = False,
    float_exact: bool = False,
    zh: Translations | None = None,
) -> SurfaceSpec:
    """A parameter-free analytic surface with fixed (already exact or polished) minima;
    ``float_exact`` when its functions are plain arithmetic (see ``Objective.float_exact``)."""
    points = list(minima)

    def make(spec: SurfaceSpec, params: dict[str, Any]) -> Objective:
        """Bind the fixed functions."""
        return Objective(spec, params, value, grad, points, float_exact=float_exact)

    return SurfaceSpec(
        name=name, label=label, latex=latex, description=description, view=view, start=start,
        log_scale=log_scale, factory=make, zh=zh or {},
    )


def _make_ill_conditioned(spec: SurfaceSpec, params: dict[str, Any]) -> Objective:
    """Bind the ill-conditioned bowl to its condition number and angle."""
    value, grad = _ill_conditioned(params)
    return Objective(spec, params, value, grad, [(0.0, 0.0, "global")], float_exact=True)


def _three_hump_minima() -> list[Point]:
    """Closed form: y = -x/2 and x^4 - 4.2 x^2 + 3.5 = 0 (the larger root gives the minima)."""
    xm = math.sqrt((4.2 + math.sqrt(4.2**2 - 14)) / 2)
    return [(0.0, 0.0, "global"), (xm, -xm / 2, "local"), (-xm, xm / 2, "local")]


def _styblinski_minima() -> list[Point]:
    """Per coordinate the minima are the outer roots of 4 t^3 - 32 t + 5 = 0."""
    roots = np.sort(np.roots([4.0, 0.0, -32.0, 5.0]).real)
    lo, hi = float(roots[0]), float(roots[2])
    return [(lo, lo, "global"), (lo, hi, "local"), (hi, lo, "local"), (hi, hi, "local")]


# --------------------------------------------------------------------------- data surfaces


def _data_params() -> tuple[Param, ...]:
    """The sample count and seed shared by the data-fitting surfaces."""
    return (
        Param("n_samples", 64, kind="int", min=8, max=1024, step=1, symbol="n",
              help="number of generated data points",
              zh={"help": "生成的数据点个数"}),
        Param("data_seed", 0, kind="int", min=0, max=2**31 - 1, step=1,
              help="seed of the random generator that draws the data set",
              zh={"help": "生成数据集所用随机数生成器的种子"}),
    )


def _sample_mean(
    per_sample: Callable[[Array, Array, Array, Array], tuple[Array, ...]],
    w: Array,
    b: Array,
    xs: Array,
    ys: Array,
) -> tuple[Array, ...]:
    """Mean over samples of ``per_sample`` evaluated on (..., k) blocks; memory stays bounded."""
    shape = np.broadcast(w, b).shape
    wk = np.broadcast_to(w, shape)[..., None]
    bk = np.broadcast_to(b, shape)[..., None]
    block = max(1, _CHUNK // max(1, math.prod(shape)))
    totals: list[Array] | None = None
    for lo in range(0, len(xs), block):
        parts = per_sample(wk, bk, xs[lo:lo + block], ys[lo:lo + block])
        sums = [np.sum(part, axis=-1) for part in parts]
        totals = sums if totals is None else [t + s for t, s in zip(totals, sums, strict=True)]
    assert totals is not None
    return tuple(t / len(xs) for t in totals)


def _linear_data(n: int, seed: int) -> tuple[Array, Array]:
    """x ~ U(-2, 2), y = 1.5 x - 0.5 + N(0, 0.5^2), from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-2.0, 2.0, n)
    ys = 1.5 * xs - 0.5 + rng.normal(0.0, 0.5, n)
    return xs, ys


def _linear_per_sample(w: Array, b: Array, xs: Array, ys: Array) -> tuple[Array, ...]:
    """Squared residual and its gradient for each sample."""
    r = w * xs + b - ys
    return r * r, 2 * r * xs, 2 * r


def _make_linear(spec: SurfaceSpec, params: dict[str, Any]) -> Objective:
    """Mean squared error of y = w x + b; full-data values use the exact moment form."""
    xs, ys = _linear_data(params["n_samples"], params["data_seed"])
    mx, my = float(np.mean(xs)), float(np.mean(ys))
    mxx, mxy, myy = float(np.mean(xs * xs)), float(np.mean(xs * ys)), float(np.mean(ys * ys))

    def value(w: Array, b: Array) -> Array:
        """MSE expanded into the data moments (cost independent of n)."""
        return w * w * mxx + 2 * w * b * mx + b * b - 2 * w * mxy - 2 * b * my + myy

    def grad(w: Array, b: Array) -> tuple[Array, Array]:
        """Gradient of the MSE from the moments."""
        return 2 * (w * mxx + b * mx - mxy), 2 * (w * mx + b - my)

    def batch(w: Array, b: Array, idx: Array) -> tuple[Array, Array, Array]:
        """MSE and gradient over the chosen samples."""
        v, gw, gb = _sample_mean(_linear_per_sample, w, b, xs[idx], ys[idx])
        return v, gw, gb

    w_opt, b_opt = np.linalg.solve(np.array([[mxx, mx], [mx, 1.0]]), np.array([mxy, my]))
    return Objective(
        spec, params, value, grad, [(float(w_opt), float(b_opt), "global")],
        n_samples=len(xs), batch_fn=batch, samples=(xs, ys), float_exact=True,
    )


def _sigmoid(z: Array) -> Array:
    """Logistic function without overflow: uses exp(-|z|) on both sides."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _overlapping(xs: Array, labels: Array) -> bool:
    """True when no threshold separates the classes, so the logistic minimum is finite."""
    pos, neg = xs[labels == 1], xs[labels == 0]
    if pos.size == 0 or neg.size == 0:
        return False
    return bool(neg.min() < pos.max() and pos.min() < neg.max())


def _logistic_data(n: int, seed: int) -> tuple[Array, Array]:
    """x ~ U(-3, 3), label ~ Bernoulli(sigmoid(1.5 x - 0.5)); redrawn until classes overlap."""
    rng = np.random.default_rng(seed)
    for _ in range(100):
        xs = rng.uniform(-3.0, 3.0, n)
        labels = (rng.random(n) < _sigmoid(1.5 * xs - 0.5)).astype(np.float64)
        if _overlapping(xs, labels):
            return xs, labels
    # Practically unreachable; force an overlap deterministically at both ends.
    order = np.argsort(xs)
    labels[order[[0, -2]]] = 1.0
    labels[order[[1, -1]]] = 0.0
    return xs, labels


def _logistic_per_sample(w: Array, b: Array, xs: Array, ys: Array) -> tuple[Array, ...]:
    """Stable cross-entropy log(1 + e^z) - y z and its gradient for each sample."""
    z = w * xs + b
    err = _sigmoid(z) - ys
    return np.logaddexp(0.0, z) - ys * z, err * xs, err


def _logistic_loss_only(w: Array, b: Array, xs: Array, ys: Array) -> tuple[Array, ...]:
    """Per-sample cross-entropy without the gradient (for full-grid contour values)."""
    z = w * xs + b
    return (np.logaddexp(0.0, z) - ys * z,)


def _logistic_minimum(xs: Array, ys: Array) -> tuple[float, float]:
    """Damped Newton's method on the mean cross-entropy (convex; finite for overlapping data)."""
    design = np.column_stack([xs, np.ones_like(xs)])

    def loss(theta: Array) -> float:
        """Mean cross-entropy at theta = (w, b)."""
        z = design @ theta
        return float(np.mean(np.logaddexp(0.0, z) - ys * z))

    theta = np.zeros(2)
    for _ in range(100):
        s = _sigmoid(design @ theta)
        g = design.T @ (s - ys) / len(xs)
        if np.max(np.abs(g)) < 1e-15:
            break
        h = (design * (s * (1 - s))[:, None]).T @ design / len(xs)
        step = np.linalg.solve(h, g)
        t, current = 1.0, loss(theta)
        while loss(theta - t * step) > current + 1e-12 and t > 1e-8:
            t *= 0.5
        theta = theta - t * step
        if np.max(np.abs(t * step)) < 1e-15:
            break
    return float(theta[0]), float(theta[1])


def _make_logistic(spec: SurfaceSpec, params: dict[str, Any]) -> Objective:
    """Mean binary cross-entropy of sigmoid(w x + b) on a generated 1-D classification set."""
    xs, ys = _logistic_data(params["n_samples"], params["data_seed"])

    def value(w: Array, b: Array) -> Array:
        """Full-data mean cross-entropy."""
        return _sample_mean(_logistic_loss_only, w, b, xs, ys)[0]

    def grad(w: Array, b: Array) -> tuple[Array, Array]:
        """Full-data gradient of the mean cross-entropy."""
        _, gw, gb = _sample_mean(_logistic_per_sample, w, b, xs, ys)
        return gw, gb

    def batch(w: Array, b: Array, idx: Array) -> tuple[Array, Array, Array]:
        """Cross-entropy and gradient over the chosen samples."""
        v, gw, gb = _sample_mean(_logistic_per_sample, w, b, xs[idx], ys[idx])
        return v, gw, gb

    w_opt, b_opt = _logistic_minimum(xs, ys)
    return Objective(
        spec, params, value, grad, [(w_opt, b_opt, "global")],
        n_samples=len(xs), batch_fn=batch, samples=(xs, ys), cost=float(len(xs)),
    )


# --------------------------------------------------------------------------- the registry


def _build_registry() -> dict[str, SurfaceSpec]:
    """Declare every named surface once; minima that need it are Newton-polished here."""
    specs = [
        _analytic(
            "quadratic", "Quadratic bowl", r"\tfrac{1}{2}\left(x^2 + y^2\right)",
            "The easiest case: every direction curves equally, so gradient descent heads straight "
            "for the minimum. With lr = 1 it lands in one step; above lr = 2 it diverges.",
            (-3.0, 3.0, -3.0, 3.0), (-2.5, 2.0), _quadratic_value, _quadratic_grad,
            [(0.0, 0.0, "global")], float_exact=True,
            zh={"label": "二次碗",
                "description": ("最简单的情形：每个方向的弯曲程度相同，所以梯度下降径直走向极小"
                                "值。lr = 1 时一步到达；lr 大于 2 时发散。")},
        ),
        SurfaceSpec(
            name="ill_conditioned", label="Ill-conditioned bowl",
            latex=(r"\tfrac{1}{2}\left(u^2 + \kappa\,v^2\right),\quad "
                   r"u = x\cos\theta + y\sin\theta,\; v = y\cos\theta - x\sin\theta"),
            description=(
                "A bowl that is kappa times steeper across than along: plain gradient descent "
                "zig-zags and crawls, momentum helps. Rotate it (angle) and per-coordinate "
                "methods like Adam lose their advantage, since the valley is no longer "
                "aligned with the axes."
            ),
            view=(-3.0, 3.0, -3.0, 3.0), start=(-2.5, 1.0),
            params=(
                Param("condition_number", 10.0, min=1.0, max=1e4, scale="log",
                      symbol=r"\kappa", help="ratio of the largest to the smallest curvature",
                      zh={"help": "最大曲率与最小曲率之比"}),
                Param("angle", 0.0, min=-90.0, max=90.0, step=1.0, symbol=r"\theta",
                      help="rotation of the valley away from the axes, in degrees",
                      zh={"help": "山谷相对坐标轴的旋转角度（单位：度）"}),
            ),
            log_scale=True, factory=_make_ill_conditioned,
            zh={"label": "病态碗",
                "description": ("一个横向比纵向陡 kappa 倍的碗：普通梯度下降会之字形振荡、"
                                "缓慢爬行，动量能帮上忙。把它旋转（angle）后，像 Adam "
                                "这样逐坐标缩放的方法就失去了优势，因为山谷不再与坐标轴对齐。")},
        ),
        _analytic(
            "rosenbrock", "Rosenbrock", r"(1 - x)^2 + 100\,(y - x^2)^2",
            "A curved, narrow, almost flat-bottomed valley: reaching the valley is easy, "
            "following it to the minimum at (1, 1) is slow without momentum or adaptivity.",
            (-2.0, 2.0, -1.0, 3.0), (-1.2, 1.0), _rosenbrock_value, _rosenbrock_grad,
            [(1.0, 1.0, "global")], log_scale=True, float_exact=True,
            zh={"label": "Rosenbrock 函数",
                "description": ("一条弯曲、狭窄、谷底几乎平坦的山谷：到达谷底很容易，"
                                "但没有动量或自适应步长时，沿着它走到 (1, 1) 处的极小值会很慢。")},
        ),
        _analytic(
            "beale", "Beale",
            r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
            "Flat plateaus next to very steep walls: the gradient scale changes by orders of "
            "magnitude, which is where adaptive step sizes shine.",
            (-4.5, 4.5, -4.5, 4.5), (1.0, 1.5), _beale_value, _beale_grad,
            [(3.0, 0.5, "global")], log_scale=True,
            zh={"label": "Beale 函数",
                "description": ("平坦的高原紧挨着非常陡峭的壁：梯度的尺度相差好几个数量级，"
                                "这正是自适应步长大显身手的地方。")},
        ),
        _analytic(
            "himmelblau", "Himmelblau", r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            "Four equally good minima: which one an optimizer reaches depends on where it "
            "starts and on its momentum.",
            (-5.0, 5.0, -5.0, 5.0), (-0.5, 0.5), _himmelblau_value, _himmelblau_grad,
            _polish(_himmelblau_grad, [
                (3.0, 2.0, "global"), (-2.805, 3.131, "global"),
                (-3.779, -3.283, "global"), (3.584, -1.848, "global"),
            ]),
            log_scale=True, float_exact=True,
            zh={"label": "Himmelblau 函数",
                "description": "四个同样好的极小值：优化器最终到达哪一个，取决于它的起点和动量。"},
        ),
        _analytic(
            "booth", "Booth", r"(x + 2y - 7)^2 + (2x + y - 5)^2",
            "A quadratic bowl tilted 45 degrees with condition number 9: a gentle first "
            "look at zig-zagging across a valley that is not aligned with the axes.",
            (-4.0, 6.0, -2.0, 8.0), (-3.0, 0.0), _booth_value, _booth_grad,
            [(1.0, 3.0, "global")], log_scale=True, float_exact=True,
            zh={"label": "Booth 函数",
                "description": ("一个倾斜 45 度、条件数为 9 的二次碗："
                                "初步体会在与坐标轴不对齐的山谷中之字形前进。")},
        ),
        _analytic(
            "matyas", "Matyas", r"0.26\,(x^2 + y^2) - 0.48\,xy",
            "A long, very flat diagonal valley (condition number 25): progress along the "
            "valley floor is slow for plain gradient descent.",
            (-6.0, 6.0, -6.0, 6.0), (-5.0, -2.5), _matyas_value, _matyas_grad,
            [(0.0, 0.0, "global")], float_exact=True,
            zh={"label": "Matyas 函数",
                "description": ("一条又长又非常平坦的对角山谷（条件数 25）："
                                "普通梯度下降沿谷底前进得很慢。")},
        ),
        _analytic(
            "three_hump_camel", "Three-hump camel",
            r"2x^2 - 1.05x^4 + \frac{x^6}{6} + xy + y^2",
            "One global minimum flanked by two shallower local ones: a start on the side "
            "gets trapped unless momentum carries it over the ridge.",
            (-2.5, 2.5, -2.5, 2.5), (2.2, -0.3), _three_hump_value, _three_hump_grad,
            _three_hump_minima(),
            zh={"label": "三峰骆驼函数",
                "description": ("一个全局极小值，两侧各有一个较浅的局部极小值："
                                "从侧面出发会被困住，除非动量带着它越过山脊。")},
        ),
        _analytic(
            "six_hump_camel", "Six-hump camel",
            r"\left(4 - 2.1x^2 + \frac{x^4}{3}\right)x^2 + xy + \left(4y^2 - 4\right)y^2",
            "Two symmetric global minima and four local ones: a small landscape to explore "
            "basins of attraction.",
            (-2.2, 2.2, -1.2, 1.2), (-2.0, -1.0), _six_hump_value, _six_hump_grad,
            _polish(_six_hump_grad, [
                (0.0898, -0.7126, "global"), (-0.0898, 0.7126, "global"),
                (1.7036, -0.7961, "local"), (-1.7036, 0.7961, "local"),
                (1.6071, 0.5687, "local"), (-1.6071, -0.5687, "local"),
            ]),
            zh={"label": "六峰骆驼函数",
                "description": ("两个对称的全局极小值和四个局部极小值：一个用来探索吸引域的小地"
                                "形。")},
        ),
        _analytic(
            "goldstein_price", "Goldstein-Price",
            (r"\left[1 + (x + y + 1)^2\,(19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
             r"\left[30 + (2x - 3y)^2\,(18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"),
            "Values from 3 to about a million across the view, with several local minima: "
            "raw gradient steps are either tiny or explosive, so step-size control matters.",
            (-2.0, 2.0, -2.0, 2.0), (-1.0, 0.5), _goldstein_value, _goldstein_grad,
            _polish(_goldstein_grad, [
                (0.0, -1.0, "global"), (-0.6, -0.4, "local"),
                (1.8, 0.2, "local"), (1.2, 0.8, "local"),
            ]),
            log_scale=True, float_exact=True,
            zh={"label": "Goldstein-Price 函数",
                "description": ("在视图范围内函数值从 3 到约一百万，并有多个局部极小值："
                                "原始的梯度步要么极小、要么爆炸，所以步长控制至关重要。")},
        ),
        _analytic(
            "rastrigin", "Rastrigin",
            r"20 + x^2 - 10\cos(2\pi x) + y^2 - 10\cos(2\pi y)",
            "A bowl covered with a regular grid of local minima: small steps get stuck in "
            "the nearest dip, large steps or momentum can skip across them.",
            (-5.12, 5.12, -5.12, 5.12), (3.2, -2.6), _rastrigin_value, _rastrigin_grad,
            [(0.0, 0.0, "global")],
            zh={"label": "Rastrigin 函数",
                "description": ("一个布满规则网格状局部极小值的碗：小步子会卡在最近的凹坑里，"
                                "大步子或动量则可以跳过它们。")},
        ),
        _analytic(
            "ackley", "Ackley",
            (r"-20\exp\left(-0.2\sqrt{\tfrac{1}{2}(x^2 + y^2)}\right)"
             r" - \exp\left(\tfrac{1}{2}(\cos 2\pi x + \cos 2\pi y)\right) + e + 20"),
            "A nearly flat, bumpy plateau around a sharp funnel: far from the centre the "
            "gradient says little about where the minimum is.",
            (-4.0, 4.0, -4.0, 4.0), (2.6, -3.2), _ackley_value, _ackley_grad,
            [(0.0, 0.0, "global")],
            zh={"label": "Ackley 函数",
                "description": ("一个尖锐的漏斗，周围是几乎平坦、坑坑洼洼的高原：远离中心时，"
                                "梯度几乎无法指明极小值在哪里。")},
        ),
        _analytic(
            "styblinski_tang", "Styblinski-Tang",
            r"\tfrac{1}{2}\left(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y\right)",
            "Four basins of three depths: the deepest is at (-2.90, -2.90), the two beside "
            "it are equally deep and the shallowest is at (2.75, 2.75); gradient descent simply "
            "takes whichever basin it starts in.",
            (-5.0, 5.0, -5.0, 5.0), (0.5, 0.5), _styblinski_value, _styblinski_grad,
            _styblinski_minima(),
            zh={"label": "Styblinski-Tang 函数",
                "description": ("四个盆地，深度有三种：最深的位于 (-2.90, -2.90)，"
                                "它旁边的两个一样深，最浅的位于 (2.75, 2.75)；"
                                "而梯度下降只会落入它出发时所在的那个盆地。")},
        ),
        _analytic(
            "levi_n13", "Levi N.13",
            (r"\sin^2(3\pi x) + (x - 1)^2\left(1 + \sin^2(3\pi y)\right)"
             r" + (y - 1)^2\left(1 + \sin^2(2\pi y)\right)"),
            "Ripples on top of a bowl centred at (1, 1): many small local minima along the "
            "way test whether an optimizer can keep moving.",
            (-2.0, 4.0, -2.0, 4.0), (-1.2, 3.2), _levi_value, _levi_grad,
            [(1.0, 1.0, "global")],
            zh={"label": "Levi N.13 函数",
                "description": ("以 (1, 1) 为中心的碗上叠加了波纹：沿途许多小的局部极小值考验优"
                                "化器能否持续前进。")},
        ),
        _analytic(
            "saddle", "Saddle", r"x^2 - y^2",
            "A saddle point, not a minimum: starting almost on the ridge, gradient descent "
            "slows to a crawl near the centre before sliding off along y.",
            (-2.0, 2.0, -2.0, 2.0), (-1.8, 0.05), _saddle_value, _saddle_grad,
            [(0.0, 0.0, "saddle")], float_exact=True,
            zh={"label": "鞍面",
                "description": ("一个鞍点，而不是极小值：从几乎位于山脊上的点出发，"
                                "梯度下降在中心附近慢得像在爬，然后才沿 y 方向滑走。")},
        ),
        _analytic(
            "monkey_saddle", "Monkey saddle", r"x^3 - 3xy^2",
            "A flat saddle with three downhill directions: the gradient vanishes to second "
            "order at the centre, so escaping takes even longer.",
            (-2.0, 2.0, -2.0, 2.0), (1.5, 0.1), _monkey_value, _monkey_grad,
            [(0.0, 0.0, "saddle")],
            zh={"label": "猴鞍面",
                "description": ("一个有三个下坡方向的平坦鞍点：在中心处梯度以二阶速度趋于零，"
                                "所以逃离需要更长的时间。")},
        ),
        _analytic(
            "gaussian_wells", "Gaussian wells",
            (r"0.05\,\|p\|^2 - 0.8\,e^{-\|p - c_1\|^2 / 0.6} - 2\,e^{-\|p - c_2\|^2 / 3},\quad "
             r"p = (x, y),\; c_1 = (-1.5, 1),\; c_2 = (1.5, -1)"),
            "A shallow, narrow well next to a deeper, wider one: gradient descent settles in "
            "whichever it reaches first, momentum can roll over the barrier into the better one.",
            (-4.0, 4.0, -3.5, 3.5), (-3.0, 2.5), _wells_value, _wells_grad,
            [
                (*_newton(_wells_grad, x0, y0, hess=_wells_hessian), kind)
                for x0, y0, kind in ((1.5, -1.0, "global"), (-1.5, 1.0, "local"),
                                     (-0.6, 0.4, "saddle"))
            ],
            zh={"label": "高斯势阱",
                "description": ("一个又浅又窄的阱紧挨着一个更深更宽的阱："
                                "梯度下降停在它先到达的那个里，动量则可以越过势垒滚进更好的那个"
                                "。")},
        ),
        SurfaceSpec(
            name="linear_regression", label="Linear regression (MSE)",
            latex=r"\frac{1}{n}\sum_{i=1}^{n}\left(w\,x_i + b - y_i\right)^2",
            description=(
                "Fitting a line y = w x + b to noisy data: the horizontal axis is the slope w, "
                "the vertical the intercept b. Mini-batches make the gradient noisy."
            ),
            view=(-1.5, 4.5, -3.5, 2.5), start=(-1.0, 2.0), params=_data_params(),
            kind="data", factory=_make_linear,
            zh={"label": "线性回归（MSE）",
                "description": ("用直线 y = w x + b 拟合带噪声的数据：横轴是斜率 w，纵轴是截距 "
                                "b。小批量使梯度带有噪声。")},
        ),
        SurfaceSpec(
            name="logistic_regression", label="Logistic regression (cross-entropy)",
            latex=(r"\frac{1}{n}\sum_{i=1}^{n}\left[\log\left(1 + e^{z_i}\right) - y_i z_i"
                   r"\right],\quad z_i = w\,x_i + b"),
            description=(
                "Classifying 1-D points with sigmoid(w x + b): the horizontal axis is the "
                "weight w, the vertical the bias b. The loss is convex but flattens out far "
                "from the minimum."
            ),
            view=(-1.5, 4.5, -3.5, 2.5), start=(-1.0, 2.0), params=_data_params(),
            kind="data", factory=_make_logistic,
            zh={"label": "逻辑回归（交叉熵）",
                "description": ("用 sigmoid(w x + b) 对一维的点进行分类：横轴是权重 w，"
                                "纵轴是偏置 b。损失是凸的，但在远离极小值处变得平坦。")},
        ),
    ]
    return {spec.name: spec for spec in specs}


SURFACES: dict[str, SurfaceSpec] = _build_registry()


def get_surface(name: str, field: str = "surface.name") -> SurfaceSpec:
    """Look a surface up by name; unknown names raise ConfigError listing the allowed ones."""
    if isinstance(name, str) and name in SURFACES:
        return SURFACES[name]
    allowed = ", ".join(SURFACES)
    raise ConfigError(field, f"unknown surface {name!r}; allowed: {allowed}")


# --------------------------------------------------------------------------- typed-in formulas


def _finite_numbers(value: Any, count: int, field: str) -> tuple[float, ...]:
    """``value`` as ``count`` finite floats, or ConfigError naming ``field``."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != count:
        raise ConfigError(field, f"must be a list of {count} numbers")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise ConfigError(field, f"must be a list of {count} finite numbers")
        out.append(float(item))
    return tuple(out)


def expression_surface(
    text: str,
    view: tuple[float, float, float, float] | None = None,
    start: tuple[float, float] | None = None,
    field: str = "surface.expression",
) -> Objective:
    """A surface from a typed formula in x and y; its gradient is the symbolic derivative."""
    from .expression import parse_expression

    parent = field.rpartition(".")[0]
    view_field = f"{parent}.view" if parent else "view"
    start_field = f"{parent}.start" if parent else "start"
    if view is None:
        box = DEFAULT_EXPRESSION_VIEW
    else:
        xmin, xmax, ymin, ymax = _finite_numbers(view, 4, view_field)
        if not (xmin < xmax and ymin < ymax):
            raise ConfigError(view_field, "must be (xmin, xmax, ymin, ymax) with min < max")
        box = (xmin, xmax, ymin, ymax)
    if start is None:
        if view is None:
            point = DEFAULT_EXPRESSION_START
        else:  # same relative place as the default: a third of the way in from the top-left
            point = (box[0] + (box[1] - box[0]) / 6, box[3] - (box[3] - box[2]) / 6)
    else:
        sx, sy = _finite_numbers(start, 2, start_field)
        point = (sx, sy)

    expr = parse_expression(text, variables=("x", "y"), field=field)
    d_dx = expr.derivative("x")
    d_dy = expr.derivative("y")

    def value(x: Array, y: Array) -> Array:
        """The formula evaluated at the points."""
        return expr.evaluate(x=x, y=y)

    def grad(x: Array, y: Array) -> tuple[Array, Array]:
        """The symbolic partial derivatives evaluated at the points."""
        return d_dx.evaluate(x=x, y=y), d_dy.evaluate(x=x, y=y)

    cost = max(1.0, (expr.size + d_dx.size + d_dy.size) / EXPRESSION_NODES_PER_COST)

    def make(spec: SurfaceSpec, params: dict[str, Any]) -> Objective:
        """Bind the parsed formula."""
        return Objective(spec, params, value, grad, [], cost=cost)

    spec = SurfaceSpec(
        name="expression", label="Custom formula", latex=expr.latex(),
        description="Your own formula; the gradient is its exact symbolic derivative.",
        view=box, start=point, kind="expression", factory=make,
    )
    return spec.build(field=parent or "surface")
