"""The param group schedules act on: one torch param group, vectorised over B runs."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..optimizers.base import copy as copy_of

Array = np.ndarray

MOMENTUM_NAMES = ("momentum", "beta1")


class ParamGroup:
    """What schedules act on, like one torch param group, vectorised over B runs.

    With ``scalar=True`` it holds one run's values as Python floats instead of arrays of shape
    (1,): the same IEEE arithmetic, bit for bit, without NumPy's per-call overhead (a single
    run's float path steps its scheduler this way).
    """

    def __init__(
        self, lr: Any, momentum: Any = None, momentum_name: str | None = None, *,
        scalar: bool = False,
    ) -> None:
        """Hold the runs' lrs (shape (B,)) and, when the optimizer has one, momentum or beta1."""
        lr_arr = np.array(lr, dtype=np.float64, ndmin=1)
        if lr_arr.ndim != 1:
            raise ValueError(f"lr must be a scalar or a 1-D array, got shape {lr_arr.shape}")
        if scalar and lr_arr.shape != (1,):
            raise ValueError("a scalar group holds one run")
        if momentum_name not in (None, *MOMENTUM_NAMES):
            raise ValueError(f"momentum_name must be one of {MOMENTUM_NAMES} or None")
        if (momentum is None) != (momentum_name is None):
            raise ValueError("give momentum and momentum_name together (or neither)")
        self.scalar = scalar
        self.lr: Any = float(lr_arr[0]) if scalar else lr_arr
        self.run_lr: Any = copy_of(self.lr)  # the optimizer's configured lr, never changed
        self.momentum: Any = None if momentum is None else self.vec(momentum)
        self.momentum_name = momentum_name
        # Keys torch schedulers store in the param group: initial_lr, max_lr, min_lr, ...
        self.keys: dict[str, Array] = {}

    @property
    def size(self) -> int:
        """B, the number of runs."""
        return 1 if self.scalar else int(self.lr.shape[0])

    def full(self, value: float) -> Any:
        """``value`` for every run: an array of shape (B,) of its type, or the value itself."""
        return value if self.scalar else np.full(self.size, value)

    @property
    def initial_lr(self) -> Array:
        """The group's ``initial_lr`` (set by the first scheduler built on it; else the lr)."""
        return self.keys.get("initial_lr", self.lr)

    @initial_lr.setter
    def initial_lr(self, value: Any) -> None:
        """Overwrite ``initial_lr`` (OneCycleLR does, as in torch)."""
        self.keys["initial_lr"] = self.vec(value)

    def vec(self, value: Any) -> Any:
        """``value`` as a float64 array of shape (B,) (a Python float in a scalar group)."""
        if self.scalar:
            if type(value) is float:
                return value
            return float(np.asarray(value, dtype=np.float64).reshape(-1)[0])
        out = np.asarray(value, dtype=np.float64)
        if out.shape != self.lr.shape:
            out = np.broadcast_to(out, self.lr.shape).copy()
        return out


def choose(condition: Any, a: Any, b: Any) -> Any:
    """``np.where``; for one run's Python values, the plain choice."""
    if isinstance(condition, np.ndarray):
        return np.where(condition, a, b)
    return a if condition else b

