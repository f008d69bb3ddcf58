"""ADOPT (Taniguchi et al. 2024) as pytorch_optimizer 4.1 steps it, with its default clip
t^(1/4)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..params import eps_param, lr_param, weight_decay_param
from .adaptive import M, V, _betas
from .base import (
    GRADIENT_LINES,
    STEP_SCALE,
    Array,
    Constants,
    Hyper,
    OptimizerSpec,
    Oracle,
    State,
    StateVar,
    ema_sq,
    lerp,
    lr_step_scale,
    maximum,
    maybe_maximize,
    minimum,
    sqrt,
)
from .classic import MAXIMIZE
from .decay import FIXED_DECAY, decay_lines, weight_decouple_param
from .ptopt import apply_weight_decay


def adopt_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The clip bound c_t = t^(1/4) (the reference's default clip_lambda)."""
    return {"clip": math.pow(t, 0.25)}


def adopt_init(p: Array, hp: Hyper) -> State:
    """m and v at zero (the first step fills v and does not move)."""
    return {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}


def adopt_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Normalise g by the v of the previous steps (not including g), clip, average, step; only
    then fold g into v."""
    p, g = apply_weight_decay(p, maybe_maximize(grad, hp), hp)
    v = state["exp_avg_sq"]
    if t == 1:
        return p, {"exp_avg": state["exp_avg"], "exp_avg_sq": v + g * g}
    clip = consts["clip"]
    normed = minimum(maximum(g / maximum(sqrt(v), hp["eps"]), -clip), clip)
    m = lerp(state["exp_avg"], normed, 1 - hp["beta1"])
    return p + (-hp["lr"]) * m, {"exp_avg": m, "exp_avg_sq": ema_sq(v, g, hp["beta2"])}


ADOPT = OptimizerSpec(
    name="adopt",
    label="ADOPT",
    description=(
        "ADOPT (adaptive gradient method with the optimal rate) swaps two of Adam's steps: it "
        "divides g by the root of the v of earlier steps, which does not yet contain g, and only "
        "then averages the quotient into m; g enters v after the step. So a sudden large "
        "gradient is not damped by itself: the quotient is clipped to +-t^(1/4) instead, and no "
        "coordinate moves more than lr t^(1/4) in a step. The first step only fills v: the path "
        "starts one step late."
    ),
    family="adam",
    year=2024,
    paper=("Taniguchi et al. 2024, ADOPT: Modified Adam Can Converge with Any beta2 with the"
           " Optimal Rate"),
    reference="pytorch_optimizer 4.1.0 ADOPT (clip_lambda: t ** 0.25)",
    params=(
        lr_param(1e-3),
        *_betas(0.9, 0.9999),
        weight_decay_param(),
        weight_decouple_param(False),
        FIXED_DECAY,
        eps_param(1e-6),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        *decay_lines(),
        r"t = 1:\quad v_1 = g_1^2, \quad \theta_1 = \theta_0",
        r"\tilde g_t = \operatorname{clip}\!\left(\frac{g_t}{\max(\sqrt{v_{t-1}},\, \epsilon)},"
        r"\, -t^{1/4},\, t^{1/4}\right)",
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, \tilde g_t",
        r"\theta_t = \theta_{t-1} - \eta\, m_t",
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
    ),
    step_scale=(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, m_t",),
    constant_vars=(StateVar("clip", "t^{1/4}", "clip bound of the normalised gradient",
                            scalar=True, zh={"help": "归一化梯度的裁剪界"}),),
    state=(M, V, STEP_SCALE),
    init=adopt_init,
    update=adopt_update,
    teaching=lr_step_scale("exp_avg"),
    constants=adopt_constants,
    momentum_name="beta1",
    zh={"label": "ADOPT",
        "description": ("ADOPT（具有最优收敛速率的自适应梯度方法）调换了 Adam 的两个步骤："
                        "它用此前各步的 v（尚不含 g）的平方根去除 g，然后才把商平均进 m；"
                        "g 在这一步之后才进入 v。因此突然的大梯度不会被它自己压小，"
                        "而是把商裁剪到 ±t^(1/4)，每个分量每步移动不超过 lr·t^(1/4)。"
                        "第一步只填充 v：路径晚一步出发。")},
)
