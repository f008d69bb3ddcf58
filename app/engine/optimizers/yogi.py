"""Yogi (Zaheer et al. 2018) as pytorch_optimizer 4.1 steps it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Param, eps_param, lr_param, weight_decay_param
from .adaptive import BC1, BC2, M_HAT, V_HAT, M, V, _betas
from .base import (
    GRADIENT_LINES,
    STEP_SCALE,
    Array,
    Constants,
    Hyper,
    OptimizerSpec,
    Oracle,
    State,
    lerp,
    maybe_maximize,
    power,
    sign,
    sqrt,
)
from .classic import MAXIMIZE
from .decay import FIXED_DECAY, decay_lines, weight_decouple_param
from .ptopt import apply_weight_decay


def yogi_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The bias corrections 1 - beta^t (applied although the moments start non-zero)."""
    return {"bias_correction1": 1 - power(hp["beta1"], t),
            "bias_correction2": 1 - power(hp["beta2"], t)}


def yogi_init(p: Array, hp: Hyper) -> State:
    """Both moments start at initial_accumulator, not at zero."""
    start = np.zeros_like(p) + hp["initial_accumulator"]
    return {"exp_avg": start, "exp_avg_sq": start.copy()}


def yogi_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam whose v moves towards g^2 by at most (1 - beta2) g^2 per step, additively."""
    beta1, beta2 = hp["beta1"], hp["beta2"]
    p, g = apply_weight_decay(p, maybe_maximize(grad, hp), hp)
    m = lerp(state["exp_avg"], g, 1 - beta1)
    g2 = g * g
    v = state["exp_avg_sq"]
    v = v + (-(1 - beta2)) * (sign(v - g2) * g2)
    denom = sqrt(v) / sqrt(consts["bias_correction2"]) + hp["eps"]
    return p + ((-hp["lr"]) / consts["bias_correction1"]) * (m / denom), \
        {"exp_avg": m, "exp_avg_sq": v}


def _teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """m-hat, v-hat and the step scale lr / (1 - beta1^t) / (sqrt(v-hat) + eps), on m."""
    v = state["exp_avg_sq"]
    return {"m_hat": state["exp_avg"] / consts["bias_correction1"],
            "v_hat": v / consts["bias_correction2"],
            "step_scale": hp["lr"] / consts["bias_correction1"] / (
                np.sqrt(v) / np.sqrt(consts["bias_correction2"]) + hp["eps"])}


YOGI = OptimizerSpec(
    name="yogi",
    label="Yogi",
    description=(
        "Yogi is Adam with an additive second moment: v moves towards g^2 by (1 - beta2) g^2 "
        "times the sign of the gap, never by a fraction of v. After a steep stretch Adam's v "
        "decays by a factor each step and the step swells on a sudden flat; Yogi's v comes down "
        "slowly, so the step stays small for longer. In pytorch_optimizer both moments start at "
        "initial_accumulator and the bias corrections still apply."
    ),
    family="adam",
    year=2018,
    paper="Zaheer, Reddi, Sachan, Kale & Kumar 2018, Adaptive Methods for Nonconvex Optimization",
    reference="pytorch_optimizer 4.1.0 Yogi",
    params=(
        lr_param(1e-2),
        *_betas(),
        Param("initial_accumulator", 1e-6, min=0.0, max=10.0, scale="log", slider_min=1e-8,
              slider_max=1.0, symbol="v_0", help="the value both moments start at",
              zh={"help": "两个矩的初始值"}),
        weight_decay_param(),
        weight_decouple_param(True),
        FIXED_DECAY,
        eps_param(1e-3),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        *decay_lines(),
        r"m_0 = v_0, \quad m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
        r"v_t = v_{t-1} - (1-\beta_2)\,\operatorname{sign}(v_{t-1} - g_t^2)\, g_t^2",
        r"\theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}"
        r"{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}",
    ),
    step_scale=(
        r"\hat\eta_t = \frac{\eta}{1-\beta_1^t} \Big/ \left(\sqrt{\frac{v_t}{1-\beta_2^t}}"
        r" + \epsilon\right), \quad \theta_t = \theta_{t-1} - \hat\eta_t\, m_t",
    ),
    constant_vars=(BC1, BC2),
    state=(M, V, M_HAT, V_HAT, STEP_SCALE),
    init=yogi_init,
    update=yogi_update,
    teaching=_teaching,
    constants=yogi_constants,
    momentum_name="beta1",
    zh={"label": "Yogi",
        "description": ("Yogi 是二阶矩以加法更新的 Adam：v 每步朝 g² 移动 (1 − β2)·g² "
                        "乘以差值的符号，而不是按 v 的比例衰减。"
                        "陡坡过后，Adam 的 v 每步按比例衰减，"
                        "遇到突然的平地时步子猛增；Yogi 的 v 下降得慢，步子会更久地保持较小。"
                        "pytorch_optimizer 中两个矩都从 initial_accumulator 开始，"
                        "偏差校正仍然照常使用。")},
)
