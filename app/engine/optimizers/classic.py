"""SGD (with momentum and Nesterov), Adagrad, RMSprop and Adadelta, as torch.optim defines them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Param, beta_param, eps_param, lr_param, weight_decay_param
from .base import (
    COUPLED_DECAY_LINE,
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
    copy,
    coupled_decay,
    ema_sq,
    is_zero,
    lerp,
    lr_step_scale,
    maybe_maximize,
    off,
    on,
    positive,
    require,
    select,
    sqrt,
    zero,
)

MAXIMIZE = Param("maximize", False, kind="bool", help="climb the surface instead of descending",
                 zh={"help": "沿曲面向上爬，而不是向下走"})


def _zeros_like(p: Array) -> Array:
    return np.zeros_like(p)


# ---------------------------------------------------------------- SGD
def sgd_init(p: Array, hp: Hyper) -> State:
    """SGD keeps one momentum buffer, created from the first gradient (torch: not zero-filled)."""
    return {"momentum_buffer": _zeros_like(p), "_has_buffer": False}


def sgd_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """p <- p - lr * (g, or the momentum buffer, or g + mu*buffer for Nesterov)."""
    g = coupled_decay(maybe_maximize(grad, hp), p, hp["weight_decay"])
    momentum = hp["momentum"]
    buf = state["momentum_buffer"]
    has_buffer = state["_has_buffer"]
    if is_zero(momentum):
        step = g
    else:
        if has_buffer:
            buf = buf * momentum + (1 - hp["dampening"]) * g
        else:
            buf = copy(g)
            has_buffer = True
        # A map's runs whose momentum is 0 step as plain SGD (their buffer, which torch would
        # never create, is only visible to the map).
        step = select(momentum != 0, g + momentum * buf if hp["nesterov"] else buf, g)
    new_p = p + (-hp["lr"]) * step
    return new_p, {"momentum_buffer": buf, "_has_buffer": has_buffer}


def sgd_check(hp: dict, prefix: str) -> None:
    """Nesterov needs momentum > 0 and no dampening (torch raises the same)."""
    if hp["nesterov"]:
        require(
            hp["momentum"] > 0, f"{prefix}.nesterov", "nesterov requires momentum > 0"
        )
        require(
            hp["dampening"] == 0,
            f"{prefix}.nesterov",
            f"nesterov requires dampening = 0 (got dampening = {hp['dampening']:g})",
        )


SGD = OptimizerSpec(
    name="sgd",
    label="SGD",
    description=(
        "Stochastic gradient descent steps against the gradient, scaled by the learning rate. "
        "With momentum it keeps a running sum of past gradients (the buffer b), so it speeds up "
        "along directions where gradients agree and damps oscillation where they alternate; "
        "Nesterov's variant steps with the gradient plus a look-ahead along the buffer. "
        "Plain gradient descent is this rule with the full gradient; SGD and mini-batch SGD use a "
        "noisy or mini-batch gradient."
    ),
    family="classic",
    year=1951,
    paper=("Robbins & Monro 1951, A Stochastic Approximation Method; momentum: Polyak 1964; "
           "Nesterov 1983"),
    reference="torch.optim.SGD",
    params=(
        lr_param(1e-3),
        Param("momentum", 0.0, min=0.0, max=1.0, max_open=False, scale="beta",
              slider_max=0.999, symbol=r"\mu", help="momentum factor",
              zh={"help": "动量因子"}),
        Param("dampening", 0.0, min=0.0, max=1.0, step=0.01, symbol=r"\tau",
              help="dampening for momentum (scales new gradients into the buffer by 1 - tau)",
              zh={"help": "动量的阻尼系数（新梯度以 1 - tau 的比例计入缓冲区）"}),
        Param("nesterov", False, kind="bool", help="use Nesterov momentum",
              zh={"help": "使用 Nesterov 动量"}),
        weight_decay_param(),
        MAXIMIZE,
    ),
    presets=(
        Preset("gd", "GD", {"momentum": 0.0, "nesterov": False},
               "plain gradient descent: step against the gradient",
               zh={"label": "梯度下降",
                   "help": "普通梯度下降：沿梯度的反方向迈步"}),
        Preset("momentum", "Momentum", {"momentum": 0.9, "nesterov": False},
               "heavy-ball momentum, mu = 0.9",
               zh={"label": "动量法",
                   "help": "重球动量，mu = 0.9"}),
        Preset("nesterov", "Nesterov", {"momentum": 0.9, "nesterov": True, "dampening": 0.0},
               "Nesterov accelerated gradient, mu = 0.9",
               zh={"label": "Nesterov 动量",
                   "help": "Nesterov 加速梯度，mu = 0.9"}),
    ),
    equations=(
        *GRADIENT_LINES,
        COUPLED_DECAY_LINE,
        Line(r"b_t = \mu\, b_{t-1} + (1-\tau)\, g_t \quad (b_1 = g_1)",
             (positive("momentum"), positive("dampening"))),
        Line(r"b_t = \mu\, b_{t-1} + g_t \quad (b_1 = g_1)",
             (positive("momentum"), zero("dampening"))),
        Line(r"\theta_t = \theta_{t-1} - \eta\,(g_t + \mu\, b_t)", (on("nesterov"),)),
        Line(r"\theta_t = \theta_{t-1} - \eta\, b_t", (positive("momentum"), off("nesterov"))),
        Line(r"\theta_t = \theta_{t-1} - \eta\, g_t", (zero("momentum"),)),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\,(g_t + \mu\, b_t)",
             (on("nesterov"),)),
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, b_t",
             (positive("momentum"), off("nesterov"))),
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, g_t",
             (zero("momentum"),)),
    ),
    state=(StateVar("momentum_buffer", "b", "momentum buffer: running sum of gradients",
                    zh={"help": "动量缓冲区：梯度的累积和"}),
           STEP_SCALE),
    init=sgd_init,
    update=sgd_update,
    teaching=lr_step_scale("momentum_buffer"),
    check=sgd_check,
    momentum_name="momentum",
    zh={"label": "SGD",
        "description": ("随机梯度下降沿梯度的反方向迈步，步长由学习率缩放。加上动量后，"
                        "它维护过去梯度的累积（缓冲区 b）：梯度方向一致时加速，"
                        "来回变号时抑制振荡；Nesterov 变体则用梯度加上沿缓冲区的“前瞻”来迈步。"
                        "用完整梯度时就是普通梯度下降；SGD 与小批量 SGD "
                        "使用带噪声或小批量的梯度。")},
)


# ---------------------------------------------------------------- Adagrad
def adagrad_init(p: Array, hp: Hyper) -> State:
    """The sum of squared gradients starts at initial_accumulator_value."""
    start = np.asarray(hp["initial_accumulator_value"], dtype=float)
    return {"sum": np.broadcast_to(start, p.shape).copy()}


def adagrad_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Divide the step by the root of the sum of all squared gradients so far."""
    g = coupled_decay(maybe_maximize(grad, hp), p, hp["weight_decay"])
    clr = consts["clr"]
    total = state["sum"] + (1 * g) * g
    std = sqrt(total) + hp["eps"]
    new_p = p + ((-clr) * g) / std
    return new_p, {"sum": total}


