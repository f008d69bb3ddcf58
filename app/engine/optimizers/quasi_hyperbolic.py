"""QHM and QHAdam (quasi-hyperbolic momentum) as pytorch_optimizer 4.1.0 defines them.

Each step is a weighted mean of the plain gradient (weight 1 - nu) and the momentum (weight nu):
nu = 1 is momentum SGD (with a normalised buffer) or Adam, nu = 0 plain SGD or RMSprop-like.
QHAdam keeps its bias-correction weights ``1 + beta + beta^2 + ...`` in float32, as the
reference does: 1/w is rounded to float32 before it weights the moving averages.
"""

from __future__ import annotations

import numpy as np

from ..params import Param, beta_param, eps_param, lr_param, weight_decay_param
from .base import (
    GRADIENT_LINES,
    STEP_SCALE,
    Array,
    Constants,
    Hyper,
    OptimizerSpec,
    Oracle,
    Preset,
    State,
    StateVar,
    lerp,
    lr_step_scale,
    maybe_maximize,
    per_run,
    select,
    sqrt,
)
from .classic import MAXIMIZE
from .decay import FIXED_DECAY, apply_decay, decay_lines, weight_decouple_param
from .norms import float32


def _nu(name: str, default: float, symbol: str, what: str, zh_what: str) -> Param:
    return Param(name, default, min=0.0, max=1.0, step=0.01, symbol=symbol,
                 help=f"weight of {what} against the current gradient's (1: {what} alone)",
                 zh={"help": f"{zh_what}相对于当前梯度的权重（1：只用{zh_what}）"})


# ---------------------------------------------------------------- QHM
def qhm_init(p: Array, hp: Hyper) -> State:
    """The momentum buffer starts at zero (not bias-corrected)."""
    return {"momentum_buffer": np.zeros_like(p)}


def qhm_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """b <- lerp(b, g, 1 - beta); p <- p - lr nu b - lr (1 - nu) g (two adds, in this order)."""
    lr, nu = hp["lr"], hp["nu"]
    p, g = apply_decay(p, maybe_maximize(grad, hp), lr, hp["weight_decay"],
                       hp["weight_decouple"], hp["fixed_decay"])
    buf = lerp(state["momentum_buffer"], g, 1 - hp["momentum"])
    p = p + (-lr * nu) * buf
    return p + (-lr * (1 - nu)) * g, {"momentum_buffer": buf}


QHM = OptimizerSpec(
    name="qhm",
    label="QHM",
    description=(
        "Quasi-hyperbolic momentum steps along a weighted mean of the current gradient and the "
        "momentum buffer b, an exponential moving average of the gradients (normalised: "
        "(1 - beta) g enters it, so b keeps the gradient's size). nu = 1 is momentum SGD with "
        "the lr scaled by 1 - beta; nu = 0 is plain SGD. On a 2-D surface the (1 - nu) g part "
        "reacts at once where the gradient turns (the valley's walls) while nu b keeps the "
        "speed along the valley: with a large beta such as 0.999 the buffer alone would "
        "overshoot and circle; the paper recommends nu = 0.7, beta = 0.999."
    ),
    family="classic",
    year=2019,
    paper="Ma & Yarats 2019, Quasi-hyperbolic momentum and Adam for deep learning",
    reference="pytorch_optimizer.QHM 4.1.0",
    params=(
        lr_param(1e-3),
        Param("momentum", 0.0, min=0.0, max=1.0, max_open=True, scale="beta",
              slider_max=0.9999, symbol=r"\beta", help="decay rate of the momentum buffer",
              zh={"help": "动量缓冲区的衰减率"}),
        _nu("nu", 1.0, r"\nu", "the momentum", "动量"),
        weight_decay_param(),
        weight_decouple_param(False),
        FIXED_DECAY,
        MAXIMIZE,
    ),
    presets=(
        Preset("qhm_paper", "QHM (paper)", {"momentum": 0.999, "nu": 0.7},
               help="the paper's recommended setting: nu 0.7, beta 0.999 (lr: momentum SGD's "
                    "lr / (1 - its beta))",
               zh={"label": "QHM（论文推荐）",
                   "help": "论文推荐的设置：nu 0.7，beta 0.999（学习率：动量 SGD 的学习率 / "
                           "(1 - 其 beta)）"}),
        Preset("momentum", "Momentum", {"momentum": 0.9, "nu": 1.0},
               help="the buffer alone: momentum SGD with the lr scaled by 1 - beta",
               zh={"label": "动量", "help": "只用缓冲区：学习率乘以 1 - beta 的动量 SGD"}),
    ),
    equations=(
        *GRADIENT_LINES,
        *decay_lines(),
        r"b_t = \beta\, b_{t-1} + (1-\beta)\, g_t \quad (b_0 = 0)",
        r"\theta_t = \theta_{t-1} - \eta\left(\nu\, b_t + (1-\nu)\, g_t\right)",
    ),
    step_scale=(
        r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - "
        r"\hat\eta_t\left(\nu\, b_t + (1-\nu)\, g_t\right)",
    ),
    state=(
        StateVar("momentum_buffer", "b", "moving average of the gradients",
                 zh={"help": "梯度的滑动平均"}),
        STEP_SCALE,
    ),
    init=qhm_init,
    update=qhm_update,
    teaching=lr_step_scale("momentum_buffer"),
    momentum_name="momentum",
    zh={"label": "QHM",
        "description": "拟双曲动量沿当前梯度与动量缓冲区 b 的加权平均移动；b 是梯度的指数滑动平均"
                       "（归一化：计入的是 (1 - beta) g，所以 b 与梯度同量级）。"
                       "nu = 1 即学习率乘以 1 - beta 的动量 SGD；nu = 0 即普通 SGD。"
                       "在二维曲面上，(1 - nu) g 部分在梯度"
                       "转向处（山谷的两壁）立即响应，nu b 部分保持沿山谷的速度：beta 很大（如 "
                       "0.999）时只用缓冲区会冲过头并绕圈；论文推荐 nu = 0.7、beta = 0.999。"},
)


