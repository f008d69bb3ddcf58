"""Registry of learning-rate schedules that reproduce ``torch.optim.lr_scheduler`` step for step.

Each scheduler mirrors torch's own object model: the same bookkeeping (``last_epoch``, the step
count, the constructor's initial step), the same recursive ("chainable") ``get_lr`` formulas acting
on the group's current lr, the same closed forms where SequentialLR uses them, and the same writes
to shared group keys (``initial_lr``, OneCycleLR's ``max_lr`` ...). That is what makes
ChainedScheduler and SequentialLR compose exactly as in torch, quirks included. Everything is
vectorised over B runs: a group's lr is an array of shape (B,) and the scalar factors are computed
with Python floats in torch's order, so every value equals torch's bit for bit in float64.

Usage: the scheduler is stepped once after every optimizer step; the lr used by optimizer step t
(t = 1..N) is the lr after t-1 ``step()`` calls; the constructor writes lr(0).

Where torch requires a value we choose a default: empty CosineAnnealingLR.T_max and
OneCycleLR.total_steps mean the run's steps (inside SequentialLR, the steps of that phase); empty
OneCycleLR.max_lr and CyclicLR.base_lr mean the run's lr; empty CyclicLR.max_lr means 10 x
base_lr. Configs torch cannot run are ConfigErrors up front instead of crashes mid-run (OneCycleLR
stepped past total_steps or with a zero-length phase, a composite handed over to by SequentialLR,
ReduceLROnPlateau nested, cycling momentum without momentum). The one deliberate difference:
CyclicLR 'triangular2' after 1024 cycles, where torch raises OverflowError, continues at base_lr.
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ConfigError
from .optimizers.base import copy as copy_of
from .optimizers.base import maximum
from .params import Param, validate_params
from .text import Translations, i18n

if TYPE_CHECKING:
    from .expression import Expression

Array = np.ndarray

MAX_LIST = 32  # longest milestones / schedulers list
MAX_DEPTH = 3  # a composite's children are depth 2, grandchildren depth 3
MAX_NODES = 64  # schedulers in one tree, composites included (bounds the per-step cost)
MAX_STEPS = 1_000_000  # upper bound for any step count a schedule takes
MOMENTUM_NAMES = ("momentum", "beta1")


# --------------------------------------------------------------------------------------------
# The param group and the schedulers


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


def _where(condition: Any, a: Any, b: Any) -> Any:
    """``np.where``; for one run's Python values, the plain choice."""
    if isinstance(condition, np.ndarray):
        return np.where(condition, a, b)
    return a if condition else b


class Scheduler:
    """Base of every schedule: ``step`` after each optimizer step; the group holds the lr."""

    group: ParamGroup
    field: str
    _step_count: int = 0
    _is_initial: bool = False

    @property
    def lr(self) -> Array:
        """The current lr of every run, shape (B,)."""
        return self.group.lr

    @property
    def momentum(self) -> Array | None:
        """The current momentum / beta1 of every run (None if the optimizer has neither)."""
        return self.group.momentum

    def step(self, metric: Array | None = None) -> None:
        """Advance one step; ``metric`` (B,) is the loss after the step (ReduceLROnPlateau only)."""
        with np.errstate(all="ignore"):
            self._step(metric)

    def advance(self, metric: Array | None = None) -> None:
        """``step`` for a caller that already holds ``np.errstate(all="ignore")`` (the runner's
        per-step loop, where entering it again would cost more than the step itself)."""
        self._step(metric)

    def _step(self, metric: Array | None = None) -> None:
        """The step itself (composites call their children's ``_step``)."""
        raise NotImplementedError

    def _initial_step(self) -> None:
        """torch's ``_initial_step``: reset the step count and step once in initial mode."""
        self._step_count = 0
        self._is_initial = True
        try:
            self._step()
        finally:
            self._is_initial = False


class _LRScheduler(Scheduler):
    """torch's ``LRScheduler``: base lrs from ``initial_lr``, ``last_epoch``, the initial step."""

    has_closed_form = False

    def __init__(self, group: ParamGroup, field: str) -> None:
        """Take ``initial_lr`` (set it if unset, like ``setdefault``) and do the initial step."""
        self.group = group
        self.field = field
        if "initial_lr" not in group.keys:
            group.keys["initial_lr"] = copy_of(group.lr)
        self.base_lrs: Array = copy_of(group.keys["initial_lr"])
        self.last_epoch = -1
        self._initial_step()

    def _step(self, metric: Array | None = None) -> None:
        """torch's ``step()``: count the call, then one chainable update."""
        self._step_count += 1
        self._update_lr(None)

    def _update_lr(self, epoch: int | None) -> None:
        """Advance ``last_epoch`` (or set it, using the closed form if any) and write the lr."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self.closed_form_lr() if self.has_closed_form else self.get_lr()
        self.group.lr = self.group.vec(values)

    def get_lr(self) -> Array:
        """The chainable update from the group's current lr."""
        raise NotImplementedError

    def closed_form_lr(self) -> Array:
        """The closed form of lr(last_epoch) from the base lrs (used by SequentialLR)."""
        raise NotImplementedError


class LambdaLR(_LRScheduler):
    """lr = base_lr * f(k), f a formula in k."""

    def __init__(self, group: ParamGroup, field: str, lr_lambda: Expression) -> None:
        """Keep the parsed formula and do the initial step."""
        self.lr_lambda = lr_lambda
        super().__init__(group, field)

    def get_lr(self) -> Array:
        """base_lr * f(last_epoch)."""
        value = np.asarray(self.lr_lambda.evaluate(k=float(self.last_epoch)), dtype=np.float64)
        return self.base_lrs * value


