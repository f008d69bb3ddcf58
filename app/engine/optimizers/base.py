"""An optimizer here: a spec (catalog data) plus pure functions over explicit records.

Four records, each under its own name, so that no key of one can shadow a key of another:

- ``hp``, the **hyperparameters**: the run's configured values (torch's keyword names), with the
  scheduled ``lr`` (and a cycled momentum / beta1) written in by the runner each step. A wrapper's
  inner optimizer's are nested under ``"inner"``.
- ``state``, the optimizer's **state** (torch's state names), a new record every step.
- ``consts``, the step's **constants**: ``constants(hp, t, initial)`` gives the scalars that both
  coordinates' updates share at step t (bias corrections, NAdam's mu_t, RAdam's r_t, ...);
  ``initial`` is the hyperparameter record as configured, before any schedule (AdaBound's base
  lr). The catalog lists them as ``factors`` (``constant_vars``), the stream carries them.
- ``teaching``: ``teaching(state, hp, consts)`` derives the quantities shown for teaching (m-hat,
  the step scale, ...) from the recorded state and constants alone, element-wise.

Arrays are vectorised over B runs: parameters and gradients have shape (B, 2); a hyperparameter is
a Python scalar or an array of shape (B, 1) (hyperparameter maps vary it per run: see
:func:`is_per_run`); ``lr`` is (B, 1) on arrays because schedules set it.
``update(p, grad, state, hp, consts, t, oracle)`` returns the new parameters and a new state
record: nothing hides inside an object, and the state record is what the page plots.

The same ``update`` also runs on plain Python floats, one coordinate at a time: a single run
steps that way (the runner's float kernel), because NumPy's per-call overhead on (1, 2) arrays
costs far more than the arithmetic. Updates therefore use only ``+ - * /``, the comparisons, and
the helpers below (``sqrt``, ``maximum``, ``minimum``, ``absolute``, ``sign``, ``copy``,
``per_run``, ``select``, ``lerp``, ...), which take ``math`` / plain-Python routes for floats and
NumPy's for arrays. IEEE arithmetic and square roots are correctly rounded in both, and the
helpers keep NumPy's NaN and signed-zero rules, so a float run is bit for bit the array run of the
same configuration (tests/test_scalar_path.py). The runner calls ``constants`` once per step and
``teaching`` once per recorded block, on the recorded columns (each constant a column).

Adding an optimizer
-------------------
One module (or a section of one) providing an :class:`OptimizerSpec`, one line in the registry
(``OPTIMIZERS`` in ``optimizers/__init__.py``), and its reference case in the tests
(``tests/fixtures/make_optimizer_fixtures.py`` for torch's, which ``tests/test_optimizers.py``
compares step for step, live against torch too). The spec gives:

- ``params``: :class:`~app.engine.params.Param` entries under torch's keyword names and defaults
  (a pair such as ``betas`` split as ``beta1``, ``beta2``); ``check`` for cross-field rules.
- ``init(p, hp) -> state`` and ``update(...)`` as above, written with the helpers here so they
  run on floats and on arrays alike (a per-run choice is ``select(cond, a, b)``, never an ``if``
  on a value that a map may vary; ``is_per_run`` tells a per-run array from a plain number).
- optionally ``constants`` (with ``constant_vars`` naming the ones the page shows) and
  ``teaching`` (with :class:`StateVar` entries flagged ``teaching=True``).
- ``state``: a :class:`StateVar` per recorded quantity, with its symbol; ``scalar=True`` for one
  value per run; ``path=True`` for a point in the plane (ASGD's average ``ax``, Schedule-Free's
  y and z, SAM's perturbed point): the stream carries it as any state quantity (``state.<name>``
  with ``x`` and ``y``), the catalog flags it ``"path": true`` so the page can draw it as a
  companion path of the run.
- ``equations`` and ``step_scale`` (:class:`Line` entries, shown per configuration), ``label``,
  ``description``, ``reference`` and Chinese in the ``zh`` fields.
- ``needs_oracle=True`` when a step evaluates the objective more than once (L-BFGS's line search,
  SAM's second gradient): ``update`` then gets an :class:`Oracle` and the run steps on arrays;
  ``by_row=True`` too when the update loops over the runs in Python (L-BFGS), not vectorised.
  ``pair_update`` lets a single run of such an optimizer step on floats all the same, both
  coordinates at once (SAM: its perturbation's norm couples them; L-BFGS), bit for bit its
  ``update``, with a :class:`PairOracle` for its evaluations; a per-coordinate optimizer may
  have one too, to compute its per-run quantities once a step (Schedule-Free's weight c_t), and
  so may a ``joint`` one (Prodigy, D-Adaptation, LAMB: its per-coordinate pieces on each
  coordinate's floats, its sums and norms once), which a single run then takes instead of the
  Vec2 pairs below (its ``update`` passes a Vec2 call on to it: ``pair.vec2_step``).
- ``applied_lr(state, hp, consts)`` when the lr the step applies is not the scheduled one
  (ASGD's eta_t, Prodigy's d_t * lr), read from the state the step leaves (per run, like a
  ``scalar`` state quantity): the run's ``lr`` series (the lr chart) records it instead.
- ``momentum_name`` if CyclicLR / OneCycleLR may cycle one of its hyperparameters.
- ``joint=True`` (or a function of the hyperparameters) when the update couples the two
  coordinates (a norm of the parameter or of the update, a dot product, a 2x2 preconditioner,
  Muon's orthogonalisation, cautious masking's mean): on floats it is then called once per step
  with ``p``, ``grad`` and each per-coordinate state quantity as a :class:`~.pair.Vec2` of the
  two coordinates' floats (a per-run one a float), instead of once per coordinate. ``+ - * /``
  act per coordinate on a Vec2 as on an array; an update reads the coordinates with
  :func:`split` (a Vec2's x and y, or an array's two (B, 1) columns), builds results with
  :func:`join`, and reduces with ``pair.py``'s helpers (``coordinate_sum``, ``dot``, ``vabs``,
  ``vsqrt``), so the float run is still the array run bit for bit. The element-wise helpers here
  (``sqrt``, ``maximum``, ``minimum``, ``absolute``, ``sign``) also take a Vec2, per coordinate;
  ``select`` does not (its condition is one choice per run: split a per-coordinate one first).
- ``gradient_at``: the name of a ``path`` state quantity where the runner takes the gradient
  instead of the run's point (Schedule-Free: the gradient at y, the loss read at the average x).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..errors import ConfigError
from ..params import Param
from ..text import Translations, i18n
from .pair import Vec2

Array = np.ndarray
State = dict[str, Any]
Hyper = Mapping[str, Any]  # the hyperparameters (the scheduled lr included)
Constants = Mapping[str, Any]  # the step's constants, from ``constants(hp, t, initial)``


class Oracle(Protocol):
    """Evaluates the objective for optimizers that need a closure (L-BFGS's line search, SAM's
    second gradient)."""

    def start_loss(self) -> Array:
        """The loss (B,) at the step's starting point, consistent with the gradient passed in."""
        ...

    def __call__(self, points: Array, rows: Array) -> tuple[Array, Array]:
        """Loss (n,) and gradient (n, 2) at ``points`` (n, 2), which belong to runs ``rows``."""
        ...

    def gradient(self, points: Array) -> Array:
        """The gradient (B, 2) at one point per run, every run at once (SAM's second one)."""
        ...

