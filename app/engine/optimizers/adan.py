"""Adan (Xie et al. 2022) as pytorch_optimizer 4.1 steps it: Nesterov momentum estimated from
the gradient difference, with optional float32 clipping of the gradient norm."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Param, beta_param, eps_param, lr_param, weight_decay_param
from .adaptive import M, V
from .base import (
    GRADIENT_LINES,
    STEP_SCALE,
    Array,
    Constants,
    Hyper,
    Line,
    OptimizerSpec,
    Oracle,
    State,
    StateVar,
    copy,
    ema_sq,
    is_zero,
    lerp,
    maybe_maximize,
    minimum,
    off,
    on,
    positive,
    power,
    select,
    sqrt,
)
from .classic import MAXIMIZE
from .decay import weight_decouple_param
from .norms import float32_scale, row_norm


def adan_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """1 - beta^t of each average (m, the difference average n, v) and sqrt(1 - beta3^t)."""
    bias_correction3 = 1 - power(hp["beta3"], t)
    return {"bias_correction1": 1 - power(hp["beta1"], t),
            "bias_correction2": 1 - power(hp["beta2"], t),
            "bias_correction3_sqrt": sqrt(bias_correction3)}


def adan_init(p: Array, hp: Hyper) -> State:
    """Three averages at zero and the previous gradient (set by the first step)."""
    return {"exp_avg": np.zeros_like(p), "exp_avg_diff": np.zeros_like(p),
            "exp_avg_sq": np.zeros_like(p), "previous_grad": np.zeros_like(p)}


def clip_factor(grad: Any, max_grad_norm: Any, eps: Any) -> Any:
    """min(1, max_grad_norm / (||g|| + eps)) per run, as pytorch_optimizer computes it: the
    float64 norm rounded to float32, then float32 throughout (a reciprocal, then a product;
    each float32 operation done in float64 and rounded once, which is the float32 result)."""
    scale = float32_scale(row_norm(grad), max_grad_norm, eps)
    return select(max_grad_norm > 0, minimum(1.0, scale), 1.0)


def adan_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam-like steps along m and along the average n of gradient differences, both over the
    root of v, the average of (g + beta2 (g - g_prev))^2."""
    beta1, beta2, beta3 = hp["beta1"], hp["beta2"], hp["beta3"]
    lr, wd = hp["lr"], hp["weight_decay"]
    clip = 1.0 if is_zero(hp["max_grad_norm"]) else clip_factor(grad, hp["max_grad_norm"],
                                                                 hp["eps"])
    # The reference records its first previous gradient before negating it for maximize.
    previous = grad * clip if t == 1 else state["previous_grad"]
    g = maybe_maximize(grad, hp) * clip
    diff = g - previous  # 0 on the first step
    m = lerp(state["exp_avg"], g, 1 - beta1)
    n = lerp(state["exp_avg_diff"], diff, 1 - beta2)
    v = ema_sq(state["exp_avg_sq"], diff * beta2 + g, beta3)
    denom = sqrt(v) / consts["bias_correction3_sqrt"] + hp["eps"]
    decays = not is_zero(wd)
    if decays and hp["weight_decouple"]:
        p = p * (1 - lr * wd)
    p = p + ((-lr) / consts["bias_correction1"]) * (m / denom)
    p = p + ((-lr) * beta2 / consts["bias_correction2"]) * (n / denom)
    if decays and not hp["weight_decouple"]:
        p = p / (1 + lr * wd)
    return p, {"exp_avg": m, "exp_avg_diff": n, "exp_avg_sq": v, "previous_grad": copy(g)}


def _teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale lr / (sqrt(v) / sqrt(1 - beta3^t) + eps), on m-hat + beta2 n-hat."""
    v = state["exp_avg_sq"]
    return {"step_scale": hp["lr"] / (np.sqrt(v) / consts["bias_correction3_sqrt"] + hp["eps"])}


def _couples(hp: Hyper) -> bool:
    """Clipping by the gradient's norm spans both coordinates."""
    return not is_zero(hp["max_grad_norm"])


