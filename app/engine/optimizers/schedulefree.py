"""Schedule-Free SGD, AdamW and RAdam (Defazio et al. 2024) as the ``schedulefree`` package
(1.4.1) steps them: ``SGDScheduleFreeReference``, ``AdamWScheduleFreeReference`` and
``RAdamScheduleFree``.

Three sequences: z, the base iterate (plain SGD or Adam-normalised steps); x, the weighted
average of the z's, where the loss is read (the run's point: what ``eval()`` puts in the
parameter); y, between them, where the gradient is taken (the parameter in ``train()`` mode).
The runner takes the gradient at the state's ``y`` (``gradient_at``); ``y`` and ``z`` are
companion paths (``path=True``). The lr the step applies (warmup, RAdam's rectification) is
the run's lr series (``applied_lr``); the averaging weight c_t is drawn beside it
(``lr_chart``). With the Reference classes the run's point is x itself (``update``'s ``p``); the
RAdam class keeps only y and z, and x is recovered from them as ``eval()`` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..params import Param, beta_param, eps_param, lr_param, weight_decay_param
from .base import (
    STEP_SCALE,
    Array,
    Constants,
    Hyper,
    Line,
    OptimizerSpec,
    Oracle,
    PairOracle,
    PairUpdateFn,
    State,
    StateVar,
    UpdateFn,
    copy,
    coupled_decay,
    ema_sq,
    is_per_run,
    is_zero,
    lerp,
    levelwise,
    maximum,
    off,
    on,
    positive,
    power,
    scale_of,
    select,
    sqrt,
    zero,
)

PAPER = ("Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky 2024, The Road Less Scheduled")


# ---------------------------------------------------------------- the averaging weights
def _warmup(t: float, warmup_steps: float) -> float:
    """The package's ``(k+1) / warmup_steps if k < warmup_steps else 1.0`` (k = t - 1)."""
    return t / warmup_steps if t - 1 < warmup_steps else 1.0


def _weight(t: float, r: float, lr_max: float, weight_lr_power: float) -> float:
    """The package's ``(k+1)**r * lr_max**weight_lr_power`` in Python floats; inf where it
    overflows and NaN for a negative lr_max (a schedule's) under a fractional power, as NumPy
    would give, instead of raising."""
    try:
        return math.pow(t, r) * math.pow(lr_max, weight_lr_power)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


def _ratio(weight: Any, weight_sum: Any) -> Any:
    """``weight / weight_sum``, 0 while the sum is 0 (the package catches ZeroDivisionError)."""
    if isinstance(weight_sum, np.ndarray):
        return np.where(weight_sum != 0, weight / np.where(weight_sum != 0, weight_sum, 1.0),
                        0.0)
    return weight / weight_sum if weight_sum != 0 else 0.0


def _average_weight(state: State, lr_t: Any, hp: Hyper, t: int) -> tuple[Any, Any, Any]:
    """lr_max, weight_sum and c_t after step t: the weight of step t is t^r lr_max^p, and
    c_t is its share of the weights so far (x moves the fraction c_t of the way to z)."""
    lr_max = maximum(lr_t, state["lr_max"])
    r, power_ = hp["r"], hp["weight_lr_power"]
    if not is_per_run(r) and not is_per_run(power_) and r == 0 and power_ == 2:
        # The defaults (t^0 lr_max^2): a product, 7x faster on a map than a power per distinct
        # value; libm's pow(x, 2.0) differs from x*x in the last bit for ~0.1 % of x.
        weight = lr_max * lr_max
    else:
        weight = levelwise(_weight, float(t), r, lr_max, power_)
    weight_sum = state["weight_sum"] + weight
    if type(weight_sum) is float:  # a single run: _ratio, inlined
        return lr_max, weight_sum, weight / weight_sum if weight_sum != 0 else 0.0
    return lr_max, weight_sum, _ratio(weight, weight_sum)


# AdamW's and RAdam's beta2 (a Param is frozen: one instance serves both)
_BETA2 = beta_param("beta2", 0.999, r"\beta_2", "decay of the squared-gradient average",
                    "梯度平方平均的衰减率")


