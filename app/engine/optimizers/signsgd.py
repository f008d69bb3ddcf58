"""signSGD and Signum (momentum on, the default) as pytorch_optimizer.SignSGD 4.1.0 defines them.

Every coordinate moves by exactly lr per step (0 where its direction is exactly 0), in the
direction of the sign of the gradient or, with momentum, of an average of past gradients.
"""

from __future__ import annotations

import numpy as np

from ..params import Param, lr_param, weight_decay_param
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
    lerp,
    lr_step_scale,
    maybe_maximize,
    positive,
    select,
    sign,
    zero,
)
from .classic import MAXIMIZE
from .decay import apply_decay, decay_lines, weight_decouple_param


def signsgd_init(p: Array, hp: Hyper) -> State:
    """The momentum buffer starts at zero (the first step moves by sign(g) all the same)."""
    return {"momentum_buffer": np.zeros_like(p)}


def signsgd_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """Decay, then p <- p - lr * sign(b) with b the lerp of b towards g (or sign(g))."""
    lr, momentum = hp["lr"], hp["momentum"]
    p, g = apply_decay(p, maybe_maximize(grad, hp), lr, hp["weight_decay"],
                       hp["weight_decouple"], False)
    buf = state["momentum_buffer"]
    # a run without momentum keeps no buffer (a map's cells with momentum 0 keep it at 0)
    buf = select(momentum > 0, lerp(buf, g, 1 - momentum), buf)
    direction = select(momentum > 0, buf, g)
    return p + (-lr) * sign(direction), {"momentum_buffer": buf}


SIGNSGD = OptimizerSpec(
    name="signsgd",
    label="signSGD / Signum",
    description=(
        "signSGD keeps only the sign of each gradient coordinate: every coordinate moves by "
        "exactly lr per step, however steep or flat the surface is, so on a 2-D surface the "
        "path runs along diagonals (both coordinates move by lr). A valley that runs off the "
        "diagonals is crossed back and forth (on Rosenbrock, lr 0.01, it stalls in a 2-step "
        "cycle), and near a minimum it zigzags by lr until the lr decays. Signum (momentum > "
        "0, the default) takes the sign of a running average b of the gradients instead, "
        "which keeps the direction through a noisy or oscillating gradient. Compared with "
        "SGD, the step ignores the gradient's size; compared with Lion, the averaging is one "
        "plain moving average."
    ),
    family="sign",
    year=2018,
    paper=("Bernstein, Wang, Azizzadenesheli & Anandkumar 2018,"
           " signSGD: Compressed Optimisation for Non-Convex Problems"),
    reference="pytorch_optimizer.SignSGD 4.1.0",
    params=(
        lr_param(1e-3),
        Param("momentum", 0.9, min=0.0, max=1.0, max_open=True, scale="beta", slider_max=0.999,
              symbol=r"\beta", help="momentum: 0 steps by sign(g) (signSGD), above 0 by the "
              "sign of the gradients' moving average (Signum)",
              zh={"help": "动量：为 0 时按 sign(g) 移动（signSGD），大于 0 时按梯度滑动平均的符号"
                          "移动（Signum）"}),
        weight_decay_param(),
        weight_decouple_param(True),
        MAXIMIZE,
    ),
    presets=(
        Preset("signum", "Signum", {"momentum": 0.9},
               help="the sign of the gradients' moving average",
               zh={"label": "Signum", "help": "梯度滑动平均的符号"}),
        Preset("signsgd", "signSGD", {"momentum": 0.0},
               help="the sign of the gradient: every coordinate moves by exactly lr",
               zh={"label": "signSGD", "help": "梯度的符号：每个坐标每步恰好移动 lr"}),
    ),
    equations=(
        *GRADIENT_LINES,
        *decay_lines(fixed=False),
        Line(r"b_t = \beta\, b_{t-1} + (1-\beta)\, g_t \quad (b_0 = 0)", (positive("momentum"),)),
        Line(r"\theta_t = \theta_{t-1} - \eta\,\operatorname{sign}(b_t)", (positive("momentum"),)),
        Line(r"\theta_t = \theta_{t-1} - \eta\,\operatorname{sign}(g_t)", (zero("momentum"),)),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\,"
             r"\operatorname{sign}(b_t)", (positive("momentum"),)),
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\,"
             r"\operatorname{sign}(g_t)", (zero("momentum"),)),
    ),
    state=(
        StateVar("momentum_buffer", "b", "moving average of the gradients, whose sign is the "
                 "step (0 without momentum)",
                 zh={"help": "梯度的滑动平均，其符号即步子的方向（无动量时为 0）"}),
        STEP_SCALE,
    ),
    init=signsgd_init,
    update=signsgd_update,
    teaching=lr_step_scale("momentum_buffer"),
    momentum_name="momentum",
    zh={"label": "signSGD / Signum",
        "description": "signSGD 只保留梯度每个分量的符号：无论曲面陡峭还是平缓，每个坐标每步恰好"
                       "移动 lr，因此在二维曲面上路径沿对角线前进（两个坐标都移动 lr）。山谷方向"
                       "偏离对角线时会在谷底两侧来回跳（Rosenbrock 上 lr 0.01 时陷入两步循环而"
                       "停滞），在极小值附近以 lr 为幅度来回跨越，直到学习率衰减。"
                       "Signum（momentum > 0，默认）改用梯度滑动平均 b 的符号，"
                       "在梯度有噪声或来回振荡时保持方向。与 SGD 相比，"
                       "步长不看梯度大小；与 Lion 相比，平均只是一个普通的滑动平均。"},
)
