"""What the pytorch_optimizer (kozistr) 4.1 optimizers share beyond their weight decay (whose
switches, lines and step are in decay.py): a tiny eps, and the decay read from a run's
hyperparameters.

``apply_weight_decay`` there is decoupled (``p *= 1 - wd * lr``, or ``1 - wd`` with
``fixed_decay``) or coupled (``g += wd * p``), and each optimizer calls it at its own place in the
step (before the moments for most; LaProp after its update, where the coupled form no longer
reaches the step).
"""

from __future__ import annotations

from dataclasses import replace

from ..params import Param, eps_param
from .base import Array, Hyper
from .decay import apply_decay


def tiny_eps(default: float) -> Param:
    """``eps`` whose default lies below eps_param's slider (AdaBelief's 1e-16, LaProp's 1e-15)."""
    return replace(eps_param(default), slider_min=1e-18)


def apply_weight_decay(p: Array, grad: Array, hp: Hyper) -> tuple[Array, Array]:
    """pytorch_optimizer's apply_weight_decay: (p, g) after decoupled or coupled decay, read
    from the run's hyperparameters (decay.apply_decay, which the other optimizers call too)."""
    return apply_decay(p, grad, hp["lr"], hp["weight_decay"], hp["weight_decouple"],
                       hp.get("fixed_decay", False))
