"""The Adam family (Adam/AMSGrad, AdamW, NAdam, RAdam, Adamax), AdaBound and Lion.

Each follows its reference operation by operation (torch's single-tensor code path; Luolc/AdaBound;
the Lion paper's algorithm), so float64 trajectories agree to rounding.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from ..params import Param, beta_param, eps_param, lr_param, weight_decay_param
from .base import (
    CAUTIOUS,
    CAUTIOUS_LINE,
    CAUTIOUS_MASK,
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
    absolute,
    bias_correction_and_sqrt,
    bias_correction_sqrt,
    cautious_mask,
    cautious_on,
    coupled_decay,
    ema_sq,
    is_per_run,
    is_zero,
    lerp,
    levelwise,
    lr_step_scale,
    maximum,
    maybe_maximize,
    minimum,
    off,
    on,
    per_run,
    positive,
    power,
    scale_of,
    select,
    sign,
    sqrt,
    zero,
)
from .classic import MAXIMIZE

M = StateVar("exp_avg", "m", "first moment: running average of gradients",
             zh={"help": "一阶矩：梯度的滑动平均"})
V = StateVar("exp_avg_sq", "v", "second moment: running average of squared gradients",
             zh={"help": "二阶矩：梯度平方的滑动平均"})
VMAX = StateVar("max_exp_avg_sq", r"v^{\max}", "largest second moment so far (AMSGrad)",
                zh={"help": "迄今最大的二阶矩（AMSGrad）"})
M_HAT = StateVar("m_hat", r"\hat m", "bias-corrected first moment m / (1 - beta1^t)",
                 teaching=True,
                 zh={"help": "偏差校正后的一阶矩 m / (1 - beta1^t)"})
V_HAT = StateVar("v_hat", r"\hat v", "bias-corrected second moment v / (1 - beta2^t)",
                 teaching=True,
                 zh={"help": "偏差校正后的二阶矩 v / (1 - beta2^t)"})


BC1 = StateVar("bias_correction1", r"1-\beta_1^t", "bias correction of the first moment",
               scalar=True,
               zh={"help": "一阶矩的偏差校正"})
BC2 = StateVar("bias_correction2", r"1-\beta_2^t", "bias correction of the second moment",
               scalar=True,
               zh={"help": "二阶矩的偏差校正"})
ADAM_STEP = StateVar("step_size", r"\eta / (1-\beta_1^t)",
                     "step size: the lr over the first moment's bias correction", scalar=True,
                     zh={"help": "步长：学习率除以一阶矩的偏差校正"})
DECAY_LINES = (
    Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}",
         (positive("weight_decay"), off("decoupled_weight_decay"))),
    Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \eta\lambda)",
         (positive("weight_decay"), on("decoupled_weight_decay"))),
)
MOMENT_LINES = (
    r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
    r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
)


def _betas(default1: float = 0.9, default2: float = 0.999) -> tuple[Param, Param]:
    return (
        beta_param("beta1", default1, r"\beta_1", "decay rate of the first moment (momentum)",
                   zh_help="一阶矩（动量）的衰减率"),
        beta_param("beta2", default2, r"\beta_2", "decay rate of the second moment",
                   zh_help="二阶矩的衰减率"),
    )


def _decoupled(hp: Hyper) -> bool:
    return bool(hp.get("decoupled_weight_decay", False))


def _apply_weight_decay(p: Array, grad: Array, hp: Hyper,
                        decoupled: bool) -> tuple[Array, Array]:
    """Adam-style weight decay: decoupled (p *= 1 - lr*wd) or coupled (g += wd*p)."""
    wd = hp["weight_decay"]
    if decoupled:
        return p * (1 - hp["lr"] * wd), grad
    return p, grad + wd * p


def _decays(hp: Hyper) -> bool:
    """Whether any run has weight decay (the updates call _apply_weight_decay only then)."""
    wd = hp["weight_decay"]
    return isinstance(wd, np.ndarray) or wd != 0


def _moments_init(p: Array, hp: Hyper) -> State:
    state: State = {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
    if hp.get("amsgrad") or hp.get("amsbound"):
        state["max_exp_avg_sq"] = np.zeros_like(p)
    if hp.get("cautious"):
        state["cautious_mask"] = np.zeros_like(p)
    return state


def _bias_corrections(hp: Hyper, t: int) -> dict[str, Any]:
    """1 - beta1^t and 1 - beta2^t (Python float powers, as torch computes them)."""
    return {"bias_correction1": 1 - power(hp["beta1"], t),
            "bias_correction2": 1 - power(hp["beta2"], t)}


def _teaching_moments(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """m-hat and v-hat: the bias-corrected moments the update actually uses."""
    v = state.get("max_exp_avg_sq", state["exp_avg_sq"])
    return {
        "m_hat": state["exp_avg"] / consts["bias_correction1"],
        "v_hat": v / consts["bias_correction2"],
    }


# ---------------------------------------------------------------- Adam / AdamW
def _teaching_adam(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """m-hat, v-hat and the step scale lr / (1 - beta1^t) / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    (v: the largest so far with AMSGrad), which multiplies m."""
    out = _teaching_moments(state, hp, consts)
    v = state.get("max_exp_avg_sq", state["exp_avg_sq"])
    out["step_scale"] = consts["step_size"] / (np.sqrt(v) / consts["bias_correction2_sqrt"]
                                               + hp["eps"])
    return out


def adam_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The bias corrections, sqrt(1 - beta2^t) and the step size lr / (1 - beta1^t)."""
    bias_correction1 = 1 - power(hp["beta1"], t)
    bias_correction2, bias_correction2_sqrt = bias_correction_and_sqrt(hp["beta2"], t)
    return {"bias_correction1": bias_correction1, "bias_correction2": bias_correction2,
            "bias_correction2_sqrt": bias_correction2_sqrt,
            "step_size": hp["lr"] / bias_correction1}


