"""MARS (variance-reduced momentum) as pytorch_optimizer.MARS 4.1.0 defines it.

The reference runs MARS proper only on matrices, or on any parameter with ``optimize_1d``; a
1-D parameter (the 2-vector here) otherwise gets AdamW with ``betas_1d``, ``weight_decay_1d`` and
the lr ``lr * lr_1d / lr0`` (lr0 the configured lr, so lr_1d while no schedule runs). MARS is
``joint``: its correction is clipped to norm 1 over the whole parameter, and the cautious mask is
rescaled by how many coordinates it keeps.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from ..params import Param, beta_param, eps_param, lr_param, weight_decay_param
from .base import (
    GRADIENT_LINES,
    STEP_SCALE,
    Array,
    Constants,
    Hyper,
    Line,
    OptimizerSpec,
    Oracle,
    Preset,
    State,
    StateVar,
    ema_sq,
    lerp,
    levelwise,
    maximum,
    maybe_maximize,
    off,
    on,
    positive,
    power,
    scale_of,
    sign,
    sqrt,
    zero,
)
from .classic import MAXIMIZE
from .decay import FIXED_DECAY, apply_decay, weight_decouple_param
from .norms import apply_cautious, row_norm

AMS_EPS = 1e-15  # pytorch_optimizer's apply_ams_bound adds it inside the root


def _bc2_sqrt(beta2: float, t: int) -> float:
    return math.sqrt(1 - math.pow(beta2, t))


def _betas(hp: Hyper) -> tuple[Any, Any]:
    """The betas the step uses: MARS's with optimize_1d, else the AdamW fallback's."""
    if hp["optimize_1d"]:
        return hp["beta1"], hp["beta2"]
    return hp["beta1_1d"], hp["beta2_1d"]


def mars_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The bias corrections of the betas in use and the lr the step applies."""
    beta1, beta2 = _betas(hp)
    lr = hp["lr"] if hp["optimize_1d"] else hp["lr"] * (initial["lr_1d"] / initial["lr"])
    return {"bias_correction1": 1 - power(beta1, t),
            "bias_correction2_sqrt": levelwise(_bc2_sqrt, beta2, t), "step_size": lr}


def mars_init(p: Array, hp: Hyper) -> State:
    """Zero moments and a zero previous gradient."""
    state: State = {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p),
                    "last_grad": np.zeros_like(p)}
    if hp["ams_bound"]:
        state["max_exp_avg_sq"] = np.zeros_like(p)
    return state


def mars_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """c = g + gamma beta1 / (1 - beta1) (g - g_prev), clipped to norm 1 (optimize_1d; else
    c = g); m <- lerp(m, c, 1 - beta1); AdamW's or Lion's step on m; decay; g_prev <- g."""
    g = maybe_maximize(grad, hp)
    beta1, beta2 = _betas(hp)
    lr = consts["step_size"]
    mixed = hp["optimize_1d"]
    c = g
    if mixed:
        c = (g - state["last_grad"]) * (hp["gamma"] * (beta1 / (1 - beta1))) + g
        norm = row_norm(c)
        if type(norm) is float:  # the float path: one run, Python's choice
            c = c / norm if norm > 1 else c
        else:
            c = np.where(norm > 1, c / norm, c)
    m = lerp(state["exp_avg"], c, 1 - beta1)
    u = apply_cautious(m, g) if hp["cautious"] else m
    v = state["exp_avg_sq"]
    new_state: State = {}
    if "max_exp_avg_sq" in state:  # Lion's branch leaves it as it is
        new_state["max_exp_avg_sq"] = state["max_exp_avg_sq"]
    if mixed and hp["mars_type"] == "lion":
        u = sign(u)
    else:
        v = ema_sq(v, c, beta2)
        second = v
        if hp["ams_bound"]:
            second = maximum(state["max_exp_avg_sq"], v)
            new_state["max_exp_avg_sq"] = second
        denom = (sqrt(second + AMS_EPS) + hp["eps"]) / consts["bias_correction2_sqrt"] \
            * consts["bias_correction1"]
        u = u / denom
    wd = hp["weight_decay"] if mixed else hp["weight_decay_1d"]
    p, g = apply_decay(p, g, lr, wd, hp["weight_decouple"], hp["fixed_decay"])
    new_state.update(exp_avg=m, exp_avg_sq=v, last_grad=g)
    return p + (-lr) * u, new_state


def _couples(hp: Hyper) -> bool:
    """The clipping of c to norm 1 (optimize_1d) and cautious masking span both coordinates."""
    return bool(hp["optimize_1d"] or hp["cautious"])