class StepLR(_LRScheduler):
    """Multiply the lr by gamma every ``step_size`` steps."""

    has_closed_form = True

    def __init__(self, group: ParamGroup, field: str, step_size: int, gamma: float) -> None:
        """Keep the parameters and do the initial step."""
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(group, field)

    def get_lr(self) -> Array:
        """lr * gamma at multiples of step_size, else unchanged."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self.group.lr
        return self.group.lr * self.gamma

    def closed_form_lr(self) -> Array:
        """base_lr * gamma ** (k // step_size)."""
        return self.base_lrs * self.gamma ** (self.last_epoch // self.step_size)


class MultiStepLR(_LRScheduler):
    """Multiply the lr by gamma at each milestone (a repeated milestone counts repeatedly)."""

    has_closed_form = True

    def __init__(
        self, group: ParamGroup, field: str, milestones: Sequence[int], gamma: float
    ) -> None:
        """Keep the milestones as torch's Counter and do the initial step."""
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(group, field)

    def get_lr(self) -> Array:
        """lr * gamma ** (times k is a milestone)."""
        if self.last_epoch not in self.milestones:
            return self.group.lr
        return self.group.lr * self.gamma ** self.milestones[self.last_epoch]

    def closed_form_lr(self) -> Array:
        """base_lr * gamma ** (milestones <= k)."""
        milestones = sorted(self.milestones.elements())
        return self.base_lrs * self.gamma ** bisect_right(milestones, self.last_epoch)


class ConstantLR(_LRScheduler):
    """lr = factor * base_lr until total_iters, then base_lr."""

    has_closed_form = True

    def __init__(self, group: ParamGroup, field: str, factor: float, total_iters: int) -> None:
        """Keep the parameters and do the initial step."""
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(group, field)

    def get_lr(self) -> Array:
        """lr * factor at k = 0, lr / factor at k = total_iters, else unchanged."""
        if self.last_epoch == 0:
            return self.group.lr * self.factor
        if self.last_epoch != self.total_iters:
            return self.group.lr
        return self.group.lr * (1.0 / self.factor)

    def closed_form_lr(self) -> Array:
        """base_lr * (factor if k < total_iters else 1)."""
        reached = int(self.last_epoch >= self.total_iters)
        return self.base_lrs * (self.factor + reached * (1 - self.factor))


class LinearLR(_LRScheduler):
    """The factor moves linearly from start_factor to end_factor over total_iters steps."""

    has_closed_form = True

    def __init__(
        self,
        group: ParamGroup,
        field: str,
        start_factor: float,
        end_factor: float,
        total_iters: int,
    ) -> None:
        """Keep the parameters and do the initial step."""
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(group, field)

    def get_lr(self) -> Array:
        """torch's ratio of consecutive factors applied to the current lr."""
        if self.last_epoch == 0:
            return self.group.lr * self.start_factor
        if self._is_initial or self.last_epoch > self.total_iters:
            return self.group.lr
        delta = self.end_factor - self.start_factor
        ratio = 1.0 + delta / (
            self.total_iters * self.start_factor + (self.last_epoch - 1) * delta
        )
        return self.group.lr * ratio

    def closed_form_lr(self) -> Array:
        """base_lr * (s + (e - s) * min(T, k) / T)."""
        delta = self.end_factor - self.start_factor
        factor = (
            self.start_factor + delta * min(self.total_iters, self.last_epoch) / self.total_iters
        )
        return self.base_lrs * factor


class ExponentialLR(_LRScheduler):
    """Multiply the lr by gamma every step."""

    has_closed_form = True

    def __init__(self, group: ParamGroup, field: str, gamma: float) -> None:
        """Keep gamma and do the initial step."""
        self.gamma = gamma
        super().__init__(group, field)

    def get_lr(self) -> Array:
        """lr * gamma (unchanged on the initial step)."""
        if self._is_initial:
            return self.group.lr
        return self.group.lr * self.gamma

    def closed_form_lr(self) -> Array:
        """base_lr * gamma ** k."""
        return self.base_lrs * self.gamma**self.last_epoch


class PolynomialLR(_LRScheduler):
    """lr = base_lr * (1 - min(k, T) / T) ** power."""

    has_closed_form = True

    def __init__(self, group: ParamGroup, field: str, total_iters: int, power: float) -> None:
        """Keep the parameters and do the initial step."""
        self.total_iters = total_iters
        self.power = power
        super().__init__(group, field)

    def get_lr(self) -> Array:
        """torch's ratio of consecutive decay factors applied to the current lr."""
        if self._is_initial or self.last_epoch > self.total_iters:
            return self.group.lr
        k, t = self.last_epoch, self.total_iters
        decay = ((1.0 - k / t) / (1.0 - (k - 1) / t)) ** self.power
        return self.group.lr * decay

    def closed_form_lr(self) -> Array:
        """base_lr * (1 - min(T, k) / T) ** power."""
        t = self.total_iters
        return self.base_lrs * (1.0 - min(t, self.last_epoch) / t) ** self.power


class CosineAnnealingLR(_LRScheduler):
    """Cosine from base_lr down to eta_min over T_max steps (and back up: period 2 * T_max)."""

    has_closed_form = True

    def __init__(self, group: ParamGroup, field: str, T_max: int, eta_min: float) -> None:
        """Keep the parameters and do the initial step."""
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(group, field)

    def get_lr(self) -> Array:
        """torch's recursive cosine step, with its two special cases."""
        k, t, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self.group.lr
        if self._step_count == 1 and k > 0:
            return eta_min + (self.base_lrs - eta_min) * (1 + math.cos(k * math.pi / t)) / 2
        if (k - 1 - t) % (2 * t) == 0:
            return self.group.lr + (self.base_lrs - eta_min) * (1 - math.cos(math.pi / t)) / 2
        ratio = (1 + math.cos(math.pi * k / t)) / (1 + math.cos(math.pi * (k - 1) / t))
        return ratio * (self.group.lr - eta_min) + eta_min

    def closed_form_lr(self) -> Array:
        """eta_min + (base_lr - eta_min) * (1 + cos(pi k / T_max)) / 2."""
        cos = math.cos(math.pi * self.last_epoch / self.T_max)
        return self.eta_min + (self.base_lrs - self.eta_min) * (1 + cos) / 2


class CosineAnnealingWarmRestarts(_LRScheduler):
    """Cosine over T_i steps, then restart at base_lr with T_i multiplied by T_mult."""

    def __init__(
        self, group: ParamGroup, field: str, T_0: int, T_mult: int, eta_min: float
    ) -> None:
        """Keep the parameters (T_cur starts at last_epoch = -1) and do the initial step."""
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = -1
        super().__init__(group, field)

    def _step(self, metric: Array | None = None) -> None:
        """torch's own ``step()``: advance T_cur, restart when it reaches T_i."""
        if self.last_epoch < 0:  # torch: epoch = 0 given explicitly
            self.T_i = self.T_0
            self.T_cur = 0
            self.last_epoch = 0
        else:
            self.last_epoch += 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        self.group.lr = self.group.vec(self.get_lr())

    def get_lr(self) -> Array:
        """eta_min + (base_lr - eta_min) * (1 + cos(pi T_cur / T_i)) / 2."""
        cos = math.cos(math.pi * self.T_cur / self.T_i)
        return self.eta_min + (self.base_lrs - self.eta_min) * (1 + cos) / 2


class CyclicLR(_LRScheduler):
    """The lr goes up and down between base_lr and max_lr (momentum the opposite way)."""

    def __init__(
        self,
        group: ParamGroup,
        field: str,
        base_lr: Array,
        max_lr: Array,
        step_size_up: int,
        step_size_down: int | None,
        mode: str,
        gamma: float,
        cycle_momentum: bool,
        base_momentum: float,
        max_momentum: float,
    ) -> None:
        """Write base_lr (and max momentum) into the group, initial-step, then keep base_lr."""
        base_lrs = group.vec(base_lr)
        group.lr = copy_of(base_lrs)
        self.max_lrs = group.vec(max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode = mode
        self.gamma = gamma
        self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if group.momentum_name is None:
                raise ConfigError(f"{field}.params.cycle_momentum", _NO_MOMENTUM)
            self.base_momentum = base_momentum
            self.max_momentum = max_momentum
            group.momentum = group.vec(max_momentum)
            group.keys["max_momentum"] = group.vec(max_momentum)
            group.keys["base_momentum"] = group.vec(base_momentum)
        super().__init__(group, field)
        self.base_lrs = base_lrs

    def scale_fn(self, x: int) -> float:
        """triangular: 1; triangular2: 1 / 2 ** (cycle - 1); exp_range: gamma ** k."""
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            try:
                return 1 / (2.0 ** (x - 1))
            except OverflowError:  # torch raises here (after 1024 cycles); the limit is 0
                return 0.0
        return self.gamma**x

    def get_lr(self) -> Array:
        """Triangle-wave position in the cycle, scaled; sets momentum too when cycling it."""
        k = self.last_epoch
        cycle = math.floor(1 + k / self.total_size)
        x = 1.0 + k / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else k)
        base_height = (self.max_lrs - self.base_lrs) * scale_factor
        lrs = self.base_lrs + base_height * scale
        if self.cycle_momentum:
            height = (self.max_momentum - self.base_momentum) * scale_factor
            self.group.momentum = self.group.vec(self.max_momentum - height * scale)
        return lrs


class OneCycleLR(_LRScheduler):
    """Warm up from max_lr / div_factor to max_lr, then anneal far below (1cycle policy)."""

    def __init__(
        self,
        group: ParamGroup,
        field: str,
        max_lr: Array,
        total_steps: int,
        pct_start: float,
        anneal_strategy: str,
        cycle_momentum: bool,
        base_momentum: float,
        max_momentum: float,
        div_factor: float,
        final_div_factor: float,
        three_phase: bool,
    ) -> None:
        """Write initial_lr / max_lr / min_lr (and momentum) into the group, then initial-step."""
        self.total_steps = total_steps
        p, n = pct_start, total_steps
        if three_phase:
            self.phases: list[tuple[float, str, str, str, str]] = [
                (float(p * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (float(2 * p * n) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self.phases = [
                (float(p * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        self.anneal_strategy = anneal_strategy
        max_lrs = group.vec(max_lr)
        group.keys["initial_lr"] = max_lrs / div_factor
        group.keys["max_lr"] = max_lrs
        group.keys["min_lr"] = group.keys["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if group.momentum_name is None:
                raise ConfigError(f"{field}.params.cycle_momentum", _NO_MOMENTUM)
            group.momentum = group.vec(max_momentum)
            group.keys["max_momentum"] = group.vec(max_momentum)
            group.keys["base_momentum"] = group.vec(base_momentum)
        super().__init__(group, field)

    def _anneal(self, start: Array, end: Array, pct: float) -> Array:
        """torch's cosine or linear interpolation from start (pct 0) to end (pct 1)."""
        if self.anneal_strategy == "cos":
            cos_out = math.cos(math.pi * pct) + 1
            return end + (start - end) / 2.0 * cos_out
        return (end - start) * pct + start

    def get_lr(self) -> Array:
        """Find the phase of the step and anneal within it (momentum too when cycling it)."""
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ConfigError(
                f"{self.field}.params.total_steps",
                f"torch's OneCycleLR cannot be stepped {step_num} times with total_steps = "
                f"{self.total_steps}; make total_steps larger",
            )
        keys = self.group.keys
        start_step = 0.0
        for i, (end_step, lr0, lr1, m0, m1) in enumerate(self.phases):
            if step_num <= end_step or i == len(self.phases) - 1:
                if end_step == start_step:
                    raise ConfigError(f"{self.field}.params.pct_start", _ZERO_PHASE)
                pct = (step_num - start_step) / (end_step - start_step)
                if self.cycle_momentum:
                    self.group.momentum = self._anneal(keys[m0], keys[m1], pct)
                return self._anneal(keys[lr0], keys[lr1], pct)
            start_step = end_step
        raise AssertionError("unreachable: the last phase always matches")


class ReduceLROnPlateau(Scheduler):
    """Cut the lr by ``factor`` when the metric stops improving (per run, vectorised)."""

    def __init__(
        self,
        group: ParamGroup,
        field: str,
        mode: str,
        factor: float,
        patience: int,
        threshold: float,
        threshold_mode: str,
        cooldown: int,
        min_lr: float,
        eps: float,
    ) -> None:
        """Keep the parameters and start every run with best = worst, no bad steps, no cooldown."""
        self.group = group
        self.field = field
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.eps = eps
        self.last_epoch = 0
        self.best = group.full(math.inf if mode == "min" else -math.inf)
        self.num_bad_epochs = group.full(0)
        self.cooldown_counter = group.full(0)

    def _is_better(self, a: Array) -> Array:
        """torch's comparison of the metric against the best so far, per run."""
        best = self.best
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _step(self, metric: Array | None = None) -> None:
        """One plateau step on the metric of every run."""
        if metric is None:
            raise TypeError("ReduceLROnPlateau.step needs the metric (the loss after the step)")
        current = self.group.vec(metric)
        self.last_epoch += 1
        better = self._is_better(current)
        self.best = _where(better, current, self.best)
        bad = _where(better, 0, self.num_bad_epochs + 1)
        in_cooldown = self.cooldown_counter > 0
        self.cooldown_counter = self.cooldown_counter - in_cooldown
        bad = _where(in_cooldown, 0, bad)
        reduce = bad > self.patience
        if reduce.any() if isinstance(reduce, np.ndarray) else reduce:
            old = self.group.lr
            new = maximum(old * self.factor, self.min_lr)
            self.group.lr = _where(reduce & (old - new > self.eps), new, old)
            self.cooldown_counter = _where(reduce, self.cooldown, self.cooldown_counter)
            bad = _where(reduce, 0, bad)
        self.num_bad_epochs = bad


class _Composite(Scheduler):
    """A scheduler made of others (SequentialLR, ChainedScheduler)."""

    children: list[Scheduler]


class SequentialLR(_Composite):
    """Run the schedulers one after another, switching at the milestones."""

    def __init__(
        self, group: ParamGroup, field: str, children: list[Scheduler], milestones: list[int]
    ) -> None:
        """torch's constructor: reset the lr, undo the children's initial steps, restart one."""
        self.group = group
        self.field = field
        self.children = children
        self.milestones = milestones
        self.last_epoch = 0
        group.lr = copy_of(group.initial_lr)
        self._undo(self)
        children[bisect_right(milestones, 0)]._initial_step()

    def _undo(self, sched: Scheduler) -> None:
        """torch's ``recursive_undo``: step every leaf's last_epoch back by one."""
        if isinstance(sched, _Composite):
            for child in sched.children:
                self._undo(child)
        elif isinstance(sched, _LRScheduler):
            sched.last_epoch -= 1

    def _step(self, metric: Array | None = None) -> None:
        """Step the active child, restarting it at its own epoch 0 on its milestone."""
        self.last_epoch += 1
        idx = bisect_right(self.milestones, self.last_epoch)
        child = self.children[idx]
        if idx > 0 and self.milestones[idx - 1] == self.last_epoch:
            if not isinstance(child, _LRScheduler):
                raise ConfigError(f"{self.field}.params.schedulers[{idx}]", _COMPOSITE_LATER)
            child._update_lr(0)
        else:
            child._step()


class ChainedScheduler(_Composite):
    """Step every scheduler in order; their factors compound on the same lr."""

    def __init__(self, group: ParamGroup, field: str, children: list[Scheduler]) -> None:
        """Keep the (already built) children."""
        self.group = group
        self.field = field
        self.children = children

    def _step(self, metric: Array | None = None) -> None:
        """Step each child in order."""
        for child in self.children:
            child._step()


_NO_MOMENTUM = (
    "this optimizer has neither momentum nor beta1, so torch refuses to cycle momentum; "
    "set cycle_momentum to false"
)
_ZERO_PHASE = (
    "with this pct_start and total_steps a phase of torch's OneCycleLR has zero length and torch "
    "divides by zero; change pct_start or total_steps"
)
_COMPOSITE_LATER = (
    "SequentialLR can hand over only to a plain scheduler (torch raises NotImplementedError for "
    "SequentialLR / ChainedScheduler after the first position)"
)


# --------------------------------------------------------------------------------------------
# The catalog


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule: torch's class name, text for students, formula and parameters."""

    name: str
    label: str
    description: str
    latex: str
    params: tuple[Param, ...]
    cycles_momentum: bool = False
    composite: bool = False
    needs_metric: bool = False
    zh: Translations = field(default_factory=dict)  # {"label", "description"} in Chinese

    def to_catalog(self) -> dict[str, Any]:
        """The JSON description of this schedule for the page."""
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "latex": self.latex,
            "params": [p.to_catalog() for p in self.params],
            "cycles_momentum": self.cycles_momentum,
            "composite": self.composite,
            "needs_metric": self.needs_metric,
            **i18n(self.zh),
        }


def _int(name: str, default: int | None, lo: int, hi: int, *, slider_max: int,
         help_text: str, symbol: str = "", nullable: bool = False) -> Param:
    """An integer step count with a linear slider."""
    return Param(
        name, default, kind="int", min=lo, max=hi, step=1, slider_min=lo, slider_max=slider_max,
        nullable=nullable, symbol=symbol, help=help_text,
    )


def _gamma(default: float, help_text: str, hi: float = 10.0) -> Param:
    """A multiplicative decay factor gamma > 0 on a log slider."""
    return Param(
        "gamma", default, min=0.0, max=hi, min_open=True, scale="log", slider_min=1e-3,
        slider_max=1.0, symbol=r"\gamma", help=help_text,
    )


def _lr_like(name: str, default: float | None, symbol: str, help_text: str,
             nullable: bool = False) -> Param:
    """An lr-valued parameter (eta_min, min_lr, max_lr ...) on a log slider."""
    return Param(
        name, default, min=0.0, max=1e3, scale="log", slider_min=1e-6, slider_max=10.0,
        nullable=nullable, symbol=symbol, help=help_text,
    )


def _momentum(name: str, default: float, symbol: str, help_text: str) -> Param:
    """A momentum / beta1 value in [0, 1) on a slider fine near 1."""
    return Param(
        name, default, min=0.0, max=1.0, max_open=True, scale="beta", slider_min=0.0,
        slider_max=0.999, symbol=symbol, help=help_text,
    )


def _fraction(name: str, default: float, symbol: str, help_text: str, *,
              min_open: bool = False) -> Param:
    """A factor in [0, 1] (or (0, 1]) on a linear slider."""
    return Param(
        name, default, min=0.0, max=1.0, min_open=min_open, step=0.01,
        slider_min=0.01 if min_open else 0.0, slider_max=1.0, symbol=symbol, help=help_text,
    )


def _cycle_momentum(help_text: str) -> Param:
    """Whether to cycle the optimizer's momentum / beta1 against the lr."""
    return Param("cycle_momentum", True, kind="bool", help=help_text)


_MILESTONE_LIST = {"items": "int", "item_min": 0, "max_items": MAX_LIST}
_SCHEDULER_LIST = {"items": "schedule", "max_items": MAX_LIST}

_SCHEDULE_LIST: tuple[ScheduleSpec, ...] = (
    ScheduleSpec(
        "LambdaLR", "Lambda (formula)",
        "The learning rate is the base rate times a formula you type in k, the number of "
        "scheduler steps so far. Try 0.95**k for exponential decay or min(1, (k+1)/10) for a "
        "linear warm-up; anything you can write as a function of k becomes a schedule.",
        r"\eta_k = \eta_0 \, f(k)",
        (
            Param("lr_lambda", "1", kind="expression", symbol="f(k)",
                  help="multiplier of the base lr, a formula in k (e.g. 0.95**k)"),
        ),
    ),
    ScheduleSpec(
        "StepLR", "Step decay",
        "Every step_size steps the learning rate is multiplied by gamma, giving a staircase. "
        "Big early steps make fast progress; each drop lets the optimizer settle deeper into "
        "the valley it has found.",
        r"\eta_k = \eta_0 \, \gamma^{\lfloor k / s \rfloor}",
        (
            _int("step_size", 30, 1, MAX_STEPS, slider_max=500, symbol="s",
                 help_text="steps between two drops"),
            _gamma(0.1, "factor applied at each drop"),
        ),
    ),
    ScheduleSpec(
        "MultiStepLR", "Multi-step decay",
        "The learning rate is multiplied by gamma at each milestone step you list, like a "
        "staircase with hand-placed steps (the classic recipe drops it at 50% and 75% of "
        "training).",
        r"\eta_k = \eta_0 \, \gamma^{\,|\{i \,:\, m_i \le k\}|}",
        (
            Param("milestones", [30, 80], kind="list", symbol="m_i",
                  help="steps at which the lr is multiplied by gamma", extra=_MILESTONE_LIST),
            _gamma(0.1, "factor applied at each milestone"),
        ),
    ),
    ScheduleSpec(
        "ConstantLR", "Constant factor, then full",
        "For the first total_iters steps the learning rate is held at factor times the base "
        "rate, then it jumps back to the base rate: a crude warm-up.",
        r"\eta_k = \begin{cases} c\,\eta_0 & k < T \\ \eta_0 & k \ge T \end{cases}",
        (
            _fraction("factor", 1.0 / 3, "c", "multiplier before total_iters", min_open=True),
            _int("total_iters", 5, 0, MAX_STEPS, slider_max=500, symbol="T",
                 help_text="steps at the reduced lr"),
        ),
    ),
    ScheduleSpec(
        "LinearLR", "Linear ramp",
        "The multiplier of the base rate moves in a straight line from start_factor to "
        "end_factor over total_iters steps and then stays there. With a small start_factor "
        "this is the standard linear warm-up.",
        r"\eta_k = \eta_0 \left(s + (e - s)\,\frac{\min(k, T)}{T}\right)",
        (
            _fraction("start_factor", 1.0 / 3, "s", "multiplier at step 0", min_open=True),
            _fraction("end_factor", 1.0, "e", "multiplier from step total_iters on"),
            _int("total_iters", 5, 1, MAX_STEPS, slider_max=500, symbol="T",
                 help_text="steps of the ramp"),
        ),
    ),
    ScheduleSpec(
        "ExponentialLR", "Exponential decay",
        "The learning rate is multiplied by gamma after every step, so it decays "
        "geometrically: with gamma = 0.99 it halves about every 69 steps.",
        r"\eta_k = \eta_0 \, \gamma^{k}",
        (
            Param("gamma", 0.99, min=0.0, max=1.1, min_open=True, step=1e-3, slider_min=0.9,
                  slider_max=1.0, symbol=r"\gamma", help="factor applied every step"),
        ),
    ),
    ScheduleSpec(
        "PolynomialLR", "Polynomial decay",
        "The learning rate falls to zero over total_iters steps following a power of the "
        "remaining fraction: power 1 is a straight line, larger powers drop fast and then "
        "crawl, smaller ones hold high and then plunge.",
        r"\eta_k = \eta_0 \left(1 - \frac{\min(k, T)}{T}\right)^{p}",
        (
            _int("total_iters", 5, 1, MAX_STEPS, slider_max=500, symbol="T",
                 help_text="steps until the lr reaches zero"),
            Param("power", 1.0, min=0.0, max=10.0, step=0.1, slider_min=0.1, slider_max=5.0,
                  symbol="p", help="exponent of the decay"),
        ),
    ),
    ScheduleSpec(
        "CosineAnnealingLR", "Cosine annealing",
        "The learning rate follows half a cosine wave from the base rate down to eta_min over "
        "T_max steps: it stays high for a while, falls fastest in the middle and lands gently. "
        "Past T_max it rises again (torch does not clamp it). T_max left empty means the run's "
        "length (inside SequentialLR, the length of its phase).",
        r"\eta_k = \eta_{\min} + \frac{\eta_0 - \eta_{\min}}{2}"
        r"\left(1 + \cos\frac{\pi k}{T_{\max}}\right)",
        (
            _int("T_max", None, 1, MAX_STEPS, slider_max=2000, symbol=r"T_{\max}", nullable=True,
                 help_text="steps of the half cosine (empty: the run's steps)"),
            _lr_like("eta_min", 0.0, r"\eta_{\min}", "lowest lr"),
        ),
    ),
    ScheduleSpec(
        "CosineAnnealingWarmRestarts", "Cosine with warm restarts (SGDR)",
        "Cosine annealing that jumps back to the base rate after T_0 steps, each new cycle "
        "T_mult times longer than the last. The restarts kick the optimizer out of sharp "
        "valleys; with T_mult = 2 the cycles last T_0, 2 T_0, 4 T_0, ...",
        r"\eta_k = \eta_{\min} + \frac{\eta_0 - \eta_{\min}}{2}"
        r"\left(1 + \cos\frac{\pi T_{cur}}{T_i}\right),\quad T_i = T_0\,T_{mult}^{\,i}",
        (
            _int("T_0", 50, 1, MAX_STEPS, slider_max=1000, symbol="T_0",
                 help_text="steps of the first cycle"),
            _int("T_mult", 1, 1, 100, slider_max=4, symbol="T_{mult}",
                 help_text="each cycle is this many times longer than the previous"),
            _lr_like("eta_min", 0.0, r"\eta_{\min}", "lowest lr"),
        ),
    ),
    ScheduleSpec(
        "ReduceLROnPlateau", "Reduce on plateau",
        "Watches the loss after every step and multiplies the learning rate by factor when it "
        "has not improved (by more than threshold) for more than patience steps, then waits "
        "cooldown steps before watching again. The only schedule that reacts to the run.",
        r"\eta \leftarrow \max(\phi\,\eta,\ \eta_{\min})"
        r"\ \text{after more than } P \text{ steps without improvement}",
        (
            Param("mode", "min", kind="choice", choices=("min", "max"),
                  help="min: lower loss is better; max: higher is better"),
            Param("factor", 0.1, min=0.0, max=1.0, max_open=True, step=0.01, slider_min=0.01,
                  slider_max=0.99, symbol=r"\phi", help="multiplier applied on a plateau"),
            _int("patience", 10, 0, MAX_STEPS, slider_max=100, symbol="P",
                 help_text="steps without improvement tolerated"),
            Param("threshold", 1e-4, min=0.0, max=1e3, scale="log", slider_min=1e-6,
                  slider_max=1.0, symbol=r"\tau", help="smallest change that counts as better"),
            Param("threshold_mode", "rel", kind="choice", choices=("rel", "abs"),
                  help="rel: better than best*(1-threshold); abs: better than best-threshold"),
            _int("cooldown", 0, 0, MAX_STEPS, slider_max=100,
                 help_text="steps to wait after a cut before counting again"),
            _lr_like("min_lr", 0.0, r"\eta_{\min}", "the lr is never cut below this"),
            Param("eps", 1e-8, min=0.0, max=1.0, scale="log", slider_min=1e-12, slider_max=1e-2,
                  symbol=r"\epsilon", help="cuts smaller than this are skipped"),
        ),
        needs_metric=True,
    ),
    ScheduleSpec(
        "CyclicLR", "Cyclical learning rate",
        "The learning rate climbs from base_lr to max_lr over step_size_up steps and falls "
        "back over step_size_down, again and again; triangular2 halves the height each cycle "
        "and exp_range shrinks it by gamma every step. Momentum (or Adam's beta1) swings the "
        "other way. Empty base_lr means the run's lr; empty max_lr means 10 x base_lr.",
        r"\eta_k = b + (M - b)\, h(k)\, \sigma,\quad h \text{ a triangle wave rising over }"
        r" s_{up} \text{ and falling over } s_{down} \text{ steps}",
        (
            _lr_like("base_lr", None, "b", "lowest lr of the cycle (empty: the run's lr)",
                     nullable=True),
            _lr_like("max_lr", None, "M", "highest lr of the cycle (empty: 10 x base_lr)",
                     nullable=True),
            _int("step_size_up", 2000, 1, MAX_STEPS, slider_max=1000, symbol="s_{up}",
                 help_text="steps from base_lr up to max_lr"),
            _int("step_size_down", None, 0, MAX_STEPS, slider_max=1000, symbol="s_{down}",
                 nullable=True, help_text="steps back down (empty: same as up)"),
            Param("mode", "triangular", kind="choice",
                  choices=("triangular", "triangular2", "exp_range"),
                  help="triangular: constant height; triangular2: halved each cycle; "
                       "exp_range: times gamma**k"),
            Param("gamma", 1.0, min=0.0, max=1.0, min_open=True, scale="beta", slider_min=0.9,
                  slider_max=0.9999, symbol=r"\gamma", help="decay per step in exp_range mode"),
            _cycle_momentum("swing momentum / beta1 between max_momentum and base_momentum"),
            _momentum("base_momentum", 0.8, r"\mu_{b}", "momentum at the lr's peak"),
            _momentum("max_momentum", 0.9, r"\mu_{M}", "momentum at the lr's trough"),
        ),
        cycles_momentum=True,
    ),
    ScheduleSpec(
        "OneCycleLR", "One cycle (1cycle policy)",
        "One big cycle over the whole run: warm up from max_lr/div_factor to max_lr during the "
        "first pct_start of the steps, then anneal far below the start (by final_div_factor), "
        "while momentum does the opposite. Three-phase comes back to the start before the final "
        "drop. Empty max_lr means the run's lr; empty total_steps means the run's steps.",
        r"\frac{M}{d} \nearrow M \searrow \frac{M}{d\,d_f}",
        (
            _lr_like("max_lr", None, "M", "peak lr (empty: the run's lr)", nullable=True),
            _int("total_steps", None, 1, MAX_STEPS, slider_max=10000, symbol="N", nullable=True,
                 help_text="length of the cycle (empty: the run's steps)"),
            Param("pct_start", 0.3, min=0.0, max=1.0, step=0.01, symbol="p",
                  help="fraction of the steps spent warming up"),
            Param("anneal_strategy", "cos", kind="choice", choices=("cos", "linear"),
                  help="shape of each phase"),
            _cycle_momentum("swing momentum / beta1 between max_momentum and base_momentum"),
            _momentum("base_momentum", 0.85, r"\mu_{b}", "momentum at the lr's peak"),
            _momentum("max_momentum", 0.95, r"\mu_{M}", "momentum at the start and the end"),
            Param("div_factor", 25.0, min=0.0, max=1e6, min_open=True, scale="log",
                  slider_min=1.0, slider_max=1e3, symbol="d",
                  help="the cycle starts at max_lr / div_factor"),
            Param("final_div_factor", 1e4, min=0.0, max=1e9, min_open=True, scale="log",
                  slider_min=1.0, slider_max=1e6, symbol="d_f",
                  help="it ends at the start lr / final_div_factor"),
            Param("three_phase", False, kind="bool",
                  help="come back down to the start lr before the final anneal"),
        ),
        cycles_momentum=True,
    ),
    ScheduleSpec(
        "SequentialLR", "Sequential (warm-up then ...)",
        "Runs several schedules one after the other: at each milestone the next one starts "
        "from its own step 0. The classic use is a linear warm-up followed by cosine annealing.",
        r"\eta_k = \text{schedule}_i(k - m_{i-1}) \quad \text{for } m_{i-1} \le k < m_i",
        (
            Param("schedulers", [
                {"name": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
                {"name": "CosineAnnealingLR", "params": {}},
            ], kind="list", help="the schedules, in order", extra=_SCHEDULER_LIST),
            Param("milestones", [10], kind="list", symbol="m_i",
                  help="steps at which the next schedule takes over (one fewer than schedules)",
                  extra=_MILESTONE_LIST),
        ),
        composite=True,
    ),
    ScheduleSpec(
        "ChainedScheduler", "Chained (multiply schedules)",
        "Steps several schedules together on the same learning rate, so their effects "
        "multiply: for example a constant warm-up factor on top of an exponential decay.",
        r"\eta_k = \eta_0 \prod_j f_j(k)",
        (
            Param("schedulers", [
                {"name": "ConstantLR", "params": {"factor": 0.5, "total_iters": 10}},
                {"name": "ExponentialLR", "params": {"gamma": 0.99}},
            ], kind="list", help="the schedules, stepped together", extra=_SCHEDULER_LIST),
        ),
        composite=True,
    ),
)

SCHEDULES: dict[str, ScheduleSpec] = {s.name: s for s in _SCHEDULE_LIST}


def schedule_catalog() -> list[dict[str, Any]]:
    """Every schedule's catalog entry, in display order."""
    return [s.to_catalog() for s in _SCHEDULE_LIST]


# --------------------------------------------------------------------------------------------
# Validation


@dataclass
class _Ctx:
    """Validation state: the run's steps (if known) and how many schedulers were seen so far."""

    steps: int | None  # the run's steps (None: not known, skip step-dependent checks)
    nodes: int = 0


def _windows(
    milestones: Sequence[int], span: int, reach: int, offset: int = 0
) -> list[tuple[int, int]]:
    """(span, reach) of each SequentialLR child: its phase length and its largest last_epoch."""
    # offset: how far the SequentialLR's own count runs ahead of the run's (1 when it is the first
    # child of another SequentialLR, whose constructor steps it once more, as torch does).
    out = []
    bounds = [0, *milestones]
    for i, start in enumerate(bounds):
        end = milestones[i] if i < len(milestones) else None
        stop_span = span + offset if end is None else min(span + offset, end)
        stop_reach = reach + offset if end is None else min(reach + offset, end - 1)
        out.append((max(1, stop_span - start), max(0, stop_reach - start)))
    return out


def _child_offset(parent: str, milestones: Sequence[int], index: int, child: Any) -> int:
    """1 for a SequentialLR that its parent SequentialLR's constructor steps once more, else 0."""
    is_sequential = isinstance(child, Mapping) and child.get("name") == "SequentialLR"
    started = bisect_right(milestones, 0) == index
    return int(parent == "SequentialLR" and is_sequential and started)


def validate_schedule(
    spec: Mapping[str, Any], field: str = "schedule", total_steps: int | None = None
) -> dict[str, Any]:
    """Check a schedule config, fill every default; ``total_steps`` enables run-length checks."""
    # The result is {"name": ..., "params": {...}}; with total_steps (the run's steps) known,
    # OneCycleLR's total_steps and phases are checked against what torch can run.
    steps = None if total_steps is None else max(int(total_steps), 0)
    ctx = _Ctx(steps)
    span = max(1, steps or 1)
    return _validate(spec, field, ctx, 1, span, steps if steps is not None else 0, 0)


def _validate(
    spec: Any, field: str, ctx: _Ctx, depth: int, span: int, reach: int, offset: int
) -> dict[str, Any]:
    """Validate one node of the schedule tree (recursing into composites)."""
    if not isinstance(spec, Mapping):
        raise ConfigError(field, "must be an object like {\"name\": \"StepLR\", \"params\": {}}")
    for key in spec:
        if key not in ("name", "params"):
            raise ConfigError(f"{field}.{key}", "unknown key; allowed: name, params")
    name = spec.get("name")
    if not isinstance(name, str) or name not in SCHEDULES:
        known = ", ".join(SCHEDULES)
        raise ConfigError(f"{field}.name", f"unknown schedule {name!r}; known: {known}")
    ctx.nodes += 1
    if ctx.nodes > MAX_NODES:
        raise ConfigError(field, f"too many schedulers in one schedule (at most {MAX_NODES})")
    given = spec.get("params")
    prefix = f"{field}.params"
    if given is not None and not isinstance(given, Mapping):
        raise ConfigError(prefix, "must be an object of parameter values")
    params = validate_params(SCHEDULES[name].params, given, prefix)
    for key, value in params.items():
        if isinstance(value, list):
            params[key] = copy.deepcopy(value)
    if name == "LambdaLR":
        _parse_lambda(params["lr_lambda"], f"{prefix}.lr_lambda")
    elif name == "MultiStepLR":
        params["milestones"] = _int_list(params["milestones"], f"{prefix}.milestones")
    elif name == "OneCycleLR":
        _check_one_cycle(params, prefix, ctx, span, reach)
    elif name in ("SequentialLR", "ChainedScheduler"):
        params["schedulers"] = _validate_children(
            name, params, prefix, ctx, depth, span, reach, offset
        )
    return {"name": name, "params": params}


def _validate_children(
    name: str,
    params: dict[str, Any],
    prefix: str,
    ctx: _Ctx,
    depth: int,
    span: int,
    reach: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Validate a composite's schedulers (and SequentialLR's milestones)."""
    children = params["schedulers"]
    where = f"{prefix}.schedulers"
    if not isinstance(children, list) or not children:
        raise ConfigError(where, "must be a non-empty list of schedules")
    if len(children) > MAX_LIST:
        raise ConfigError(where, f"at most {MAX_LIST} schedules")
    if depth >= MAX_DEPTH:
        raise ConfigError(where, f"schedules nest at most {MAX_DEPTH} levels deep")
    if name == "SequentialLR":
        milestones = _int_list(params["milestones"], f"{prefix}.milestones", increasing=True)
        if len(milestones) != len(children) - 1:
            raise ConfigError(
                f"{prefix}.milestones",
                f"needs exactly one milestone fewer than schedulers ({len(children) - 1}), "
                f"got {len(milestones)}",
            )
        params["milestones"] = milestones
        windows = _windows(milestones, span, reach, offset)
    else:
        milestones = []
        windows = [(span, reach)] * len(children)
    out = []
    for i, (child, (child_span, child_reach)) in enumerate(zip(children, windows, strict=True)):
        child_field = f"{where}[{i}]"
        shift = _child_offset(name, milestones, i, child)
        checked = _validate(child, child_field, ctx, depth + 1, child_span, child_reach, shift)
        if checked["name"] == "ReduceLROnPlateau":
            raise ConfigError(
                f"{child_field}.name",
                f"ReduceLROnPlateau cannot be part of {name} (torch does not support it: it "
                "needs the metric)",
            )
        if name == "SequentialLR" and i > 0 and SCHEDULES[checked["name"]].composite:
            raise ConfigError(f"{child_field}.name", _COMPOSITE_LATER)
        out.append(checked)
    return out


def _int_list(value: Any, field: str, *, increasing: bool = False) -> list[int]:
    """A list of at most MAX_LIST integers >= 0 (strictly increasing if asked)."""
    if not isinstance(value, list | tuple):
        raise ConfigError(field, "must be a list of integers")
    if len(value) > MAX_LIST:
        raise ConfigError(field, f"at most {MAX_LIST} entries")
    item = Param("item", 0, kind="int", min=0, max=MAX_STEPS)
    out = [item.validate(v, f"{field}[{i}]") for i, v in enumerate(value)]
    if increasing:
        for i in range(1, len(out)):
            if out[i] <= out[i - 1]:
                raise ConfigError(f"{field}[{i}]", "milestones must be strictly increasing")
    return out


def _parse_lambda(text: str, field: str) -> Expression:
    """Parse LambdaLR's formula in k (ConfigError naming the field if it is not valid)."""
    from .expression import parse_expression

    return parse_expression(text, variables=("k",), field=field)


def _check_one_cycle(
    params: dict[str, Any], prefix: str, ctx: _Ctx, span: int, reach: int
) -> None:
    """Reject OneCycleLR settings that make torch raise within the run."""
    explicit = params["total_steps"]
    if explicit is None and ctx.steps is None:
        return
    n = explicit if explicit is not None else span
    if ctx.steps is not None and reach > n:
        raise ConfigError(
            f"{prefix}.total_steps",
            f"must be at least {reach}: the scheduler is stepped {reach} times in this run and "
            "torch's OneCycleLR raises when stepped past total_steps",
        )
    p = params["pct_start"]
    ends = [float(p * n) - 1, float(2 * p * n) - 2] if params["three_phase"] else [float(p * n) - 1]
    zero_first = ends[0] == 0.0
    zero_last = ctx.steps is not None and reach >= n and ends[-1] == n - 1
    if zero_first or zero_last:
        raise ConfigError(f"{prefix}.pct_start", _ZERO_PHASE)


# --------------------------------------------------------------------------------------------
# Building


def build_scheduler(
    spec: Mapping[str, Any], group: ParamGroup, total_steps: int, field: str = "schedule"
) -> Scheduler:
    """Build the scheduler for a config on ``group``, writing lr(0) to it, for a run of N steps."""
    # total_steps: the run's optimizer steps (the scheduler is stepped that many times); it fills
    # T_max / total_steps left empty and lets OneCycleLR be checked against what torch can run.
    steps = max(int(total_steps), 0)
    checked = validate_schedule(spec, field, steps)
    with np.errstate(all="ignore"):
        return _build(checked, group, field, max(1, steps), steps, 0)


def _build(
    node: dict[str, Any], group: ParamGroup, field: str, span: int, reach: int, offset: int
) -> Scheduler:
    """Build one node, children first (the order torch code constructs them in)."""
    name, p = node["name"], node["params"]
    where = f"{field}.params.schedulers"
    if name == "SequentialLR":
        windows = _windows(p["milestones"], span, reach, offset)
        children = [
            _build(
                child, group, f"{where}[{i}]", *windows[i],
                _child_offset(name, p["milestones"], i, child),
            )
            for i, child in enumerate(p["schedulers"])
        ]
        return SequentialLR(group, field, children, list(p["milestones"]))
    if name == "ChainedScheduler":
        children = [
            _build(child, group, f"{where}[{i}]", span, reach, 0)
            for i, child in enumerate(p["schedulers"])
        ]
        return ChainedScheduler(group, field, children)
    if name == "LambdaLR":
        return LambdaLR(group, field, _parse_lambda(p["lr_lambda"], f"{field}.params.lr_lambda"))
    if name == "StepLR":
        return StepLR(group, field, p["step_size"], p["gamma"])
    if name == "MultiStepLR":
        return MultiStepLR(group, field, p["milestones"], p["gamma"])
    if name == "ConstantLR":
        return ConstantLR(group, field, p["factor"], p["total_iters"])
    if name == "LinearLR":
        return LinearLR(group, field, p["start_factor"], p["end_factor"], p["total_iters"])
    if name == "ExponentialLR":
        return ExponentialLR(group, field, p["gamma"])
    if name == "PolynomialLR":
        return PolynomialLR(group, field, p["total_iters"], p["power"])
    if name == "CosineAnnealingLR":
        t_max = p["T_max"] if p["T_max"] is not None else span
        return CosineAnnealingLR(group, field, t_max, p["eta_min"])
    if name == "CosineAnnealingWarmRestarts":
        return CosineAnnealingWarmRestarts(group, field, p["T_0"], p["T_mult"], p["eta_min"])
    if name == "ReduceLROnPlateau":
        return ReduceLROnPlateau(
            group, field, p["mode"], p["factor"], p["patience"], p["threshold"],
            p["threshold_mode"], p["cooldown"], p["min_lr"], p["eps"],
        )
    if name == "CyclicLR":
        base = group.run_lr if p["base_lr"] is None else p["base_lr"]
        base_arr = group.vec(base)
        top = base_arr * 10.0 if p["max_lr"] is None else p["max_lr"]
        return CyclicLR(
            group, field, base_arr, group.vec(top), p["step_size_up"], p["step_size_down"],
            p["mode"], p["gamma"], p["cycle_momentum"], p["base_momentum"], p["max_momentum"],
        )
    if name == "OneCycleLR":
        top = group.run_lr if p["max_lr"] is None else p["max_lr"]
        n = p["total_steps"] if p["total_steps"] is not None else span
        return OneCycleLR(
            group, field, group.vec(top), n, p["pct_start"], p["anneal_strategy"],
            p["cycle_momentum"], p["base_momentum"], p["max_momentum"], p["div_factor"],
            p["final_div_factor"], p["three_phase"],
        )
    raise AssertionError(f"unhandled schedule {name}")  # pragma: no cover
