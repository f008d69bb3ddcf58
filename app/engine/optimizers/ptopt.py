"""What the pytorch_optimizer (kozistr) 4.1 optimizers share: their weight decay and its flags.

``apply_weight_decay`` there is decoupled (``p *= 1 - wd * lr``, or ``1 - wd`` with
``fixed_decay``) or coupled (``g += wd * p``), and each optimizer calls it at its own place in the
step (before the moments for most; LaProp after its update, where the coupled form no longer
reaches the step).
"""

from __future__ import annotations

from dataclasses import replace

from ..params import Param, eps_param
from .base import Array, Hyper, Line, off, on, positive
from .decay import apply_decay

WEIGHT_DECOUPLE = Param("weight_decouple", True, kind="bool",
                        help="decoupled weight decay: shrink the parameters (AdamW-style) instead "
                             "of adding wd*theta to the gradient",
                        zh={"help": "解耦权重衰减：直接缩小参数（AdamW 方式），"
                                    "而不是把 wd·θ 加到梯度上"})
FIXED_DECAY = Param("fixed_decay", False, kind="bool",
                    help="decoupled decay by the factor 1 - wd, not 1 - lr*wd",
                    zh={"help": "解耦衰减的因子取 1 − wd，而不是 1 − lr·wd"})


def tiny_eps(default: float) -> Param:
    """``eps`` whose default lies below eps_param's slider (AdaBelief's 1e-16, LaProp's 1e-15)."""
    return replace(eps_param(default), slider_min=1e-18)


def weight_decouple(default: bool) -> Param:
    """``weight_decouple`` with this optimizer's default."""
    return WEIGHT_DECOUPLE if default else Param(
        WEIGHT_DECOUPLE.name, False, kind="bool", help=WEIGHT_DECOUPLE.help,
        zh=WEIGHT_DECOUPLE.zh)


def decay_lines(fixed: bool = True) -> tuple[Line, ...]:
    """The weight-decay lines, each under its flags (``fixed``: the optimizer has fixed_decay)."""
    wd = positive("weight_decay")
    if not fixed:
        return (Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}", (wd, off("weight_decouple"))),
                Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \eta\lambda)",
                     (wd, on("weight_decouple"))))
    return (
        Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}", (wd, off("weight_decouple"))),
        Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \eta\lambda)",
             (wd, on("weight_decouple"), off("fixed_decay"))),
        Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \lambda)",
             (wd, on("weight_decouple"), on("fixed_decay"))),
    )


def apply_weight_decay(p: Array, grad: Array, hp: Hyper) -> tuple[Array, Array]:
    """pytorch_optimizer's apply_weight_decay: (p, g) after decoupled or coupled decay, read
    from the run's hyperparameters (decay.apply_decay, which the other optimizers call too)."""
    return apply_decay(p, grad, hp["lr"], hp["weight_decay"], hp["weight_decouple"],
                       hp.get("fixed_decay", False))
