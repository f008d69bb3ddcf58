"""ASGD (averaged SGD, Polyak-Ruppert averaging) as torch.optim.ASGD defines it.

It steps as SGD with a slowly decaying lr eta_t and keeps, from step t0 on, the running average
of its iterates: the averaged point ``ax`` is a companion path of the run (``path=True``), and
eta_t is the lr it applies (``applied_lr``, the run's lr series). torch's state ``eta`` holds
the next step's lr; the page shows the one each step applied (``applied_eta``), so only that
one is recorded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Param, lr_param, weight_decay_param
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
    State,
    StateVar,
    copy,
    coupled_decay,
    levelwise,
    maybe_maximize,
    per_run,
    scale_of,
    select,
)
from .classic import MAXIMIZE


def _next_eta(lr: float, lambd: float, alpha: float, t: float) -> float:
    """torch's ``lr / ((1 + lambd * lr * step) ** alpha)`` in Python floats."""
    return lr / ((1 + lambd * lr * t) ** alpha)


def _next_mu(t0: float, t: float) -> float:
    """torch's ``1 / max(1, step - t0)`` in Python floats."""
    return 1 / max(1, t - t0)


def asgd_init(p: Array, hp: Hyper) -> State:
    """The average starts at zero and mu at 1; eta is the lr of the first step (set then)."""
    rows = (p.shape[0], 1)
    return {"eta": np.zeros(rows), "mu": np.ones(rows), "ax": np.zeros_like(p),
            "applied_eta": np.zeros(rows), "_fresh": True}


def asgd_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """p <- p (1 - lambd eta) - eta g; ax <- ax + mu (p - ax); then eta and mu for step t+1."""
    g = coupled_decay(maybe_maximize(grad, hp), p, hp["weight_decay"])
    lr, lambd = hp["lr"], hp["lambd"]
    # torch creates eta at the first step, from the lr of that step (a schedule's lr(0))
    eta = state["eta"] + lr if state["_fresh"] else state["eta"]
    new_p = p * (1 - lambd * eta)
    new_p = new_p + (-eta) * g
    mu = state["mu"]
    ax = select(mu != 1, state["ax"] + (new_p - state["ax"]) * mu, copy(new_p))
    return new_p, {
        "eta": per_run(levelwise(_next_eta, lr, lambd, hp["alpha"], float(t)), p),
        "mu": per_run(levelwise(_next_mu, hp["t0"], float(t)), p),
        "ax": ax,
        "applied_eta": eta,
        "_fresh": False,
    }


def asgd_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale: the lr eta_t applied at this step (the direction is g)."""
    return {"step_scale": scale_of(state["applied_eta"], state["ax"])}


def asgd_applied_lr(state: State, hp: Hyper, consts: Constants) -> Any:
    """The lr the step applied: eta_t (the lr itself at the first step)."""
    return state["applied_eta"]


ASGD = OptimizerSpec(
    name="asgd",
    label="ASGD",
    description=(
        "Averaged SGD steps like SGD with a learning rate eta_t that decays slowly with the step "
        "count, and from step t0 on keeps the running average of the points it visits. Near a "
        "minimum, where noisy steps jitter around it, the averaged point ax (in the state panel) "
        "settles much closer to the minimum than the iterate itself."
    ),
    family="classic",
    year=1992,
    paper="Polyak & Juditsky 1992, Acceleration of Stochastic Approximation by Averaging",
    reference="torch.optim.ASGD",
    params=(
        lr_param(1e-2),
        Param("lambd", 1e-4, min=0.0, max=10.0, scale="log", slider_min=1e-6, slider_max=1.0,
              symbol=r"\kappa", help="decay term: shrinks the parameters and the lr eta_t",
              zh={"help": "衰减项：使参数收缩，并使学习率 eta_t 逐步减小"}),
        Param("alpha", 0.75, min=0.0, max=10.0, step=0.05, symbol=r"\alpha",
              help="power of the lr decay eta_t = lr / (1 + lambd lr t)^alpha",
              zh={"help": "学习率衰减的幂：eta_t = lr / (1 + lambd lr t)^alpha"}),
        Param("t0", 1e6, min=0.0, max=1e9, scale="log", slider_min=1.0, slider_max=1e6,
              symbol="t_0", help="step at which averaging starts",
              zh={"help": "开始求平均的步数"}),
        weight_decay_param(),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        COUPLED_DECAY_LINE,
        r"\theta_t = (1 - \kappa\,\eta_t)\,\theta_{t-1} - \eta_t\, g_t",
        r"\bar\theta_t = \bar\theta_{t-1} + \mu_t\,(\theta_t - \bar\theta_{t-1})"
        r"\quad (\mu_t = 1:\ \bar\theta_t = \theta_t)",
        r"\eta_{t+1} = \frac{\eta}{(1 + \kappa\,\eta\, t)^{\alpha}}, \quad "
        r"\mu_{t+1} = \frac{1}{\max(1,\ t - t_0)} \quad (\eta_1 = \eta,\ \mu_1 = 1)",
    ),
    step_scale=(
        Line(r"\hat\eta_t = \eta_t, \quad "
             r"\theta_t = (1 - \kappa\,\eta_t)\,\theta_{t-1} - \hat\eta_t\, g_t"),
    ),
    state=(
        StateVar("ax", r"\bar\theta", "averaged parameters: the running average of the "
                 "points since step t0", path=True,
                 zh={"help": "平均参数：自第 t0 步起所经各点的滑动平均"}),
        StateVar("mu", r"\mu_{t+1}", "averaging weight of the next step: 1 before t0",
                 scalar=True, zh={"help": "下一步的平均权重：t0 之前为 1"}),
        StateVar("applied_eta", r"\eta_t", "the lr this step applied (kept for the page, not "
                 "part of torch's state)", scalar=True, log=True,
                 zh={"help": "本步实际使用的学习率（为页面保留，不属于 torch 的状态）"}),
        STEP_SCALE,
    ),
    init=asgd_init,
    update=asgd_update,
    teaching=asgd_teaching,
    applied_lr=asgd_applied_lr,
    zh={"label": "ASGD",
        "description": "平均随机梯度下降：按 SGD 的方式更新，学习率 eta_t 随步数缓慢衰减；"
                       "从第 t0 步起记录所经各点的滑动平均。在极小值附近，带噪声的迭代点会在"
                       "其周围抖动，而平均点 ax（见状态面板）会更接近极小值。"},
)
