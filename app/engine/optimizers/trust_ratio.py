"""LAMB and LARS (layer-wise trust ratio) as pytorch_optimizer 4.1.0 defines them.

Both scale a layer's step by the ratio of the layer's weight norm to its update's (or
gradient's) norm. Here the layer is the 2-vector (x, y): the trust ratio is one number for both
coordinates, so it changes the step's length, never its direction. pytorch_optimizer's LARS
computes it only for a parameter with two or more dimensions; ``matrix`` steps the 2-vector as a
1x2 matrix so that it acts (off, the reference's path on a 1-D parameter: SGD with momentum).
Both are ``joint`` (LARS with ``matrix`` on): the norms couple the coordinates.
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
    PairOracle,
    Preset,
    State,
    StateVar,
    ema_sq,
    is_zero,
    levelwise,
    lr_step_scale,
    maybe_maximize,
    minimum,
    off,
    on,
    positive,
    power,
    scale_of,
    select,
    sqrt,
    zero,
)
from .classic import MAXIMIZE
from .decay import FIXED_DECAY, weight_decouple_param
from .norms import float32, pair_norm, row_norm
from .pair import Vec2, vec2_step, vsqrt

WEIGHT_NORM_CLAMP = 10.0  # pytorch_optimizer's Lamb.clamp: ||theta|| counts up to 10


# ---------------------------------------------------------------- LAMB
def _n_sma(beta2: float, t: int) -> float:
    """RAdam's length of the approximated simple moving average, rho_t."""
    n_max = 2.0 / (1.0 - beta2) - 1.0
    b2t = beta2 ** t
    return n_max - 2 * t * b2t / (1.0 - b2t)


def _rectify(beta2: float, t: int, threshold: float, degenerated: bool) -> float:
    """pytorch_optimizer's get_rectify_step_size factor r_t (-1: no step; 1: SGD-like)."""
    n_max = 2.0 / (1.0 - beta2) - 1.0
    b2t = beta2 ** t
    n_sma = n_max - 2 * t * b2t / (1.0 - b2t)
    if n_sma >= threshold:
        return math.sqrt((1.0 - b2t) * (n_sma - 4) / (n_max - 4) * (n_sma - 2) / n_sma
                         * n_max / (n_max - 2))
    return 1.0 if degenerated else -1.0


def lamb_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """1 - beta1^t, the step size lr / (1 - beta1^t) (rectify: lr r_t / (1 - beta1^t)) and
    rho_t (0 without rectify)."""
    bc1 = 1 - power(hp["beta1"], t)
    if not hp["rectify"]:
        return {"bias_correction1": bc1, "step_size": hp["lr"] / bc1, "n_sma": 0.0}
    rt = levelwise(_rectify, hp["beta2"], t, hp["n_sma_threshold"], hp["degenerated_to_sgd"])
    return {"bias_correction1": bc1, "step_size": hp["lr"] * rt / bc1,
            "n_sma": levelwise(_n_sma, hp["beta2"], t)}


def clip_factor(norm: Any, max_grad_norm: Any, eps: Any) -> Any:
    """pre_norm's factor min(1, max_grad_norm / (||g|| + eps)) from the gradient's norm, in
    float32 as the reference computes its global gradient norm; 1 where max_grad_norm is 0."""
    n32 = float32(norm)
    root = float32(sqrt(float32(n32 * n32)))
    scale = float32(float32(1.0 / float32(root + float32(eps))) * float32(max_grad_norm))
    return select(max_grad_norm == 0, 1.0, minimum(scale, 1.0))


def lamb_init(p: Array, hp: Hyper) -> State:
    """Zero moments; the norms and the trust ratio are set by the first step that moves."""
    rows = (p.shape[0], 1)
    return {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p),
            "weight_norm": np.zeros(rows), "adam_norm": np.zeros(rows),
            "trust_ratio": np.ones(rows)}


