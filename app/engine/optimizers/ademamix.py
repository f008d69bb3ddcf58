"""AdEMAMix (Pagliardini et al. 2024) as pytorch_optimizer 4.1 steps it: Adam plus a slow EMA."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..params import Param, beta_param, eps_param, lr_param, weight_decay_param
from .adaptive import BC1, M_HAT, V_HAT, M, V, _betas
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
    ema_sq,
    lerp,
    levelwise,
    maybe_maximize,
    power,
    sqrt,
)
from .classic import MAXIMIZE
from .decay import FIXED_DECAY, decay_lines, weight_decouple_param
from .ptopt import apply_weight_decay

SCHEDULED = ("t_alpha_beta3", "!=", None)
CONSTANT = ("t_alpha_beta3", "==", None)


def _alpha_t(alpha: float, horizon: float | None, t: int) -> float:
    """alpha, or its linear warm-up over t_alpha_beta3 steps."""
    return alpha if horizon is None else min(t * alpha / horizon, alpha)


def _beta3_t(beta1: float, beta3: float, horizon: float | None, t: int) -> float:
    """beta3, or its warm-up from beta1 over t_alpha_beta3 steps (the slow EMA's half-life grows
    linearly); beta1 = 0 takes the formula's limit beta3^(T/t)."""
    if horizon is None:
        return beta3
    if beta3 <= 0.0:
        return beta3
    frac = t / horizon
    if beta1 <= 0.0:
        return min(beta3 ** (1.0 / frac), beta3)
    log1, log3 = math.log(beta1), math.log(beta3)
    return min(math.exp(log1 * log3 / ((1.0 - frac) * log3 + frac * log1)), beta3)


def ademamix_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The bias corrections of m and v, and the scheduled alpha_t and beta3_t."""
    horizon = hp["t_alpha_beta3"]
    return {"bias_correction1": 1 - power(hp["beta1"], t),
            "bias_correction2_sqrt": sqrt(1 - power(hp["beta2"], t)),
            "alpha_t": levelwise(_alpha_t, hp["alpha"], horizon, t),
            "beta3_t": levelwise(_beta3_t, hp["beta1"], hp["beta3"], horizon, t)}


def ademamix_init(p: Array, hp: Hyper) -> State:
    """m, v and the slow EMA at zero."""
    return {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p),
            "exp_avg_slow": np.zeros_like(p)}


def ademamix_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam's step on m-hat + alpha_t m-tilde: a fast and a slow average of the gradient."""
    p, g = apply_weight_decay(p, maybe_maximize(grad, hp), hp)
    m = lerp(state["exp_avg"], g, 1 - hp["beta1"])
    v = ema_sq(state["exp_avg_sq"], g, hp["beta2"])
    slow = lerp(state["exp_avg_slow"], g, 1 - consts["beta3_t"])
    denom = sqrt(v) / consts["bias_correction2_sqrt"] + hp["eps"]
    u = m / consts["bias_correction1"] + consts["alpha_t"] * slow
    return p + (-hp["lr"]) * (u / denom), {"exp_avg": m, "exp_avg_sq": v, "exp_avg_slow": slow}


def _teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """m-hat, v-hat and the step scale lr / (sqrt(v-hat) + eps), on m-hat + alpha_t m-tilde."""
    v = state["exp_avg_sq"]
    root = consts["bias_correction2_sqrt"]
    return {"m_hat": state["exp_avg"] / consts["bias_correction1"],
            "v_hat": v / (root * root),
            "step_scale": hp["lr"] / (np.sqrt(v) / root + hp["eps"])}


