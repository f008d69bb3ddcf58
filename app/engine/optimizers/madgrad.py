"""MADGRAD (Defazio & Jelassi 2021) as pytorch_optimizer 4.1.0's ``MADGRAD`` steps it.

Dual averaging: the point is not moved by adding steps; z is recomputed each step as the start
x0 minus the weighted gradient sum s divided by the cube root of the weighted sum of squared
gradients, and the point moves a fraction 1 - momentum of the way to z. The weights
w_t = (lr + eps) sqrt(t) grow with t (the package adds eps to the lr). The cube root is
``pow(x, 1/3)`` as the package's ``torch.pow``; NumPy's power is used on floats too, so a single
run's cube roots are bit for bit a map cell's (NumPy's SIMD power can differ from libm's).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..params import Param, beta_param, eps_param, lr_param, weight_decay_param
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
    is_per_run,
    is_zero,
    lerp,
    maybe_maximize,
    off,
    on,
    positive,
    select,
    zero,
)
from .classic import MAXIMIZE

THIRD = 1.0 / 3.0


def cube_root(x: Any) -> Any:
    """``x ** (1/3)`` by NumPy's power, for arrays and floats alike (same bits both ways)."""
    if type(x) is float:
        return float(np.power(x, THIRD))
    return np.power(x, THIRD)


def _rms(gss: Any, eps: Any) -> Any:
    """The package's ``compute_rms``: cube root plus eps; a zero (eps = 0) is inf (no step)."""
    rms = cube_root(gss) + eps
    return select(rms == 0, math.inf, rms)


def madgrad_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The lr plus eps (0 for lr = 0) and step t's weight w_t = (lr + eps) sqrt(t)."""
    lr = hp["lr"]
    lr_eps = select(lr != 0, lr + hp["eps"], 0.0)
    return {"lr_eps": lr_eps, "weight": lr_eps * math.pow(t, 0.5)}


def madgrad_init(p: Array, hp: Hyper) -> State:
    """Both sums start at 0; x0 is the start point; ``rms`` is the last step's denominator
    (the package recomputes it from the sum without momentum: the same number)."""
    return {"grad_sum_sq": np.zeros_like(p), "s": np.zeros_like(p), "x0": copy(p),
            "rms": _rms(np.zeros_like(p), hp["eps"])}


def madgrad_update(p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
                   oracle: Oracle | None) -> tuple[Array, State]:
    """v += w g^2; s += w g; z = x0 - s / (v^(1/3) + eps); p <- lerp(p, z, 1 - momentum)."""
    g = maybe_maximize(grad, hp)
    wd, m, eps, w = hp["weight_decay"], hp["momentum"], hp["eps"], consts["weight"]
    decouple = hp["weight_decouple"]
    if not is_zero(wd):
        g = select(decouple, g, g + wd * p)
    s = state["s"]
    x0 = state["x0"]
    if is_per_run(m) or m == 0:  # without momentum x0 is recovered from the point
        x0 = select(m == 0, p + s / state["rms"], x0)
    gss = state["grad_sum_sq"] + (w * g) * g
    s = s + w * g
    rms = _rms(gss, eps)
    z = x0 - s / rms
    new_p = select(m > 0, lerp(p, z, 1 - m), z)
    if not is_zero(wd):
        new_p = select(decouple, new_p + (-consts["lr_eps"] * wd) * p, new_p)
    return new_p, {"grad_sum_sq": gss, "s": s, "x0": x0, "rms": rms}