def _lamb_scalars(hp: Hyper, consts: Constants) -> tuple[Any, ...]:
    """The per-run arguments of :func:`_lamb_coordinate`: the betas, eps, m's gradient weight,
    the decoupled decay's factor (None: none), the step size, whether a rectified step divides
    by sqrt(v) (None: no rectify) and the coupled decay (None: none)."""
    wd, decouple, rectify = hp["weight_decay"], hp["weight_decouple"], hp["rectify"]
    beta1 = hp["beta1"]
    keep = 1 - wd * (1.0 if hp["fixed_decay"] else hp["lr"]) \
        if decouple and not is_zero(wd) else None
    return (beta1, hp["beta2"], hp["eps"], (1 - beta1) if hp["grad_averaging"] else 1.0, keep,
            consts["step_size"],
            consts["n_sma"] >= hp["n_sma_threshold"] if rectify else None,
            wd if not rectify and not decouple else None)


def _lamb_coordinate(g: Any, p: Any, m: Any, v: Any, beta1: Any, beta2: Any, eps: Any,
                     cm: Any, keep: Any, step: Any, rectified: Any, coupled: Any
                     ) -> tuple[Any, Any, Any, Any, Any]:
    """One coordinate's (floats) or every coordinate's (arrays) m, v, decayed point, direction
    and u, whose norm the trust ratio divides by (rectify: the moved point's)."""
    m = m * beta1 + cm * g
    v = ema_sq(v, g, beta2)
    if keep is not None:
        p = p * keep
    denom = vsqrt(v) + eps
    if rectified is not None:
        direction = select(rectified, m / denom, m)
        return m, v, p, direction, p + (-step) * direction
    u = m / denom
    if coupled is not None:
        u = select(coupled > 0, u + coupled * p, u)
    return m, v, p, u, u


def _trust_ratio(weight_norm: Any, adam_norm: Any, eps: Any) -> Any:
    """min(||theta||, 10) / (||u|| + eps), 1 where either norm is 0."""
    if type(adam_norm) is float:  # the float path: one run, Python's choice
        return 1.0 if weight_norm == 0 or adam_norm == 0 else weight_norm / (adam_norm + eps)
    return np.where((weight_norm == 0) | (adam_norm == 0), 1.0, weight_norm / (adam_norm + eps))


def lamb_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """Adam's direction u (moments, no v correction), then a step of lr / (1 - beta1^t) times
    the trust ratio min(||theta||, 10) / (||u|| + eps) along it; on arrays, on Vec2 pairs (a
    wrapper's inner step on floats) through :func:`lamb_pair_update`."""
    if type(p) is Vec2:
        return vec2_step(lamb_pair_update, p, grad, state, hp, consts, t)
    g = grad
    if hp["pre_norm"]:
        g = g * clip_factor(row_norm(grad), hp["max_grad_norm"], hp["eps"])
    scalars = _lamb_scalars(hp, consts)
    m, v, p, direction, u = _lamb_coordinate(maybe_maximize(g, hp), p, state["exp_avg"],
                                             state["exp_avg_sq"], *scalars)
    weight_norm = minimum(row_norm(p), WEIGHT_NORM_CLAMP)
    adam_norm = row_norm(u)
    trust = _trust_ratio(weight_norm, adam_norm, hp["eps"])
    step = scalars[5]
    new_p = p + (-step * (1.0 if hp["adam"] else trust)) * direction
    new_state = {"exp_avg": m, "exp_avg_sq": v, "weight_norm": weight_norm,
                 "adam_norm": adam_norm, "trust_ratio": trust}
    if hp["rectify"]:  # a step size <= 0 stops after the moments and the decay
        moves = step > 0
        new_p = select(moves, new_p, p)
        for name in ("weight_norm", "adam_norm", "trust_ratio"):
            new_state[name] = select(moves, new_state[name], state[name])
    return new_p, new_state