def _init(p: Array, hp: Hyper) -> State:
    """y and z start at the start point; lr_max at -1 and the weight sum at 0 (the package's)."""
    rows = (p.shape[0], 1)
    out = {"y": copy(p), "z": copy(p), "lr_max": np.full(rows, -1.0),
           "weight_sum": np.zeros(rows), "c": np.zeros(rows)}
    if "beta2" in hp:  # the Adam ones
        out["exp_avg_sq"] = np.zeros_like(p)
    return out


def _warmup_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The lr this step applies (linear warmup) and, for AdamW, 1 - beta2^t."""
    warmup = hp["warmup_steps"]
    out = {"lr_t": hp["lr"] * (levelwise(_warmup, float(t), warmup) if is_per_run(warmup)
                               else _warmup(float(t), warmup))}
    if "beta2" in hp:
        out["bias_correction2"] = 1 - power(hp["beta2"], t)
    return out


def _applied_lr(state: State, hp: Hyper, consts: Constants) -> Any:
    """The lr the step applied to z: the warmed-up (or rectified) lr_t."""
    return consts["lr_t"]


# ---------------------------------------------------------------- SGD and AdamW (Reference)
# Each step is the run's averaging weight c_t (:func:`_average_weight`, per run) and a point
# step given c_t, per coordinate (``*_point``: x and the per-coordinate state). ``update`` does
# both on arrays, or on one coordinate's floats; a single run's float path steps both
# coordinates at once through :func:`_paired`, the weight computed once.
PointStep = Callable[[Any, Any, State, Hyper, Constants, Any], tuple[Any, State]]


def _stepper(point: PointStep) -> UpdateFn:
    """The update of a point step: the averaging weight, then the point step."""

    def update(p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
               oracle: Oracle | None) -> tuple[Array, State]:
        lr_max, weight_sum, c = _average_weight(state, consts["lr_t"], hp, t)
        x, new = point(p, grad, state, hp, consts, c)
        new.update(lr_max=lr_max, weight_sum=weight_sum, c=c)
        return x, new

    update.__doc__ = point.__doc__
    return update


def _paired(point: PointStep) -> PairUpdateFn:
    """A single run's step on floats: the averaging weight once, the point step on each
    coordinate (``update`` on each coordinate computes the same weight twice)."""

    def pair_update(x: float, y: float, gx: float, gy: float, sx: State, sy: State, hp: Hyper,
                    consts: Constants, t: int, oracle: PairOracle
                    ) -> tuple[float, float, State, State]:
        lr_max, weight_sum, c = _average_weight(sx, consts["lr_t"], hp, t)
        new_x, state_x = point(x, gx, sx, hp, consts, c)
        new_y, state_y = point(y, gy, sy, hp, consts, c)
        state_x["lr_max"], state_x["weight_sum"], state_x["c"] = lr_max, weight_sum, c
        state_y["lr_max"], state_y["weight_sum"], state_y["c"] = lr_max, weight_sum, c
        return new_x, new_y, state_x, state_y

    return pair_update


def sgd_sf_point(p: Any, grad: Any, state: State, hp: Hyper, consts: Constants, c: Any
                 ) -> tuple[Any, State]:
    """z -= lr_t (g + wd y); x <- (1 - c) x + c z; y <- m x + (1 - m) z (grad is at y)."""
    lr_t, m = consts["lr_t"], hp["momentum"]
    g = coupled_decay(grad, state["y"], hp["weight_decay"])
    z = state["z"] - lr_t * g
    x = p * (1 - c) + c * z
    return x, {"y": x * m + (1 - m) * z, "z": z}


def adamw_sf_point(p: Any, grad: Any, state: State, hp: Hyper, consts: Constants, c: Any
                   ) -> tuple[Any, State]:
    """z takes an Adam-normalised step (no first moment) with decoupled decay; x, y as SGD's."""
    lr_t, beta1 = consts["lr_t"], hp["beta1"]
    y, z = state["y"], state["z"]
    wd = hp["weight_decay"]
    if not is_zero(wd):
        z = z - (lr_t * wd) * select(hp["decay_at_z"], z, y)
    v = ema_sq(state["exp_avg_sq"], grad, hp["beta2"])
    z = z + (-lr_t) * (grad / (sqrt(v / consts["bias_correction2"]) + hp["eps"]))
    x = p * (1 - c) + c * z
    return x, {"y": x * beta1 + (1 - beta1) * z, "z": z, "exp_avg_sq": v}