def _adam_step(p: Array, grad: Array, state: State, hp: Hyper, consts: Constants,
               decoupled: bool | None) -> tuple[Array, State]:
    """Bias-corrected first moment over the root of the bias-corrected second moment;
    ``decoupled`` None reads the run's ``decoupled_weight_decay``."""
    beta1, beta2 = hp["beta1"], hp["beta2"]
    g = maybe_maximize(grad, hp)
    if _decays(hp):
        p, g = _apply_weight_decay(p, g, hp, _decoupled(hp) if decoupled is None else decoupled)
    exp_avg = lerp(state["exp_avg"], g, 1 - beta1)
    exp_avg_sq = ema_sq(state["exp_avg_sq"], g, beta2)
    new_state: State = {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    second = exp_avg_sq
    if hp["amsgrad"]:
        second = maximum(state["max_exp_avg_sq"], exp_avg_sq)
        new_state["max_exp_avg_sq"] = second
    denom = sqrt(second) / consts["bias_correction2_sqrt"] + hp["eps"]
    if hp.get("cautious", False):  # AdamW's flag: m masked against g, as pytorch_optimizer
        mask = new_state["cautious_mask"] = cautious_mask(exp_avg, g)
        return p + (-hp["lr"]) * ((exp_avg * mask) / consts["bias_correction1"] / denom), \
            new_state
    return p + ((-consts["step_size"]) * exp_avg) / denom, new_state


def adam_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam; with ``decoupled_weight_decay``, AdamW."""
    return _adam_step(p, grad, state, hp, consts, None)


ADAM_MOMENTS = (
    *MOMENT_LINES,
    Line(r"v^{\max}_t = \max(v^{\max}_{t-1},\, v_t)", (on("amsgrad"),)),
    Line(r"\hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}",
         (off("amsgrad"),)),
    Line(r"\hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v^{\max}_t}{1-\beta_2^t}",
         (on("amsgrad"),)),
    r"\theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}",
)
ADAM_EQUATIONS = (*GRADIENT_LINES, *DECAY_LINES, *ADAM_MOMENTS)
ADAM_SCALE = (
    Line(r"\hat\eta_t = \frac{\eta}{1-\beta_1^t} \Big/ \left(\frac{\sqrt{v_t}}"
         r"{\sqrt{1-\beta_2^t}} + \epsilon\right)", (off("amsgrad"),)),
    Line(r"\hat\eta_t = \frac{\eta}{1-\beta_1^t} \Big/ \left(\frac{\sqrt{v^{\max}_t}}"
         r"{\sqrt{1-\beta_2^t}} + \epsilon\right)", (on("amsgrad"),)),
    r"\theta_t = \theta_{t-1} - \hat\eta_t\, m_t",
)

ADAM = OptimizerSpec(
    name="adam",
    label="Adam",
    description=(
        "Adam combines momentum (a running average m of gradients) with RMSprop's per-coordinate "
        "scaling (a running average v of squared gradients). Both start at zero, so early "
        "averages are biased towards zero; dividing by 1 - beta^t corrects that. Each coordinate "
        "then moves by about lr in the direction of m-hat / sqrt(v-hat), whatever the gradient's "
        "scale. AMSGrad divides by the largest v so far, so the step size never grows back."
    ),
    family="adam",
    year=2014,
    paper=("Kingma & Ba 2014, Adam: A Method for Stochastic Optimization (AMSGrad: Reddi,"
           " Kale & Kumar 2018)"),
    reference="torch.optim.Adam",
    params=(
        lr_param(1e-3),
        *_betas(),
        eps_param(1e-8),
        weight_decay_param(),
        Param("amsgrad", False, kind="bool", help="use the maximum of past second moments",
              zh={"help": "使用历史二阶矩的最大值"}),
        Param("decoupled_weight_decay", False, kind="bool",
              help="apply weight decay to the parameters directly (as AdamW)",
              zh={"help": "直接对参数施加权重衰减（即 AdamW 的做法）"}),
        MAXIMIZE,
    ),
    presets=(
        Preset("adam", "Adam", {"amsgrad": False}, "Adam with torch's defaults",
               zh={"label": "Adam",
                   "help": "使用 torch 默认参数的 Adam"}),
        Preset("amsgrad", "AMSGrad", {"amsgrad": True},
               "Adam dividing by the largest second moment seen so far",
               zh={"label": "AMSGrad",
                   "help": "除以迄今见过的最大二阶矩的 Adam"}),
    ),
    equations=ADAM_EQUATIONS,
    step_scale=ADAM_SCALE,
    state=(M, V, VMAX, M_HAT, V_HAT, STEP_SCALE),
    constant_vars=(BC1, BC2, ADAM_STEP),
    init=_moments_init,
    update=adam_update,
    teaching=_teaching_adam,
    constants=adam_constants,
    momentum_name="beta1",
    zh={"label": "Adam",
        "description": ("Adam 把动量（梯度的滑动平均 m）与 RMSprop "
                        "的逐分量缩放（梯度平方的滑动平均 v）结合起来。两者都从零开始，"
                        "早期的平均值偏向零；除以 1 − β^t 可以纠正这种偏差。"
                        "于是无论梯度尺度如何，每个分量大约沿 m̂ / √v̂ 的方向移动 lr 的距离。"
                        "AMSGrad 除以迄今最大的 v，所以步长不会再变大。")},
)


def adamw_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam with decoupled weight decay: p *= 1 - lr*wd before the Adam step."""
    return _adam_step(p, grad, state, hp, consts, True)


ADAMW = OptimizerSpec(
    name="adamw",
    label="AdamW",
    description=(
        "AdamW is Adam with decoupled weight decay: instead of adding wd*theta to the gradient "
        "(where Adam's scaling would shrink it), it shrinks the parameters by a factor 1 - lr*wd "
        "each step, so the decay acts equally on every coordinate. Cautious (as "
        "pytorch_optimizer and timm define it) zeroes m where its sign disagrees with the "
        "gradient and rescales the rest by 2 / (1 + agreeing coordinates): a coordinate whose "
        "momentum still carries it uphill stops instead of overshooting."
    ),
    family="adam",
    year=2017,
    paper="Loshchilov & Hutter 2017, Decoupled Weight Decay Regularization",
    reference="torch.optim.AdamW (cautious: pytorch_optimizer 4.1.0, its AdEMAMix with alpha 0)",
    params=(
        lr_param(1e-3),
        *_betas(),
        eps_param(1e-8),
        weight_decay_param(1e-2),
        Param("amsgrad", False, kind="bool", help="use the maximum of past second moments",
              zh={"help": "使用历史二阶矩的最大值"}),
        MAXIMIZE,
        CAUTIOUS,
    ),
    equations=(
        *GRADIENT_LINES,
        Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \eta\lambda)",
             (positive("weight_decay"),)),
        *ADAM_MOMENTS[:-1],
        Line(ADAM_MOMENTS[-1], (off("cautious"),)),
        Line(CAUTIOUS_LINE.latex.replace("u_", "m_"), CAUTIOUS_LINE.when),
        Line(r"\theta_t = \theta_{t-1} - \eta\, \frac{\phi_t \odot \hat m_t}"
             r"{\sqrt{\hat v_t} + \epsilon}", (on("cautious"),)),
    ),
    step_scale=(
        *ADAM_SCALE[:-1],
        Line(ADAM_SCALE[-1], (off("cautious"),)),
        Line(r"\theta_t = \theta_{t-1} - \hat\eta_t\, (\phi_t \odot m_t)", (on("cautious"),)),
    ),
    state=(M, V, VMAX, CAUTIOUS_MASK, M_HAT, V_HAT, STEP_SCALE),
    constant_vars=(BC1, BC2, ADAM_STEP),
    init=_moments_init,
    update=adamw_update,
    joint=cautious_on,
    teaching=_teaching_adam,
    constants=adam_constants,
    momentum_name="beta1",
    zh={"label": "AdamW",
        "description": ("AdamW 是采用解耦权重衰减的 Adam：它不把 wd·θ 加到梯度上（那样会被 Adam "
                        "的缩放削弱），而是每步把参数乘以 1 − lr·wd，使衰减对每个分量同等作用。"
                        "Cautious（按 pytorch_optimizer 与 timm 的定义）在 m 与梯度符号相反的"
                        "分量上把更新置零，其余乘以 2 /（1 + 符号一致的分量数）："
                        "动量仍把某个分量往上坡带时，它停下而不是冲过头。")},
)