def lamb_pair_update(x: float, y: float, gx: float, gy: float, sx: State, sy: State,
                     hp: Hyper, consts: Constants, t: int, oracle: PairOracle | None
                     ) -> tuple[float, float, State, State]:
    """A single run's step on floats: :func:`lamb_update`'s pieces, the per-coordinate ones on
    each coordinate's floats (``sx``, ``sy``), the norms and the trust ratio once."""
    eps = hp["eps"]
    if hp["pre_norm"]:
        factor = clip_factor(pair_norm(gx, gy), hp["max_grad_norm"], eps)
        gx, gy = gx * factor, gy * factor
    if hp.get("maximize", False):
        gx, gy = -gx, -gy
    scalars = _lamb_scalars(hp, consts)
    mx, vx, px, dx, ux = _lamb_coordinate(gx, x, sx["exp_avg"], sx["exp_avg_sq"], *scalars)
    my, vy, py, dy, uy = _lamb_coordinate(gy, y, sy["exp_avg"], sy["exp_avg_sq"], *scalars)
    weight_norm = minimum(pair_norm(px, py), WEIGHT_NORM_CLAMP)
    adam_norm = pair_norm(ux, uy)
    trust = _trust_ratio(weight_norm, adam_norm, eps)
    step = scalars[5]
    if hp["rectify"] and not step > 0:  # a step size <= 0 stops after the moments and the decay
        x, y = px, py
        weight_norm, adam_norm, trust = sx["weight_norm"], sx["adam_norm"], sx["trust_ratio"]
    else:
        scale = -step * (1.0 if hp["adam"] else trust)
        x, y = px + scale * dx, py + scale * dy
    out_x = {"exp_avg": mx, "exp_avg_sq": vx, "weight_norm": weight_norm,
             "adam_norm": adam_norm, "trust_ratio": trust}
    out_y = out_x.copy()
    out_y["exp_avg"], out_y["exp_avg_sq"] = my, vy
    return x, y, out_x, out_y