# The key of a wrapper's inner optimizer's record, in its hyperparameters and its state, as in a
# run's configuration (``{"optimizer": "lookahead", "params": {...}, "inner": {...}}``).
INNER = "inner"

InitFn = Callable[[Array, Hyper], State]
UpdateFn = Callable[[Array, Array, State, Hyper, Constants, int, Oracle | None],
                    tuple[Array, State]]
TeachingFn = Callable[[State, Hyper, Constants], dict[str, Array]]
ConstantsFn = Callable[[Hyper, int, Hyper], dict[str, Any]]
AppliedLrFn = Callable[[State, Hyper, Constants], Any]
GradAt = Callable[[float, float], tuple[float, float]]  # a single run's gradient at a point


class PairOracle(Protocol):
    """A single run's evaluations on floats, for a ``pair_update``: as :class:`Oracle` gives
    them on arrays, each from the same noise stream."""

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        """The gradient at another point (SAM's second one)."""
        ...

    def value(self, x: float, y: float) -> float:
        """The loss at a point (L-BFGS's at the step's start)."""
        ...

    def search(self, x: float, y: float) -> tuple[float, tuple[float, float]]:
        """The loss and gradient at a point of a line search (L-BFGS's)."""
        ...


# (x, y, grad x, grad y, state x, state y, hp, consts, t, oracle) -> (x, y, state x, state y)
PairUpdateFn = Callable[[float, float, float, float, State, State, Hyper, Constants, int,
                         PairOracle], tuple[float, float, State, State]]