ADAN = OptimizerSpec(
    name="adan",
    label="Adan",
    description=(
        "Adan (adaptive Nesterov momentum) adds to Adam's step a second one along n, the "
        "average of gradient differences g_t - g_{t-1}: where the gradient keeps turning, as "
        "around a curved valley, n points where it is going and the path cuts inside the "
        "bend. v averages the squared look-ahead gradient g + beta2 (g_t - g_{t-1}). Its betas "
        "are the paper's: beta1 0.98 keeps 98 % of the old m. The coupled weight decay is a "
        "proximal shrink after the step, theta / (1 + lr*wd). max_grad_norm > 0 first scales "
        "the gradient so its norm is at most that (computed in float32, as pytorch_optimizer)."
    ),
    family="adam",
    year=2022,
    paper=("Xie, Zhou, Li, Lin & Yan 2022, Adan: Adaptive Nesterov Momentum Algorithm for Faster"
           " Optimizing Deep Models"),
    reference="pytorch_optimizer 4.1.0 Adan",
    params=(
        lr_param(1e-3),
        beta_param("beta1", 0.98, r"\beta_1", "decay rate of the gradient average m",
                   zh_help="梯度平均 m 的衰减率"),
        beta_param("beta2", 0.92, r"\beta_2", "decay rate of the gradient-difference average n",
                   zh_help="梯度差平均 n 的衰减率"),
        beta_param("beta3", 0.99, r"\beta_3", "decay rate of the second moment v",
                   zh_help="二阶矩 v 的衰减率"),
        weight_decay_param(),
        weight_decouple_param(False),
        Param("max_grad_norm", 0.0, min=0.0, max=1e6, scale="linear", step=0.1,
              symbol=r"G_{\max}", help="clip the gradient's norm to this (0: no clipping)",
              zh={"help": "把梯度范数裁剪到此值（0：不裁剪）"}),
        eps_param(1e-8),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        Line(r"g_t \leftarrow g_t \min\!\left(1,\, \frac{G_{\max}}{\lVert g_t \rVert + "
             r"\epsilon}\right)", (positive("max_grad_norm"),)),
        r"\Delta_t = g_t - g_{t-1}, \quad \Delta_1 = 0",
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
        r"n_t = \beta_2 n_{t-1} + (1-\beta_2)\, \Delta_t",
        r"v_t = \beta_3 v_{t-1} + (1-\beta_3)\,(g_t + \beta_2 \Delta_t)^2",
        Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \eta\lambda)",
             (positive("weight_decay"), on("weight_decouple"))),
        r"\theta_t = \theta_{t-1} - \eta\, \frac{m_t/(1-\beta_1^t) + \beta_2\, n_t/(1-\beta_2^t)}"
        r"{\sqrt{v_t/(1-\beta_3^t)} + \epsilon}",
        Line(r"\theta_t \leftarrow \theta_t / (1 + \eta\lambda)",
             (positive("weight_decay"), off("weight_decouple"))),
    ),
    step_scale=(
        r"\hat\eta_t = \eta \Big/ \left(\sqrt{\frac{v_t}{1-\beta_3^t}} + \epsilon\right), \quad "
        r"\theta_t = \theta_{t-1} - \hat\eta_t \left(\frac{m_t}{1-\beta_1^t} + "
        r"\frac{\beta_2\, n_t}{1-\beta_2^t}\right)",
    ),
    state=(
        M,
        StateVar("exp_avg_diff", "n", "running average of gradient differences g_t - g_{t-1}",
                 zh={"help": "梯度差 g_t − g_{t−1} 的滑动平均"}),
        V,
        StateVar("previous_grad", r"g_{t-1}", "the previous (clipped) gradient (pytorch_optimizer"
                 " stores its negative)", zh={"help": "上一步（裁剪后）的梯度（pytorch_optimizer "
                                              "存的是它的相反数）"}),
        STEP_SCALE,
    ),
    init=adan_init,
    update=adan_update,
    teaching=_teaching,
    constants=adan_constants,
    joint=_couples,
    zh={"label": "Adan",
        "description": ("Adan（自适应 Nesterov 动量）在 Adam 的步子之外，再沿 n 走一步；"
                        "n 是梯度差 g_t − g_{t−1} 的平均：梯度不断转向时（如绕弯曲的山谷），"
                        "n 指向它将去的方向，路径从弯道内侧切过。v 平均的是前瞻梯度 "
                        "g + β2 (g_t − g_{t−1}) 的平方。β 取论文的约定：β1 = 0.98 表示保留 98% "
                        "的旧 m。耦合的权重衰减是步后的近端收缩 θ / (1 + lr·wd)。"
                        "max_grad_norm > 0 时先缩放梯度使其范数不超过该值"
                        "（与 pytorch_optimizer 一样用 float32 计算）。")},
)