# ---------------------------------------------------------------- NAdam
def _nadam_mu(beta1: float, psi: float, t: float) -> float:
    """The momentum coefficient mu_t of NAdam's warming-up schedule."""
    return beta1 * (1.0 - 0.5 * (0.96 ** (t * psi)))


def nadam_init(p: Array, hp: Hyper) -> State:
    """Adam's moments plus the running product of momentum coefficients mu (starts at 1)."""
    return {**_moments_init(p, hp), "mu_product": np.ones((p.shape[0], 1))}


def nadam_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The bias corrections and the momentum coefficients mu_t, mu_(t+1)."""
    out = _bias_corrections(hp, t)
    beta1, psi = hp["beta1"], hp["momentum_decay"]
    mu_of = partial(levelwise, _nadam_mu) if is_per_run(beta1) or is_per_run(psi) else _nadam_mu
    out["mu"] = mu_of(beta1, psi, float(t))
    out["mu_next"] = mu_of(beta1, psi, float(t) + 1)
    return out


def nadam_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam with a Nesterov look-ahead: mixes the current gradient and the next momentum."""
    beta1, beta2, lr = hp["beta1"], hp["beta2"], hp["lr"]
    mu, mu_next = consts["mu"], consts["mu_next"]
    g = maybe_maximize(grad, hp)
    if _decays(hp):
        p, g = _apply_weight_decay(p, g, hp, _decoupled(hp))
    mu_product = state["mu_product"] * mu
    exp_avg = lerp(state["exp_avg"], g, 1 - beta1)
    exp_avg_sq = ema_sq(state["exp_avg_sq"], g, beta2)
    denom = sqrt(exp_avg_sq / consts["bias_correction2"]) + hp["eps"]
    mu_product_next = mu_product * mu_next
    p = p + ((-lr * (1.0 - mu) / (1.0 - mu_product)) * g) / denom
    p = p + (((-lr * mu_next) / (1.0 - mu_product_next)) * exp_avg) / denom
    return p, {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq, "mu_product": mu_product}