CheckFn = Callable[[dict[str, Any], str], None]
NO_CONSTANTS: Constants = {}  # the step's constants of an optimizer without any


@dataclass(frozen=True)
class StateVar:
    """One quantity of an optimizer's state, under torch's state name, with its symbol."""

    name: str
    symbol: str
    help: str
    scalar: bool = False  # one value per run (shown on both coordinates), not per coordinate
    teaching: bool = False  # derived for teaching (m-hat, v-hat, ...), not part of torch's state
    log: bool = False  # positive, spanning decades: plotted on a log axis
    path: bool = False  # a point in the plane, drawn as a companion path of the run
    # A per-run scalar the lr chart draws beside the lr (Schedule-Free's averaging weight c_t,
    # Prodigy's / D-Adaptation's estimate d_t): plotted on the lr chart, not only the state panel.
    lr_chart: bool = False
    zh: Translations = field(default_factory=dict)  # {"help"} in Chinese


@dataclass(frozen=True)
class Family:
    """A group of the optimizer picker, in the order the picker lists them."""

    name: str
    label: str
    help: str
    zh: Translations = field(default_factory=dict)  # {"label", "help"} in Chinese

    def to_catalog(self) -> dict[str, Any]:
        """The JSON description of this family for the page."""
        return {"name": self.name, "label": self.label, "help": self.help, **i18n(self.zh)}


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("classic", "Classic", "gradient descent with a fixed or decaying step and momentum",
           zh={"label": "经典方法", "help": "固定或衰减步长的梯度下降，可带动量"}),
    Family("adaptive", "Adaptive", "a step size per coordinate from past squared gradients",
           zh={"label": "自适应方法", "help": "由过去梯度的平方为每个坐标设定步长"}),
    Family("adam", "Adam variants", "first and second moments with bias correction, and their "
           "descendants",
           zh={"label": "Adam 变体", "help": "带偏差修正的一阶、二阶矩及其衍生方法"}),
    Family("sign", "Sign-based", "steps of fixed size per coordinate, from the sign of a "
           "direction", zh={"label": "基于符号", "help": "按方向的符号，每个坐标走固定大小的步长"}),
    Family("trust_ratio", "Trust ratio", "the step scaled by the ratio of the parameter's norm "
           "to the update's", zh={"label": "信任比", "help": "按参数范数与更新范数之比缩放步长"}),
    Family("schedule_free", "Schedule-free", "averaging in place of a learning-rate schedule",
           zh={"label": "无调度", "help": "以迭代平均代替学习率调度"}),
    Family("lr_free", "Learning-rate free", "the step size estimated while running",
           zh={"label": "免学习率", "help": "在运行中估计步长"}),
    Family("second_order", "Second-order", "curvature from past gradients: quasi-Newton and "
           "full-matrix preconditioners",
           zh={"label": "二阶方法", "help": "由过去的梯度估计曲率：拟牛顿法与全矩阵预条件"}),
    Family("wrapper", "Wrappers", "around any base optimizer: look ahead, seek flat minima",
           zh={"label": "包装器", "help": "包在任意基础优化器之外：向前看、寻找平坦的极小值"}),
)}


