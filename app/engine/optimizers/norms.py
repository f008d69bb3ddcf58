"""Quantities over the whole parameter (both coordinates at once), for the ``joint`` optimizers.

``row_norm`` and ``float32`` take a Vec2 (the float path) or (B, 2) arrays and give one value per
run (a float, or shape (B, 1)); ``pair_norm`` takes the two coordinates apart (a ``pair_update``'s
floats): the coordinates are summed in a fixed order (x then y), so a
run's value does not depend on the other rows and the float path is the array path bit for bit.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np

from .base import cautious_mask as mask_of
from .base import split, sqrt


def row_norm(x: Any) -> Any:
    """The Euclidean norm of each run's 2-vector (a float for a Vec2, shape (B, 1) for arrays)."""
    return pair_norm(*split(x))


def pair_norm(a: Any, b: Any) -> Any:
    """The Euclidean norm of the 2-vector (a, b): a single run's two floats (a ``pair_update``),
    or each run's two (B, 1) columns."""
    return sqrt(a * a + b * b)


def apply_cautious(update: Any, grad: Any) -> Any:
    """pytorch_optimizer's ``apply_cautious``: keep the coordinates where the update agrees
    with the gradient's sign, rescaled by n / (kept + 1) (n = 2 coordinates): the update times
    base's mask (a Vec2 on the float path, (B, 2) on arrays)."""
    return update * mask_of(update, grad)


_F32 = struct.Struct("<f")


def float32(x: Any) -> Any:
    """Values rounded to float32, kept as float64 (a float32 operation on float32 inputs done
    in float64 and rounded once is the float32 operation itself); a float stays a float.

    A float goes through ``struct``: the same C cast as NumPy's, several times cheaper than a
    NumPy scalar on the float path; where that cast gives an infinity from a finite value,
    ``struct`` raises OverflowError instead, and the infinity is returned as NumPy gives it."""
    if type(x) is float:
        try:
            return _F32.unpack(_F32.pack(x))[0]
        except OverflowError:
            return math.copysign(math.inf, x)
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def float32_scale(norm: Any, top: Any, eps: Any) -> Any:
    """``top / (norm + eps)`` per run as torch computes it on float32 tensors (Adan's clip
    factor, SAM's perturbation scale): the float64 norm rounded to float32, squared and
    square-rooted there, eps added, the reciprocal taken, times top. Each float32 operation is
    done in float64 and rounded once, which is the float32 result; floats or (B, 1) arrays."""
    n = float32(norm)
    r = float32(float32(sqrt(float32(n * n))) + float32(eps))
    return float32(float32(1.0 / r) * float32(top))