# ---------------------------------------------------------------- QHAdam
def qhadam_init(p: Array, hp: Hyper) -> State:
    """Zero moments; the float32 weights 1 + beta + ... + beta^(t-1) start at zero."""
    rows = (p.shape[0], 1)
    return {"beta1_weight": np.zeros(rows), "beta2_weight": np.zeros(rows),
            "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p),
            "denom": np.ones_like(p)}


def qhadam_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """Moments weighted by float32 1/w (their bias correction), then the quasi-hyperbolic mix
    of m and g over the root of the mix of v and g^2."""
    nu1, nu2 = hp["nu1"], hp["nu2"]
    p, g = apply_decay(p, maybe_maximize(grad, hp), hp["lr"], hp["weight_decay"],
                       hp["weight_decouple"], hp["fixed_decay"])
    w1 = float32(float32(state["beta1_weight"] * float32(hp["beta1"])) + 1.0)
    w2 = float32(float32(state["beta2_weight"] * float32(hp["beta2"])) + 1.0)
    g2 = g * g
    m = lerp(state["exp_avg"], g, float32(1.0 / w1))
    v = lerp(state["exp_avg_sq"], g2, float32(1.0 / w2))
    # nu = 1 uses the moment itself (the reference skips the mix), a map's cells alike
    a = select(nu1 != 1, m * nu1 + (1 - nu1) * g, m)
    r = v * nu2
    r = select(nu2 != 1, r + (1 - nu2) * g2, r)
    denom = sqrt(r) + hp["eps"]
    new_p = p + (-hp["lr"]) * (a / denom)
    return new_p, {"beta1_weight": per_run(w1, p), "beta2_weight": per_run(w2, p),
                   "exp_avg": m, "exp_avg_sq": v, "denom": denom}


