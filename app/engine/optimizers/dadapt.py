"""D-Adaptation (dadaptation 3.2): DAdaptAdam, DAdaptSGD and DAdaptAdaGrad.

Each estimates d, the distance from the start to a solution, from the weighted gradient sum s
it keeps; the pieces they share with Prodigy are in ``lrfree.py``. DAdaptSGD and DAdaptAdaGrad
are dual averaging: the point is the start minus the (preconditioned) gradient sum, ``z``,
which the iterate follows directly or, with momentum, as a running average.
"""

from __future__ import annotations

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
    State,
    StateVar,
    coupled_decay,
    off,
    on,
    per_run,
    positive,
    scale_of,
    select,
    sqrt,
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
    growth_limit,
    growth_param,
    half_power,
    kept,
    larger,
    lr_multiplier,
    rows,
    smaller,
    uniform,
)
from .pair import Vec2, coordinate_sum, dot, vabs, vsqrt

D_UPDATE_LINES = (
    Line(r"d_t = \max(d_{t-1},\ \hat d_t)", (("growth_rate", "==", None),)),
    Line(r"d_t = \max\left(d_{t-1},\ \min(\hat d_t,\ \rho\, d_{t-1})\right)",
         (("growth_rate", "!=", None),)),
)


def _d_next(d: Any, d_hat: Any, hp: Hyper) -> Any:
    """The references' ``max(d, min(d_hat, d * growth_rate))``."""
    return larger(d, smaller(d_hat, growth_limit(d, hp)))


def _plain_zero(value: Any) -> bool:
    return not isinstance(value, np.ndarray) and value == 0


# ---------------------------------------------------------------- DAdaptAdam
def dadapt_adam_init(p: Array, hp: Hyper) -> State:
    """Zero moments and s; d = d0; the weighted numerator and k at 0."""
    zero_run = np.zeros(rows(p))
    return {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p), "s": np.zeros_like(p),
            "numerator_weighted": zero_run, "d": per_run(hp["d0"], p), "k": zero_run.copy(),
            "d_lr": zero_run.copy()}


def _adam_coordinate(g: Any, p: Any, m: Any, v: Any, s: Any, beta1: Any, beta2: Any, sb2: Any,
                     eps: Any, cm: Any, cs: Any, decay: Any, active: Any
                     ) -> tuple[Any, Any, Any, Any, Any]:
    """One coordinate's (floats) or every coordinate's (arrays) term of <g, s / (sqrt(v) + eps)>
    (the old s and v), m, v and s after the step, and the new point (``decay`` None: the
    decoupled decay is skipped)."""
    term = g * (s / (vsqrt(v) + eps))
    m = select(active, m * beta1 + cm * g, m)
    v = select(active, v * beta2 + (1 - beta2) * (g * g), v)
    s = select(active, s * sb2 + cs * g, s)
    new_p = p if decay is None else p + decay * p
    return term, m, v, s, new_p + (-1) * (m / (vsqrt(v) + eps))


def dadapt_adam_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """One dadaptation.DAdaptAdam step (REFERENCES.md section 3), every group scalar per run;
    the per-coordinate arithmetic in :func:`_adam_coordinate`, on each coordinate's floats on
    the float path."""
    beta1, beta2, eps = hp["beta1"], hp["beta2"], hp["eps"]
    lr, wd, decouple = hp["lr"], hp["weight_decay"], hp["decouple"]
    k, d = state["k"], state["d"]
    dlr = d * lr * bias_correction(hp, k)
    sb2 = half_power(beta2)
    g = grad if decouple else coupled_decay(grad, p, wd)
    active = uniform(lr > 0)
    scalars = (beta1, beta2, sb2, eps, dlr * (1 - beta1), dlr * (1 - sb2),
               -wd * dlr if decouple and not _plain_zero(wd) else None, active)
    m0, v0, s0 = state["exp_avg"], state["exp_avg_sq"], state["s"]
    if type(p) is Vec2:  # the float path: each coordinate on floats
        tx, mx, vx, sx, px = _adam_coordinate(g.x, p.x, m0.x, v0.x, s0.x, *scalars)
        ty, my, vy, sy, py = _adam_coordinate(g.y, p.y, m0.y, v0.y, s0.y, *scalars)
        m, v, s, new_p = Vec2(mx, my), Vec2(vx, vy), Vec2(sx, sy), Vec2(px, py)
        g_dot, s_l1 = tx + ty, abs(sx) + abs(sy)
    else:
        terms, m, v, s, new_p = _adam_coordinate(g, p, m0, v0, s0, *scalars)
        g_dot, s_l1 = coordinate_sum(terms), coordinate_sum(vabs(s))
    acc = select(active, dlr * g_dot, 0.0)
    sk_l1 = select(active, s_l1, 0.0)
    numerator = sb2 * state["numerator_weighted"] + (1 - sb2) * acc
    ok = uniform(sk_l1 != 0)  # else: nothing moves (the reference returns early)
    d_new = _d_next(d, numerator / ((1 - sb2) * select(ok, sk_l1, 1.0)), hp)  # used where ok
    return select(ok, new_p, p), {
        "exp_avg": m, "exp_avg_sq": v, "s": s, "d_lr": d * lr,
        **kept(ok, {"numerator_weighted": numerator, "d": d_new, "k": k + 1}, state),
    }


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