def _teaching_nadam(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """m-hat, v-hat and the step scale lr / (sqrt(v / (1 - beta2^t)) + eps)."""
    out = _teaching_moments(state, hp, consts)
    out["step_scale"] = hp["lr"] / (np.sqrt(state["exp_avg_sq"] / consts["bias_correction2"])
                                    + hp["eps"])
    return out


NADAM = OptimizerSpec(
    name="nadam",
    label="NAdam",
    description=(
        "NAdam puts Nesterov momentum into Adam: the step mixes the current gradient with the "
        "momentum it is about to have, weighted by a momentum schedule mu_t that warms up "
        "(momentum_decay controls how fast). It reacts a step earlier than Adam to turns."
    ),
    family="adam",
    year=2016,
    paper="Dozat 2016, Incorporating Nesterov Momentum into Adam",
    reference="torch.optim.NAdam",
    params=(
        lr_param(2e-3),
        *_betas(),
        eps_param(1e-8),
        weight_decay_param(),
        Param("momentum_decay", 4e-3, min=0.0, max=1.0, scale="log", slider_min=1e-4,
              slider_max=1.0, symbol=r"\psi", help="momentum schedule decay",
              zh={"help": "动量调度的衰减"}),
        Param("decoupled_weight_decay", False, kind="bool",
              help="apply weight decay to the parameters directly (as AdamW)",
              zh={"help": "直接对参数施加权重衰减（即 AdamW 的做法）"}),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        *DECAY_LINES,
        r"\mu_t = \beta_1\left(1 - \tfrac12\, 0.96^{t\psi}\right), \quad "
        r"\Pi_t = \prod_{i\le t} \mu_i",
        *MOMENT_LINES,
        r"\hat v_t = v_t / (1-\beta_2^t)",
        r"d_t = \frac{1-\mu_t}{1-\Pi_t}\, g_t + \frac{\mu_{t+1}}{1-\Pi_t\mu_{t+1}}\, m_t",
        r"\theta_t = \theta_{t-1} - \eta\, \frac{d_t}{\sqrt{\hat v_t} + \epsilon}",
    ),
    step_scale=(
        r"\hat\eta_t = \frac{\eta}{\sqrt{\hat v_t} + \epsilon}, \quad "
        r"\theta_t = \theta_{t-1} - \hat\eta_t\, d_t",
    ),
    constant_vars=(
        BC1, BC2,
        StateVar("mu", r"\mu_t", "momentum coefficient of this step", scalar=True,
                 zh={"help": "本步的动量系数"}),
        StateVar("mu_next", r"\mu_{t+1}", "momentum coefficient of the next step", scalar=True,
                 zh={"help": "下一步的动量系数"}),
    ),
    state=(
        M,
        V,
        StateVar("mu_product", r"\Pi", "product of the momentum coefficients mu_t", scalar=True,
                 zh={"help": "动量系数 mu_t 的乘积"}),
        M_HAT,
        V_HAT,
        STEP_SCALE,
    ),
    init=nadam_init,
    update=nadam_update,
    teaching=_teaching_nadam,
    constants=nadam_constants,
    momentum_name="beta1",
    zh={"label": "NAdam",
        "description": ("NAdam 把 Nesterov 动量放进 Adam：每一步混合当前梯度与即将得到的动量，"
                        "权重由逐渐升温的动量调度 μ_t 决定（momentum_decay 控制快慢）。"
                        "遇到转弯时它比 Adam 早一步作出反应。")},
)


# ---------------------------------------------------------------- RAdam
def _radam_rho(beta2: Any, beta2_t: Any, t: int) -> tuple[Any, Any]:
    """rho_inf and rho_t (the length of the SMA and its value at step t), from beta2^t."""
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * float(t) * beta2_t / (1 - beta2_t)
    return rho_inf, rho_t


def _radam_rect(rho_inf: float, rho_t: float) -> float:
    """The rectification factor r_t in Python floats; 0 while the variance is intractable
    (rho_t <= 5), when the step is plain momentum."""
    if not rho_t > 5.0:
        return 0.0
    ratio = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
    return ratio**0.5 if ratio >= 0 else float("nan")


def _radam_rect_of(beta2: float, t: int) -> float:
    """r_t for one beta2, as a single run computes it."""
    return _radam_rect(*_radam_rho(beta2, power(beta2, t), t))


def radam_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The bias corrections, rho_t and the rectification factor r_t (0 while rho_t <= 5)."""
    beta2 = hp["beta2"]
    beta2_t = power(beta2, t)
    bias_correction2 = 1 - beta2_t
    rho_inf, rho_t = _radam_rho(beta2, beta2_t, t)
    out = {"bias_correction1": 1 - power(hp["beta1"], t), "bias_correction2": bias_correction2,
           "rho_t": rho_t}
    if not is_per_run(rho_t):
        out["bias_correction2_sqrt"] = bias_correction2**0.5
        out["rect"] = _radam_rect(rho_inf, rho_t)
    else:
        out["bias_correction2_sqrt"] = bias_correction_sqrt(beta2, t)
        out["rect"] = levelwise(_radam_rect_of, beta2, t)
    return out


def radam_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam whose adaptive step is switched on and rectified only once v is reliable."""
    beta1, beta2, lr = hp["beta1"], hp["beta2"], hp["lr"]
    g = maybe_maximize(grad, hp)
    if _decays(hp):
        p, g = _apply_weight_decay(p, g, hp, _decoupled(hp))
    exp_avg = lerp(state["exp_avg"], g, 1 - beta1)
    exp_avg_sq = ema_sq(state["exp_avg_sq"], g, beta2)
    plain = (exp_avg / consts["bias_correction1"]) * lr
    adaptive = consts["bias_correction2_sqrt"] / (sqrt(exp_avg_sq) + hp["eps"])
    update = select(consts["rho_t"] > 5.0, plain * adaptive * consts["rect"], plain)
    return p + (-1.0) * update, {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}


def _teaching_radam(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """m-hat, v-hat, the rectification factor r_t (0 while the adaptive step is off) and the
    step scale lr / (1 - beta1^t) times r_t sqrt(1 - beta2^t) / (sqrt(v) + eps) once rho_t > 5,
    which multiplies m."""
    out = _teaching_moments(state, hp, consts)
    out["rect"] = per_run(consts["rect"], state["exp_avg"])
    plain = hp["lr"] / consts["bias_correction1"]
    adaptive = consts["bias_correction2_sqrt"] / (np.sqrt(state["exp_avg_sq"]) + hp["eps"])
    out["step_scale"] = np.where(np.asarray(consts["rho_t"]) > 5.0,
                                 plain * adaptive * consts["rect"],
                                 scale_of(plain, state["exp_avg"]))
    return out


RADAM = OptimizerSpec(
    name="radam",
    label="RAdam",
    description=(
        "RAdam (rectified Adam) notices that in the first steps the second-moment estimate v "
        "rests on too few gradients to be trusted. Until its variance is tractable (rho_t > 5; "
        "with beta2 = 0.999 from step 6 on) it takes plain momentum steps; after that Adam's "
        "adaptive step, scaled by a rectification factor r_t that rises towards 1."
    ),
    family="adam",
    year=2019,
    paper="Liu et al. 2019, On the Variance of the Adaptive Learning Rate and Beyond",
    reference="torch.optim.RAdam",
    params=(
        lr_param(1e-3),
        *_betas(),
        eps_param(1e-8),
        weight_decay_param(),
        Param("decoupled_weight_decay", False, kind="bool",
              help="apply weight decay to the parameters directly (as AdamW)",
              zh={"help": "直接对参数施加权重衰减（即 AdamW 的做法）"}),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        *DECAY_LINES,
        *MOMENT_LINES,
        r"\hat m_t = m_t/(1-\beta_1^t)",
        r"\rho_\infty = \frac{2}{1-\beta_2} - 1, \quad "
        r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}",
        r"r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}"
        r"{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}",
        r"\theta_t = \theta_{t-1} - \eta\,\hat m_t \begin{cases} r_t\,\dfrac{\sqrt{1-\beta_2^t}}"
        r"{\sqrt{v_t}+\epsilon} & \rho_t > 5 \\ 1 & \rho_t \le 5 \end{cases}",
    ),
    step_scale=(
        r"\hat\eta_t = \frac{\eta}{1-\beta_1^t} \begin{cases} r_t\,\dfrac{\sqrt{1-\beta_2^t}}"
        r"{\sqrt{v_t}+\epsilon} & \rho_t > 5 \\ 1 & \rho_t \le 5 \end{cases}",
        r"\theta_t = \theta_{t-1} - \hat\eta_t\, m_t",
    ),
    constant_vars=(
        BC1, BC2,
        StateVar("rho_t", r"\rho_t", "length of the approximated simple moving average",
                 scalar=True,
                 zh={"help": "近似简单移动平均的长度"}),
    ),
    state=(
        M,
        V,
        M_HAT,
        V_HAT,
        StateVar("rect", "r", "rectification factor r_t (0 while not rectified)", scalar=True,
                 teaching=True,
                 zh={"help": "修正因子 r_t（尚未修正时为 0）"}),
        STEP_SCALE,
    ),
    init=_moments_init,
    update=radam_update,
    teaching=_teaching_radam,
    constants=radam_constants,
    momentum_name="beta1",
    zh={"label": "RAdam",
        "description": ("RAdam（修正的 Adam）注意到最初几步中二阶矩估计 v 依据的梯度太少、"
                        "不可信。在其方差可以处理之前（ρ_t > 5；β2 = 0.999 时从第 6 步开始），"
                        "它只走普通的动量步；之后才使用 Adam 的自适应步长，并乘以逐渐升向 1 "
                        "的修正因子 r_t。")},
)


# ---------------------------------------------------------------- Adamax
def adamax_init(p: Array, hp: Hyper) -> State:
    """First moment and the exponentially weighted infinity norm, both starting at zero."""
    return {"exp_avg": np.zeros_like(p), "exp_inf": np.zeros_like(p)}


def adamax_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam with the L2 second moment replaced by a decaying maximum of |g|."""
    beta1, beta2 = hp["beta1"], hp["beta2"]
    g = coupled_decay(maybe_maximize(grad, hp), p, hp["weight_decay"])
    exp_avg = lerp(state["exp_avg"], g, 1 - beta1)
    exp_inf = maximum(state["exp_inf"] * beta2, absolute(g) + hp["eps"])
    return p + ((-consts["clr"]) * exp_avg) / exp_inf, {"exp_avg": exp_avg, "exp_inf": exp_inf}


def adamax_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """1 - beta1^t and the corrected step size lr / (1 - beta1^t)."""
    bias_correction1 = 1 - power(hp["beta1"], t)
    return {"bias_correction1": bias_correction1, "clr": hp["lr"] / bias_correction1}


def _teaching_adamax(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """m-hat and the step scale lr / (1 - beta1^t) / u, which multiplies m."""
    return {"m_hat": state["exp_avg"] / consts["bias_correction1"],
            "step_scale": consts["clr"] / state["exp_inf"]}


ADAMAX = OptimizerSpec(
    name="adamax",
    label="Adamax",
    description=(
        "Adamax replaces Adam's root-mean-square of gradients by a decaying maximum of their "
        "absolute values (the infinity norm), which needs no bias correction and is robust to "
        "rare large gradients."
    ),
    family="adam",
    year=2014,
    paper="Kingma & Ba 2014, Adam: A Method for Stochastic Optimization, section 7.1",
    reference="torch.optim.Adamax",
    params=(lr_param(2e-3), *_betas(), eps_param(1e-8), weight_decay_param(), MAXIMIZE),
    equations=(
        *GRADIENT_LINES,
        COUPLED_DECAY_LINE,
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t",
        r"u_t = \max(\beta_2 u_{t-1},\, |g_t| + \epsilon)",
        r"\theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}{u_t}",
    ),
    step_scale=(
        r"\hat\eta_t = \frac{\eta}{(1-\beta_1^t)\, u_t}, \quad "
        r"\theta_t = \theta_{t-1} - \hat\eta_t\, m_t",
    ),
    constant_vars=(BC1, StateVar("clr", r"\eta / (1-\beta_1^t)",
                               "step size: the lr over the first moment's bias correction",
                               scalar=True,
                               zh={"help": "步长：学习率除以一阶矩的偏差校正"})),
    state=(M, StateVar("exp_inf", "u", "exponentially weighted infinity norm",
                       zh={"help": "指数加权的无穷范数"}), M_HAT,
           STEP_SCALE),
    init=adamax_init,
    update=adamax_update,
    teaching=_teaching_adamax,
    constants=adamax_constants,
    momentum_name="beta1",
    zh={"label": "Adamax",
        "description": ("Adamax 用梯度绝对值的衰减最大值（无穷范数）代替 Adam 的梯度均方根，"
                        "不需要偏差校正，对偶尔出现的大梯度也很稳健。")},
)


# ---------------------------------------------------------------- AdaBound
def _adabound_bounds(hp: Hyper, t: int, initial: Hyper) -> tuple[object, object]:
    """The step size's bounds at step t, around final_lr scaled as a schedule scales the lr."""
    final_lr = hp["final_lr"] * hp["lr"] / initial["lr"]
    lower = final_lr * (1 - 1 / (hp["gamma"] * t + 1))
    upper = final_lr * (1 + 1 / (hp["gamma"] * t))
    return lower, upper


def adabound_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Adam whose per-coordinate step size is clipped into bounds that converge to final_lr."""
    beta1, beta2 = hp["beta1"], hp["beta2"]
    g = coupled_decay(grad, p, hp["weight_decay"])
    exp_avg = state["exp_avg"] * beta1 + (1 - beta1) * g
    exp_avg_sq = ema_sq(state["exp_avg_sq"], g, beta2)
    new_state: State = {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    second = exp_avg_sq
    if hp["amsbound"]:
        second = maximum(state["max_exp_avg_sq"], exp_avg_sq)
        new_state["max_exp_avg_sq"] = second
    denom = sqrt(second) + hp["eps"]
    eta = minimum(maximum(consts["step_size"] / denom, consts["lower"]),
                  consts["upper"]) * exp_avg
    return p + (-eta), new_state


def adabound_constants(hp: Hyper, t: int, initial: Hyper) -> dict[str, Any]:
    """The bias corrections, the corrected step size and the bounds it is clipped into."""
    out = _bias_corrections(hp, t)
    out["step_size"] = hp["lr"] * sqrt(out["bias_correction2"]) / out["bias_correction1"]
    out["lower"], out["upper"] = _adabound_bounds(hp, t, initial)
    return out


def _teaching_adabound(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """m-hat, v-hat, the current lower / upper bounds of the per-coordinate step size and the
    step scale: step_size / (sqrt(v) + eps) clipped into them, which multiplies m."""
    out = _teaching_moments(state, hp, consts)
    out["lower_bound"] = per_run(consts["lower"], state["exp_avg"])
    out["upper_bound"] = per_run(consts["upper"], state["exp_avg"])
    v = state.get("max_exp_avg_sq", state["exp_avg_sq"])
    out["step_scale"] = np.minimum(np.maximum(consts["step_size"] / (np.sqrt(v) + hp["eps"]),
                                              consts["lower"]), consts["upper"])
    return out


ADABOUND = OptimizerSpec(
    name="adabound",
    label="AdaBound",
    description=(
        "AdaBound starts like Adam and ends like SGD: each coordinate's step size lr/sqrt(v) is "
        "clipped into a band [lower_t, upper_t] that starts at [0, inf) and closes in on final_lr "
        "at a rate set by gamma. (Defined by Luolc/AdaBound; its bias correction and eps "
        "placement differ slightly from torch's Adam.)"
    ),
    family="adam",
    year=2019,
    paper=("Luo, Xiong, Liu & Sun 2019,"
           " Adaptive Gradient Methods with Dynamic Bound of Learning Rate"),
    reference="Luolc/AdaBound (adabound.AdaBound)",
    params=(
        lr_param(1e-3),
        *_betas(),
        Param("final_lr", 0.1, min=0.0, max=1e3, scale="log", slider_min=1e-4,
              slider_max=10.0, symbol=r"\eta^*", help="the SGD learning rate the bounds approach",
              zh={"help": "上下界最终收拢到的 SGD 学习率"}),
        Param("gamma", 1e-3, min=0.0, max=1.0, min_open=True, scale="log", slider_min=1e-5,
              slider_max=1.0, symbol=r"\gamma", help="how fast the bounds close in",
              zh={"help": "上下界收拢的速度"}),
        eps_param(1e-8),
        weight_decay_param(),
        Param("amsbound", False, kind="bool", help="use the maximum of past second moments",
              zh={"help": "使用历史二阶矩的最大值"}),
    ),
    presets=(
        Preset("adabound", "AdaBound", {"amsbound": False},
               zh={"label": "AdaBound"}),
        Preset("amsbound", "AMSBound", {"amsbound": True},
               zh={"label": "AMSBound"}),
    ),
    equations=(
        r"g_t = \nabla f(\theta_{t-1})",
        COUPLED_DECAY_LINE,
        *MOMENT_LINES,
        Line(r"v^{\max}_t = \max(v^{\max}_{t-1},\, v_t)", (on("amsbound"),)),
        r"\eta^*_t = \eta^* \,\eta / \eta_0",
        r"\ell_t = \eta^*_t\left(1 - \frac{1}{\gamma t + 1}"
        r"\right), \quad u_t = \eta^*_t\left(1 + \frac{1}{\gamma t}\right)",
        Line(r"\hat\eta_t = \operatorname{clip}\left(\frac{\eta\sqrt{1-\beta_2^t}}{(1-\beta_1^t)"
             r"(\sqrt{v_t}+\epsilon)},\, \ell_t,\, u_t\right)", (off("amsbound"),)),
        Line(r"\hat\eta_t = \operatorname{clip}\left(\frac{\eta\sqrt{1-\beta_2^t}}{(1-\beta_1^t)"
             r"(\sqrt{v^{\max}_t}+\epsilon)},\, \ell_t,\, u_t\right)", (on("amsbound"),)),
        r"\theta_t = \theta_{t-1} - \hat\eta_t\, m_t",
    ),
    step_scale=(
        r"\hat\eta_t = \operatorname{clip}(\,\cdot\,,\, \ell_t,\, u_t) \in [\ell_t,\, u_t], "
        r"\quad \theta_t = \theta_{t-1} - \hat\eta_t\, m_t",
    ),
    constant_vars=(
        BC1, BC2,
        StateVar("step_size", r"\eta\sqrt{1-\beta_2^t} / (1-\beta_1^t)",
                 "step size before the division by sqrt(v) and the clipping", scalar=True,
                 zh={"help": "除以 √v 并裁剪之前的步长"}),
    ),
    state=(
        M,
        V,
        VMAX,
        M_HAT,
        V_HAT,
        StateVar("lower_bound", r"\ell", "lower bound of the step size", scalar=True,
                 teaching=True,
                 zh={"help": "步长的下界"}),
        StateVar("upper_bound", "u", "upper bound of the step size", scalar=True, teaching=True,
                 zh={"help": "步长的上界"}),
        STEP_SCALE,
    ),
    init=_moments_init,
    update=adabound_update,
    teaching=_teaching_adabound,
    constants=adabound_constants,
    momentum_name="beta1",
    zh={"label": "AdaBound",
        "description": ("AdaBound 开始时像 Adam，结束时像 SGD：每个分量的步长 lr/√v "
                        "被裁剪到区间 [lower_t, upper_t] 内，该区间从 [0, ∞) 开始，以 gamma "
                        "决定的速度向 final_lr 收拢。（按 Luolc/AdaBound 的定义，其偏差校正和 "
                        "eps 的位置与 torch 的 Adam 略有不同。）")},
)


# ---------------------------------------------------------------- Lion
def lion_init(p: Array, hp: Hyper) -> State:
    """Lion keeps a single momentum, starting at zero (and the cautious mask, if masking)."""
    if hp.get("cautious"):
        return {"exp_avg": np.zeros_like(p), "cautious_mask": np.zeros_like(p)}
    return {"exp_avg": np.zeros_like(p)}


def lion_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Step by the sign of an interpolation of momentum and gradient; then update momentum."""
    beta1, beta2, lr = hp["beta1"], hp["beta2"], hp["lr"]
    g = maybe_maximize(grad, hp)
    m = state["exp_avg"]
    direction = sign(m * beta1 + (1 - beta1) * g)
    new_state: State = {"exp_avg": m * beta2 + (1 - beta2) * g}
    if hp.get("cautious", False):
        mask = new_state["cautious_mask"] = cautious_mask(direction, g)
        direction = direction * mask
    wd = hp["weight_decay"]
    if is_zero(wd):
        new_p = p - lr * direction
    else:
        new_p = p - lr * (direction + wd * p)
    return new_p, new_state


# Lion's betas mean other things than Adam's: beta1 mixes the momentum and the gradient whose
# sign is the step, beta2 is the momentum's own decay rate.
LION_BETAS = (
    beta_param("beta1", 0.9, r"\beta_1",
               "mix of momentum and gradient whose sign is the step",
               zh_help="动量与梯度的混合系数，其符号即步子的方向"),
    beta_param("beta2", 0.99, r"\beta_2", "decay rate of the momentum",
               zh_help="动量的衰减率"),
)

LION = OptimizerSpec(
    name="lion",
    label="Lion",
    description=(
        "Lion (EvoLved Sign Momentum, found by program search) moves every coordinate by exactly "
        "lr per step, in the direction of the sign of a mix of momentum and gradient. Its "
        "momentum uses a slower rate beta2 than the mix beta1. Because every step has the same "
        "size, it needs a smaller lr than Adam (typically 3-10x) and does not slow down near a "
        "minimum unless the lr is decayed. Cautious (pytorch_optimizer's Lion) moves only "
        "the coordinates whose step sign agrees with the gradient: 2/3 lr each when both do, "
        "lr when one does."
    ),
    family="sign",
    year=2023,
    paper="Chen et al. 2023, Symbolic Discovery of Optimization Algorithms",
    reference="Lion, Chen et al. 2023, Algorithm 2 (Symbolic Discovery of Optimization "
              "Algorithms); cautious: pytorch_optimizer 4.1.0 Lion",
    params=(
        lr_param(1e-4),
        *LION_BETAS,
        weight_decay_param(),
        MAXIMIZE,
        CAUTIOUS,
    ),
    equations=(
        *GRADIENT_LINES,
        r"c_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
        Line(r"\theta_t = \theta_{t-1} - \eta\,\operatorname{sign}(c_t)",
             (zero("weight_decay"), off("cautious"))),
        Line(r"\theta_t = \theta_{t-1} - "
             r"\eta\left(\operatorname{sign}(c_t) + \lambda\theta_{t-1}\right)",
             (positive("weight_decay"), off("cautious"))),
        Line(CAUTIOUS_LINE.latex.replace("u_", r"\operatorname{sign}(c)_"), CAUTIOUS_LINE.when),
        Line(r"\theta_t = \theta_{t-1} - \eta\,\phi_t \odot \operatorname{sign}(c_t)",
             (zero("weight_decay"), on("cautious"))),
        Line(r"\theta_t = \theta_{t-1} - \eta\left(\phi_t \odot \operatorname{sign}(c_t) + "
             r"\lambda\theta_{t-1}\right)", (positive("weight_decay"), on("cautious"))),
        r"m_t = \beta_2 m_{t-1} + (1-\beta_2)\, g_t",
    ),
    step_scale=(
        Line(r"\hat\eta_t = \eta, \quad "
             r"\theta_t = \theta_{t-1} - \hat\eta_t\,\operatorname{sign}(c_t)",
             (zero("weight_decay"), off("cautious"))),
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - "
             r"\hat\eta_t\left(\operatorname{sign}(c_t) + \lambda\theta_{t-1}\right)",
             (positive("weight_decay"), off("cautious"))),
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - "
             r"\hat\eta_t\,\phi_t \odot \operatorname{sign}(c_t)",
             (zero("weight_decay"), on("cautious"))),
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - "
             r"\hat\eta_t\left(\phi_t \odot \operatorname{sign}(c_t) + "
             r"\lambda\theta_{t-1}\right)", (positive("weight_decay"), on("cautious"))),
    ),
    state=(M, CAUTIOUS_MASK, STEP_SCALE),
    init=lion_init,
    update=lion_update,
    joint=cautious_on,
    teaching=lr_step_scale("exp_avg"),
    momentum_name="beta1",
    zh={"label": "Lion",
        "description": ("Lion（通过程序搜索发现的符号动量方法）每步让每个分量恰好移动 lr，"
                        "方向是动量与梯度混合后的符号。它的动量使用比混合系数 β1 更慢的速率 β2。"
                        "由于每步大小相同，它需要比 Adam 更小的学习率（通常小 3–10 倍），"
                        "而且除非学习率衰减，在极小值附近不会减速。"
                        "Cautious（pytorch_optimizer 的 Lion）只移动步子符号与梯度一致的分量："
                        "两个都一致时各走 2/3 lr，只有一个时走 lr。")},
)