ADEMAMIX = OptimizerSpec(
    name="ademamix",
    label="AdEMAMix",
    description=(
        "AdEMAMix adds to Adam's m-hat a slow average of the gradient, alpha * m-tilde with "
        "beta3 = 0.9999 (a memory of about 10,000 steps), left without bias correction so it "
        "grows in gradually. The slow term keeps pushing along directions the gradient has "
        "favoured for long, so the path carries on through bends and shallow basins where "
        "Adam's m has already turned; the fast m still reacts to the surface at hand. "
        "t_alpha_beta3 warms alpha and beta3 up over that many steps."
    ),
    family="adam",
    year=2024,
    paper=("Pagliardini, Ablin & Grangier 2024, The AdEMAMix Optimizer: Better, Faster,"
           " Older"),
    reference="pytorch_optimizer 4.1.0 AdEMAMix",
    params=(
        lr_param(1e-3),
        *_betas(),
        beta_param("beta3", 0.9999, r"\beta_3", "decay rate of the slow average",
                   zh_help="慢速平均的衰减率"),
        weight_decay_param(),
        weight_decouple_param(False),
        FIXED_DECAY,
        Param("alpha", 5.0, min=0.0, max=1000.0, scale="linear", step=0.1, symbol=r"\alpha",
              help="weight of the slow average in the step",
              zh={"help": "慢速平均在步子中的权重"}),
        Param("t_alpha_beta3", None, min=0.0, min_open=True, max=1e6, scale="log",
              slider_min=1.0, slider_max=1e5, nullable=True, symbol="T",
              help="steps over which alpha and beta3 warm up (empty: no warm-up)",
              zh={"help": "alpha 与 beta3 的预热步数（留空：不预热）"}),
        eps_param(1e-8),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        *decay_lines(),
        Line(r"\alpha_t = \min(t\alpha/T,\, \alpha)", (SCHEDULED,)),
        Line(r"\beta_{3,t} = \min\!\left(\exp\frac{\ln\beta_1 \ln\beta_3}{(1-t/T)\ln\beta_3"
             r" + (t/T)\ln\beta_1},\, \beta_3\right)", (SCHEDULED,)),
        Line(r"\alpha_t = \alpha, \quad \beta_{3,t} = \beta_3", (CONSTANT,)),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \quad "
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
        r"\tilde m_t = \beta_{3,t}\, \tilde m_{t-1} + (1-\beta_{3,t})\, g_t",
        r"\theta_t = \theta_{t-1} - \eta\, \frac{m_t/(1-\beta_1^t) + \alpha_t\, "
        r"\tilde m_t}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}",
    ),
    step_scale=(
        r"\hat\eta_t = \eta \Big/ \left(\sqrt{\frac{v_t}{1-\beta_2^t}} + \epsilon\right), \quad "
        r"\theta_t = \theta_{t-1} - \hat\eta_t \left(\hat m_t + \alpha_t \tilde m_t"
        r"\right)",
    ),
    constant_vars=(
        BC1,
        StateVar("alpha_t", r"\alpha_t", "weight of the slow average this step", scalar=True,
                 zh={"help": "本步慢速平均的权重"}),
        StateVar("beta3_t", r"\beta_{3,t}", "decay rate of the slow average this step",
                 scalar=True, zh={"help": "本步慢速平均的衰减率"}),
    ),
    state=(
        M,
        V,
        StateVar("exp_avg_slow", r"\tilde m", "slow running average of gradients "
                 "(beta3), not bias-corrected",
                 zh={"help": "梯度的慢速滑动平均（β3），不做偏差校正"}),
        M_HAT,
        V_HAT,
        STEP_SCALE,
    ),
    init=ademamix_init,
    update=ademamix_update,
    teaching=_teaching,
    constants=ademamix_constants,
    momentum_name="beta1",
    zh={"label": "AdEMAMix",
        "description": ("AdEMAMix 在 Adam 的 m̂ 之外再加上梯度的慢速平均 α·m̃，"
                        "β3 = 0.9999（约一万步的记忆），且不做偏差校正，因而逐渐增长。"
                        "慢速项持续推向梯度长期偏好的方向，所以在 Adam 的 m 已经转向的弯道和"
                        "浅盆地里，路径仍会继续前行；快速的 m 仍对眼前的曲面作出反应。"
                        "t_alpha_beta3 让 α 与 β3 在这么多步内逐步升高。")},
)