Cond = tuple[str, str, Any]  # (hyperparameter, "==" | "!=" | ">", value)


def on(name: str) -> Cond:
    """The condition: the boolean hyperparameter ``name`` is set."""
    return (name, "==", True)


def off(name: str) -> Cond:
    """The condition: the boolean hyperparameter ``name`` is not set."""
    return (name, "==", False)


def positive(name: str) -> Cond:
    """The condition: the hyperparameter ``name`` is above zero."""
    return (name, ">", 0)


def zero(name: str) -> Cond:
    """The condition: the hyperparameter ``name`` is zero."""
    return (name, "==", 0)


def holds(cond: Cond, hp: Mapping[str, Any]) -> bool:
    """Whether one condition holds for the hyperparameters ``hp`` (a missing one never does)."""
    name, op, value = cond
    if name not in hp:
        return False
    have = hp[name]
    if op == "==":
        return bool(have == value)
    if op == "!=":
        return bool(have != value)
    if op == ">":
        return bool(have > value)
    raise ValueError(f"unknown condition operator {op!r}")


@dataclass(frozen=True)
class Line:
    """One line of an update rule in LaTeX, shown only when all its conditions on the
    hyperparameters hold (the page and the notebook pick the lines of a run as configured)."""

    latex: str
    when: tuple[Cond, ...] = ()

    def applies(self, hp: Mapping[str, Any]) -> bool:
        """Whether the line belongs to the rule of a run with hyperparameters ``hp``."""
        return all(holds(c, hp) for c in self.when)

    def to_catalog(self) -> dict[str, Any]:
        """``{"latex", "when": [[name, op, value], ...]}`` for the page."""
        return {"latex": self.latex, "when": [list(c) for c in self.when]}


def as_lines(lines: tuple[str | Line, ...]) -> tuple[Line, ...]:
    """Plain LaTeX strings as unconditional lines."""
    return tuple(x if isinstance(x, Line) else Line(x) for x in lines)


STEP_SCALE = StateVar(
    "step_scale", r"\hat\eta",
    "step scale: the positive factor the step multiplies its direction by, per coordinate",
    teaching=True, log=True,
    zh={"help": "步长尺度：每个分量的更新沿其方向所乘的正系数"},
)

# Lines every optimizer with a ``maximize`` flag starts with.
GRADIENT_LINES = (
    Line(r"g_t = \nabla f(\theta_{t-1})", (off("maximize"),)),
    Line(r"g_t = -\nabla f(\theta_{t-1})", (on("maximize"),)),
)
COUPLED_DECAY_LINE = Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}",
                          (positive("weight_decay"),))


def scale_of(value: Any, like: Array) -> Array:
    """A per-run step scale (the lr, a line-search step) on both coordinates of ``like``."""
    return np.broadcast_to(value, like.shape[:-1] + (1,)) * np.ones_like(like)


def lr_step_scale(direction: str) -> TeachingFn:
    """The teaching of an optimizer whose step scale is the lr itself, multiplying the state
    quantity ``direction`` (SGD's buffer, Lion's and ADOPT's m, LARS's and Shampoo's updates)."""

    def teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
        return {"step_scale": scale_of(hp["lr"], state[direction])}

    return teaching


