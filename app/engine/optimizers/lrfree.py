"""Prodigy (prodigyopt 1.1.2) and what the learning-rate-free methods share.

Prodigy and D-Adaptation (``dadapt.py``) estimate d, the distance from the start to a solution,
while running, and step with d x lr: lr is a multiplier on the estimate, 1.0 by default. d starts
at the tiny d0 and never decreases, so a path starts with tiny steps and speeds up as d grows.
The estimate sums over both coordinates (dot products, norms), so these updates take both
coordinates at once (``joint``). Each is written as pieces over floats or arrays alike: the
per-run numbers before the step, the per-coordinate sums and point, the estimate of d from the
sums. ``update`` runs them on (B, 2) arrays; ``pair_update`` on a single run's two coordinates'
floats (the float kernel), each per-run piece once. Each keeps the reference's group scalars
(d, its numerator and denominator, the step counter k) as per-run state; a step whose
denominator is exactly 0 moves nothing and does not count, as in the references. The
references' ``max``/``min`` of Python floats never return a NaN argument: :func:`larger` and
:func:`smaller` keep that rule on arrays.
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
    PairOracle,
    State,
    StateVar,
    coupled_decay,
    is_zero,
    levelwise,
    off,
    on,
    per_run,
    positive,
    scale_of,
    select,
    sqrt,
    zero,
)
from .pair import Vec2, coordinate_sum, vabs, vec2_step, vsqrt


# ---------------------------------------------------------------- shared pieces
def uniform(cond: Any) -> Any:
    """A per-run condition as a plain bool when every run agrees (always, for a single run),
    so that ``select`` picks without an ``np.where``; the values picked are the same."""
    if cond is True or cond is False:  # a single run's (hot)
        return cond
    if isinstance(cond, np.ndarray):
        if cond.all():
            return True
        if not cond.any():
            return False
    return cond


def kept(ok: Any, new: dict[str, Any], old: State) -> dict[str, Any]:
    """The quantities ``new`` where the step counts (``ok``), the previous state's elsewhere
    (per run on arrays): ``new`` itself when every run's step counts (a single run's, mostly),
    without a select per quantity."""
    if ok is True:
        return new
    return {name: select(ok, value, old[name]) for name, value in new.items()}


def larger(a: Any, b: Any) -> Any:
    """Python's ``max(a, b)``: b only if b > a (a NaN b never wins)."""
    wins = b > a
    if type(wins) is bool:  # floats (the float path): no select call
        return b if wins else a
    return select(wins, b, a)


def smaller(a: Any, b: Any) -> Any:
    """Python's ``min(a, b)``: b only if b < a (a NaN b never wins)."""
    wins = b < a
    if type(wins) is bool:
        return b if wins else a
    return select(wins, b, a)


def _bias_correction(beta1: float, beta2: float, k: float) -> float:
    return ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1))


def bias_correction(hp: Hyper, k: Array) -> Any:
    """sqrt(1 - beta2^(k+1)) / (1 - beta1^(k+1)) in Python floats (per distinct k), or 1."""
    if not hp["use_bias_correction"]:
        return 1
    return levelwise(_bias_correction, hp["beta1"], hp["beta2"], k)


def _root(x: float) -> float:
    return x**0.5


def half_power(x: Any) -> Any:
    """``x ** 0.5`` as the references compute it (a Python float power), per distinct value."""
    return levelwise(_root, x) if isinstance(x, np.ndarray) else x**0.5


def rows(p: Array) -> tuple[int, int]:
    """The shape of a per-run quantity for the (B, 2) parameters ``p``."""
    return (p.shape[0], 1)


LR_HELP = ("multiplier on the estimated step d: 1.0 uses the estimate as it is, a schedule "
           "scales it")
LR_ZH = "估计步长 d 的乘数：1.0 即直接使用估计值，调度器按比例缩放它"


def lr_multiplier() -> Param:
    """The lr of the learning-rate-free methods: a multiplier on d, 1.0 by default."""
    return Param("lr", 1.0, min=0.0, max=1e3, scale="log", slider_min=1e-3, slider_max=10.0,
                 symbol=r"\eta", help=LR_HELP, zh={"help": LR_ZH})


def d0_param() -> Param:
    """The initial estimate d0."""
    return Param("d0", 1e-6, min=0.0, max=1e3, min_open=True, scale="log", slider_min=1e-9,
                 slider_max=1.0, symbol="d_0",
                 help="initial estimate of d: tiny, so the first steps are tiny",
                 zh={"help": "d 的初始估计：很小，所以最初几步也很小"})