def qhadam_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale lr / (sqrt(nu2 v + (1 - nu2) g^2) + eps) (the direction is the mix of
    m and g)."""
    return {"step_scale": hp["lr"] / state["denom"]}


QHADAM = OptimizerSpec(
    name="qhadam",
    label="QHAdam",
    description=(
        "QHAdam is Adam with quasi-hyperbolic mixes: the numerator is nu1 m + (1 - nu1) g and "
        "the denominator's square is nu2 v + (1 - nu2) g^2, so the current gradient acts at "
        "once beside the averages; nu1 = nu2 = 1 (the defaults) is Adam. The moments are "
        "bias-corrected as weighted averages: the new gradient's weight is 1 / (1 + beta + ... "
        "+ beta^(t-1)), so the first step moves each coordinate by about lr, as Adam's does."
    ),
    family="adam",
    year=2019,
    paper="Ma & Yarats 2019, Quasi-hyperbolic momentum and Adam for deep learning",
    reference="pytorch_optimizer.QHAdam 4.1.0",
    params=(
        lr_param(1e-3),
        beta_param("beta1", 0.9, r"\beta_1", "decay rate of the first moment",
                   zh_help="一阶矩的衰减率"),
        beta_param("beta2", 0.999, r"\beta_2", "decay rate of the second moment",
                   zh_help="二阶矩的衰减率"),
        _nu("nu1", 1.0, r"\nu_1", "the first moment", "一阶矩"),
        _nu("nu2", 1.0, r"\nu_2", "the second moment", "二阶矩"),
        weight_decay_param(),
        weight_decouple_param(False),
        FIXED_DECAY,
        eps_param(1e-8),
        MAXIMIZE,
    ),
    presets=(
        Preset("qhadam_paper", "QHAdam (paper)", {"nu1": 0.7, "nu2": 1.0, "beta1": 0.995},
               help="the authors' advice to Adam users: nu1 0.7, beta1 0.995, nu2 1",
               zh={"label": "QHAdam（论文推荐）",
                   "help": "作者给 Adam 用户的建议：nu1 0.7，beta1 0.995，nu2 1"}),
        Preset("adam", "Adam", {"nu1": 1.0, "nu2": 1.0, "beta1": 0.9},
               help="nu1 = nu2 = 1, both mixes off: Adam",
               zh={"label": "Adam", "help": "nu1 = nu2 = 1，两个混合都关闭：即 Adam"}),
    ),
    equations=(
        *GRADIENT_LINES,
        *decay_lines(),
        r"w_{1,t} = \beta_1 w_{1,t-1} + 1, \quad w_{2,t} = \beta_2 w_{2,t-1} + 1 "
        r"\quad (w_0 = 0,\ \mathrm{float32})",
        r"m_t = m_{t-1} + \frac{g_t - m_{t-1}}{w_{1,t}}, \quad "
        r"v_t = v_{t-1} + \frac{g_t^2 - v_{t-1}}{w_{2,t}}",
        r"D_t = \sqrt{\nu_2 v_t + (1-\nu_2)\, g_t^2} + \epsilon",
        r"\theta_t = \theta_{t-1} - \eta\, \frac{\nu_1 m_t + (1-\nu_1)\, g_t}{D_t}",
    ),
    step_scale=(
        r"\hat\eta_t = \frac{\eta}{D_t}, \quad "
        r"\theta_t = \theta_{t-1} - \hat\eta_t \left(\nu_1 m_t + (1-\nu_1)\, g_t\right)",
    ),
    state=(
        StateVar("exp_avg", "m", "first moment: bias-corrected average of the gradients",
                 zh={"help": "一阶矩：经偏差校正的梯度平均"}),
        StateVar("exp_avg_sq", "v", "second moment: bias-corrected average of squared "
                 "gradients", zh={"help": "二阶矩：经偏差校正的梯度平方平均"}),
        StateVar("beta1_weight", "w_1", "sum 1 + beta1 + ... + beta1^(t-1): the new gradient "
                 "enters m with weight 1 / w_1", scalar=True,
                 zh={"help": "和 1 + beta1 + ... + beta1^(t-1)：新梯度以 1 / w_1 的权重计入 m"}),
        StateVar("beta2_weight", "w_2", "sum 1 + beta2 + ... + beta2^(t-1)", scalar=True,
                 zh={"help": "和 1 + beta2 + ... + beta2^(t-1)"}),
        StateVar("denom", "D", "the step's denominator sqrt(nu2 v + (1 - nu2) g^2) + eps "
                 "(kept for the page, not part of the reference's state)",
                 zh={"help": "本步的分母 sqrt(nu2 v + (1 - nu2) g^2) + eps"
                             "（为页面保留，不属于参考实现的状态）"}),
        STEP_SCALE,
    ),
    init=qhadam_init,
    update=qhadam_update,
    teaching=qhadam_teaching,
    momentum_name="beta1",
    zh={"label": "QHAdam",
        "description": "QHAdam 是带拟双曲混合的 Adam：分子为 nu1 m + (1 - nu1) g，分母的平方为 "
                       "nu2 v + (1 - nu2) g^2，当前梯度与平均值一起立即起作用；nu1 = nu2 = 1"
                       "（默认）即 Adam。矩按加权平均做偏差校正：新梯度的权重为 1 / (1 + beta + "
                       "... + beta^(t-1))，因此第一步每个坐标约移动 lr，与 Adam 相同。"},
)