def adagrad_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The decayed learning rate lr / (1 + (t-1) lr_decay)."""
    return {"clr": hp["lr"] / (1 + (t - 1) * hp["lr_decay"])}


def adagrad_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale: the decayed lr over the root of the sum of squared gradients."""
    return {"step_scale": consts["clr"] / (np.sqrt(state["sum"]) + hp["eps"])}


ADAGRAD = OptimizerSpec(
    name="adagrad",
    label="Adagrad",
    description=(
        "Adagrad divides each coordinate's step by the square root of the sum of all its past "
        "squared gradients. Coordinates with large gradients slow down and rare ones keep large "
        "steps, but since the sum only grows, the effective step size shrinks forever."
    ),
    family="adaptive",
    year=2011,
    paper=("Duchi, Hazan & Singer 2011,"
           " Adaptive Subgradient Methods for Online Learning and Stochastic Optimization"),
    reference="torch.optim.Adagrad",
    params=(
        lr_param(1e-2),
        Param("lr_decay", 0.0, min=0.0, max=1.0, scale="linear", step=1e-4,
              symbol=r"\delta", help="learning-rate decay: lr / (1 + (t-1) * lr_decay)",
              zh={"help": "学习率衰减：lr / (1 + (t-1) * lr_decay)"}),
        weight_decay_param(),
        Param("initial_accumulator_value", 0.0, min=0.0, max=100.0, step=0.01,
              symbol=r"s_0", help="starting value of the sum of squared gradients",
              zh={"help": "梯度平方和的初始值"}),
        eps_param(1e-10),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        COUPLED_DECAY_LINE,
        Line(r"\tilde\eta_t = \eta / (1 + (t-1)\,\delta)", (positive("lr_decay"),)),
        r"s_t = s_{t-1} + g_t^2",
        Line(r"\theta_t = \theta_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}",
             (positive("lr_decay"),)),
        Line(r"\theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{s_t} + \epsilon}",
             (zero("lr_decay"),)),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \frac{\tilde\eta_t}{\sqrt{s_t} + \epsilon}, \quad "
             r"\theta_t = \theta_{t-1} - \hat\eta_t\, g_t", (positive("lr_decay"),)),
        Line(r"\hat\eta_t = \frac{\eta}{\sqrt{s_t} + \epsilon}, \quad "
             r"\theta_t = \theta_{t-1} - \hat\eta_t\, g_t", (zero("lr_decay"),)),
    ),
    state=(StateVar("sum", "s", "sum of squared gradients",
                    zh={"help": "梯度平方之和"}), STEP_SCALE),
    constant_vars=(StateVar("clr", r"\tilde\eta_t", "learning rate after decay, "
                            "lr / (1 + (t-1) lr_decay)", scalar=True,
                            zh={"help": "衰减后的学习率 lr / (1 + (t-1) lr_decay)"}),),
    init=adagrad_init,
    update=adagrad_update,
    teaching=adagrad_teaching,
    constants=adagrad_constants,
    zh={"label": "Adagrad",
        "description": ("Adagrad 把每个分量的步长除以该分量过去所有梯度平方和的平方根。"
                        "梯度大的分量变慢，稀少的分量保持大步长；但累积和只增不减，"
                        "所以有效步长会一直缩小。")},
)