def mars_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale: the lr the step applies (the direction is the update)."""
    return {"step_scale": scale_of(consts["step_size"], state["exp_avg"])}


def mars_applied_lr(state: State, hp: Hyper, consts: Constants) -> Any:
    """The lr the step applied: lr with optimize_1d, else lr x lr_1d / lr0."""
    return consts["step_size"]


def _decay_lines() -> tuple[Line, ...]:
    """The decay, applied after the update is computed, with the weight decay in use; the
    gradient g' kept for the next correction (coupled decay changes only it)."""
    lines = []
    for mode, wd in ((on("optimize_1d"), "weight_decay"), (off("optimize_1d"), "weight_decay_1d")):
        lam = r"\lambda" if wd == "weight_decay" else r"\lambda_{1d}"
        when = (mode, positive(wd))
        lines += [
            Line(rf"\theta_{{t-1}} \leftarrow \theta_{{t-1}}(1 - \eta{lam})",
                 (*when, on("weight_decouple"), off("fixed_decay"))),
            Line(rf"\theta_{{t-1}} \leftarrow \theta_{{t-1}}(1 - {lam})",
                 (*when, on("weight_decouple"), on("fixed_decay"))),
            Line(rf"g'_t = g_t + {lam}\,\theta_{{t-1}}", (*when, off("weight_decouple"))),
        ]
    return (*lines, Line(r"g'_t = g_t", (on("weight_decouple"),)),
            Line(r"g'_t = g_t", (off("weight_decouple"), zero("weight_decay"), on("optimize_1d"))),
            Line(r"g'_t = g_t", (off("weight_decouple"), zero("weight_decay_1d"),
                                 off("optimize_1d"))))


def mars_lr_param() -> Param:
    """The lr, above 0: the reference divides lr_1d by it."""
    return replace(lr_param(3e-3), min_open=True)


