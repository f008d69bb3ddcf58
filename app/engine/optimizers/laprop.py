"""LaProp (Ziyin, Wang & Ueda 2020) as pytorch_optimizer 4.1 steps it, cautious masking
included."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Param, lr_param, weight_decay_param
from .adaptive import VMAX, M, V, _betas
from .base import (
    CAUTIOUS,
    CAUTIOUS_LINE,
    CAUTIOUS_MASK,
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
    cautious_mask,
    cautious_on,
    ema_sq,
    is_per_run,
    lerp,
    maximum,
    maybe_maximize,
    off,
    on,
    per_run,
    positive,
    power,
    sqrt,
)
from .classic import MAXIMIZE
from .decay import FIXED_DECAY, weight_decouple_param
from .ptopt import apply_weight_decay, tiny_eps

LR1 = StateVar("exp_avg_lr_1", r"\bar\eta", "running average of the lr with beta1: the bias "
               "correction of m, which carries the lr", scalar=True,
               zh={"help": "学习率以 β1 做的滑动平均：m 的偏差校正（m 中含有学习率）"})
MEAN = StateVar("exp_mean_avg_beta2", r"\mu", "running average of gradients with beta2 "
                "(centered)", zh={"help": "以 β2 做的梯度滑动平均（centered）"})


def laprop_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """sqrt(1 - beta2^t), the second moment's bias correction under the root."""
    return {"bias_correction2_sqrt": sqrt(1 - power(hp["beta2"], t))}


def laprop_init(p: Array, hp: Hyper) -> State:
    """m, v and the lr average at zero; the centered mean, v's maximum and the mask if used."""
    state: State = {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p),
                    "exp_avg_lr_1": per_run(0.0, p)}
    if hp.get("centered"):
        state["exp_mean_avg_beta2"] = np.zeros_like(p)
    if hp.get("ams_bound"):
        state["max_exp_avg_sq"] = np.zeros_like(p)
    if hp.get("cautious"):
        state["cautious_mask"] = np.zeros_like(p)
    return state


def _over_lr(lr1: Any, lr: Any) -> Any:
    """lr1 / lr, 1 where the lr is 0 (as the reference guards it)."""
    if is_per_run(lr):
        nonzero = lr != 0
        return np.where(nonzero, lr1 / np.where(nonzero, lr, 1.0), 1.0)
    return lr1 / lr if lr != 0 else 1.0


def laprop_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Momentum of the normalised gradient g / sqrt(v-hat): normalise first, then average."""
    beta1, beta2, lr = hp["beta1"], hp["beta2"], hp["lr"]
    g = maybe_maximize(grad, hp)
    v = ema_sq(state["exp_avg_sq"], g, beta2)
    lr1 = state["exp_avg_lr_1"] * beta1 + (1 - beta1) * lr
    new_state: State = {"exp_avg_sq": v, "exp_avg_lr_1": lr1}
    second = v
    if hp["centered"]:
        mean = new_state["exp_mean_avg_beta2"] = lerp(state["exp_mean_avg_beta2"], g, 1 - beta2)
        if t > hp["steps_before_using_centered"]:
            second = v - mean * mean
    if hp["ams_bound"]:
        second = new_state["max_exp_avg_sq"] = maximum(state["max_exp_avg_sq"], second)
    denom = (sqrt(second + 1e-15) + hp["eps"]) / consts["bias_correction2_sqrt"]
    m = new_state["exp_avg"] = state["exp_avg"] * beta1 + ((1 - beta1) * lr) * (g / denom)
    update = m
    if hp["cautious"]:
        mask = new_state["cautious_mask"] = cautious_mask(m, g)
        update = m * mask
    p = p + (-(1.0 / _over_lr(lr1, lr))) * update
    return apply_weight_decay(p, g, hp)[0], new_state  # after the step: coupled does nothing


def _teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale lr / lr-bar (m already carries the lr and the normalisation)."""
    lr1 = state["exp_avg_lr_1"]
    return {"step_scale": np.broadcast_to(1.0 / _over_lr(lr1, hp["lr"]), lr1.shape)
            * np.ones_like(state["exp_avg"])}