# ---------------------------------------------------------------- RAdam
def _rho_t(beta2: float, t: float) -> float:
    """rho_t, the length of the approximated SMA at step t, as the package computes it."""
    beta2_t = beta2**t
    return (2 / (1 - beta2) - 1) - 2 * t * beta2_t / (1 - beta2_t)


def _rect_of(beta2: float, rho_t: float, silent: float) -> float:
    """RAdam's rectification r_t once rho_t > 4; before: 0 (silent phase) or 1 (plain SGD)."""
    if rho_t > 4.0:
        rho_inf = 2 / (1 - beta2) - 1
        return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) \
            ** 0.5
    return float(not silent)


def _rect(beta2: float, t: float, silent: float) -> float:
    """r_t at step t (:func:`_rect_of` of rho_t)."""
    return _rect_of(beta2, _rho_t(beta2, t), silent)


def radam_sf_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """1 - beta2^t, rho_t and the lr this step applies, lr r_t (a single run's hyperparameters:
    rho_t computed once)."""
    beta2, silent = hp["beta2"], hp["silent_sgd_phase"]
    if is_per_run(beta2) or is_per_run(silent):
        rect, rho_t = levelwise(_rect, beta2, float(t), silent), levelwise(_rho_t, beta2, float(t))
    else:
        rho_t = _rho_t(beta2, float(t))
        rect = _rect_of(beta2, rho_t, silent)
    return {"lr_t": hp["lr"] * rect, "bias_correction2": 1 - power(beta2, t), "rho_t": rho_t}


def radam_sf_point(p: Any, grad: Any, state: State, hp: Hyper, consts: Constants, c: Any
                   ) -> tuple[Any, State]:
    """The package's in-place form: y <- lerp(y, z, c) + lr_t (beta1 (1 - c) - 1) u;
    z <- z - lr_t u; x recovered as lerp(y, z, 1 - 1/beta1)."""
    lr_t, beta1 = consts["lr_t"], hp["beta1"]
    y, z = state["y"], state["z"]
    v = ema_sq(state["exp_avg_sq"], grad, hp["beta2"])
    u = select(consts["rho_t"] > 4.0,
               grad / (sqrt(v / consts["bias_correction2"]) + hp["eps"]), grad)
    u = coupled_decay(u, y, hp["weight_decay"])
    y = lerp(y, z, c)
    y = y + (lr_t * (beta1 * (1 - c) - 1)) * u
    z = z - lr_t * u
    return lerp(y, z, 1 - 1 / beta1), {"y": y, "z": z, "exp_avg_sq": v}


sgd_sf_update, adamw_sf_update, radam_sf_update = (
    _stepper(sgd_sf_point), _stepper(adamw_sf_point), _stepper(radam_sf_point))


# ---------------------------------------------------------------- teaching: the step scale
def sgd_sf_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """z's step scale: lr_t."""
    return {"step_scale": scale_of(consts["lr_t"], state["z"])}


def adam_sf_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """z's step scale: lr_t / (sqrt(v / (1 - beta2^t)) + eps) (RAdam-SF: lr_t while rho_t <= 4)."""
    lr_t = consts["lr_t"]
    adaptive = lr_t / (np.sqrt(state["exp_avg_sq"] / consts["bias_correction2"]) + hp["eps"])
    if "rho_t" in consts:
        adaptive = np.where(np.asarray(consts["rho_t"]) > 4.0, adaptive,
                            scale_of(lr_t, state["z"]))
    return {"step_scale": adaptive}


