"""pytorch_optimizer's weight decay (``apply_weight_decay``): its switches, lines and step.

Decoupled (``weight_decouple``): the parameters shrink, ``p * (1 - lambda * lr)`` (``fixed_decay``:
``p * (1 - lambda)``, whatever the lr); coupled: ``g + lambda * p``. Each optimizer calls it at its
own point of the step (before the moments, or after the update is computed, as MARS does).
"""

from __future__ import annotations

from ..params import Param
from .base import Array, Line, is_zero, off, on, positive

WEIGHT_DECOUPLE_HELP = ("decoupled weight decay: shrink the parameters instead of adding "
                        "lambda theta to the gradient")
WEIGHT_DECOUPLE_ZH = "解耦的权重衰减：直接缩小参数，而不是把 lambda theta 加到梯度上"


def weight_decouple_param(default: bool) -> Param:
    """The switch between decoupled (AdamW-style) and coupled (L2) weight decay."""
    return Param("weight_decouple", default, kind="bool", help=WEIGHT_DECOUPLE_HELP,
                 zh={"help": WEIGHT_DECOUPLE_ZH})


FIXED_DECAY = Param("fixed_decay", False, kind="bool",
                    help="decoupled decay shrinks by lambda per step, not by lr times lambda",
                    zh={"help": "解耦衰减每步缩小 lambda，而不是学习率乘 lambda"})


def decay_lines(fixed: bool = True) -> tuple[Line, ...]:
    """The decay's lines, each under its switches (``fixed``: the optimizer has fixed_decay)."""
    scaled = (positive("weight_decay"), on("weight_decouple"))
    lines = [Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \eta\lambda)",
                  scaled + ((off("fixed_decay"),) if fixed else ()))]
    if fixed:
        lines.append(Line(r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \lambda)",
                          scaled + (on("fixed_decay"),)))
    lines.append(Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}",
                      (positive("weight_decay"), off("weight_decouple"))))
    return tuple(lines)


def apply_decay(p: Array, g: Array, lr: object, weight_decay: object, decouple: bool,
                fixed: bool) -> tuple[Array, Array]:
    """The decayed parameters and the gradient: one of them changed, or neither at lambda 0."""
    if is_zero(weight_decay):
        return p, g
    if decouple:
        return p * (1 - weight_decay * (1.0 if fixed else lr)), g
    return p, g + weight_decay * p