def growth_param(first_rise_free: bool = False) -> Param:
    """growth_rate: null is the references' default infinity (no limit); Prodigy does not limit
    d's first rise from d0."""
    help_text = "largest factor d may grow by in one step; empty: no limit"
    zh_help = "d 每步最多增大的倍数；留空：不限"
    if first_rise_free:
        help_text += " (its first rise from d0 is never limited)"
        zh_help += "（d 从 d0 的第一次增大不受限制）"
    return Param("growth_rate", None, min=1.0, max=1e6, nullable=True, scale="log",
                 slider_min=1.01, slider_max=100.0, symbol=r"\rho", help=help_text,
                 extra={"null_label": "no limit"}, zh={"help": zh_help, "null_label": "不限"})


D_STATE = StateVar("d", "d_t", "the estimate d after this step: the step size the method "
                   "found so far; it never decreases", scalar=True, log=True, lr_chart=True,
                   zh={"help": "本步之后的估计 d：方法目前找到的步长；它从不减小"})


def gamma_state(help_text: str, zh_help: str) -> StateVar:
    """The step's multiplier gamma_t (the references' ``dlr``), recorded for the step scale."""
    return StateVar("dlr", r"\gamma_t", help_text, scalar=True, log=True, zh={"help": zh_help})


def applied_d_lr(state: State, hp: Hyper, consts: Constants) -> Any:
    """The lr chart's series: d x lr with the d the step used (the references' record)."""
    return state["d_lr"]


# ---------------------------------------------------------------- Prodigy
def prodigy_init(p: Array, hp: Hyper) -> State:
    """Zero moments and s, the start p0, d = d_max = d0 and the group scalars at 0."""
    d0 = per_run(hp["d0"], p)
    zero_run = np.zeros(rows(p))
    return {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p), "s": np.zeros_like(p),
            "p0": p.copy(), "d": d0, "d_max": d0.copy(), "d_hat": d0.copy(),
            "d_numerator": zero_run, "d_denom": zero_run.copy(), "k": zero_run.copy(),
            "dlr": zero_run.copy(), "d_lr": zero_run.copy()}


def _prodigy_scalars(state: State, hp: Hyper
                     ) -> tuple[Any, Any, Any, Any, tuple[Any, ...]]:
    """The step's per-run numbers before the per-coordinate sums: gamma_t (the references'
    ``dlr``, with the old d), whether the step accumulates (the reference skips it at lr 0),
    beta3, the decoupled decay's factor of the point (None: no decay), and the coefficients
    :func:`_prodigy_sums` takes."""
    beta1, beta2, beta3, d0 = hp["beta1"], hp["beta2"], hp["beta3"], hp["d0"]
    if beta3 is None:  # the reference's None: sqrt(beta2)
        beta3 = sqrt(beta2)
    lr, d, wd = hp["lr"], state["d"], hp["weight_decay"]
    dlr = d * lr * bias_correction(hp, state["k"]) if hp["use_bias_correction"] else d * lr
    weight = (d / d0) * d if hp["safeguard_warmup"] else (d / d0) * dlr
    decay = -wd * dlr if hp["decouple"] and not is_zero(wd) else None
    return dlr, uniform(lr > 0), beta3, decay, (beta1, beta2, beta3, d * (1 - beta1),
                                                d * d * (1 - beta2), weight)


def _prodigy_sums(g: Any, p: Any, p0: Any, m: Any, v: Any, s: Any, beta1: Any, beta2: Any,
                  beta3: Any, dm: Any, dv: Any, weight: Any) -> tuple[Any, Any, Any, Any]:
    """One coordinate's (floats) or every coordinate's (arrays) m, v and s after an
    accumulating step and its term g (p0 - p) of the estimate's dot (the caller keeps the old
    m, v and s where the step does not accumulate)."""
    return (select(beta1 > 0, m * beta1 + dm * g, m), v * beta2 + dv * (g * g),
            s * beta3 + weight * g, g * (p0 - p))