def lamb_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale: lr / (1 - beta1^t) times the trust ratio (1 with adam), 0 for a
    rectified step that does not move."""
    trust = 1.0 if hp["adam"] else state["trust_ratio"]
    return {"step_scale": scale_of(np.maximum(consts["step_size"], 0.0) * trust,
                                   state["exp_avg"])}


LAMB_TRUST = (
    r"r_t = \begin{cases} \dfrac{\min(\lVert\theta_{t-1}\rVert,\ 10)}{\lVert u_t\rVert + "
    r"\epsilon} & \lVert\theta_{t-1}\rVert\,\lVert u_t\rVert > 0 \\ 1 & \lVert\theta_{t-1}\rVert"
    r"\,\lVert u_t\rVert = 0 \end{cases}"
)

LAMB = OptimizerSpec(
    name="lamb",
    label="LAMB",
    description=(
        "LAMB is Adam with a layer-wise trust ratio: it computes Adam's direction u = m / (sqrt(v) "
        "+ eps) (without v's bias correction) and rescales the whole layer's step by r = "
        "||theta|| / ||u||, so the step is lr / (1 - beta1^t) x ||theta|| long (about lr x "
        "||theta|| after the first steps; ||theta|| counted up to 10) however large the "
        "gradient is. Here the layer is the 2-vector (x, y): r is one "
        "number for both coordinates, so the direction stays Adam's and only the length "
        "changes. Far from the origin it strides, near (0, 0) it barely moves, and a minimum "
        "at the origin is approached geometrically. adam = true turns the ratio off; rectify "
        "adds RAdam's warm-up factor; pre_norm clips the gradient's norm to max_grad_norm first."
    ),
    family="trust_ratio",
    year=2020,
    paper=("You et al. 2020,"
           " Large Batch Optimization for Deep Learning: Training BERT in 76 minutes"),
    reference="pytorch_optimizer.Lamb 4.1.0",
    params=(
        lr_param(1e-3),
        beta_param("beta1", 0.9, r"\beta_1", "decay rate of the first moment",
                   zh_help="一阶矩的衰减率"),
        beta_param("beta2", 0.999, r"\beta_2", "decay rate of the second moment",
                   zh_help="二阶矩的衰减率"),
        weight_decay_param(),
        weight_decouple_param(True),
        FIXED_DECAY,
        Param("rectify", False, kind="bool", help="RAdam's rectification of the step size",
              zh={"help": "RAdam 式的步长修正"}),
        Param("degenerated_to_sgd", False, kind="bool",
              help="with rectify: step along m (SGD-like) while rho_t < the threshold, "
                   "instead of not moving",
              zh={"help": "配合 rectify：rho_t 低于阈值时沿 m 移动（类似 SGD），而不是不动"}),
        Param("n_sma_threshold", 5, kind="int", min=0, max=1000, step=1, symbol=r"\rho_{\min}",
              help="with rectify: rho_t from which the step divides by sqrt(v)",
              zh={"help": "配合 rectify：rho_t 达到该值后步长才除以 √v"}),
        Param("grad_averaging", True, kind="bool",
              help="m averages the gradients (1 - beta1 weight); off: m sums them",
              zh={"help": "m 对梯度取平均（权重 1 - beta1）；关闭时 m 对梯度求和"}),
        Param("max_grad_norm", 1.0, min=0.0, max=1e3, scale="log", slider_min=1e-3,
              slider_max=100.0, symbol="G", help="with pre_norm: the gradient's norm is clipped "
              "to this (0: no clipping)",
              zh={"help": "配合 pre_norm：梯度范数被裁剪到该值（0：不裁剪）"}),
        Param("adam", False, kind="bool", help="turn the trust ratio off (r = 1)",
              zh={"help": "关闭信任比（r = 1）"}),
        Param("pre_norm", False, kind="bool",
              help="clip the gradient's norm to max_grad_norm before the moments",
              zh={"help": "在计算矩之前把梯度范数裁剪到 max_grad_norm"}),
        eps_param(1e-6),
        MAXIMIZE,
    ),
    presets=(
        Preset("lamb", "LAMB", {"lr": 0.05, "adam": False},
               help="lr 0.05: the trust-ratio step is visible on these surfaces",
               zh={"label": "LAMB", "help": "学习率 0.05：在这些曲面上能看清信任比步长"}),
        Preset("no_trust", "Without trust ratio", {"lr": 0.05, "adam": True},
               help="the same step without r: compare the two paths",
               zh={"label": "无信任比", "help": "去掉 r 的同一步：对比两条路径"}),
    ),
    equations=(
        *GRADIENT_LINES,
        Line(r"g_t \leftarrow g_t \min\!\left(1,\ \frac{G}{\lVert g_t\rVert + \epsilon}\right)"
             r"\quad (\mathrm{float32})", (on("pre_norm"), positive("max_grad_norm"))),
        Line(r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t", (on("grad_averaging"),)),
        Line(r"m_t = \beta_1 m_{t-1} + g_t", (off("grad_averaging"),)),
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
        Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \eta\lambda)",
             (positive("weight_decay"), on("weight_decouple"), off("fixed_decay"))),
        Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \lambda)",
             (positive("weight_decay"), on("weight_decouple"), on("fixed_decay"))),
        Line(r"u_t = \frac{m_t}{\sqrt{v_t} + \epsilon}",
             (off("rectify"), zero("weight_decay"))),
        Line(r"u_t = \frac{m_t}{\sqrt{v_t} + \epsilon}",
             (off("rectify"), positive("weight_decay"), on("weight_decouple"))),
        Line(r"u_t = \frac{m_t}{\sqrt{v_t} + \epsilon} + \lambda\,\theta_{t-1}",
             (off("rectify"), positive("weight_decay"), off("weight_decouple"))),
        Line(r"\alpha_t = \frac{\eta}{1-\beta_1^t}", (off("rectify"),)),
        Line(r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}, \quad "
             r"\rho_\infty = \frac{2}{1-\beta_2} - 1", (on("rectify"),)),
        Line(r"r^{\mathrm{RAdam}}_t = \sqrt{\frac{(1-\beta_2^t)(\rho_t-4)(\rho_t-2)\rho_\infty}"
             r"{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}\ (\rho_t \ge \rho_{\min}), \quad "
             r"1\ (\rho_t < \rho_{\min})", (on("rectify"), on("degenerated_to_sgd"))),
        Line(r"r^{\mathrm{RAdam}}_t = \sqrt{\frac{(1-\beta_2^t)(\rho_t-4)(\rho_t-2)\rho_\infty}"
             r"{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}\ (\rho_t \ge \rho_{\min}), \quad "
             r"-1\ (\rho_t < \rho_{\min})", (on("rectify"), off("degenerated_to_sgd"))),
        Line(r"\alpha_t = \frac{\eta\, r^{\mathrm{RAdam}}_t}{1-\beta_1^t}, \quad "
             r"\alpha_t \le 0:\ \theta_t = \theta_{t-1}", (on("rectify"),)),
        Line(r"d_t = \frac{m_t}{\sqrt{v_t} + \epsilon}\ (\rho_t \ge \rho_{\min}), \quad "
             r"d_t = m_t\ (\rho_t < \rho_{\min}), \quad u_t = \theta_{t-1} - \alpha_t d_t",
             (on("rectify"),)),
        Line(LAMB_TRUST, (off("adam"),)),
        Line(r"r_t = 1", (on("adam"),)),
        Line(r"\theta_t = \theta_{t-1} - \alpha_t\, r_t\, u_t", (off("rectify"),)),
        Line(r"\theta_t = \theta_{t-1} - \alpha_t\, r_t\, d_t", (on("rectify"),)),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \alpha_t\, r_t, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, u_t",
             (off("rectify"),)),
        Line(r"\hat\eta_t = \max(\alpha_t, 0)\, r_t, \quad "
             r"\theta_t = \theta_{t-1} - \hat\eta_t\, d_t", (on("rectify"),)),
    ),
    constant_vars=(
        StateVar("bias_correction1", r"1-\beta_1^t", "bias correction of the first moment",
                 scalar=True, zh={"help": "一阶矩的偏差校正"}),
        StateVar("step_size", r"\alpha_t", "step size before the trust ratio: lr / (1 - beta1^t)"
                 " (rectify: times r_t)", scalar=True,
                 zh={"help": "乘信任比之前的步长：lr / (1 - beta1^t)（rectify：再乘 r_t）"}),
    ),
    state=(
        StateVar("exp_avg", "m", "first moment: running average of gradients",
                 zh={"help": "一阶矩：梯度的滑动平均"}),
        StateVar("exp_avg_sq", "v", "second moment: running average of squared gradients "
                 "(never bias-corrected here)",
                 zh={"help": "二阶矩：梯度平方的滑动平均（此处从不做偏差校正）"}),
        StateVar("weight_norm", r"\min(\lVert\theta\rVert, 10)", "the parameter's norm, "
                 "counted up to 10: one number for both coordinates", scalar=True,
                 zh={"help": "参数的范数（最多计到 10）：两个坐标共用一个数"}),
        StateVar("adam_norm", r"\lVert u\rVert", "the norm of Adam's direction u", scalar=True,
                 zh={"help": "Adam 方向 u 的范数"}),
        StateVar("trust_ratio", "r", "trust ratio ||theta|| / ||u||: scales both coordinates' "
                 "step alike (the value computed; adam = true steps with 1)", scalar=True,
                 log=True,
                 zh={"help": "信任比 ||theta|| / ||u||：两个坐标的步长按同一比例缩放"
                             "（记录计算值；adam = true 时实际用 1）"}),
        STEP_SCALE,
    ),
    init=lamb_init,
    update=lamb_update,
    pair_update=lamb_pair_update,
    teaching=lamb_teaching,
    constants=lamb_constants,
    momentum_name="beta1",
    joint=True,
    zh={"label": "LAMB",
        "description": "LAMB 是带逐层信任比的 Adam：先算出 Adam 的方向 u = m / (√v + eps)（v 不做"
                       "偏差校正），再把整层的步长乘以 r = ||theta|| / ||u||，因此无论梯度多大，"
                       "步长都是 lr / (1 - beta1^t) × ||theta||（最初几步之后约为 lr × ||theta||；"
                       "||theta|| 最多计到 10）。这里整层就是二维向量 "
                       "(x, y)：r 是两个坐标共用的一个数，方向仍是 Adam 的，只改变长度。远离原点时"
                       "大步前进，靠近 (0, 0) 时几乎不动，位于原点的极小值只能按几何级数逼近。"
                       "adam = true 关闭信任比；rectify 加上 RAdam 的预热因子；pre_norm 先把梯度"
                       "范数裁剪到 max_grad_norm。"},
)


# ---------------------------------------------------------------- LARS
def lars_init(p: Array, hp: Hyper) -> State:
    """The momentum buffer starts at zero; the trust ratio is 1 until a matrix step sets it."""
    return {"momentum_buffer": np.zeros_like(p), "trust_ratio": np.ones((p.shape[0], 1))}


def lars_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """As a 1x2 matrix: g <- (g + wd p) tc ||p|| / (||g|| + wd ||p||); then momentum SGD."""
    g = maybe_maximize(grad, hp)
    trust = state["trust_ratio"]
    if hp["matrix"]:
        wd = hp["weight_decay"]
        pn, gn = row_norm(p), row_norm(g)
        den = gn + wd * pn
        if type(den) is float:  # the float path: one run, Python's choice
            trust = hp["trust_coefficient"] * pn / den if pn > 0 and den > 0 else 1.0
        else:
            with np.errstate(all="ignore"):
                ratio = hp["trust_coefficient"] * pn / den
            trust = np.where(pn > 0, np.where(den > 0, ratio, 1.0), 1.0)
        g = (g + wd * p) * trust
    momentum = hp["momentum"]
    buf = state["momentum_buffer"]
    buf = select(momentum > 0, buf * momentum + (1 - hp["dampening"]) * g, buf)
    step = select(momentum > 0, g + momentum * buf if hp["nesterov"] else buf, g)
    return p + (-hp["lr"]) * step, {"momentum_buffer": buf, "trust_ratio": trust}


def _lars_couples(hp: Hyper) -> bool:
    """The trust ratio's norms span both coordinates only as a 1x2 matrix (off: momentum SGD)."""
    return bool(hp["matrix"])