# ---------------------------------------------------------------- RMSprop
def rmsprop_init(p: Array, hp: Hyper) -> State:
    """Running average of squared gradients; the mean gradient and buffer start at zero."""
    return {
        "square_avg": _zeros_like(p),
        "grad_avg": _zeros_like(p),
        "momentum_buffer": _zeros_like(p),
    }


def rmsprop_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Divide the gradient by the root of a running average of its square."""
    g = coupled_decay(maybe_maximize(grad, hp), p, hp["weight_decay"])
    alpha = hp["alpha"]
    square_avg = ema_sq(state["square_avg"], g, alpha)
    grad_avg = state["grad_avg"]
    if hp["centered"]:
        grad_avg = lerp(grad_avg, g, 1 - alpha)
        avg = sqrt(square_avg + ((-1) * grad_avg) * grad_avg)
    else:
        avg = sqrt(square_avg)
    avg = avg + hp["eps"]
    momentum = hp["momentum"]
    buf = state["momentum_buffer"]
    if is_zero(momentum):
        new_p = p + ((-hp["lr"]) * g) / avg
    else:
        buf = buf * momentum + g / avg
        step = select(momentum > 0, buf, g / avg)
        new_p = p + (-hp["lr"]) * step
    return new_p, {"square_avg": square_avg, "grad_avg": grad_avg, "momentum_buffer": buf}


def rmsprop_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale lr / (sqrt(v) + eps), centered: sqrt(v - g_avg^2)."""
    square_avg = state["square_avg"]
    if hp["centered"]:
        grad_avg = state["grad_avg"]
        root = np.sqrt(square_avg + ((-1) * grad_avg) * grad_avg)
    else:
        root = np.sqrt(square_avg)
    return {"step_scale": hp["lr"] / (root + hp["eps"])}


