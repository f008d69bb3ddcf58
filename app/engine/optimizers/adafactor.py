"""Adafactor as torch.optim.Adafactor defines it, on the 2-vector (not factored).

torch's ``eps`` pair is split as ``eps1`` and ``eps2``. torch's ``eps1=None`` (its default) means
the dtype's machine epsilon; here ``eps1`` is nullable: ``null`` (the page's "auto" box, ``null``
in a link) is that None, the float64 machine epsilon 2.220446049250313e-16, and a number is used
as given. On a matrix Adafactor keeps only row and column averages of the squared gradient; on a
vector, as here, torch keeps one average per coordinate. The update couples the coordinates (the
RMS of the parameters and of the update), so it is ``joint``.
"""

from __future__ import annotations

import sys
from typing import Any

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
    State,
    StateVar,
    is_zero,
    join,
    lerp,
    levelwise,
    maximum,
    minimum,
    per_run,
    positive,
    split,
    sqrt,
)
from .classic import MAXIMIZE

MACHINE_EPS = sys.float_info.epsilon  # torch.finfo(torch.float64).eps: what eps1=None means
ROOT2 = 2**0.5  # torch's ``numel ** 0.5`` for the 2-vector


def _pow(t: float, c: float) -> float:
    """torch's ``step ** beta2_decay`` in Python floats."""
    return t**c


def eps1_of(hp: Hyper) -> Any:
    """eps1 as a number: null is torch's None, the float64 machine epsilon."""
    eps1 = hp["eps1"]
    return MACHINE_EPS if eps1 is None else eps1


def adafactor_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The averaging weight t^c (1 at t = 1) and the relative step rho_t = min(lr, 1/sqrt t)."""
    step = float(t)
    return {"beta2_weight": levelwise(_pow, step, hp["beta2_decay"]),
            "rho": minimum(hp["lr"], 1 / step**0.5)}


def adafactor_init(p: Array, hp: Hyper) -> State:
    """The squared-gradient average starts at zero."""
    rows = (p.shape[0], 1)
    return {"variance": np.zeros_like(p), "alpha": np.zeros(rows), "clip": np.ones(rows)}


def adafactor_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """alpha = max(eps2, RMS(p)) rho; decay; v <- lerp(v, g^2, t^c); u = g / sqrt(max(v,
    eps1^2)); p <- p - alpha / max(1, RMS(u)/d) u."""
    x, y = split(p)
    gx, gy = split(grad)
    if hp["maximize"]:
        gx, gy = -gx, -gy
    alpha = maximum(hp["eps2"], sqrt(x * x + y * y) / ROOT2) * consts["rho"]
    wd = hp["weight_decay"]
    if not is_zero(wd):
        keep = 1 - hp["lr"] * wd
        x, y = x * keep, y * keep
    vx, vy = split(state["variance"])
    weight = consts["beta2_weight"]
    vx, vy = lerp(vx, gx * gx, weight), lerp(vy, gy * gy, weight)
    eps1 = eps1_of(hp)
    floor = eps1 * eps1
    ux = 1 / sqrt(maximum(vx, floor)) * gx
    uy = 1 / sqrt(maximum(vy, floor)) * gy
    clip = maximum(1.0, sqrt(ux * ux + uy * uy) / (ROOT2 * hp["d"]))
    step = -alpha / clip
    return join(x + step * ux, y + step * uy, p), {
        "variance": join(vx, vy, p), "alpha": per_run(alpha, p), "clip": per_run(clip, p)}


def adafactor_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale on g: alpha_t / (c_t sqrt(max(v, eps1^2)))."""
    floor = eps1_of(hp) ** 2
    return {"step_scale": state["alpha"] / state["clip"]
            / np.sqrt(np.maximum(state["variance"], floor))}


