"""AdaBelief (Zhuang et al. 2020) as pytorch_optimizer 4.1 steps it, rectification included."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..params import Param, lr_param, weight_decay_param
from .adaptive import BC1, M_HAT, M, _betas
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
    lerp,
    levelwise,
    maximum,
    maybe_maximize,
    off,
    on,
    power,
    select,
    sqrt,
)
from .classic import MAXIMIZE
from .decay import FIXED_DECAY, decay_lines, weight_decouple_param
from .ptopt import apply_weight_decay, tiny_eps

S = StateVar("exp_avg_var", "s", "belief: running average of (g - m)^2, plus eps each step",
             zh={"help": "置信度：(g − m)² 的滑动平均，每步再加 eps"})
SMAX = StateVar("max_exp_avg_var", r"s^{\max}", "largest s so far (ams_bound)",
                zh={"help": "迄今最大的 s（ams_bound）"})
S_HAT = StateVar("s_hat", r"\hat s", "bias-corrected belief s / (1 - beta2^t)", teaching=True,
                 zh={"help": "偏差校正后的置信度 s / (1 - β2^t)"})


def _n_sma(beta2: float, t: int) -> float:
    """RAdam's length of the approximated simple moving average, rho_t."""
    n_max = 2.0 / (1.0 - beta2) - 1.0
    b2t = beta2 ** t
    return n_max - 2 * t * b2t / (1.0 - b2t)


def _rect(beta2: float, t: int, threshold: float, degenerated: bool) -> float:
    """pytorch_optimizer's rectification factor r_t (1 or -1 below the threshold)."""
    n_max = 2.0 / (1.0 - beta2) - 1.0
    b2t = beta2 ** t
    n_sma = n_max - 2 * t * b2t / (1.0 - b2t)
    if n_sma >= threshold:
        return math.sqrt((1.0 - b2t) * (n_sma - 4) / (n_max - 4) * (n_sma - 2) / n_sma * n_max
                         / (n_max - 2))
    return 1.0 if degenerated else -1.0


def adabelief_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """1 - beta^t for both moments; with rectify, rho_t and the rectified step lr r_t / (1 -
    beta1^t) (negative while the step waits, degenerated_to_sgd off)."""
    bias_correction1 = 1 - power(hp["beta1"], t)
    bias_correction2 = 1 - power(hp["beta2"], t)
    out = {"bias_correction1": bias_correction1, "bias_correction2": bias_correction2}
    if hp["rectify"]:
        out["rho_t"] = levelwise(_n_sma, hp["beta2"], t)
        rt = levelwise(_rect, hp["beta2"], t, hp["n_sma_threshold"], hp["degenerated_to_sgd"])
        out["step_size"] = hp["lr"] * rt / bias_correction1
    return out


def adabelief_init(p: Array, hp: Hyper) -> State:
    """The moments m and s start at zero."""
    state: State = {"exp_avg": np.zeros_like(p), "exp_avg_var": np.zeros_like(p)}
    if hp.get("ams_bound"):
        state["max_exp_avg_var"] = np.zeros_like(p)
    return state