RMSPROP = OptimizerSpec(
    name="rmsprop",
    label="RMSprop",
    description=(
        "RMSprop divides each coordinate's gradient by the root of a running average of its "
        "squared gradients, so steep and flat directions take steps of similar size. Unlike "
        "Adagrad the average forgets (rate alpha), so the step size does not shrink forever. "
        "'centered' subtracts the squared mean gradient (a variance estimate); momentum adds a "
        "buffer of normalised steps."
    ),
    family="adaptive",
    year=2012,
    paper="Tieleman & Hinton 2012, Coursera Neural Networks lecture 6.5 (centered: Graves 2013)",
    reference="torch.optim.RMSprop",
    params=(
        lr_param(1e-2),
        beta_param("alpha", 0.99, r"\alpha", "smoothing constant of the squared-gradient average",
                   zh_help="梯度平方平均的平滑常数"),
        eps_param(1e-8),
        weight_decay_param(),
        Param("momentum", 0.0, min=0.0, max=1.0, scale="beta", slider_max=0.999,
              symbol=r"\mu", help="momentum factor",
              zh={"help": "动量因子"}),
        Param("centered", False, kind="bool",
              help="normalise by an estimate of the gradient's variance",
              zh={"help": "用梯度方差的估计值来归一化"}),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        COUPLED_DECAY_LINE,
        r"v_t = \alpha\, v_{t-1} + (1-\alpha)\, g_t^2",
        Line(r"\bar g_t = \alpha\, \bar g_{t-1} + (1-\alpha)\, g_t, \quad "
             r"\tilde v_t = v_t - \bar g_t^2", (on("centered"),)),
        Line(r"b_t = \mu\, b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}",
             (positive("momentum"), on("centered"))),
        Line(r"b_t = \mu\, b_{t-1} + \frac{g_t}{\sqrt{v_t} + \epsilon}",
             (positive("momentum"), off("centered"))),
        Line(r"\theta_t = \theta_{t-1} - \eta\, b_t", (positive("momentum"),)),
        Line(r"\theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}",
             (zero("momentum"), on("centered"))),
        Line(r"\theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon}",
             (zero("momentum"), off("centered"))),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \frac{\eta}{\sqrt{\tilde v_t} + \epsilon}", (on("centered"),)),
        Line(r"\hat\eta_t = \frac{\eta}{\sqrt{v_t} + \epsilon}", (off("centered"),)),
        Line(r"\theta_t = \theta_{t-1} - \hat\eta_t\, g_t", (zero("momentum"),)),
        Line(r"\eta\, b_t = \mu\,\eta\, b_{t-1} + \hat\eta_t\, g_t, \quad "
             r"\theta_t = \theta_{t-1} - \eta\, b_t", (positive("momentum"),)),
    ),
    state=(
        StateVar("square_avg", "v", "running average of squared gradients",
                 zh={"help": "梯度平方的滑动平均"}),
        StateVar("grad_avg", r"\bar g", "running average of gradients (centered only)",
                 zh={"help": "梯度的滑动平均（仅 centered）"}),
        StateVar("momentum_buffer", "b", "momentum buffer of normalised steps",
                 zh={"help": "归一化后步子的动量缓冲区"}),
        STEP_SCALE,
    ),
    init=rmsprop_init,
    update=rmsprop_update,
    teaching=rmsprop_teaching,
    momentum_name="momentum",
    zh={"label": "RMSprop",
        "description": ("RMSprop 把每个分量的梯度除以其梯度平方滑动平均的平方根，"
                        "使陡峭和平缓的方向迈出大小相近的步子。与 Adagrad 不同，"
                        "这个平均会遗忘（速率 alpha），所以步长不会一直缩小。centered "
                        "会减去平均梯度的平方（方差估计）；momentum "
                        "为归一化后的步子再加一个缓冲区。")},
)