# ---------------------------------------------------------------- catalog pieces
def _warmup_param() -> Param:
    return Param("warmup_steps", 0, kind="int", min=0, max=100_000, step=1, symbol="T_w",
                 help="linear warmup: the lr grows from lr/T_w to lr over the first T_w steps",
                 zh={"help": "线性预热：前 T_w 步学习率由 lr/T_w 增至 lr"})


def _averaging_params() -> tuple[Param, ...]:
    return (
        Param("r", 0.0, min=0.0, max=10.0, step=0.1, symbol="r",
              help="weight t^r of step t in the average: r > 0 favours recent points",
              zh={"help": "第 t 步在平均中的权重 t^r：r > 0 时偏重近期的点"}),
        Param("weight_lr_power", 2.0, min=0.0, max=10.0, step=0.1, symbol="p",
              help="weight lr_max^p of a step in the average: warmup points count little",
              zh={"help": "一步在平均中的权重 lr_max^p：预热阶段的点权重很小"}),
    )


def _momentum_param(name: str, default: float, lower_open: bool) -> Param:
    """The interpolation weight of y between x and z (momentum / beta1)."""
    p = beta_param(name, default, r"\beta" if name == "momentum" else r"\beta_1",
                   "interpolation: y = beta x + (1 - beta) z; 0 takes the gradient at z, "
                   "towards 1 at the average x",
                   "插值：y = beta x + (1 - beta) z；为 0 时在 z 处取梯度，趋近 1 时在平均点 x 处")
    return replace(p, min_open=True, slider_min=0.01) if lower_open else p


STATE_Y = StateVar("y", "y", "where the gradient is taken: between the average x and z",
                   path=True, zh={"help": "取梯度的点：位于平均点 x 与 z 之间"})
STATE_Z = StateVar("z", "z", "the base iterate: the steps themselves, before averaging",
                   path=True, zh={"help": "基础迭代点：未经平均的原始步"})
STATE_V = StateVar("exp_avg_sq", "v", "running average of squared gradients",
                   zh={"help": "梯度平方的滑动平均"})
STATE_C = StateVar("c", "c_t", "averaging weight: x moves this fraction of the way to z "
                   "(1/t with a constant lr)", scalar=True, lr_chart=True,
                   zh={"help": "平均权重：x 朝 z 移动的比例（学习率不变时为 1/t）"})

WARMUP_LINES = (
    Line(r"\eta_t = \eta", (zero("warmup_steps"),)),
    Line(r"\eta_t = \eta\,\min(1,\ t / T_w)", (positive("warmup_steps"),)),
)
AVERAGE_LINES = (
    r"c_t = \frac{t^r\,\eta_{\max}^{\,p}}{\sum_{k=1}^{t} k^r\,\eta_{\max,k}^{\,p}}, \quad "
    r"\eta_{\max} = \max_{k \le t} \eta_k",
    r"\theta_t = x_t = (1 - c_t)\,x_{t-1} + c_t\, z_t",
)
GRAD_AT_Y = Line(r"g_t = \nabla f(y_{t-1})")

