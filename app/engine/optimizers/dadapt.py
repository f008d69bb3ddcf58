"""D-Adaptation (dadaptation 3.2): DAdaptAdam, DAdaptSGD and DAdaptAdaGrad.

Each estimates d, the distance from the start to a solution, from the weighted gradient sum s
it keeps; the pieces they share with Prodigy are in ``lrfree.py``. DAdaptSGD and DAdaptAdaGrad
are dual averaging: the point is the start minus the (preconditioned) gradient sum, ``z``,
which the iterate follows directly or, with momentum, as a running average.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..params import Param, beta_param, eps_param, weight_decay_param
from .base import (
    STEP_SCALE,
    Array,
    Constants,
    Hyper,
    Line,
    OptimizerSpec,
    Oracle,
    PairOracle,
    State,
    StateVar,
    coupled_decay,
    is_zero,
    off,
    on,
    per_run,
    positive,
    scale_of,
    select,
    zero,
)
from .lrfree import (
    BIAS_HELP,
    BIAS_ZH,
    D_STATE,
    GAMMA_LINES,
    applied_d_lr,
    bias_correction,
    d0_param,
    gamma_state,
    growth_param,
    half_power,
    kept,
    larger,
    lr_multiplier,
    rows,
    smaller,
    uniform,
)
from .norms import pair_norm, row_norm
from .pair import Vec2, coordinate_sum, vabs, vec2_step, vsqrt

D_UPDATE_LINES = (
    Line(r"d_t = \max(d_{t-1},\ \hat d_t)", (("growth_rate", "==", None),)),
    Line(r"d_t = \max\left(d_{t-1},\ \min(\hat d_t,\ \rho\, d_{t-1})\right)",
         (("growth_rate", "!=", None),)),
)


def _d_next(d: Any, d_hat: Any, hp: Hyper) -> Any:
    """The references' ``max(d, min(d_hat, d * growth_rate))`` (no growth rate: min(d_hat,
    inf) is d_hat, a NaN one included)."""
    rate = hp["growth_rate"]
    return larger(d, d_hat if rate is None else smaller(d_hat, d * rate))


# ---------------------------------------------------------------- DAdaptAdam
def dadapt_adam_init(p: Array, hp: Hyper) -> State:
    """Zero moments and s; d = d0; the weighted numerator and k at 0."""
    zero_run = np.zeros(rows(p))
    return {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p), "s": np.zeros_like(p),
            "numerator_weighted": zero_run, "d": per_run(hp["d0"], p), "k": zero_run.copy(),
            "d_lr": zero_run.copy()}


def _adam_scalars(state: State, hp: Hyper) -> tuple[Any, Any, Any, tuple[Any, ...]]:
    """The step's per-run numbers: gamma_t (``dlr``, with the old d), sqrt(beta2), whether the
    step accumulates (not at lr 0), and the coefficients :func:`_adam_coordinate` takes."""
    beta1, beta2, lr, wd = hp["beta1"], hp["beta2"], hp["lr"], hp["weight_decay"]
    d = state["d"]
    dlr = d * lr * bias_correction(hp, state["k"]) if hp["use_bias_correction"] else d * lr
    sb2 = half_power(beta2)
    return dlr, sb2, uniform(lr > 0), (
        beta1, beta2, sb2, hp["eps"], dlr * (1 - beta1), dlr * (1 - sb2),
        -wd * dlr if hp["decouple"] and not is_zero(wd) else None)


def _adam_coordinate(g: Any, p: Any, m: Any, v: Any, s: Any, beta1: Any, beta2: Any, sb2: Any,
                     eps: Any, cm: Any, cs: Any, decay: Any) -> tuple[Any, Any, Any, Any, Any]:
    """One coordinate's (floats) or every coordinate's (arrays) term of <g, s / (sqrt(v) + eps)>
    (the old s and v), m, v and s after an accumulating step, and the new point (``decay``
    None: the decoupled decay is skipped; the caller keeps the old m, v and s, and the point,
    where the step does not accumulate)."""
    term = g * (s / (vsqrt(v) + eps))
    m = m * beta1 + cm * g
    v = v * beta2 + (1 - beta2) * (g * g)
    s = s * sb2 + cs * g
    new_p = p if decay is None else p + decay * p
    return term, m, v, s, new_p + (-1) * (m / (vsqrt(v) + eps))


def _adam_estimate(state: State, hp: Hyper, dlr: Any, sb2: Any, active: Any, g_dot: Any,
                   s_l1: Any) -> tuple[Any, dict[str, Any]]:
    """Whether the step moves (the L1 norm of s is not 0; else the reference returns early),
    and the per-run records after it: the weighted numerator, d, k."""
    acc = select(active, dlr * g_dot, 0.0)
    sk_l1 = select(active, s_l1, 0.0)
    numerator = sb2 * state["numerator_weighted"] + (1 - sb2) * acc
    ok = uniform(sk_l1 != 0)
    d_new = _d_next(state["d"], numerator / ((1 - sb2) * select(ok, sk_l1, 1.0)), hp)
    return ok, kept(ok, {"numerator_weighted": numerator, "d": d_new, "k": state["k"] + 1},
                    state)


def dadapt_adam_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """One dadaptation.DAdaptAdam step (REFERENCES.md section 3) on arrays, every group scalar
    per run; on Vec2 pairs (a wrapper's inner step on floats) through
    :func:`dadapt_adam_pair_update`."""
    if type(p) is Vec2:
        return vec2_step(dadapt_adam_pair_update, p, grad, state, hp, consts, t)
    dlr, sb2, active, scalars = _adam_scalars(state, hp)
    g = grad if hp["decouple"] else coupled_decay(grad, p, hp["weight_decay"])
    m0, v0, s0 = state["exp_avg"], state["exp_avg_sq"], state["s"]
    terms, m, v, s, new_p = _adam_coordinate(g, p, m0, v0, s0, *scalars)
    if active is not True:
        m, v, s = select(active, m, m0), select(active, v, v0), select(active, s, s0)
    ok, records = _adam_estimate(state, hp, dlr, sb2, active, coordinate_sum(terms),
                                 coordinate_sum(vabs(s)))
    return select(ok, new_p, p), {"exp_avg": m, "exp_avg_sq": v, "s": s,
                                  "d_lr": state["d"] * hp["lr"], **records}


def dadapt_adam_pair_update(x: float, y: float, gx: float, gy: float, sx: State, sy: State,
                            hp: Hyper, consts: Constants, t: int, oracle: PairOracle | None
                            ) -> tuple[float, float, State, State]:
    """A single run's step on floats: :func:`dadapt_adam_update`'s pieces, the per-coordinate
    ones on each coordinate's floats (``sx``, ``sy``), the per-run ones once."""
    dlr, sb2, active, scalars = _adam_scalars(sx, hp)
    if not hp["decouple"]:
        wd = hp["weight_decay"]
        gx, gy = coupled_decay(gx, x, wd), coupled_decay(gy, y, wd)
    tx, mx, vx, s_x, px = _adam_coordinate(gx, x, sx["exp_avg"], sx["exp_avg_sq"], sx["s"],
                                           *scalars)
    ty, my, vy, s_y, py = _adam_coordinate(gy, y, sy["exp_avg"], sy["exp_avg_sq"], sy["s"],
                                           *scalars)
    if not active:  # lr 0: nothing accumulates, nothing moves
        mx, vx, s_x, my, vy, s_y = (sx["exp_avg"], sx["exp_avg_sq"], sx["s"], sy["exp_avg"],
                                    sy["exp_avg_sq"], sy["s"])
    ok, records = _adam_estimate(sx, hp, dlr, sb2, active, tx + ty, abs(s_x) + abs(s_y))
    if ok:
        x, y = px, py
    records["d_lr"] = sx["d"] * hp["lr"]
    out_y = records.copy()  # (a copy and assignments: cheaper than merging dicts)
    records["exp_avg"], records["exp_avg_sq"], records["s"] = mx, vx, s_x
    out_y["exp_avg"], out_y["exp_avg_sq"], out_y["s"] = my, vy, s_y
    return x, y, records, out_y


def dadapt_adam_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale on m_t (which carries gamma_t): 1 / (sqrt(v_t) + eps)."""
    return {"step_scale": 1.0 / (np.sqrt(state["exp_avg_sq"]) + hp["eps"])}


DADAPT_ADAM = OptimizerSpec(
    name="dadapt_adam",
    label="D-Adapt Adam",
    description=(
        "Adam with its step size d estimated while it runs: d is a lower bound on the distance "
        "from the start to the minimum, the weighted sum of <g, s> over the L1 norm of s, the "
        "running sum of the steps' gradients. It starts at the tiny d0 and never decreases, so "
        "the path creeps at first and speeds up as d grows. lr multiplies d (1.0: as "
        "estimated); the lr chart shows d x lr. The step is Adam's with gamma_t = d x lr folded "
        "into the first moment."
    ),
    family="lr_free",
    year=2023,
    paper="Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation",
    reference="dadaptation.DAdaptAdam 3.2",
    params=(
        lr_multiplier(),
        beta_param("beta1", 0.9, r"\beta_1", "decay rate of the first moment",
                   "一阶矩的衰减率"),
        beta_param("beta2", 0.999, r"\beta_2", "decay rate of the second moment",
                   "二阶矩的衰减率"),
        eps_param(1e-8),
        weight_decay_param(),
        Param("decouple", False, kind="bool", help="weight decay on the parameters, AdamW "
              "style, instead of added to the gradient",
              zh={"help": "权重衰减直接作用于参数（AdamW 方式），而不是加到梯度上"}),
        Param("use_bias_correction", False, kind="bool", help=BIAS_HELP, zh={"help": BIAS_ZH}),
        d0_param(),
        growth_param(),
    ),
    equations=(
        Line(r"g_t = \nabla f(\theta_{t-1})"),
        Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}", (positive("weight_decay"),
                                                             off("decouple"))),
        *GAMMA_LINES,
        r"r_t = \sqrt{\beta_2}\, r_{t-1} + (1-\sqrt{\beta_2})\,\gamma_t\,"
        r"\left\langle g_t,\ \frac{s_{t-1}}{\sqrt{v_{t-1}} + \epsilon}\right\rangle",
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\,\gamma_t\, g_t, \quad "
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
        r"s_t = \sqrt{\beta_2}\, s_{t-1} + (1-\sqrt{\beta_2})\,\gamma_t\, g_t, \quad "
        r"\hat d_t = \frac{r_t}{(1-\sqrt{\beta_2})\,\|s_t\|_1}",
        *D_UPDATE_LINES,
        Line(r"\theta_{t-1} \leftarrow (1 - \lambda\gamma_t)\,\theta_{t-1}",
             (positive("weight_decay"), on("decouple"))),
        r"\theta_t = \theta_{t-1} - \frac{m_t}{\sqrt{v_t} + \epsilon}",
    ),
    step_scale=(
        r"\hat\eta_t = \frac{1}{\sqrt{v_t} + \epsilon}, \quad "
        r"\theta_t = \theta_{t-1} - \hat\eta_t\, m_t \quad (m_t \text{ carries } \gamma_t)",
    ),
    state=(
        StateVar("exp_avg", "m", "first moment: a running mean of gamma x g (it carries the "
                 "step size)", zh={"help": "一阶矩：gamma × g 的滑动平均（其中含步长）"}),
        StateVar("exp_avg_sq", "v", "second moment: a running mean of g^2", log=True,
                 zh={"help": "二阶矩：g^2 的滑动平均"}),
        StateVar("s", "s", "weighted running sum of the gradients: the estimate's denominator "
                 "is its L1 norm", zh={"help": "梯度的加权累计和：估计量的分母是它的 L1 范数"}),
        StateVar("numerator_weighted", "r_t", "the estimate's numerator: weighted sum of "
                 "<g, s>", scalar=True, zh={"help": "估计量的分子：<g, s> 的加权和"}),
        D_STATE,
        STEP_SCALE,
    ),
    init=dadapt_adam_init,
    update=dadapt_adam_update,
    pair_update=dadapt_adam_pair_update,
    teaching=dadapt_adam_teaching,
    applied_lr=applied_d_lr,
    joint=True,
    momentum_name="beta1",
    zh={"label": "D-Adapt Adam",
        "description": "运行中估计步长 d 的 Adam：d 是起点到极小值距离的下界，等于 <g, s> 的加权和"
                       "除以 s 的 L1 范数，s 是各步梯度的累计和。d 从极小的 d0 开始且从不减小，所以"
                       "路径起初几乎不动，随着 d 增长而加速。lr 是 d 的乘数（1.0：按估计值）；"
                       "学习率图显示 d × lr。更新就是 Adam 的更新，"
                       "只是 gamma_t = d × lr 并入了一阶矩。"},
)


# ---------------------------------------------------------------- DAdaptSGD
def dadapt_sgd_init(p: Array, hp: Hyper) -> State:
    """z and x0 at the start, s = 0, d = d0, k, numerator and |g_1| at 0."""
    zero_run = np.zeros(rows(p))
    return {"z": p.copy(), "s": np.zeros_like(p), "x0": p.copy(),
            "numerator_weighted": zero_run, "d": per_run(hp["d0"], p),
            "g0_norm": zero_run.copy(), "k": zero_run.copy(), "dlr": zero_run.copy(),
            "d_lr": zero_run.copy()}


def _sgd_scalars(state: State, hp: Hyper, g_norm: Callable[[], Any]) -> tuple[Any, Any, Any]:
    """The step's per-run numbers: whether it accumulates (not at lr 0), |g_1| (``g_norm()``,
    this step's gradient norm, at the first step), gamma_t = d x lr / |g_1| (0 while |g_1| is
    0)."""
    lr, d = hp["lr"], state["d"]
    active = uniform(lr > 0)
    first = uniform(state["k"] == 0)
    none = 0.0 * d  # a per-run zero (state quantities stay (B, 1) arrays)
    g0 = state["g0_norm"] if first is False else \
        select(first, select(active, g_norm(), none), state["g0_norm"])
    has_g0 = uniform(g0 > 0)
    return active, g0, select(has_g0, d * lr / select(has_g0, g0, 1.0), none)


def _sgd_coordinate(grad: Any, p: Any, s: Any, x0: Any, wd: Any, dlr: Any, ck: Any
                    ) -> tuple[Any, Any, Any, Any, Any]:
    """One coordinate's (floats) or every coordinate's (arrays) term of <g, s> (the old s), s
    after an accumulating step, its square, z and the new point (the caller keeps the old s,
    z and point where the step does not accumulate)."""
    g = coupled_decay(grad, p, wd)
    new_s = s + dlr * g
    z = x0 - new_s
    return g * s, new_s, new_s * new_s, z, p * (1 - ck) + ck * z


def _sgd_estimate(state: State, hp: Hyper, active: Any, g0: Any, dlr: Any, g_dot: Any,
                  sk_sq: Any) -> tuple[Any, dict[str, Any]]:
    """Whether the step moves (it accumulates and ||s|| is not 0), and the per-run records
    after it: |g_1|, gamma_t, the numerator, d, k."""
    numerator = select(active, state["numerator_weighted"] + dlr * g_dot,
                       state["numerator_weighted"])
    ok = uniform(active & (sk_sq != 0))
    d_new = _d_next(state["d"], 2 * numerator / vsqrt(select(ok, sk_sq, 1.0)), hp)
    records = kept(ok, {"numerator_weighted": numerator, "d": d_new, "k": state["k"] + 1},
                   state)
    records["g0_norm"], records["dlr"], records["d_lr"] = g0, dlr, state["d"] * hp["lr"]
    return ok, records


def dadapt_sgd_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """One dadaptation.DAdaptSGD step (REFERENCES.md section 3) on arrays; on Vec2 pairs (a
    wrapper's inner step on floats) through :func:`dadapt_sgd_pair_update`. Where the
    reference divides by a zero |g_1| or a zero ||s|| (a start at a stationary point; lr 0)
    and raises, no step."""
    if type(p) is Vec2:
        return vec2_step(dadapt_sgd_pair_update, p, grad, state, hp, consts, t)
    active, g0, dlr = _sgd_scalars(state, hp, lambda: row_norm(grad))
    s0, x0 = state["s"], state["x0"]
    terms, s, squares, z, new_p = _sgd_coordinate(grad, p, s0, x0, hp["weight_decay"], dlr,
                                                  1 - hp["momentum"])
    if active is not True:
        s = select(active, s, s0)
    ok, records = _sgd_estimate(state, hp, active, g0, dlr, coordinate_sum(terms),
                                coordinate_sum(squares))
    return select(ok, new_p, p), {"s": s, "x0": x0, "z": select(ok, z, state["z"]),
                                  **records}


def dadapt_sgd_pair_update(x: float, y: float, gx: float, gy: float, sx: State, sy: State,
                           hp: Hyper, consts: Constants, t: int, oracle: PairOracle | None
                           ) -> tuple[float, float, State, State]:
    """A single run's step on floats: :func:`dadapt_sgd_update`'s pieces, the per-coordinate
    ones on each coordinate's floats (``sx``, ``sy``), the per-run ones once."""
    active, g0, dlr = _sgd_scalars(sx, hp, lambda: pair_norm(gx, gy))
    wd, ck = hp["weight_decay"], 1 - hp["momentum"]
    tx, s_x, qx, zx, px = _sgd_coordinate(gx, x, sx["s"], sx["x0"], wd, dlr, ck)
    ty, s_y, qy, zy, py = _sgd_coordinate(gy, y, sy["s"], sy["x0"], wd, dlr, ck)
    if not active:  # lr 0: nothing accumulates, nothing moves
        s_x, s_y = sx["s"], sy["s"]
    ok, records = _sgd_estimate(sx, hp, active, g0, dlr, tx + ty, qx + qy)
    if ok:
        x, y = px, py
    else:
        zx, zy = sx["z"], sy["z"]
    out_y = records.copy()  # (a copy and assignments: cheaper than merging dicts)
    records["s"], records["x0"], records["z"] = s_x, sx["x0"], zx
    out_y["s"], out_y["x0"], out_y["z"] = s_y, sy["x0"], zy
    return x, y, records, out_y


def dadapt_sgd_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale of the dual step z_t = z_{t-1} - gamma_t g_t: gamma_t = d x lr / |g_1|."""
    return {"step_scale": scale_of(state["dlr"], state["s"])}


MOMENTUM_LINES = (
    Line(r"\theta_t = z_t", (zero("momentum"),)),
    Line(r"\theta_t = \mu\,\theta_{t-1} + (1-\mu)\, z_t", (positive("momentum"),)),
)


def momentum_param() -> Param:
    """The weight of the previous point in theta <- mu theta + (1 - mu) z."""
    return Param("momentum", 0.0, min=0.0, max=1.0, max_open=True, scale="beta",
                 slider_max=0.999, symbol=r"\mu",
                 help="momentum: the point trails z, theta = mu theta + (1 - mu) z (0: theta = z)",
                 zh={"help": "动量：点跟随 z 移动，theta = mu theta + (1 - mu) z（0：theta = z）"})


Z_HELP = "dual-averaging point: the start minus the gradient sum; the path follows it"
Z_ZH = "对偶平均点：起点减去梯度累计和；路径跟随它"

DADAPT_SGD = OptimizerSpec(
    name="dadapt_sgd",
    label="D-Adapt SGD",
    description=(
        "Dual averaging with an estimated step size: z is the start minus s, the sum of the "
        "gradients times gamma_t = d x lr / |g_1|, and the point follows z (with momentum, as a "
        "running average). d is a lower bound on the distance to the minimum, 2 <g, s> summed "
        "over the norm of s; it starts at the tiny d0 and never decreases, so the path creeps "
        "at first and speeds up as d grows. Without per-coordinate scaling it can overshoot: "
        "on Himmelblau and the ill-conditioned bowl it diverges. The lr chart shows d x lr."
    ),
    family="lr_free",
    year=2023,
    paper="Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation",
    reference="dadaptation.DAdaptSGD 3.2",
    params=(
        lr_multiplier(),
        momentum_param(),
        weight_decay_param(),
        d0_param(),
        growth_param(),
    ),
    equations=(
        Line(r"g_t = \nabla f(\theta_{t-1})"),
        Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}", (positive("weight_decay"),)),
        r"\gamma_t = \frac{d_{t-1}\,\eta}{\|g_1\|}",
        r"r_t = r_{t-1} + \gamma_t \langle g_t,\ s_{t-1}\rangle, \quad "
        r"s_t = s_{t-1} + \gamma_t\, g_t, \quad \hat d_t = \frac{2\, r_t}{\|s_t\|}",
        *D_UPDATE_LINES,
        r"z_t = \theta_0 - s_t",
        *MOMENTUM_LINES,
    ),
    step_scale=(
        r"\hat\eta_t = \gamma_t, \quad z_t = z_{t-1} - \hat\eta_t\, g_t",
    ),
    state=(
        StateVar("z", "z_t", Z_HELP, zh={"help": Z_ZH}),
        StateVar("s", "s", "running sum of gamma x g: the estimate's denominator is its norm",
                 zh={"help": "gamma × g 的累计和：估计量的分母是它的范数"}),
        StateVar("numerator_weighted", "r_t", "the estimate's numerator: the sum of "
                 "gamma <g, s>", scalar=True, zh={"help": "估计量的分子：gamma <g, s> 的累计和"}),
        D_STATE,
        gamma_state("the step's multiplier: d before the step x lr / |g_1|",
                    "本步的乘数：本步之前的 d × lr / |g_1|"),
        STEP_SCALE,
    ),
    init=dadapt_sgd_init,
    update=dadapt_sgd_update,
    pair_update=dadapt_sgd_pair_update,
    teaching=dadapt_sgd_teaching,
    applied_lr=applied_d_lr,
    joint=True,
    momentum_name="momentum",
    zh={"label": "D-Adapt SGD",
        "description": "带步长估计的对偶平均：z 是起点减去 s，s 是梯度乘以 gamma_t = d × lr / "
                       "|g_1| 的累计和，点跟随 z（有动量时为滑动平均）。d 是到极小值距离的下界，"
                       "等于 2 <g, s> 的累计和除以 s 的范数；它从极小的 d0 开始且从不减小，所以"
                       "路径起初几乎不动，随着 d 增长而加速。没有逐坐标缩放，它可能冲过头：在 "
                       "Himmelblau 和病态碗上会发散。学习率图显示 d × lr。"},
)


# ---------------------------------------------------------------- DAdaptAdaGrad
def dadapt_adagrad_init(p: Array, hp: Hyper) -> State:
    """alphak at 1e-6 (as the reference fills it), s = 0, x0 = z = the start, d = d0."""
    zero_run = np.zeros(rows(p))
    return {"alphak": np.full_like(p, 1e-6), "sk": np.zeros_like(p), "x0": p.copy(),
            "z": p.copy(), "d": per_run(hp["d0"], p), "gsq_weighted": zero_run,
            "sksq_weighted": zero_run.copy(), "skl1": zero_run.copy(), "dlr": zero_run.copy(),
            "d_lr": zero_run.copy()}


def _adagrad_coordinate(grad: Any, p: Any, sk0: Any, a0: Any, x0: Any, wd: Any, dlr: Any,
                        eps: Any, ck: Any, moving: Any) -> tuple[Any, ...]:
    """One coordinate's (floats) or every coordinate's (arrays) terms of the estimate's sums
    (the old s's weighted square and |s|, g^2 / (sqrt(alpha) + eps), the new s's), alpha and s
    after the step, z and the new point."""
    g = coupled_decay(grad, p, wd)
    alphak = a0 + g * g
    denom = vsqrt(alphak) + eps
    sk = sk0 + dlr * g
    z = x0 - sk / denom
    return ((sk0 * sk0) / (vsqrt(a0) + eps), vabs(sk0), (g * g) / denom, (sk * sk) / denom,
            vabs(sk), alphak, sk, z, select(moving, p * (1 - ck) + ck * z, z))


def _adagrad_estimate(state: State, hp: Hyper, dlr: Any, old_w: Any, old_l1: Any,
                      g_sq: Any, new_w: Any, new_l1: Any) -> tuple[Any, dict[str, Any]]:
    """Whether the step moves (the weighted L1 norm of s is not 0; else the reference returns
    early), and the per-run records after it from the coordinates' sums (the old s's weighted
    square and |s|, g^2 / (sqrt(alpha) + eps), the new s's): gamma_t, d, the weighted sums."""
    d = state["d"]
    sksq = state["sksq_weighted"] + (new_w - old_w)
    skl1 = state["skl1"] + (new_l1 - old_l1)
    ok = uniform(skl1 != 0)
    gsq = state["gsq_weighted"] + dlr * dlr * g_sq
    d_new = select(uniform(hp["lr"] > 0),
                   _d_next(d, (sksq - gsq) / select(ok, skl1, 1.0), hp), d)
    records = kept(ok, {"d": d_new, "gsq_weighted": gsq, "sksq_weighted": sksq,
                        "skl1": skl1}, state)
    records["dlr"] = records["d_lr"] = dlr
    return ok, records


def _adagrad_scalars(state: State, hp: Hyper) -> tuple[Any, tuple[Any, ...]]:
    """gamma_t = d x lr (the old d) and the per-run arguments of :func:`_adagrad_coordinate`."""
    dlr = state["d"] * hp["lr"]
    momentum = hp["momentum"]
    return dlr, (hp["weight_decay"], dlr, hp["eps"], 1 - momentum, uniform(momentum != 0))


def dadapt_adagrad_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """One dadaptation.DAdaptAdaGrad step (REFERENCES.md section 3) on arrays: alphak and sk
    grow even on a step that moves nothing, as in the reference. On Vec2 pairs (a wrapper's
    inner step on floats) through :func:`dadapt_adagrad_pair_update`."""
    if type(p) is Vec2:
        return vec2_step(dadapt_adagrad_pair_update, p, grad, state, hp, consts, t)
    dlr, scalars = _adagrad_scalars(state, hp)
    x0 = state["x0"]
    terms = _adagrad_coordinate(grad, p, state["sk"], state["alphak"], x0, *scalars)
    alphak, sk, z, new_p = terms[5:]
    ok, records = _adagrad_estimate(state, hp, dlr, *(coordinate_sum(v) for v in terms[:5]))
    return select(ok, new_p, p), {"alphak": alphak, "sk": sk, "x0": x0,
                                  "z": select(ok, z, state["z"]), **records}


def dadapt_adagrad_pair_update(x: float, y: float, gx: float, gy: float, sx: State, sy: State,
                               hp: Hyper, consts: Constants, t: int, oracle: PairOracle | None
                               ) -> tuple[float, float, State, State]:
    """A single run's step on floats: :func:`dadapt_adagrad_update`'s pieces, the
    per-coordinate ones on each coordinate's floats (``sx``, ``sy``), the per-run ones once."""
    dlr, scalars = _adagrad_scalars(sx, hp)
    owx, olx, gqx, nwx, nlx, ax, s_x, zx, px = _adagrad_coordinate(
        gx, x, sx["sk"], sx["alphak"], sx["x0"], *scalars)
    owy, oly, gqy, nwy, nly, ay, s_y, zy, py = _adagrad_coordinate(
        gy, y, sy["sk"], sy["alphak"], sy["x0"], *scalars)
    ok, records = _adagrad_estimate(sx, hp, dlr, owx + owy, olx + oly, gqx + gqy, nwx + nwy,
                                    nlx + nly)
    if ok:
        x, y = px, py
    else:
        zx, zy = sx["z"], sy["z"]
    out_y = records.copy()  # (a copy and assignments: cheaper than merging dicts)
    records["alphak"], records["sk"], records["x0"], records["z"] = ax, s_x, sx["x0"], zx
    out_y["alphak"], out_y["sk"], out_y["x0"], out_y["z"] = ay, s_y, sy["x0"], zy
    return x, y, records, out_y


def dadapt_adagrad_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale of this step's gradient in z: gamma_t / (sqrt(alpha_t) + eps)."""
    return {"step_scale": state["dlr"] / (np.sqrt(state["alphak"]) + hp["eps"])}


DADAPT_ADAGRAD = OptimizerSpec(
    name="dadapt_adagrad",
    label="D-Adapt AdaGrad",
    description=(
        "AdaGrad by dual averaging with an estimated step size: z is the start minus the sum s "
        "of gamma_t g (gamma_t = d x lr), divided per coordinate by the root of the summed "
        "squared gradients, and the point follows z. d, a lower bound on the distance to the "
        "minimum from s and the gradients, starts at the tiny d0 and never decreases: the path "
        "creeps at first, then speeds up as d grows. The lr chart shows d x lr."
    ),
    family="lr_free",
    year=2023,
    paper="Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation",
    reference="dadaptation.DAdaptAdaGrad 3.2",
    params=(
        lr_multiplier(),
        momentum_param(),
        weight_decay_param(),
        eps_param(1e-6),
        d0_param(),
        growth_param(),
    ),
    equations=(
        Line(r"g_t = \nabla f(\theta_{t-1})"),
        Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}", (positive("weight_decay"),)),
        r"\gamma_t = d_{t-1}\,\eta, \quad \alpha_t = \alpha_{t-1} + g_t^2 \quad "
        r"(\alpha_0 = 10^{-6}), \quad s_t = s_{t-1} + \gamma_t\, g_t",
        r"\hat d_t = \frac{\sum_{i} \frac{s_{t,i}^2}{\sqrt{\alpha_{t,i}} + \epsilon} "
        r"- \sum_{k \le t} \gamma_k^2 \sum_i \frac{g_{k,i}^2}{\sqrt{\alpha_{k,i}} + \epsilon}}"
        r"{\|s_t\|_1}",
        *D_UPDATE_LINES,
        r"z_t = \theta_0 - \frac{s_t}{\sqrt{\alpha_t} + \epsilon}",
        *MOMENTUM_LINES,
    ),
    step_scale=(
        r"\hat\eta_t = \frac{\gamma_t}{\sqrt{\alpha_t} + \epsilon}, \quad "
        r"z_t = \theta_0 - \frac{s_{t-1}}{\sqrt{\alpha_t} + \epsilon} - \hat\eta_t\, g_t",
    ),
    state=(
        StateVar("alphak", r"\alpha_t", "sum of the squared gradients (from 1e-6)", log=True,
                 zh={"help": "梯度平方的累计和（从 1e-6 开始）"}),
        StateVar("sk", "s_k", "running sum of gamma x g", zh={"help": "gamma × g 的累计和"}),
        StateVar("z", "z_t", Z_HELP, zh={"help": Z_ZH}),
        D_STATE,
        gamma_state("the step's multiplier: d before the step x lr",
                    "本步的乘数：本步之前的 d × lr"),
        STEP_SCALE,
    ),
    init=dadapt_adagrad_init,
    update=dadapt_adagrad_update,
    pair_update=dadapt_adagrad_pair_update,
    teaching=dadapt_adagrad_teaching,
    applied_lr=applied_d_lr,
    joint=True,
    momentum_name="momentum",
    zh={"label": "D-Adapt AdaGrad",
        "description": "以对偶平均实现、带步长估计的 AdaGrad：z 是起点减去 gamma_t g（gamma_t = "
                       "d × lr）的累计和 s，每个坐标再除以梯度平方累计和的平方根，点跟随 z。d 是到"
                       "极小值距离的下界，由 s 与梯度算出，从极小的 d0 开始且从不减小：路径起初几乎"
                       "不动，随后随 d 增长而加速。学习率图显示 d × lr。"},
)