@dataclass(frozen=True)
class Preset:
    """A named setting of an optimizer's hyperparameters (e.g. Momentum = sgd with momentum 0.9)."""

    name: str
    label: str
    params: dict[str, Any]
    help: str = ""
    zh: Translations = field(default_factory=dict)  # {"label", "help"} in Chinese


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer: catalog data (labels, parameters, equations, state) and its two functions."""

    name: str
    label: str
    description: str
    params: tuple[Param, ...]
    equations: tuple[str | Line, ...]
    state: tuple[StateVar, ...]
    init: InitFn
    update: UpdateFn
    reference: str
    presets: tuple[Preset, ...] = ()
    teaching: TeachingFn | None = None
    constants: ConstantsFn | None = None
    check: CheckFn | None = None
    momentum_name: str | None = None  # which hyperparameter CyclicLR / OneCycleLR cycle
    needs_oracle: bool = False
    # Steps each run on its own in Python (L-BFGS's per-run line search), even in a map: its
    # cells cost as single runs (maps bound them, cost.py counts them so). SAM's oracle is not.
    by_row: bool = False
    # A single run's step on floats over both coordinates at once, for an optimizer whose
    # update couples them or evaluates the objective again (SAM): ``grad_at`` is the gradient
    # at another point, with the step's noise. Bit for bit ``update`` on one row of arrays.
    pair_update: PairUpdateFn | None = None
    # A wrapper (lookahead): the optimizer it makes around an inner one, whose records it nests
    # (hyperparameters ``{..., "inner": {...}}``, state ``{..., "inner": {...}}``).
    around: Callable[[OptimizerSpec], OptimizerSpec] | None = None
    # The step scale: the positive per-coordinate factor the step multiplies its direction by
    # (the ``step_scale`` teaching quantity), one line per configuration.
    step_scale: tuple[str | Line, ...] = ()
    # The step's constants the page shows (names of ``constants``' results), with symbols: the
    # catalog's ``factors``.
    constant_vars: tuple[StateVar, ...] = ()
    # The lr the step applies, per run, when it is not the scheduled lr (recorded as ``lr``).
    applied_lr: AppliedLrFn | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    zh: Translations = field(default_factory=dict)  # {"label", "description"} in Chinese
    # The picker's group (a key of FAMILIES), and the year and paper (or reference text) its
    # help names, so a student can find where the method comes from.
    family: str = "classic"
    year: int | None = None
    paper: str = ""
    # The update couples the coordinates: on floats it steps both at once, on (x, y) pairs. A
    # function of the hyperparameters when only some configurations couple them (cautious
    # masking's mean over the mask): the others keep the per-coordinate float kernel.
    joint: bool | Callable[[Hyper], bool] = False

    # The state quantity (a ``path`` point) where the gradient is taken, when it is not the
    # run's point (Schedule-Free's y: the path is the average x, where the loss is read).
    gradient_at: str | None = None

    def joint_for(self, hp: Hyper) -> bool:
        """Whether a run with these (driven) hyperparameters steps on (x, y) pairs."""
        return bool(self.joint(hp)) if callable(self.joint) else self.joint

    @property
    def wraps(self) -> bool:
        """Whether this optimizer steps an inner one (the catalog's ``wraps``)."""
        return self.around is not None

    def param(self, name: str) -> Param:
        """The spec of one hyperparameter by name."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def to_catalog(self) -> dict[str, Any]:
        """The JSON description of this optimizer for the page."""
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "reference": self.reference,
            "family": self.family,
            "year": self.year,
            "paper": self.paper,
            "params": [p.to_catalog() for p in self.params],
            "presets": [
                {"name": s.name, "label": s.label, "params": s.params, "help": s.help,
                 **i18n(s.zh)}
                for s in self.presets
            ],
            "equations": [line.latex for line in as_lines(self.equations)],
            "update_rule": [line.to_catalog() for line in as_lines(self.equations)],
            "step_scale": [line.to_catalog() for line in as_lines(self.step_scale)],
            "factors": [
                {"name": f.name, "symbol": f.symbol, "help": f.help, **i18n(f.zh)}
                for f in self.constant_vars
            ],
            "state": [
                {
                    "name": s.name,
                    "symbol": s.symbol,
                    "help": s.help,
                    "scalar": s.scalar,
                    "teaching": s.teaching,
                    "log": s.log,
                    "path": s.path,
                    "lr_chart": s.lr_chart,
                    **i18n(s.zh),
                }
                for s in self.state
            ],
            "momentum_name": self.momentum_name,
            "wraps": self.wraps,
            **self.extra,
            **i18n(self.zh),
        }


def is_per_run(value: Any) -> bool:
    """Whether a hyperparameter or constant holds one value per run (an array: a map varies it)
    rather than one plain number for every run."""
    return isinstance(value, np.ndarray)


def is_zero(value: Any) -> bool:
    """Whether a hyperparameter is a plain 0 for every run: a step may skip what it scales."""
    return not isinstance(value, np.ndarray) and value == 0


def select(cond: Any, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` holds, else ``b``: per run (``np.where``) for an array condition,
    the plain choice for a Python or NumPy bool (one value for every run)."""
    if cond is True:  # a Python bool first: the float path's every select (hot)
        return a
    if cond is False:
        return b
    if isinstance(cond, np.ndarray):
        return np.where(cond, a, b)
    return a if cond else b


# -- element-wise helpers for floats, Vec2 pairs and arrays alike -----------------------------
# A Vec2 (a joint update's float path) goes through the float route once per coordinate, so a
# joint update may use these helpers on its pairs as a per-coordinate one uses them on floats.
def _per_coordinate(fn: Callable[..., Any], *args: Any) -> Vec2:
    """``fn`` on the x coordinates and on the y coordinates of Vec2 (or float) arguments."""
    return Vec2(fn(*(a.x if type(a) is Vec2 else a for a in args)),
                fn(*(a.y if type(a) is Vec2 else a for a in args)))


def sqrt(x: Any) -> Any:
    """``np.sqrt``; for a float ``math.sqrt`` (NaN below zero, as NumPy, instead of raising)."""
    if type(x) is float:
        return math.sqrt(x) if x >= 0.0 else math.nan
    if type(x) is Vec2:
        return _per_coordinate(sqrt, x)
    return np.sqrt(x)


def maximum(a: Any, b: Any) -> Any:
    """``np.maximum``: NaN if either is NaN; on a tie (0.0 and -0.0) the second argument."""
    if type(a) is float and type(b) is float:
        return a if a > b or a != a else b
    if type(a) is Vec2 or type(b) is Vec2:
        return _per_coordinate(maximum, float(a) if type(a) is int else a,
                               float(b) if type(b) is int else b)
    return np.maximum(a, b)


def minimum(a: Any, b: Any) -> Any:
    """``np.minimum``: NaN if either is NaN; on a tie (0.0 and -0.0) the second argument."""
    if type(a) is float and type(b) is float:
        return a if a < b or a != a else b
    if type(a) is Vec2 or type(b) is Vec2:
        return _per_coordinate(minimum, float(a) if type(a) is int else a,
                               float(b) if type(b) is int else b)
    return np.minimum(a, b)


def absolute(x: Any) -> Any:
    """``np.abs`` (``abs`` of a float is the same IEEE fabs)."""
    if type(x) is Vec2:
        return Vec2(abs(x.x), abs(x.y))
    return abs(x) if type(x) is float else np.abs(x)


def sign(x: Any) -> Any:
    """``np.sign``: 1, -1, 0.0 for either zero, NaN for NaN."""
    if type(x) is float:
        if x > 0.0:
            return 1.0
        if x < 0.0:
            return -1.0
        return 0.0 if x == 0.0 else x
    if type(x) is Vec2:
        return _per_coordinate(sign, x)
    return np.sign(x)


def copy(x: Any) -> Any:
    """A copy of an array (a float is immutable and is its own copy)."""
    return x.copy() if isinstance(x, np.ndarray) else x


def per_run(value: Any, like: Any) -> Any:
    """A quantity with one value per run (shape (B, 1) for arrays ``like`` of B rows), as a new
    array or float; ``+ 0.0`` as the array path adds it (it turns -0.0 into 0.0)."""
    if isinstance(like, np.ndarray):
        return np.broadcast_to(value, (like.shape[0], 1)) + 0.0
    return float(value) + 0.0


def lerp(start: Array, end: Array, weight: Any) -> Array:
    """torch.lerp: ``start + w*(end-start)`` for |w| < 0.5, else ``end - (end-start)*(1-w)``."""
    if not isinstance(weight, np.ndarray):
        if abs(weight) < 0.5:
            return start + weight * (end - start)
        return end - (end - start) * (1 - weight)
    small = np.abs(weight) < 0.5
    return np.where(small, start + weight * (end - start), end - (end - start) * (1 - weight))


def ema_sq(avg: Array, grad: Array, beta: Any) -> Array:
    """torch's ``avg.mul_(beta).addcmul_(g, g, value=1-beta)``."""
    return avg * beta + ((1 - beta) * grad) * grad


def coupled_decay(grad: Array, p: Array, weight_decay: Any) -> Array:
    """L2 weight decay folded into the gradient: ``g + wd * p`` (skipped when wd is 0)."""
    if not isinstance(weight_decay, np.ndarray) and weight_decay == 0:  # is_zero, inlined: hot
        return grad
    return grad + weight_decay * p


def maybe_maximize(grad: Array, hp: Hyper) -> Array:
    """Negate the gradient when the optimizer is asked to maximize."""
    return -grad if hp.get("maximize", False) else grad


_LEVELS: dict[tuple[int, ...], tuple[tuple[Array, ...], Array, Array]] = {}
_LEVELS_MAX = 32


def _levels(arrays: tuple[Array, ...]) -> tuple[Array, Array]:
    """The distinct rows of the stacked arrays and each row's index into them (cached by
    identity: a map's hyperparameter arrays are the same objects at every step)."""
    key = tuple(id(a) for a in arrays)
    hit = _LEVELS.get(key)
    if hit is not None and all(x is y for x, y in zip(hit[0], arrays, strict=True)):
        return hit[1], hit[2]
    rows = max(a.size for a in arrays)
    stacked = np.column_stack([np.broadcast_to(a.reshape(-1), (rows,)) for a in arrays])
    uniques, inverse = np.unique(stacked, axis=0, return_inverse=True)
    if len(_LEVELS) >= _LEVELS_MAX:
        _LEVELS.clear()
    _LEVELS[key] = (arrays, uniques, inverse.reshape(-1))
    return uniques, inverse.reshape(-1)


def levelwise(fn: Callable[..., float], *args: Any) -> Any:
    """``fn(*args)`` in Python floats, evaluated once per distinct value of the array arguments.

    Powers of hyperparameters (bias corrections) are Python float powers in a single run, as in
    torch; NumPy's SIMD ``power`` can differ from them in the last bit. Evaluating per distinct
    value keeps a hyperparameter-map cell bit-identical to the single run it stands for, and is
    cheaper too (a map has few distinct values). Array arguments have shape (B, 1) or (B,).
    """
    for a in args:  # the single run's case first, without building anything
        if isinstance(a, np.ndarray):
            break
    else:
        return fn(*args)
    positions = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]
    arrays = tuple(args[i] for i in positions)
    uniques, inverse = _levels(arrays)
    call = list(args)
    values = np.empty(len(uniques))
    for j, row in enumerate(uniques.tolist()):
        for i, v in zip(positions, row, strict=True):
            call[i] = v
        values[j] = fn(*call)
    return values[inverse].reshape(-1, 1)