LARS = OptimizerSpec(
    name="lars",
    label="LARS",
    description=(
        "LARS is momentum SGD with a layer-wise trust ratio: each layer's gradient (plus weight "
        "decay) is rescaled by tc ||theta|| / (||g|| + lambda ||theta||), so every layer moves "
        "by about lr x tc x ||theta|| whatever its gradient's size. pytorch_optimizer applies "
        "the ratio and the weight decay only to parameters with two or more dimensions: on "
        "the 2-vector (matrix off) LARS is exactly SGD with momentum, weight decay ignored. "
        "matrix = true steps (x, y) as a 1x2 matrix: the ratio is one number for both "
        "coordinates, so the direction is the gradient's and the length about lr x tc x "
        "||theta|| (hence lr 10 in the preset): big strides far from the origin, small near it."
    ),
    family="trust_ratio",
    year=2017,
    paper="You, Gitman & Ginsburg 2017, Large Batch Training of Convolutional Networks",
    reference="pytorch_optimizer.LARS 4.1.0",
    params=(
        lr_param(1e-3),
        weight_decay_param(),
        Param("momentum", 0.9, min=0.0, max=1.0, max_open=True, scale="beta", slider_max=0.999,
              symbol=r"\mu", help="momentum factor", zh={"help": "动量因子"}),
        Param("dampening", 0.0, min=0.0, max=1.0, max_open=True, step=0.01, symbol=r"\tau",
              help="dampening for momentum (scales new gradients into the buffer by 1 - tau)",
              zh={"help": "动量的阻尼系数（新梯度以 1 - tau 的比例计入缓冲区）"}),
        Param("trust_coefficient", 1e-3, min=0.0, max=10.0, scale="log", slider_min=1e-5,
              slider_max=1.0, symbol=r"\kappa", help="trust coefficient tc: the step is about "
              "lr x tc x ||theta|| long",
              zh={"help": "信任系数 tc：步长约为 lr × tc × ||theta||"}),
        Param("nesterov", False, kind="bool", help="use Nesterov momentum",
              zh={"help": "使用 Nesterov 动量"}),
        Param("matrix", False, kind="bool",
              help="step (x, y) as a 1x2 matrix so the trust ratio and weight decay act "
                   "(off: the reference on a 1-D parameter skips both)",
              zh={"help": "把 (x, y) 当作 1x2 矩阵更新，使信任比和权重衰减生效"
                          "（关闭时：参考实现对一维参数两者都跳过）"}),
        MAXIMIZE,
    ),
    presets=(
        Preset("layerwise", "Layer-wise (1x2 matrix)", {"matrix": True, "lr": 10.0},
               help="lr 10, the trust ratio acting: steps of about lr x tc x ||theta||",
               zh={"label": "逐层（1x2 矩阵）",
                   "help": "学习率 10，信任比生效：步长约为 lr × tc × ||theta||"}),
        Preset("vector", "On the vector", {"matrix": False, "lr": 1e-3},
               help="the reference on a 1-D parameter: no trust ratio, no weight decay",
               zh={"label": "一维向量",
                   "help": "参考实现作用于一维参数：无信任比，无权重衰减"}),
    ),
    equations=(
        *GRADIENT_LINES,
        Line(r"r_t = \begin{cases} \dfrac{\kappa\,\lVert\theta_{t-1}\rVert}{\lVert g_t\rVert"
             r" + \lambda\lVert\theta_{t-1}\rVert} & \lVert\theta_{t-1}\rVert > 0,\ "
             r"\lVert g_t\rVert + \lambda\lVert\theta_{t-1}\rVert > 0 \\ 1 & "
             r"\lVert\theta_{t-1}\rVert = 0 \lor \lVert g_t\rVert + \lambda\lVert\theta_{t-1}"
             r"\rVert = 0"
             r"\end{cases}", (on("matrix"),)),
        Line(r"g_t \leftarrow r_t\,(g_t + \lambda\,\theta_{t-1})", (on("matrix"),)),
        Line(r"b_t = \mu\, b_{t-1} + (1-\tau)\, g_t \quad (b_0 = 0)", (positive("momentum"),)),
        Line(r"\theta_t = \theta_{t-1} - \eta\, b_t", (positive("momentum"), off("nesterov"))),
        Line(r"\theta_t = \theta_{t-1} - \eta\,(g_t + \mu\, b_t)",
             (positive("momentum"), on("nesterov"))),
        Line(r"\theta_t = \theta_{t-1} - \eta\, g_t", (zero("momentum"),)),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, b_t",
             (positive("momentum"), off("nesterov"))),
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\,(g_t + \mu b_t)",
             (positive("momentum"), on("nesterov"))),
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, g_t",
             (zero("momentum"),)),
    ),
    state=(
        StateVar("momentum_buffer", "b", "momentum buffer (of the trust-scaled gradients)",
                 zh={"help": "动量缓冲区（累积按信任比缩放后的梯度）"}),
        StateVar("trust_ratio", "r", "trust ratio: one number for both coordinates (1 with "
                 "matrix off)", scalar=True, log=True,
                 zh={"help": "信任比：两个坐标共用的一个数（matrix 关闭时为 1）"}),
        STEP_SCALE,
    ),
    init=lars_init,
    update=lars_update,
    teaching=lr_step_scale("momentum_buffer"),
    momentum_name="momentum",
    joint=_lars_couples,
    zh={"label": "LARS",
        "description": "LARS 是带逐层信任比的动量 SGD：每层的梯度（加上权重衰减）乘以 tc ||theta|| "
                       "/ (||g|| + lambda ||theta||)，因此无论梯度大小，每层每步约移动 lr × tc × "
                       "||theta||。pytorch_optimizer 只对二维及以上的参数使用信任比和权重衰减："
                       "对二维向量（matrix 关闭）LARS 就是动量 SGD，权重衰减被忽略。matrix = true "
                       "把 (x, y) 当作 1x2 矩阵：信任比是两个坐标共用的一个数，方向是梯度的方向，"
                       "长度约为 lr × tc × ||theta||（所以预设用学习率 10）：远离原点时大步，"
                       "靠近原点时小步。"},
)
