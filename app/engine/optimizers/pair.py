"""Both coordinates of one run as Python floats: the float path of a ``joint`` update.

An update that sums over the coordinates (a dot product, a norm: the learning-rate-free methods'
estimate d) cannot run one coordinate at a time as the float kernel runs the others. On the
float path it gets :class:`Vec2` values instead, the point, the gradient and each per-coordinate
state quantity as a pair of floats, and per-run quantities as plain floats; on arrays it gets
(B, 2) and (B, 1) arrays. ``+ - * /`` act per coordinate, and the helpers here (the sum over the
coordinates, the dot product, abs, sqrt) take the same IEEE operations in both, so a float run is
bit for bit the array run (tests/test_scalar_path.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class Vec2:
    """The two coordinates (x, y) of one run's point or per-coordinate state, as floats."""

    __slots__ = ("x", "y")

    def __init__(self, x: float, y: float) -> None:
        self.x, self.y = x, y

    def __repr__(self) -> str:
        return f"Vec2({self.x!r}, {self.y!r})"

    def __add__(self, o: Any) -> Vec2:
        if type(o) is Vec2:
            return Vec2(self.x + o.x, self.y + o.y)
        return Vec2(self.x + o, self.y + o)

    def __radd__(self, o: Any) -> Vec2:
        return Vec2(o + self.x, o + self.y)

    def __sub__(self, o: Any) -> Vec2:
        if type(o) is Vec2:
            return Vec2(self.x - o.x, self.y - o.y)
        return Vec2(self.x - o, self.y - o)

    def __rsub__(self, o: Any) -> Vec2:
        return Vec2(o - self.x, o - self.y)

    def __mul__(self, o: Any) -> Vec2:
        if type(o) is Vec2:
            return Vec2(self.x * o.x, self.y * o.y)
        return Vec2(self.x * o, self.y * o)

    def __rmul__(self, o: Any) -> Vec2:
        return Vec2(o * self.x, o * self.y)

    def __truediv__(self, o: Any) -> Vec2:
        if type(o) is Vec2:
            return Vec2(self.x / o.x, self.y / o.y)
        return Vec2(self.x / o, self.y / o)

    def __rtruediv__(self, o: Any) -> Vec2:
        return Vec2(o / self.x, o / self.y)

    def __neg__(self) -> Vec2:
        return Vec2(-self.x, -self.y)


def coordinate_sum(v: Any) -> Any:
    """The sum over the two coordinates, per run: x + y (torch's ``.sum()`` of a 2-vector)."""
    if type(v) is Vec2:
        return v.x + v.y
    return v[:, :1] + v[:, 1:]


def dot(a: Any, b: Any) -> Any:
    """The dot product of two points or per-coordinate quantities, per run."""
    return coordinate_sum(a * b)


def vabs(v: Any) -> Any:
    """``np.abs`` per coordinate (the same IEEE fabs); of a float, a float."""
    if type(v) is Vec2:
        return Vec2(abs(v.x), abs(v.y))
    if type(v) is float:
        return abs(v)
    return np.abs(v)


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else math.nan


def vsqrt(v: Any) -> Any:
    """``np.sqrt`` per coordinate (NaN below zero, as NumPy); of a float, a float."""
    if type(v) is Vec2:
        return Vec2(_sqrt(v.x), _sqrt(v.y))
    if type(v) is float:  # _sqrt, inlined (hot)
        return math.sqrt(v) if v >= 0.0 else math.nan
    return np.sqrt(v)


def vec2_step(pair_update: Any, p: Vec2, grad: Vec2, state: dict[str, Any], hp: dict[str, Any],
              consts: Any, t: int) -> tuple[Vec2, dict[str, Any]]:
    """A joint update called on Vec2 pairs (a wrapper's inner step on floats) through its
    ``pair_update`` on each coordinate's floats: the state split per coordinate, stepped, and
    joined again (a per-coordinate quantity is a Vec2 before and after, a per-run one a
    float)."""
    sx = {name: v.x if type(v) is Vec2 else v for name, v in state.items()}
    sy = {name: v.y if type(v) is Vec2 else v for name, v in state.items()}
    x, y, new_x, new_y = pair_update(p.x, p.y, grad.x, grad.y, sx, sy, hp, consts, t, None)
    return Vec2(x, y), {name: Vec2(v, new_y[name]) if type(state[name]) is Vec2 else v
                        for name, v in new_x.items()}


def paired(state: dict[str, Any]) -> dict[str, Any]:
    """A one-row array state record on the float path: (1, 2) arrays as Vec2, per-run (1, 1)
    arrays as floats, a nested record (a wrapper's inner one) likewise, anything else kept."""
    out: dict[str, Any] = {}
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            value = Vec2(float(value[0, 0]), float(value[0, 1])) if value.shape[-1] == 2 \
                else float(value[0, 0])
        elif isinstance(value, dict):
            value = paired(value)
        out[name] = value
    return out
