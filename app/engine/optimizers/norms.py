"""Quantities over the whole parameter (both coordinates at once), for the ``joint`` optimizers.

Each takes (B, 2) arrays and gives one value per run, shape (B, 1): the coordinates are summed
in a fixed order, so a run's value does not depend on the other rows.
"""

from __future__ import annotations

import numpy as np

from .base import Array


def row_norm(x: Array) -> Array:
    """The Euclidean norm of each run's 2-vector, shape (B, 1)."""
    a, b = x[:, :1], x[:, 1:]
    return np.sqrt(a * a + b * b)


def cautious_mask(update: Array, grad: Array) -> Array:
    """pytorch_optimizer's ``apply_cautious``: keep the coordinates where the update agrees
    with the gradient's sign, rescaled by n / (kept + 1) (n = 2 coordinates)."""
    mask = (update * grad > 0).astype(np.float64)
    kept = mask[:, :1] + mask[:, 1:]
    return update * (mask * (2 / (kept + 1)))


def float32(x: object) -> Array:
    """Values rounded to float32, kept as float64 (a float32 operation on float32 inputs done
    in float64 and rounded once is the float32 operation itself)."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)