def madgrad_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale w_t / (v^(1/3) + eps): the factor on the newest gradient in z."""
    rms = np.power(state["grad_sum_sq"], THIRD) + hp["eps"]
    return {"step_scale": consts["weight"] / np.where(rms == 0, np.inf, rms)}


MADGRAD = OptimizerSpec(
    name="madgrad",
    label="MADGRAD",
    description=(
        "Dual averaging: instead of adding up small steps, MADGRAD places z at the start x0 "
        "minus the weighted sum s of all gradients, divided per coordinate by the cube root "
        "of the weighted sum v of squared gradients; the point moves the fraction "
        "1 - momentum of the way to z. AdaGrad divides by a square root, so its steps shrink "
        "like 1/sqrt(t) and have the same length whatever the slope; here the weights "
        "w_t = lr sqrt(t) grow and the cube root of v grows like sqrt(t) too, so on a steady "
        "slope the step does not decay and grows like |g|^(1/3): a steeper coordinate still "
        "moves further, less than in proportion."
    ),
    family="adaptive",
    year=2021,
    paper=("Defazio & Jelassi 2021, Adaptivity without Compromise: A Momentumized, Adaptive, "
           "Dual Averaged Gradient Method for Stochastic Optimization"),
    reference="pytorch_optimizer.MADGRAD 4.1.0",
    params=(
        lr_param(1e-3),
        beta_param("momentum", 0.9, r"\beta",
                   "the point moves the fraction 1 - momentum of the way to z; 0: it is z",
                   "每步朝 z 移动 1 - momentum 的比例；为 0 时就在 z 处"),
        weight_decay_param(),
        Param("weight_decouple", False, kind="bool",
              help="decoupled weight decay (shrink the point) instead of adding it to g",
              zh={"help": "解耦权重衰减（直接收缩参数），而不是加到梯度上"}),
        eps_param(1e-6),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}",
             (positive("weight_decay"), off("weight_decouple"))),
        r"w_t = (\eta + \epsilon)\sqrt{t}",
        r"v_t = v_{t-1} + w_t\, g_t^2, \quad s_t = s_{t-1} + w_t\, g_t",
        Line(r"x_0 = \theta_{t-1} + \frac{s_{t-1}}{\sqrt[3]{v_{t-1}} + \epsilon}",
             (zero("momentum"),)),
        r"z_t = x_0 - \frac{s_t}{\sqrt[3]{v_t} + \epsilon}",
        Line(r"\theta_t = \beta\,\theta_{t-1} + (1 - \beta)\, z_t", (positive("momentum"),)),
        Line(r"\theta_t = z_t", (zero("momentum"),)),
        Line(r"\theta_t \leftarrow \theta_t - (\eta + \epsilon)\,\lambda\,\theta_{t-1}",
             (positive("weight_decay"), on("weight_decouple"))),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \frac{w_t}{r_t}, \quad r_t = \sqrt[3]{v_t} + \epsilon"),
        Line(r"z_t = z_{t-1} - \hat\eta_t\, g_t - s_{t-1}\,(1/r_t - 1/r_{t-1})"),
    ),
    state=(
        StateVar("grad_sum_sq", "v", "weighted sum of squared gradients (its cube root "
                 "divides)", log=True, zh={"help": "梯度平方的加权和（除以它的立方根）"}),
        StateVar("s", "s", "weighted sum of gradients: z is x0 minus s over the cube root",
                 zh={"help": "梯度的加权和：z 等于 x0 减去 s 除以立方根"}),
        STEP_SCALE,
    ),
    constant_vars=(
        StateVar("weight", "w_t", "weight of this step's gradient in the sums: "
                 "(lr + eps) sqrt(t), growing", log=True,
                 zh={"help": "本步梯度在两个和中的权重：(lr + eps) sqrt(t)，逐步增大"}),
    ),
    init=madgrad_init,
    update=madgrad_update,
    constants=madgrad_constants,
    teaching=madgrad_teaching,
    momentum_name="momentum",
    zh={"label": "MADGRAD",
        "description": ("对偶平均：MADGRAD 不是把小步累加起来，而是把 z 放在起点 x0 减去"
                        "全部梯度的加权和 s、再逐坐标除以梯度平方加权和 v 的立方根的位置；"
                        "参数每步朝 z 移动 1 - momentum 的比例。AdaGrad 除以平方根，步长像 "
                        "1/sqrt(t) 一样缩小，且与坡度大小无关；这里权重 w_t = lr sqrt(t) 在增大，"
                        "v 的立方根也像 sqrt(t) 一样增长，所以在稳定的坡上步长不衰减，"
                        "并按 |g|^(1/3) 增长：更陡的坐标仍走得更远，但不成正比。")},
)