def adabelief_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam whose second moment tracks (g - m)^2, how far the gradient strays from its mean."""
    beta1, beta2, eps = hp["beta1"], hp["beta2"], hp["eps"]
    p, g = apply_weight_decay(p, maybe_maximize(grad, hp), hp)
    m = lerp(state["exp_avg"], g, 1 - beta1)
    r = g - m
    s = state["exp_avg_var"] * beta2 + ((1 - beta2) * r) * r + eps
    new_state: State = {"exp_avg": m, "exp_avg_var": s}
    if hp["ams_bound"]:
        s = new_state["max_exp_avg_var"] = maximum(state["max_exp_avg_var"], s)
    if not hp["rectify"]:
        denom = sqrt(s) / sqrt(consts["bias_correction2"]) + eps
        return p + ((-hp["lr"]) / consts["bias_correction1"]) * (m / denom), new_state
    step = consts["step_size"]
    adaptive = p + (-step) * (m / (sqrt(s) + eps))
    sgd = select(step > 0, p + (-step) * m, p)
    return select(consts["rho_t"] >= hp["n_sma_threshold"], adaptive, sgd), new_state


def _teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """m-hat, s-hat and the step scale on m: lr / (1 - beta1^t) / (sqrt(s-hat) + eps); rectified,
    r_t lr / (1 - beta1^t) / (sqrt(s) + eps), or r_t lr / (1 - beta1^t) (0 while waiting) below
    the threshold."""
    s = state.get("max_exp_avg_var", state["exp_avg_var"])
    eps = hp["eps"]
    out = {"m_hat": state["exp_avg"] / consts["bias_correction1"],
           "s_hat": s / consts["bias_correction2"]}
    if not hp["rectify"]:
        out["step_scale"] = hp["lr"] / consts["bias_correction1"] / (
            np.sqrt(s) / np.sqrt(consts["bias_correction2"]) + eps)
        return out
    step = consts["step_size"]
    out["step_scale"] = np.where(consts["rho_t"] >= hp["n_sma_threshold"],
                                 step / (np.sqrt(s) + eps), np.maximum(step, 0.0)) * np.ones_like(s)
    return out


ADABELIEF = OptimizerSpec(
    name="adabelief",
    label="AdaBelief",
    description=(
        "AdaBelief is Adam with another second moment: s averages (g - m)^2, how far the "
        "gradient strays from its running mean (the 'belief'), not g^2. Where the gradient is "
        "large but steady, as along a valley floor, s stays small and the step grows; where it "
        "keeps changing, as across a valley, s grows and the step shrinks. pytorch_optimizer adds "
        "eps to s every step as well as to the denominator; rectify is RAdam's warm-up (its "
        "threshold test is rho_t >= 5, RAdam's > 5)."
    ),
    family="adam",
    year=2020,
    paper=("Zhuang et al. 2020, AdaBelief Optimizer: Adapting Stepsizes by the Belief in"
           " Observed Gradients"),
    reference="pytorch_optimizer 4.1.0 AdaBelief",
    params=(
        lr_param(1e-3),
        *_betas(),
        weight_decay_param(),
        weight_decouple_param(True),
        FIXED_DECAY,
        Param("rectify", False, kind="bool", help="RAdam's rectified warm-up",
              zh={"help": "RAdam 的修正预热"}),
        Param("n_sma_threshold", 5, kind="int", min=5, max=1000, step=1, symbol=r"\rho^*",
              help="rectified steps once rho_t reaches it (at least 5: below, r_t has no value)",
              zh={"help": "ρ_t 达到该值后才走修正步（至少为 5：更小时 r_t 无定义）"}),
        Param("degenerated_to_sgd", True, kind="bool",
              help="before the threshold, step along m (else: do not move)",
              zh={"help": "达到阈值前沿 m 走一步（否则不动）"}),
        Param("ams_bound", False, kind="bool", help="use the largest s so far",
              zh={"help": "使用迄今最大的 s"}),
        tiny_eps(1e-16),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        *decay_lines(),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
        r"s_t = \beta_2 s_{t-1} + (1-\beta_2)\,(g_t - m_t)^2 + \epsilon",
        Line(r"s_t \leftarrow \max(s^{\max}_{t-1},\, s_t)", (on("ams_bound"),)),
        Line(r"\theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}"
             r"{\sqrt{s_t / (1-\beta_2^t)} + \epsilon}", (off("rectify"),)),
        Line(r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}, \quad r_t = "
             r"\sqrt{\frac{(1-\beta_2^t)(\rho_t-4)(\rho_t-2)\rho_\infty}"
             r"{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}", (on("rectify"),)),
        Line(r"\theta_t = \theta_{t-1} - \frac{\eta\, r_t}{1-\beta_1^t} \begin{cases}"
             r"m_t / (\sqrt{s_t} + \epsilon) & \rho_t \ge \rho^* \\ m_t & \text{else} "
             r"\end{cases}", (on("rectify"), on("degenerated_to_sgd"))),
        Line(r"\theta_t = \theta_{t-1} - \frac{\eta\, r_t}{1-\beta_1^t} \begin{cases}"
             r"m_t / (\sqrt{s_t} + \epsilon) & \rho_t \ge \rho^* \\ 0 & \text{else} "
             r"\end{cases}", (on("rectify"), off("degenerated_to_sgd"))),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \frac{\eta}{1-\beta_1^t} \Big/ \left(\sqrt{\frac{s_t}{1-\beta_2^t}}"
             r" + \epsilon\right), \quad \theta_t = \theta_{t-1} - \hat\eta_t\, m_t",
             (off("rectify"),)),
        Line(r"\hat\eta_t = \frac{\eta\, r_t}{1-\beta_1^t} \Big/ (\sqrt{s_t} + \epsilon)\ "
             r"(\rho_t \ge \rho^*), \quad \theta_t = \theta_{t-1} - \hat\eta_t\, m_t",
             (on("rectify"),)),
    ),
    constant_vars=(
        BC1,
        StateVar("bias_correction2", r"1-\beta_2^t", "bias correction of the belief",
                 scalar=True, zh={"help": "置信度的偏差校正"}),
    ),
    state=(M, S, SMAX, M_HAT, S_HAT, STEP_SCALE),
    init=adabelief_init,
    update=adabelief_update,
    teaching=_teaching,
    constants=adabelief_constants,
    momentum_name="beta1",
    zh={"label": "AdaBelief",
        "description": ("AdaBelief 是换了二阶矩的 Adam：s 平均的是 (g − m)²，"
                        "即梯度偏离其滑动均值的程度（“置信度”），而不是 g²。"
                        "梯度大而稳定时（如沿谷底），s 很小，步子变大；"
                        "梯度不断变化时（如横穿山谷），s 变大，步子变小。"
                        "pytorch_optimizer 每步把 eps 既加到 s 上也加到分母上；"
                        "rectify 即 RAdam 的预热（阈值判断为 ρ_t ≥ 5，RAdam 为 > 5）。")},
)