# ---------------------------------------------------------------- Adadelta
def adadelta_init(p: Array, hp: Hyper) -> State:
    """Running averages of squared gradients and squared updates, both starting at zero."""
    return {"square_avg": _zeros_like(p), "acc_delta": _zeros_like(p),
            "rms_ratio": _zeros_like(p)}


def adadelta_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Scale the gradient by RMS(past updates) / RMS(past gradients): units match the parameter."""
    g = coupled_decay(maybe_maximize(grad, hp), p, hp["weight_decay"])
    rho, eps = hp["rho"], hp["eps"]
    square_avg = ema_sq(state["square_avg"], g, rho)
    std = sqrt(square_avg + eps)
    ratio = sqrt(state["acc_delta"] + eps) / std
    delta = ratio * g
    acc_delta = ema_sq(state["acc_delta"], delta, rho)
    new_p = p + (-hp["lr"]) * delta
    return new_p, {"square_avg": square_avg, "acc_delta": acc_delta, "rms_ratio": ratio}


def adadelta_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale lr * sqrt(u_(t-1) + eps) / sqrt(v_t + eps)."""
    return {"step_scale": hp["lr"] * state["rms_ratio"]}


ADADELTA = OptimizerSpec(
    name="adadelta",
    label="Adadelta",
    description=(
        "Adadelta needs no learning rate in principle: it scales each gradient by the ratio of "
        "the root mean square of recent updates to that of recent gradients, so a step has the "
        "units of the parameter. It starts very slowly (the update average starts at zero) and "
        "speeds up as updates accumulate."
    ),
    family="adaptive",
    year=2012,
    paper="Zeiler 2012, ADADELTA: An Adaptive Learning Rate Method",
    reference="torch.optim.Adadelta",
    params=(
        Param("lr", 1.0, min=0.0, max=1e3, scale="log", slider_min=1e-3, slider_max=100.0,
              symbol=r"\eta", help="coefficient that scales delta before it is applied",
              zh={"help": "更新量 delta 被应用之前乘上的系数"}),
        beta_param("rho", 0.9, r"\rho", "decay rate of both running averages",
                   zh_help="两个滑动平均的衰减率"),
        eps_param(1e-6),
        weight_decay_param(),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        COUPLED_DECAY_LINE,
        r"v_t = \rho\, v_{t-1} + (1-\rho)\, g_t^2",
        r"\Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t",
        r"u_t = \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2",
        r"\theta_t = \theta_{t-1} - \eta\, \Delta_t",
    ),
    state=(
        StateVar("square_avg", "v", "running average of squared gradients",
                 zh={"help": "梯度平方的滑动平均"}),
        StateVar("acc_delta", "u", "running average of squared updates",
                 zh={"help": "更新量平方的滑动平均"}),
        StateVar("rms_ratio", r"\tfrac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}",
                 "RMS of past updates over RMS of gradients, the factor applied to g_t "
                 "(kept for the page, not part of torch's state)",
                 zh={"help": ("过去更新量的均方根与梯度均方根之比，即乘在 g_t "
                              "上的系数（为页面保留，不属于 torch 的状态）")}),
        STEP_SCALE,
    ),
    step_scale=(
        r"\hat\eta_t = \eta\, \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}, \quad "
        r"\theta_t = \theta_{t-1} - \hat\eta_t\, g_t",
    ),
    init=adadelta_init,
    update=adadelta_update,
    teaching=adadelta_teaching,
    zh={"label": "Adadelta",
        "description": ("Adadelta 原则上不需要学习率：它用最近更新量的均方根与最近梯度的均方根之"
                        "比来缩放每个梯度，使步子具有参数本身的量纲。"
                        "开始时非常慢（更新量的平均从零开始），随着更新累积而加快。")},
)