MARS = OptimizerSpec(
    name="mars",
    label="MARS",
    description=(
        "MARS adds variance reduction to AdamW's momentum: the momentum averages c = g + "
        "gamma beta1 / (1 - beta1) (g - g_prev), the gradient corrected by how much it "
        "changed since the last step, clipped to norm 1 over the whole parameter. On a 2-D "
        "surface, where the gradient is exact, the correction extrapolates the gradient's "
        "trend, a look-ahead: along Rosenbrock's valley a larger gamma advances faster. "
        "pytorch_optimizer runs it only on matrices or with optimize_1d = true: on this "
        "2-vector with optimize_1d off (the default) the step is AdamW with beta1_1d, "
        "beta2_1d and weight_decay_1d at the lr lr_1d (lr_1d x lr / lr0 under a schedule), so"
        " lr itself then changes nothing. mars_type 'lion' steps by the sign of m; 'shampoo' "
        "is AdamW on a vector."
    ),
    family="adam",
    year=2024,
    paper=("Yuan, Liu, Wu, Zhou & Gu 2024,"
           " MARS: Unleashing the Power of Variance Reduction for Training Large Models"),
    reference="pytorch_optimizer.MARS 4.1.0",
    params=(
        mars_lr_param(),
        beta_param("beta1", 0.95, r"\beta_1", "decay rate of the momentum (optimize_1d)",
                   zh_help="动量的衰减率（optimize_1d）"),
        beta_param("beta2", 0.99, r"\beta_2", "decay rate of the second moment (optimize_1d)",
                   zh_help="二阶矩的衰减率（optimize_1d）"),
        Param("gamma", 0.025, min=0.0, max=10.0, step=0.005, symbol=r"\gamma",
              help="weight of the gradient's change in the corrected gradient c",
              zh={"help": "修正梯度 c 中梯度变化量的权重"}),
        Param("mars_type", "adamw", kind="choice", choices=("adamw", "lion", "shampoo"),
              help="the step on the momentum: AdamW's, or its sign (lion); shampoo is AdamW on "
                   "a vector", zh={"help": "动量上的更新方式：AdamW 或取符号（lion）；对向量 "
                                            "shampoo 即 AdamW"}),
        Param("optimize_1d", False, kind="bool",
              help="MARS on this 1-D parameter; off: the reference's AdamW fallback with the "
                   "_1d settings",
              zh={"help": "对这个一维参数使用 MARS；关闭时使用参考实现的 AdamW 后备（_1d 设置）"}),
        Param("lr_1d", 3e-3, min=0.0, max=1e3, scale="log", slider_min=1e-5, slider_max=10.0,
              symbol=r"\eta_{1d}", help="the lr of the AdamW fallback (optimize_1d off)",
              zh={"help": "AdamW 后备的学习率（optimize_1d 关闭时）"}),
        beta_param("beta1_1d", 0.9, r"\beta_1", "the fallback's first-moment decay rate",
                   zh_help="后备一阶矩的衰减率"),
        beta_param("beta2_1d", 0.95, r"\beta_2", "the fallback's second-moment decay rate",
                   zh_help="后备二阶矩的衰减率"),
        weight_decay_param(),
        replace(weight_decay_param(0.1), name="weight_decay_1d",
                help="the fallback's weight decay", zh={"help": "后备的权重衰减"}),
        weight_decouple_param(True),
        FIXED_DECAY,
        Param("ams_bound", False, kind="bool", help="use the largest second moment so far",
              zh={"help": "使用迄今最大的二阶矩"}),
        Param("cautious", False, kind="bool",
              help="zero the coordinates whose update disagrees with the gradient's sign, "
                   "rescaling the rest by 2 / (kept + 1)",
              zh={"help": "把更新与梯度符号不一致的坐标置零，其余乘以 2 / (保留数 + 1)"}),
        eps_param(1e-8),
        MAXIMIZE,
    ),
    presets=(
        Preset("mars", "MARS (optimize_1d)", {"optimize_1d": True, "lr": 0.01},
               help="the variance-reduced momentum on this 2-vector",
               zh={"label": "MARS（开启 optimize_1d）",
                   "help": "在这个二维向量上使用方差缩减动量"}),
        Preset("fallback", "AdamW fallback", {"optimize_1d": False, "lr": 0.01, "lr_1d": 0.01},
               help="what the reference does with a 1-D parameter by default",
               zh={"label": "AdamW 后备", "help": "参考实现默认对一维参数所做的"}),
    ),
    equations=(
        *GRADIENT_LINES,
        Line(r"c_t = g_t + \gamma\,\frac{\beta_1}{1-\beta_1}\,(g_t - g'_{t-1}) \quad (g'_0 = 0)",
             (on("optimize_1d"),)),
        Line(r"\lVert c_t\rVert > 1:\ c_t \leftarrow c_t / \lVert c_t\rVert", (on("optimize_1d"),)),
        Line(r"c_t = g_t, \quad \beta_1, \beta_2, \lambda \leftarrow \beta_{1,1d}, "
             r"\beta_{2,1d}, \lambda_{1d}, \quad \eta \leftarrow \eta\,\eta_{1d} / \eta_0",
             (off("optimize_1d"),)),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, c_t",
        Line(r"u_t = m_t \odot \mathbb{1}[m_t g_t > 0]\ \frac{2}{1 + \sum \mathbb{1}[m_t g_t > 0]}",
             (on("cautious"),)),
        Line(r"u_t = m_t", (off("cautious"),)),
        Line(r"\Delta_t = \operatorname{sign}(u_t)",
             (on("optimize_1d"), ("mars_type", "==", "lion"))),
        *(line for when in ((("mars_type", "!=", "lion"),),
                            (off("optimize_1d"), ("mars_type", "==", "lion")))
          for line in (
              Line(r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, c_t^2", when),
              Line(r"v^{\max}_t = \max(v^{\max}_{t-1}, v_t)\quad (\Delta_t:\ v_t \to v^{\max}_t)",
                   (*when, on("ams_bound"))),
              Line(r"\Delta_t = \frac{u_t}{1-\beta_1^t} \Big/ \frac{\sqrt{v_t + 10^{-15}} + "
                   r"\epsilon}{\sqrt{1-\beta_2^t}}", when))),
        *_decay_lines(),
        r"\theta_t = \theta_{t-1} - \eta\, \Delta_t",
    ),
    step_scale=(
        r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, \Delta_t",
    ),
    constant_vars=(
        StateVar("bias_correction1", r"1-\beta_1^t", "bias correction of the momentum",
                 scalar=True, zh={"help": "动量的偏差校正"}),
        StateVar("bias_correction2_sqrt", r"\sqrt{1-\beta_2^t}",
                 "root of the second moment's bias correction", scalar=True,
                 zh={"help": "二阶矩偏差校正的平方根"}),
    ),
    state=(
        StateVar("exp_avg", "m", "momentum: running average of the corrected gradients c",
                 zh={"help": "动量：修正梯度 c 的滑动平均"}),
        StateVar("exp_avg_sq", "v", "second moment: running average of c^2",
                 zh={"help": "二阶矩：c^2 的滑动平均"}),
        StateVar("max_exp_avg_sq", r"v^{\max}", "largest second moment so far (ams_bound)",
                 zh={"help": "迄今最大的二阶矩（ams_bound）"}),
        StateVar("last_grad", r"g'", "the gradient kept for the next correction",
                 zh={"help": "为下一次修正保存的梯度"}),
        STEP_SCALE,
    ),
    init=mars_init,
    update=mars_update,
    teaching=mars_teaching,
    constants=mars_constants,
    applied_lr=mars_applied_lr,
    momentum_name="beta1",  # torch's schedulers cycle betas[0] (unused by the fallback)
    joint=_couples,
    zh={"label": "MARS",
        "description": "MARS 给 AdamW 的动量加上方差缩减：动量平均的是 c = g + gamma beta1 / "
                       "(1 - beta1) (g - g_prev)，即按上一步以来梯度的变化修正后的梯度，并在整个"
                       "参数上裁剪到范数 1。在二维曲面上梯度是精确的，这一修正外推梯度的变化趋势，"
                       "相当于向前看：沿 Rosenbrock 的山谷，gamma 越大前进越快。"
                       "pytorch_optimizer 只对矩阵或 "
                       "optimize_1d = true 时使用它：对这个二维向量，optimize_1d 关闭（默认）时"
                       "更新就是 AdamW，使用 "
                       "beta1_1d、beta2_1d、weight_decay_1d，学习率为 lr_1d（有调度时为 lr_1d × "
                       "lr / lr0），此时 lr 本身不起作用。mars_type 'lion' 按 m 的符号移动；对向量 "
                       "'shampoo' 即 AdamW。"},
)
