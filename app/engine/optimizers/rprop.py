"""Rprop (resilient backpropagation) as torch.optim.Rprop defines it.

Each coordinate keeps its own step size, grown by etaplus while the gradient keeps its sign and
cut by etaminus when it flips; the step uses only the gradient's sign. torch's ``etas`` and
``step_sizes`` pairs are split as ``etaminus``, ``etaplus`` and ``step_size_min``,
``step_size_max`` (the names torch's own step function uses).
"""

from __future__ import annotations

import numpy as np

from ..params import Param, lr_param
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
    maximum,
    maybe_maximize,
    minimum,
    require,
    select,
    sign,
)
from .classic import MAXIMIZE


def rprop_init(p: Array, hp: Hyper) -> State:
    """The previous gradient starts at zero; the step sizes at the lr of the first step."""
    return {"prev": np.zeros_like(p), "step_size": np.zeros_like(p), "_fresh": True}


def rprop_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """Grow or cut each step size by the sign agreement of g and the previous g; step by
    -sign(g) times it (no step, and no memory of g, right after a sign flip)."""
    g = maybe_maximize(grad, hp)
    etaminus, etaplus = hp["etaminus"], hp["etaplus"]
    # torch fills the step sizes at the first step, with that step's lr (a schedule's lr(0))
    step_size = state["step_size"] + hp["lr"] if state["_fresh"] else state["step_size"]
    agree = sign(g * state["prev"])
    factor = select(agree > 0, etaplus, select(agree < 0, etaminus, select(agree == 0, 1.0,
                                                                             agree)))
    step_size = minimum(maximum(step_size * factor, hp["step_size_min"]),
                        hp["step_size_max"])
    g = select(factor == etaminus, 0.0, g)
    new_p = p + (-1.0) * (sign(g) * step_size)
    return new_p, {"prev": g, "step_size": step_size, "_fresh": False}


def rprop_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale: each coordinate's step size (the direction is sign(g))."""
    return {"step_scale": state["step_size"]}


def rprop_check(hp: dict, prefix: str) -> None:
    """The step size's bounds in order (torch clamps to the upper one otherwise)."""
    require(hp["step_size_min"] <= hp["step_size_max"], f"{prefix}.step_size_min",
            f"step_size_min must not exceed step_size_max ({hp['step_size_max']:g})")


RPROP = OptimizerSpec(
    name="rprop",
    label="Rprop",
    description=(
        "Rprop ignores the gradient's size and keeps a step size per coordinate: while the "
        "gradient keeps its sign the step grows by etaplus, when the sign flips (a minimum was "
        "jumped over) it shrinks by etaminus and that step is skipped. Steps are the gradient's "
        "sign times the step size, clipped to [step_size_min, step_size_max]. Made for full-batch "
        "gradients; noise flips signs at random."
    ),
    family="sign",
    year=1993,
    paper=("Riedmiller & Braun 1993,"
           " A Direct Adaptive Method for Faster Backpropagation Learning: The RPROP Algorithm"),
    reference="torch.optim.Rprop",
    params=(
        lr_param(1e-2),
        Param("etaminus", 0.5, min=0.0, max=1.0, min_open=True, max_open=True, step=0.01,
              symbol=r"\eta^-", help="multiplicative decrease of a step size after a sign flip",
              zh={"help": "梯度符号翻转后步长的乘性缩小因子"}),
        Param("etaplus", 1.2, min=1.0, max=10.0, min_open=True, step=0.01, symbol=r"\eta^+",
              help="multiplicative increase of a step size while the sign holds",
              zh={"help": "梯度符号不变时步长的乘性增大因子"}),
        Param("step_size_min", 1e-6, min=0.0, max=1e3, scale="log", slider_min=1e-9,
              slider_max=1.0, symbol=r"\Delta_{\min}", help="smallest step size",
              zh={"help": "最小步长"}),
        Param("step_size_max", 50.0, min=0.0, max=1e3, scale="log", slider_min=1e-3,
              slider_max=1e3, symbol=r"\Delta_{\max}", help="largest step size",
              zh={"help": "最大步长"}),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        r"s_t = \operatorname{sign}(g_t\, g_{t-1}) \quad (g_0 = 0,\ \Delta_0 = \eta)",
        r"\Delta_t = \operatorname{clip}\left(\Delta_{t-1} \cdot \begin{cases} \eta^+ & s_t > 0"
        r" \\ \eta^- & s_t < 0 \\ 1 & s_t = 0 \end{cases},\ \Delta_{\min},\ \Delta_{\max}\right)",
        r"s_t < 0:\quad g_t \leftarrow 0",
        r"\theta_t = \theta_{t-1} - \Delta_t\, \operatorname{sign}(g_t)",
    ),
    step_scale=(
        r"\hat\eta_t = \Delta_t, \quad "
        r"\theta_t = \theta_{t-1} - \hat\eta_t\, \operatorname{sign}(g_t)",
    ),
    state=(
        StateVar("prev", r"g_{t}", "the gradient remembered for the next sign test (0 after a "
                 "flip)", zh={"help": "为下一次符号比较保存的梯度（符号翻转后为 0）"}),
        StateVar("step_size", r"\Delta", "each coordinate's step size", log=True,
                 zh={"help": "每个坐标各自的步长"}),
        STEP_SCALE,
    ),
    init=rprop_init,
    update=rprop_update,
    teaching=rprop_teaching,
    check=rprop_check,
    zh={"label": "Rprop",
        "description": "Rprop 不看梯度的大小，只看符号，并为每个坐标保留一个步长：梯度符号不变时"
                       "步长乘以 etaplus 增大；符号翻转（越过了极小值）时步长乘以 etaminus 缩小，"
                       "且该步不移动。每步移动梯度符号乘以步长，步长限制在 [step_size_min, "
                       "step_size_max] 内。适用于全批量梯度；噪声会随机翻转符号。"},
)