LAPROP = OptimizerSpec(
    name="laprop",
    label="LaProp",
    description=(
        "LaProp separates momentum from adaptivity: it divides each gradient by the root of v "
        "first and averages the quotients into m, where Adam averages raw gradients and divides "
        "the average. A quotient is at most 1 / sqrt(1 - beta2), so no coordinate moves more "
        "than lr / sqrt(1 - beta2) in a step, whatever beta1 (Adam's m / sqrt(v) has no such "
        "bound when beta1 > sqrt(beta2)): a large gradient after a flat stretch cannot throw "
        "the path far. m carries the lr; its bias correction is the same average of the lr. In "
        "pytorch_optimizer the decay runs after the step, so the coupled decay (weight_decouple "
        "off) has no effect."
    ),
    family="adam",
    year=2020,
    paper="Ziyin, Wang & Ueda 2020, LaProp: Separating Momentum and Adaptivity in Adam",
    reference="pytorch_optimizer 4.1.0 LaProp",
    params=(
        lr_param(4e-4),
        *_betas(),
        Param("centered", False, kind="bool",
              help="divide by the root of the variance v - mu^2 instead of v",
              zh={"help": "除以方差 v − μ² 的平方根，而不是 v 的"}),
        Param("steps_before_using_centered", 10, kind="int", min=0, max=100000, step=1,
              symbol="t_c", help="centered: steps that still use v before v - mu^2",
              zh={"help": "centered：改用 v − μ² 之前仍用 v 的步数"}),
        weight_decay_param(),
        weight_decouple_param(True),
        FIXED_DECAY,
        Param("ams_bound", False, kind="bool", help="use the largest second moment so far",
              zh={"help": "使用迄今最大的二阶矩"}),
        tiny_eps(1e-15),
        CAUTIOUS,
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2, \quad "
        r"\bar\eta_t = \beta_1 \bar\eta_{t-1} + (1-\beta_1)\, \eta",
        Line(r"\mu_t = \beta_2 \mu_{t-1} + (1-\beta_2)\, g_t, \quad s_t = v_t - \mu_t^2\ "
             r"(t > t_c), \ \text{else } v_t", (on("centered"),)),
        Line(r"s_t = v_t", (off("centered"),)),
        Line(r"s_t \leftarrow \max(s^{\max}_{t-1},\, s_t)", (on("ams_bound"),)),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\,\eta\, \frac{g_t}{(\sqrt{s_t} + \epsilon) / "
        r"\sqrt{1-\beta_2^t}}",
        Line(r"\theta_t = \theta_{t-1} - \frac{\eta}{\bar\eta_t}\, m_t", (off("cautious"),)),
        Line(CAUTIOUS_LINE.latex.replace("u_", "m_"), CAUTIOUS_LINE.when),
        Line(r"\theta_t = \theta_{t-1} - \frac{\eta}{\bar\eta_t}\, \phi_t \odot m_t",
             (on("cautious"),)),
        Line(r"\theta_t \leftarrow \theta_t\,(1 - \eta\lambda)",
             (positive("weight_decay"), on("weight_decouple"), off("fixed_decay"))),
        Line(r"\theta_t \leftarrow \theta_t\,(1 - \lambda)",
             (positive("weight_decay"), on("weight_decouple"), on("fixed_decay"))),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \eta / \bar\eta_t, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, m_t",
             (off("cautious"),)),
        Line(r"\hat\eta_t = \eta / \bar\eta_t, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, "
             r"\phi_t \odot m_t", (on("cautious"),)),
    ),
    state=(
        M, V, LR1, MEAN,
        StateVar(VMAX.name, r"s^{\max}", "largest second moment so far (ams_bound)",
                 zh={"help": "迄今最大的二阶矩（ams_bound）"}),
        CAUTIOUS_MASK, STEP_SCALE,
    ),
    init=laprop_init,
    update=laprop_update,
    teaching=_teaching,
    constants=laprop_constants,
    joint=cautious_on,
    momentum_name="beta1",
    zh={"label": "LaProp",
        "description": ("LaProp 把动量与自适应分开：它先用 v 的平方根去除每个梯度，"
                        "再把商平均进 m；Adam 则是先平均原始梯度，再去除这个平均。"
                        "每个商至多为 1 / √(1 − β2)，所以无论 β1 取何值，每个分量每步移动不超过 "
                        "lr / √(1 − β2)（当 β1 > √β2 时 Adam 的 m / √v 没有这样的上界）："
                        "平坦段之后的大梯度不能把路径甩远。m 中含有学习率；"
                        "其偏差校正就是学习率的同一平均。pytorch_optimizer 在这一步之后才做"
                        "权重衰减，所以耦合衰减（weight_decouple 关闭）没有任何效果。")},
)