def _float_power(base: float, exponent: float) -> float:
    return float(base) ** float(exponent)


def power(base: Any, exponent: int) -> Any:
    """``base ** exponent`` as torch computes bias corrections: a Python float power."""
    if isinstance(base, np.ndarray):
        return levelwise(_float_power, base, exponent)
    return float(base) ** float(exponent)


def _bias_correction_sqrt(beta: float, t: int) -> float:
    return (1 - power(beta, t)) ** 0.5


def bias_correction_sqrt(beta: Any, t: int) -> Any:
    """``sqrt(1 - beta**t)`` computed as a single run does: Python float powers."""
    if isinstance(beta, np.ndarray):
        return levelwise(_bias_correction_sqrt, beta, t)
    return (1 - float(beta) ** float(t)) ** 0.5  # _bias_correction_sqrt, inlined: a hot path


def bias_correction_and_sqrt(beta: Any, t: int) -> tuple[Any, Any]:
    """``1 - beta**t`` and its square root as a single run computes them, with one power."""
    if isinstance(beta, np.ndarray):
        return 1 - power(beta, t), levelwise(_bias_correction_sqrt, beta, t)
    correction = 1 - float(beta) ** float(t)
    return correction, correction**0.5


def split(v: Any) -> tuple[Any, Any]:
    """The two coordinates of a joint update's quantity: a Vec2's x and y (floats), an array's
    (B, 1) columns."""
    if type(v) is Vec2:
        return v.x, v.y
    return v[:, :1], v[:, 1:]