ADAFACTOR = OptimizerSpec(
    name="adafactor",
    label="Adafactor",
    description=(
        "Adafactor takes steps relative to the size of the parameters: alpha_t is rho_t = "
        "min(lr, 1/sqrt(t)) times the parameters' RMS (at least eps2). Each coordinate divides "
        "the gradient by the root of an average of squared gradients whose weight t^c of the new "
        "one decays with the step count (c = beta2_decay), and the update is scaled down when its "
        "RMS exceeds d. On a matrix it would store only row and column averages (factored); on "
        "this 2-vector it is not factored: one average per coordinate, like Adam without "
        "momentum. Far from the origin its steps are long; near it they shrink to eps2 rho_t."
    ),
    family="adaptive",
    year=2018,
    paper="Shazeer & Stern 2018, Adafactor: Adaptive Learning Rates with Sublinear Memory Cost",
    reference="torch.optim.Adafactor (on a vector: not factored)",
    params=(
        lr_param(1e-2),
        Param("beta2_decay", -0.8, min=-10.0, max=0.0, step=0.05, symbol="c",
              help="decay exponent: the new squared gradient's weight is t^c",
              zh={"help": "衰减指数：新的梯度平方的权重为 t^c"}),
        Param("eps1", None, min=0.0, max=1.0, scale="log", slider_min=1e-16, slider_max=1e-2,
              nullable=True, symbol=r"\epsilon_1",
              help="floor of the squared-gradient average, squared (auto: torch's None, the "
                   "float64 machine epsilon 2.2e-16)",
              zh={"help": "梯度平方平均的下限（取其平方）；自动：即 torch 的 None，"
                          "float64 的机器精度 2.2e-16"}),
        Param("eps2", 1e-3, min=0.0, max=1.0, scale="log", slider_min=1e-8, slider_max=1.0,
              symbol=r"\epsilon_2", help="smallest parameter RMS the step is relative to",
              zh={"help": "步长所相对的参数均方根的最小值"}),
        Param("d", 1.0, min=1.0, max=100.0, scale="log", slider_min=1.0, slider_max=100.0,
              symbol="d", help="clipping threshold: the update's RMS is capped at d",
              zh={"help": "裁剪阈值：更新的均方根不超过 d"}),
        weight_decay_param(),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        r"\rho_t = \min(\eta, 1/\sqrt{t}),\quad "
        r"\alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\,\rho_t",
        Line(r"\theta_{t-1} \leftarrow (1 - \eta\lambda)\,\theta_{t-1}",
             (positive("weight_decay"),)),
        r"v_t = v_{t-1} + t^{c}\,(g_t^2 - v_{t-1})",
        r"u_t = g_t / \sqrt{\max(v_t, \epsilon_1^2)},\quad "
        r"c_t = \max(1, \mathrm{RMS}(u_t)/d)",
        r"\theta_t = \theta_{t-1} - \frac{\alpha_t}{c_t}\,u_t",
    ),
    step_scale=(
        Line(r"\hat\eta_t = \frac{\alpha_t}{c_t\sqrt{\max(v_t, \epsilon_1^2)}}, \quad "
             r"\theta_t = \theta_{t-1} - \hat\eta_t\, g_t"),
    ),
    constant_vars=(
        StateVar("beta2_weight", "t^{c}", "weight of the new squared gradient in the average "
                 "(1 at the first step)", zh={"help": "新的梯度平方在平均中的权重（第一步为 1）"}),
        StateVar("rho", r"\rho_t", "relative step size min(lr, 1/sqrt(t))",
                 zh={"help": "相对步长 min(lr, 1/sqrt(t))"}),
    ),
    state=(
        StateVar("variance", "v", "average of squared gradients, one per coordinate (a vector "
                 "is not factored)", log=True,
                 zh={"help": "梯度平方的平均，每个坐标一个（向量不做分解）"}),
        StateVar("alpha", r"\alpha_t", "step length relative to the parameters: max(eps2, "
                 "RMS(theta)) rho_t", scalar=True, log=True,
                 zh={"help": "相对参数大小的步长：max(eps2, RMS(theta)) rho_t"}),
        StateVar("clip", "c_t", "update clipping divisor max(1, RMS(u)/d)", scalar=True,
                 zh={"help": "更新裁剪的除数 max(1, RMS(u)/d)"}),
        STEP_SCALE,
    ),
    init=adafactor_init,
    update=adafactor_update,
    constants=adafactor_constants,
    teaching=adafactor_teaching,
    joint=True,
    zh={"label": "Adafactor",
        "description": "Adafactor 的步长与参数大小成比例：alpha_t 等于 rho_t = min(lr, 1/sqrt(t)) "
                       "乘以参数的均方根（至少为 eps2）。每个坐标把梯度除以梯度平方平均的平方根，"
                       "新梯度平方的权重 t^c 随步数减小（c = beta2_decay）；更新的均方根超过 d "
                       "时按比例缩小。对矩阵它只保存行平均和列平均（分解）；对这里的二维向量"
                       "不做分解：每个坐标一个平均，相当于没有动量的 Adam。远离原点时步子大，"
                       "靠近原点时缩小到 eps2 rho_t。"},
)