def _prodigy_estimate(state: State, hp: Hyper, dlr: Any, beta3: Any, g_dot: Any, s_l1: Any
                      ) -> tuple[Any, dict[str, Any]]:
    """Whether the step moves (the L1 norm of s is not 0; else the reference returns early and
    k does not count), and the per-run records after it: d, its largest estimate, the
    estimate's numerator and denominator, k."""
    d, d0 = state["d"], hp["d0"]
    ok = uniform(s_l1 != 0)
    numerator = state["d_numerator"] * beta3 + (d / d0) * dlr * g_dot
    d_hat = hp["d_coef"] * numerator / (s_l1 if ok is True else select(ok, s_l1, 1.0))
    d_max = larger(state["d_max"], d_hat)
    rate = hp["growth_rate"]
    if rate is None:  # no growth limit: d is the largest estimate so far
        d_new = d_max
    else:  # d's first rise from d0 is not limited
        d_new = smaller(d_max, select(uniform(d == d0), larger(d, d_hat), d) * rate)
    return ok, kept(ok, {"d": d_new, "d_max": d_max, "d_hat": d_hat, "d_numerator": numerator,
                         "d_denom": s_l1, "k": state["k"] + 1}, state)


def _prodigy_point(p: Any, g: Any, m: Any, v: Any, beta1: Any, decay: Any, dlr: Any,
                   d_new: Any, eps: Any) -> Any:
    """One coordinate's (floats) or every coordinate's (arrays) new point (``decay`` None: the
    decoupled decay is skipped)."""
    denom = vsqrt(v) + d_new * eps  # the new d
    new_p = p if decay is None else p + decay * p
    return select(beta1 > 0, new_p + (-dlr) * (m / denom), new_p + (-dlr * d_new) * (g / denom))


def prodigy_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """One prodigyopt.Prodigy step (REFERENCES.md section 3) on arrays, every group scalar per
    run; on Vec2 pairs (a wrapper's inner step on floats) through :func:`prodigy_pair_update`.
    """
    if type(p) is Vec2:
        return vec2_step(prodigy_pair_update, p, grad, state, hp, consts, t)
    dlr, active, beta3, decay, sums = _prodigy_scalars(state, hp)
    g = grad if hp["decouple"] else coupled_decay(grad, p, hp["weight_decay"])
    p0, m0, v0, s0 = state["p0"], state["exp_avg"], state["exp_avg_sq"], state["s"]
    m, v, s, terms = _prodigy_sums(g, p, p0, m0, v0, s0, *sums)
    s_l1 = coordinate_sum(vabs(s))
    if active is not True:  # where it does not accumulate, nothing moves (s_l1 is 0)
        m, v, s = select(active, m, m0), select(active, v, v0), select(active, s, s0)
        s_l1 = select(active, s_l1, 0.0)
    ok, records = _prodigy_estimate(state, hp, dlr, beta3, coordinate_sum(terms), s_l1)
    new_p = _prodigy_point(p, g, m, v, hp["beta1"], decay, dlr, records["d"], hp["eps"])
    return select(ok, new_p, p), {"exp_avg": m, "exp_avg_sq": v, "s": s, "p0": p0, "dlr": dlr,
                                  "d_lr": state["d"] * hp["lr"], **records}


def prodigy_pair_update(x: float, y: float, gx: float, gy: float, sx: State, sy: State,
                        hp: Hyper, consts: Constants, t: int, oracle: PairOracle | None
                        ) -> tuple[float, float, State, State]:
    """A single run's step on floats: :func:`prodigy_update`'s pieces, the per-coordinate ones
    on each coordinate's floats (``sx``, ``sy``), the per-run ones once."""
    dlr, active, beta3, decay, sums = _prodigy_scalars(sx, hp)
    if not hp["decouple"]:
        wd = hp["weight_decay"]
        gx, gy = coupled_decay(gx, x, wd), coupled_decay(gy, y, wd)
    mx, vx, s_x, tx = _prodigy_sums(gx, x, sx["p0"], sx["exp_avg"], sx["exp_avg_sq"], sx["s"],
                                    *sums)
    my, vy, s_y, ty = _prodigy_sums(gy, y, sy["p0"], sy["exp_avg"], sy["exp_avg_sq"], sy["s"],
                                    *sums)
    if not active:  # lr 0: nothing accumulates, nothing moves
        mx, vx, s_x, my, vy, s_y = (sx["exp_avg"], sx["exp_avg_sq"], sx["s"], sy["exp_avg"],
                                    sy["exp_avg_sq"], sy["s"])
    s_l1 = abs(s_x) + abs(s_y) if active else 0.0
    ok, records = _prodigy_estimate(sx, hp, dlr, beta3, tx + ty, s_l1)
    if ok:
        point = (hp["beta1"], decay, dlr, records["d"], hp["eps"])
        x, y = _prodigy_point(x, gx, mx, vx, *point), _prodigy_point(y, gy, my, vy, *point)
    records["dlr"], records["d_lr"] = dlr, sx["d"] * hp["lr"]
    out_y = records.copy()  # (a copy and assignments: cheaper than merging dicts)
    records["exp_avg"], records["exp_avg_sq"], records["s"], records["p0"] = mx, vx, s_x, sx["p0"]
    out_y["exp_avg"], out_y["exp_avg_sq"], out_y["s"], out_y["p0"] = my, vy, s_y, sy["p0"]
    return x, y, records, out_y