SGD_SCHEDULEFREE = OptimizerSpec(
    name="sgd_schedulefree",
    label="Schedule-Free SGD",
    description=(
        "Three points instead of one. z takes plain SGD steps; x, the path drawn and the point "
        "whose loss is read, is the running average of the z's, so each step it moves only the "
        "fraction c_t of the way to z (c_t = 1/t with a constant lr) and lags behind it; y, "
        "where the gradient is taken, lies between them: y = beta x + (1 - beta) z. The "
        "average shrinks its own steps like 1/t, which is what a decaying schedule is for, so "
        "the lr stays constant to the end. y and z are drawn beside x."
    ),
    family="schedule_free",
    year=2024,
    paper=PAPER,
    reference="schedulefree.SGDScheduleFreeReference 1.4.1",
    params=(
        lr_param(1.0),
        Param("momentum", 0.9, min=0.0, max=1.0, min_open=True, max_open=True, scale="beta",
              slider_min=0.01, slider_max=0.9999, symbol=r"\beta",
              help="interpolation: y = beta x + (1 - beta) z, in (0, 1)",
              zh={"help": "插值：y = beta x + (1 - beta) z，取值在 (0, 1) 内"}),
        weight_decay_param(),
        _warmup_param(),
        *_averaging_params(),
    ),
    equations=(
        Line(r"g_t = \nabla f(y_{t-1})", (zero("weight_decay"),)),
        Line(r"g_t = \nabla f(y_{t-1}) + \lambda\, y_{t-1}", (positive("weight_decay"),)),
        *WARMUP_LINES,
        r"z_t = z_{t-1} - \eta_t\, g_t",
        *AVERAGE_LINES,
        r"y_t = \beta\, x_t + (1 - \beta)\, z_t",
    ),
    step_scale=(Line(r"\hat\eta_t = \eta_t, \quad z_t = z_{t-1} - \hat\eta_t\, g_t"),),
    state=(STATE_Y, STATE_Z, STATE_C, STEP_SCALE),
    init=_init,
    update=sgd_sf_update,
    pair_update=_paired(sgd_sf_point),
    constants=_warmup_constants,
    teaching=sgd_sf_teaching,
    applied_lr=_applied_lr,
    gradient_at="y",
    momentum_name="momentum",
    zh={"label": "无调度 SGD",
        "description": ("用三个点代替一个点。z 走普通的 SGD 步；x 是所画的路径、也是读取损失的点，"
                        "它是各个 z 的滑动平均，每步只朝 z 移动 c_t 的比例"
                        "（学习率不变时 c_t = 1/t），"
                        "因此落后于 z；y 是取梯度的点，位于两者之间：y = beta x + (1 - beta) z。"
                        "平均使自身的步长像 1/t 一样缩小，这正是衰减调度的作用，所以学习率可以"
                        "一直保持不变。y 与 z 画在 x 旁边。")},
)

ADAMW_SCHEDULEFREE = OptimizerSpec(
    name="adamw_schedulefree",
    label="Schedule-Free AdamW",
    description=(
        "Schedule-Free SGD's three points (x the average, where the loss is read; y between x "
        "and z, where the gradient is taken; z the base iterate) with z taking Adam's "
        "per-coordinate normalised steps. There is no first moment: the averaging and y play "
        "its part. Warmup ramps the lr up linearly, and a step's weight in the average grows "
        "with lr_max^2, so the early warmup points barely count."
    ),
    family="schedule_free",
    year=2024,
    paper=PAPER,
    reference="schedulefree.AdamWScheduleFreeReference 1.4.1",
    params=(
        lr_param(0.0025),
        _momentum_param("beta1", 0.9, False),
        _BETA2,
        eps_param(1e-8),
        weight_decay_param(),
        _warmup_param(),
        *_averaging_params(),
        Param("decay_at_z", False, kind="bool",
              help="weight decay pulls z towards 0 in proportion to z instead of y",
              zh={"help": "权重衰减按 z 而不是 y 把 z 拉向 0"}),
    ),
    equations=(
        GRAD_AT_Y,
        *WARMUP_LINES,
        Line(r"z_{t-1} \leftarrow z_{t-1} - \eta_t \lambda\, y_{t-1}",
             (positive("weight_decay"), off("decay_at_z"))),
        Line(r"z_{t-1} \leftarrow (1 - \eta_t \lambda)\, z_{t-1}",
             (positive("weight_decay"), on("decay_at_z"))),
        r"v_t = \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2",
        r"z_t = z_{t-1} - \eta_t\, \frac{g_t}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}",
        *AVERAGE_LINES,
        r"y_t = \beta_1 x_t + (1 - \beta_1)\, z_t",
    ),
    step_scale=(Line(r"\hat\eta_t = \frac{\eta_t}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}, "
                     r"\quad z_t = z_{t-1} - \hat\eta_t\, g_t"),),
    state=(STATE_Y, STATE_Z, STATE_V, STATE_C, STEP_SCALE),
    init=_init,
    update=adamw_sf_update,
    pair_update=_paired(adamw_sf_point),
    constants=_warmup_constants,
    teaching=adam_sf_teaching,
    applied_lr=_applied_lr,
    gradient_at="y",
    momentum_name="beta1",
    zh={"label": "无调度 AdamW",
        "description": ("沿用无调度 SGD 的三个点（x 为平均点，读取损失；y 位于 x 与 z 之间，"
                        "在此取梯度；z 为基础迭代点），只是 z 走 Adam 的逐坐标归一化步。"
                        "它没有一阶矩：平均与 y 起了它的作用。预热使学习率线性增长，"
                        "而一步在平均中的权重随 lr_max^2 增长，所以预热初期的点几乎不计。")},
)