def _sgd_coordinate(grad: Any, p: Any, s: Any, x0: Any, wd: Any, dlr: Any, ck: Any,
                    active: Any) -> tuple[Any, Any, Any, Any, Any]:
    """One coordinate's (floats) or every coordinate's (arrays) term of <g, s> (the old s), s
    after the step, its square, z and the new point."""
    g = coupled_decay(grad, p, wd)
    new_s = select(active, s + dlr * g, s)
    z = x0 - new_s
    return g * s, new_s, new_s * new_s, z, p * (1 - ck) + ck * z


def dadapt_sgd_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """One dadaptation.DAdaptSGD step (REFERENCES.md section 3). Where the reference divides
    by a zero |g_1| or a zero ||s|| (a start at a stationary point; lr 0) and raises, no step.
    The per-coordinate arithmetic in :func:`_sgd_coordinate`, on each coordinate's floats on
    the float path."""
    lr, d = hp["lr"], state["d"]
    active = uniform(lr > 0)
    first = uniform(state["k"] == 0)
    none = 0.0 * d  # a per-run zero (state quantities stay (B, 1) arrays)
    g0 = state["g0_norm"] if first is False else \
        select(first, select(active, sqrt(dot(grad, grad)), none), state["g0_norm"])
    has_g0 = uniform(g0 > 0)
    dlr = select(has_g0, d * lr / select(has_g0, g0, 1.0), none)
    scalars = (hp["weight_decay"], dlr, 1 - hp["momentum"], active)
    s0, x0 = state["s"], state["x0"]
    if type(p) is Vec2:  # the float path: each coordinate on floats
        tx, sx, qx, zx, px = _sgd_coordinate(grad.x, p.x, s0.x, x0.x, *scalars)
        ty, sy, qy, zy, py = _sgd_coordinate(grad.y, p.y, s0.y, x0.y, *scalars)
        s, z, new_p = Vec2(sx, sy), Vec2(zx, zy), Vec2(px, py)
        g_dot, sk_sq = tx + ty, qx + qy
    else:
        terms, s, squares, z, new_p = _sgd_coordinate(grad, p, s0, x0, *scalars)
        g_dot, sk_sq = coordinate_sum(terms), coordinate_sum(squares)
    numerator = select(active, state["numerator_weighted"] + dlr * g_dot,
                       state["numerator_weighted"])
    ok = uniform(active & (sk_sq != 0))
    d_new = _d_next(d, 2 * numerator / vsqrt(select(ok, sk_sq, 1.0)), hp)  # used where ok
    return select(ok, new_p, p), {
        "s": s, "x0": x0, "g0_norm": g0, "dlr": dlr, "d_lr": d * lr,
        **kept(ok, {"z": z, "numerator_weighted": numerator, "d": d_new,
                    "k": state["k"] + 1}, state),
    }


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


def dadapt_adagrad_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """One dadaptation.DAdaptAdaGrad step (REFERENCES.md section 3): alphak and sk grow even on
    a step that moves nothing, as in the reference. The per-coordinate arithmetic in
    :func:`_adagrad_coordinate`, on each coordinate's floats on the float path."""
    lr, d, eps, momentum = hp["lr"], state["d"], hp["eps"], hp["momentum"]
    dlr = d * lr
    scalars = (hp["weight_decay"], dlr, eps, 1 - momentum, uniform(momentum != 0))
    sk0, a0, x0 = state["sk"], state["alphak"], state["x0"]
    if type(p) is Vec2:  # the float path: each coordinate on floats
        owx, olx, gqx, nwx, nlx, ax, sx, zx, px = _adagrad_coordinate(
            grad.x, p.x, sk0.x, a0.x, x0.x, *scalars)
        owy, oly, gqy, nwy, nly, ay, sy, zy, py = _adagrad_coordinate(
            grad.y, p.y, sk0.y, a0.y, x0.y, *scalars)
        old_w, old_l1, g_sq, new_w, new_l1 = owx + owy, olx + oly, gqx + gqy, nwx + nwy, nlx + nly
        alphak, sk, z, new_p = Vec2(ax, ay), Vec2(sx, sy), Vec2(zx, zy), Vec2(px, py)
    else:
        terms = _adagrad_coordinate(grad, p, sk0, a0, x0, *scalars)
        old_w, old_l1, g_sq, new_w, new_l1 = (coordinate_sum(v) for v in terms[:5])
        alphak, sk, z, new_p = terms[5:]
    sksq = state["sksq_weighted"] + (new_w - old_w)
    skl1 = state["skl1"] + (new_l1 - old_l1)
    ok = uniform(skl1 != 0)  # else: nothing moves (the reference returns early)
    gsq = state["gsq_weighted"] + dlr * dlr * g_sq
    d_new = select(uniform(lr > 0), _d_next(d, (sksq - gsq) / select(ok, skl1, 1.0), hp), d)
    return select(ok, new_p, p), {
        "alphak": alphak, "sk": sk, "x0": x0, "dlr": dlr, "d_lr": dlr,
        **kept(ok, {"z": z, "d": d_new, "gsq_weighted": gsq, "sksq_weighted": sksq,
                    "skl1": skl1}, state),
    }


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