def prodigy_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale on m_t: gamma_t / (sqrt(v_t) + d_t eps); on g_t (beta1 = 0) times d_t."""
    v, d = state["exp_avg_sq"], state["d"]
    scale = state["dlr"] / (np.sqrt(v) + d * hp["eps"])
    return {"step_scale": scale_of(1.0, v) * select(hp["beta1"] > 0, scale, scale * d)}


DECOUPLE_HELP = ("weight decay on the parameters, AdamW style, instead of added to the "
                 "gradient")
DECOUPLE_ZH = "权重衰减直接作用于参数（AdamW 方式），而不是加到梯度上"
BIAS_HELP = ("Adam's bias correction, folded into the step gamma_t (t counts the steps that "
             "moved)")
BIAS_ZH = "Adam 的偏差修正，并入步长 gamma_t（t 只计实际移动的步）"

GAMMA_LINES = (
    Line(r"\gamma_t = d_{t-1}\,\eta", (off("use_bias_correction"),)),
    Line(r"\gamma_t = d_{t-1}\,\eta\,\frac{\sqrt{1-\beta_2^{t}}}{1-\beta_1^{t}}",
         (on("use_bias_correction"),)),
)
D_LIMIT_LINES = (
    Line(r"d_t = \max(d_{t-1},\ \hat d_t)", (("growth_rate", "==", None),)),
    Line(r"d_t = \min\left(\max_{i \le t} \hat d_i,\ \rho\, d_{t-1}\right) \quad "
         r"(\hat d_0 = d_0)", (("growth_rate", "!=", None),)),
)

PRODIGY = OptimizerSpec(
    name="prodigy",
    label="Prodigy",
    description=(
        "Adam whose step size is estimated while it runs: d_t estimates the distance from the "
        "start to the minimum, from how far the path has come against the gradients "
        "(<g, theta_0 - theta>) over their weighted sum s. d starts at the tiny d0 and never "
        "decreases, so the path creeps at first, then speeds up by orders of magnitude as d "
        "grows to the scale of the surface. lr multiplies d: 1.0 uses the estimate as it is. "
        "The lr chart shows d x lr; unlike D-Adapt Adam, the moments carry d and eps scales "
        "with d."
    ),
    family="lr_free",
    year=2023,
    paper="Mishchenko & Defazio 2023, Prodigy: An Expeditiously Adaptive Parameter-Free Learner",
    reference="prodigyopt.Prodigy 1.1.2",
    params=(
        lr_multiplier(),
        beta_param("beta1", 0.9, r"\beta_1", "decay rate of the first moment (0: no momentum)",
                   "一阶矩的衰减率（0：不用动量）"),
        beta_param("beta2", 0.999, r"\beta_2", "decay rate of the second moment",
                   "二阶矩的衰减率"),
        Param("beta3", None, min=0.0, max=1.0, max_open=True, nullable=True, scale="beta",
              slider_min=0.9, slider_max=0.9999, symbol=r"\beta_3",
              help="decay of the estimate's sums r and s; empty: sqrt(beta2)",
              extra={"null_label": "sqrt(beta2)"},
              zh={"help": "估计量中求和 r 与 s 的衰减率；留空：sqrt(beta2)",
                  "null_label": "sqrt(beta2)"}),
        eps_param(1e-8),
        weight_decay_param(),
        Param("decouple", True, kind="bool", help=DECOUPLE_HELP, zh={"help": DECOUPLE_ZH}),
        Param("use_bias_correction", False, kind="bool", help=BIAS_HELP, zh={"help": BIAS_ZH}),
        Param("safeguard_warmup", False, kind="bool",
              help="leave the lr (and its schedule's warm-up) out of s, so a warm-up cannot "
                   "inflate d", zh={"help": "s 中不含 lr（及其调度的预热），预热不会使 d 虚高"}),
        d0_param(),
        Param("d_coef", 1.0, min=0.0, max=1e3, min_open=True, scale="log", slider_min=0.01,
              slider_max=100.0, symbol="c",
              help="multiplies the estimate: below 1 smaller steps, above 1 larger ones",
              zh={"help": "估计值的系数：小于 1 步子更小，大于 1 步子更大"}),
        growth_param(first_rise_free=True),
    ),
    equations=(
        Line(r"g_t = \nabla f(\theta_{t-1})"),
        Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}", (positive("weight_decay"),
                                                             off("decouple"))),
        *GAMMA_LINES,
        Line(r"\beta_3 = \sqrt{\beta_2}", (("beta3", "==", None),)),
        Line(r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, d_{t-1}\, g_t", (positive("beta1"),)),
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, d_{t-1}^2\, g_t^2",
        Line(r"s_t = \beta_3 s_{t-1} + \tfrac{d_{t-1}}{d_0}\,\gamma_t\, g_t",
             (off("safeguard_warmup"),)),
        Line(r"s_t = \beta_3 s_{t-1} + \tfrac{d_{t-1}}{d_0}\, d_{t-1}\, g_t",
             (on("safeguard_warmup"),)),
        r"r_t = \beta_3 r_{t-1} + \tfrac{d_{t-1}}{d_0}\,\gamma_t\,"
        r"\langle g_t,\ \theta_0 - \theta_{t-1}\rangle, \quad \hat d_t = c\,\frac{r_t}{\|s_t\|_1}",
        *D_LIMIT_LINES,
        Line(r"\theta_{t-1} \leftarrow (1 - \lambda\gamma_t)\,\theta_{t-1}",
             (positive("weight_decay"), on("decouple"))),
        Line(r"\theta_t = \theta_{t-1} - \gamma_t\,\frac{m_t}{\sqrt{v_t} + d_t\,\epsilon}",
             (positive("beta1"),)),
        Line(r"\theta_t = \theta_{t-1} - \gamma_t\, d_t\,\frac{g_t}{\sqrt{v_t} + d_t\,\epsilon}",
             (zero("beta1"),)),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \frac{\gamma_t}{\sqrt{v_t} + d_t\,\epsilon}, \quad "
             r"\theta_t = \theta_{t-1} - \hat\eta_t\, m_t", (positive("beta1"),)),
        Line(r"\hat\eta_t = \frac{\gamma_t\, d_t}{\sqrt{v_t} + d_t\,\epsilon}, \quad "
             r"\theta_t = \theta_{t-1} - \hat\eta_t\, g_t", (zero("beta1"),)),
    ),
    state=(
        StateVar("exp_avg", "m", "first moment: a running mean of d x g",
                 zh={"help": "一阶矩：d × g 的滑动平均"}),
        StateVar("exp_avg_sq", "v", "second moment: a running mean of (d g)^2", log=True,
                 zh={"help": "二阶矩：(d g)^2 的滑动平均"}),
        StateVar("s", "s", "weighted running sum of the gradients: the estimate's denominator "
                 "is its L1 norm", zh={"help": "梯度的加权累计和：估计量的分母是它的 L1 范数"}),
        StateVar("d_hat", r"\hat d_t", "this step's estimate of d (may fall; d keeps the "
                 "largest)", scalar=True,
                 zh={"help": "本步对 d 的估计（可能下降；d 保留最大值）"}),
        D_STATE,
        gamma_state("the step's multiplier: d before the step x lr (x the bias correction)",
                    "本步的乘数：本步之前的 d × lr（× 偏差修正）"),
        STEP_SCALE,
    ),
    init=prodigy_init,
    update=prodigy_update,
    pair_update=prodigy_pair_update,
    teaching=prodigy_teaching,
    applied_lr=applied_d_lr,
    joint=True,
    momentum_name="beta1",
    zh={"label": "Prodigy",
        "description": "运行中自行估计步长的 Adam：d_t 估计起点到极小值的距离，依据是路径逆着梯度"
                       "走了多远（<g, theta_0 - theta>）与梯度加权和 s 之比。d 从极小的 d0 开始且"
                       "从不减小，所以路径起初几乎不动，随着 d 增长到曲面的尺度，"
                       "步长增大几个数量级。"
                       "lr 是 d 的乘数：1.0 即直接使用估计值。学习率图显示 d × lr；与 D-Adapt Adam "
                       "不同，矩中含 d，eps 也随 d 缩放。"},
)