RADAM_SCHEDULEFREE = OptimizerSpec(
    name="radam_schedulefree",
    label="Schedule-Free RAdam",
    description=(
        "Schedule-Free AdamW without a warmup setting: RAdam's rectification r_t scales the lr "
        "instead. While the squared-gradient average rests on too few steps (rho_t <= 4: the "
        "first 4 with beta2 = 0.999) nothing moves, in the silent phase, or, with it off, z "
        "takes plain SGD steps. The optimizer keeps only y and z: x is recovered from them."
    ),
    family="schedule_free",
    year=2024,
    paper=PAPER,
    reference="schedulefree.RAdamScheduleFree 1.4.1",
    params=(
        lr_param(0.0025),
        _momentum_param("beta1", 0.9, True),
        _BETA2,
        eps_param(1e-8),
        weight_decay_param(),
        *_averaging_params(),
        Param("silent_sgd_phase", True, kind="bool",
              help="no move while rho_t <= 4; off: plain SGD steps then",
              zh={"help": "rho_t <= 4 时不移动；关闭时改走普通 SGD 步"}),
    ),
    equations=(
        GRAD_AT_Y,
        r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}, \quad "
        r"\rho_\infty = \frac{2}{1 - \beta_2} - 1",
        r"r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}"
        r"{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}",
        Line(r"\eta_t = \eta\, r_t\ (\rho_t > 4), \quad 0\ (\rho_t \le 4)",
             (on("silent_sgd_phase"),)),
        Line(r"\eta_t = \eta\, r_t\ (\rho_t > 4), \quad \eta\ (\rho_t \le 4)",
             (off("silent_sgd_phase"),)),
        r"v_t = \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2",
        r"u_t = \frac{g_t}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}\ (\rho_t > 4), \quad "
        r"g_t\ (\rho_t \le 4)",
        Line(r"u_t \leftarrow u_t + \lambda\, y_{t-1}", (positive("weight_decay"),)),
        AVERAGE_LINES[0],
        r"y_t = (1 - c_t)\, y_{t-1} + c_t\, z_{t-1} + \eta_t\,(\beta_1 (1 - c_t) - 1)\, u_t",
        r"z_t = z_{t-1} - \eta_t\, u_t",
        r"\theta_t = x_t = y_t + (1 - 1/\beta_1)\,(z_t - y_t)",
    ),
    step_scale=(Line(r"\hat\eta_t = \frac{\eta_t}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}\ "
                     r"(\rho_t > 4), \quad \eta_t\ (\rho_t \le 4)"),
                Line(r"z_t = z_{t-1} - \hat\eta_t\, g_t\ \ (\lambda = 0)"),),
    state=(STATE_Y, STATE_Z, STATE_V, STATE_C, STEP_SCALE),
    init=_init,
    update=radam_sf_update,
    pair_update=_paired(radam_sf_point),
    constants=radam_sf_constants,
    teaching=adam_sf_teaching,
    applied_lr=_applied_lr,
    gradient_at="y",
    momentum_name="beta1",
    zh={"label": "无调度 RAdam",
        "description": ("不设预热的无调度 AdamW：改由 RAdam 的修正因子 r_t 缩放学习率。"
                        "当梯度平方平均所依据的步数太少时"
                        "（rho_t <= 4：beta2 = 0.999 时为前 4 步），"
                        "静默阶段里什么都不动；关闭它则 z 走普通 SGD 步。"
                        "它只保存 y 和 z：x 由二者恢复。")},
)