def join(x: Any, y: Any, like: Any) -> Any:
    """The quantity with coordinates ``x`` and ``y``, in the form of ``like`` (a Vec2 of floats,
    or an array of B rows: (B, 2), each coordinate broadcast to a column)."""
    if type(like) is Vec2:
        return Vec2(x, y)
    rows = (like.shape[0], 1)
    return np.concatenate((np.broadcast_to(x, rows), np.broadcast_to(y, rows)), axis=1)
def cautious_mask(update: Any, grad: Any) -> Any:
    """pytorch_optimizer's (and timm's) cautious mask, the factor the update is multiplied by:
    0 where the update's sign disagrees with the gradient's (``update * grad <= 0``), elsewhere
    the number of coordinates over the agreeing ones plus one (2/3 when both agree, 1 when one
    does). A joint quantity: a Vec2 on the float path, (B, 2) on arrays."""
    (ux, uy), (gx, gy) = split(update), split(grad)
    mx, my = select(ux * gx > 0, 1.0, 0.0), select(uy * gy > 0, 1.0, 0.0)
    scale = 2 / (mx + my + 1)
    return join(mx * scale, my * scale, update)


CAUTIOUS = Param("cautious", False, kind="bool",
                 help="zero the update where its sign disagrees with the gradient's "
                      "(cautious masking)",
                 zh={"help": "在更新与梯度符号相反的分量上把更新置零（谨慎掩码）"})
CAUTIOUS_MASK = StateVar(
    "cautious_mask", r"\phi",
    "cautious mask: 0 where the update's sign disagrees with the gradient's, else "
    "2 / (1 + the number of agreeing coordinates)",
    zh={"help": "谨慎掩码：更新与梯度符号相反处为 0，其余为 2 /（1 + 符号一致的分量数）"},
)
CAUTIOUS_LINE = Line(r"\phi_t = \frac{2\,[u_t \odot g_t > 0]}{1 + \#\{i : u_{t,i}\, g_{t,i} > 0\}}",
                     (on("cautious"),))


def cautious_on(hp: Hyper) -> bool:
    """Whether a run masks its update (a ``joint`` rule: the mask's mean spans coordinates)."""
    return bool(hp.get("cautious", False))


def require(condition: bool, field_name: str, message: str) -> None:
    """Raise ConfigError for a cross-field rule that a single range check cannot express."""
    if not condition:
        raise ConfigError(field_name, message)
