"""Runs a configuration: every run, every step, the point, loss, lr, gradient and state.

The stepping core is vectorised over B rows (B = cells for the hyperparameter and basin maps).
A single run (a page's runs, ``run()``) goes through one stepping loop, :func:`record_steps`,
which owns the step count, the schedule, the step's constants, the bounds and the recording, with
one of two kernels: :class:`FloatKernel` steps the same optimizer functions on Python floats, one
coordinate at a time (NumPy's per-call overhead on (1, 2) arrays is ~20x the arithmetic), or
both at once as a Vec2 pair for an update that couples them (``joint``);
:class:`ArrayKernel` steps a one-row :class:`Simulation` (mini-batches, line searches). IEEE
arithmetic is the same on floats and float64 arrays, so a map cell and a single run are still the
very same computation, bit for bit; whatever the float kernel cannot reproduce exactly (a Python
float raising where NumPy returns inf or nan, ...) is rerun on arrays, counted and logged.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import operator
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import build_objective, validate_config
from .optimizers import OPTIMIZERS, OptimizerSpec, constant_vars, state_vars
from .optimizers.base import INNER, NO_CONSTANTS, Constants, State
from .optimizers.pair import Vec2, paired
from .schedules import ParamGroup, build_scheduler

log = logging.getLogger("app.engine")
FALLBACKS: Counter[str] = Counter()
"""Runs that fell back from the float kernel to the array kernel, by optimizer name."""

BOUND = 1e8  # a coordinate beyond this (or a loss beyond LOSS_BOUND) ends a run as diverged
LOSS_BOUND = 1e150
TINY_GRAD = 1e-300


@dataclass
class StepBlock:
    """Steps ``first .. first+len-1`` of one run (steps count from 1)."""

    run: int
    first: int
    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    grad_x: np.ndarray
    grad_y: np.ndarray
    state: dict[str, np.ndarray]  # name -> (n, 2)
    factors: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n,) per step

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class RunEnd:
    """The end of one run: ``completed`` or ``diverged``, after ``steps`` recorded steps."""

    run: int
    status: str
    steps: int


@dataclass
class Trajectory:
    """One run's whole record, as NumPy arrays of length ``steps``."""

    optimizer: str
    status: str
    steps: int
    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    grad_x: np.ndarray
    grad_y: np.ndarray
    state: dict[str, np.ndarray] = field(default_factory=dict)
    label: str | None = None
    factors: dict[str, np.ndarray] = field(default_factory=dict)  # the step's scalar factors

    @property
    def points(self) -> np.ndarray:
        """The path as an (steps, 2) array, the start point excluded."""
        return np.column_stack([self.x, self.y])


@dataclass
class Result:
    """A configuration (defaults filled) and one trajectory per run."""

    config: dict[str, Any]
    runs: list[Trajectory]
    start_loss: float


def run_hyperparams(
    run: Mapping[str, Any],
) -> tuple[OptimizerSpec, OptimizerSpec, dict[str, Any]]:
    """The optimizer to step, the one its schedule drives, and the hyperparameter record.

    For a wrapper: ``spec.around(inner)``, the inner optimizer (whose lr a schedule sets, whose
    momentum it cycles, whose step constants and teaching quantities are computed), and the
    wrapper's parameters with the inner's nested under ``"inner"``. Otherwise the optimizer twice
    and a copy of its parameters.
    """
    spec = OPTIMIZERS[run["optimizer"]]
    hp = dict(run["params"])
    if spec.around is None:
        return spec, spec, hp
    inner = OPTIMIZERS[run["inner"]["optimizer"]]
    hp[INNER] = dict(run["inner"]["params"])
    return spec.around(inner), inner, hp


def copy_record(hp: Mapping[str, Any], nested: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A copy of a hyperparameter record and of the driven optimizer's record within it (the
    inner one, copied too, when ``nested``): what a step may write to without touching ``hp``."""
    out = dict(hp)
    if not nested:
        return out, out
    driven = out[INNER] = dict(out[INNER])
    return out, driven


class _StepOracle:
    """Gradient and loss evaluations of one step, for optimizers that evaluate more than once
    (L-BFGS's line search, SAM's second gradient)."""

    def __init__(self, stepper: Simulation, p: np.ndarray, batch: np.ndarray | None) -> None:
        self._stepper, self._p, self._batch = stepper, p, batch
        self._start_loss: np.ndarray | None = None

    def start_loss(self) -> np.ndarray:
        if self._start_loss is None:
            self._start_loss = self._stepper.loss_at(self._p, self._batch)
        return self._start_loss

    def __call__(self, points: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        stepper = self._stepper
        loss = stepper.loss_at(points, self._batch)
        grad = stepper.grad_at(points, self._batch, None)
        if stepper.noise:  # each row draws from its own stream, as its single run would
            for k, row in enumerate(np.asarray(rows).reshape(-1).tolist()):
                grad[k] += stepper.noise * stepper.search_rngs[row].standard_normal(2)
        return loss, grad

    def gradient(self, points: np.ndarray) -> np.ndarray:
        """The gradient at one point per row (B, 2), every row at once (SAM's second gradient):
        the step's mini-batch, and one noise draw shared by the rows as the step's gradient
        has, from a stream of its own, so a map cell sees its single run's noise."""
        return self._stepper.grad_at(points, self._batch, self._stepper.second_rng)


class Simulation:
    """Steps B rows of one optimizer configuration; hyperparameters may vary per row."""

    def __init__(
        self,
        objective: Any,
        run: Mapping[str, Any],
        start: np.ndarray,
        steps: int,
        *,
        noise: float = 0.0,
        seed: int = 0,
        batch_size: int | None = None,
        overrides: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """``overrides``: per-row values of hyperparameters, by name (``inner.<name>`` for a
        wrapper's inner optimizer's)."""
        self.objective = objective
        self.steps = steps
        self.noise = noise
        self.spec, self.driven, hp = run_hyperparams(run)
        self.nested = self.driven is not self.spec  # a wrapper: the driven record is hp["inner"]
        hp, driven_hp = copy_record(hp, self.nested)
        start = np.asarray(start, dtype=float)
        self.p = np.array(np.broadcast_to(start, (max(start.reshape(-1, 2).shape[0], 1), 2)))
        rows = self.p.shape[0]
        for key, values in (overrides or {}).items():
            values = np.asarray(values, dtype=float).reshape(-1)
            rows = max(rows, values.shape[0])
            record, name = hp, key
            if key.startswith(INNER + "."):
                record, name = driven_hp, key[len(INNER) + 1:]
            record[name] = values.reshape(-1, 1)
        if self.p.shape[0] != rows:
            self.p = np.array(np.broadcast_to(self.p, (rows, 2)))
        self.rows = rows
        self._seed = seed  # the streams below are made on first use (most runs never draw)
        # The line search's extra gradients draw their noise per row from the seed alone, so a
        # map cell's search sees the same noise as the single run of its configuration.
        self.search_rngs = [np.random.default_rng([seed, 1])
                            for _ in range(rows if self.spec.needs_oracle and noise else 0)]
        n_samples = getattr(objective, "n_samples", None)
        self.batch_size = batch_size if n_samples and batch_size and batch_size < n_samples \
            else None
        self._n_samples = n_samples or 0
        self._perm: np.ndarray = np.empty(0, dtype=np.int64)
        self._perm_pos = self._n_samples  # the first batch starts a new epoch

        lr0 = driven_hp["lr"]
        self.momentum_name = self.driven.momentum_name  # what CyclicLR / OneCycleLR cycle
        momentum0 = driven_hp.get(self.momentum_name) if self.momentum_name else None
        self.group = ParamGroup(
            np.broadcast_to(np.asarray(lr0, dtype=float).reshape(-1), (rows,)).copy(),
            momentum=None if momentum0 is None
            else np.broadcast_to(np.asarray(momentum0, dtype=float).reshape(-1), (rows,)).copy(),
            momentum_name=self.momentum_name,
        )
        self.momentum0 = None if momentum0 is None else self.group.momentum.copy()
        self.schedule = run.get("schedule")
        self.scheduler = build_scheduler(self.schedule, self.group, steps) if self.schedule \
            else None
        self.initial = dict(driven_hp)  # the driven record as configured, before any schedule
        # The step's records, written in place by the schedule: the wrapper's (or the only)
        # one, and the driven one within it (a wrapper's inner record) that the schedule sets.
        self.hp, self.driven_hp = hp, driven_hp
        driven_hp["lr"] = self.group.lr.reshape(-1, 1)  # as a schedule would set it
        self.schedule_step = _Schedule(self.group, driven_hp, self.initial, self.momentum0,
                                       False)
        self.state = self.spec.init(self.p, hp)
        self.t = 0
        self.loss = np.full(rows, np.nan)  # the last step's loss
        self.last_consts: Constants = NO_CONSTANTS  # the last step's constants: for teaching
        vars_ = state_vars(run)
        self.scalar_names = {v.name for v in vars_ if v.scalar}
        # The recorded state: the driven optimizer's quantities, then a wrapper's own.
        inner_state = self.state[INNER] if self.nested else {}
        self.inner_state_names = [v.name for v in vars_
                                  if not v.teaching and v.name in inner_state]
        self.own_state_names = [v.name for v in vars_ if not v.teaching
                                and v.name in self.state and v.name != INNER]
        self.state_names = self.inner_state_names + self.own_state_names
        self.teach_names = [v.name for v in vars_ if v.teaching]
        self.factor_names = [v.name for v in constant_vars(run)]

    @functools.cached_property
    def rng(self) -> np.random.Generator:
        """The stream of the gradient noise and the mini-batch permutations, from the seed;
        made when first drawn from (a Generator costs ~10 us: a run without noise or
        mini-batches never makes it)."""
        return np.random.default_rng(self._seed)

    @functools.cached_property
    def second_rng(self) -> np.random.Generator:
        """The oracle's gradient() noise stream (SAM's second gradient), from the seed; made
        when first drawn from."""
        return np.random.default_rng([self._seed, 2])

    # -- objective evaluations -------------------------------------------------------------
    def next_batch(self) -> np.ndarray | None:
        """The sample indices of this step's mini-batch (epochs of seeded permutations)."""
        if self.batch_size is None:
            return None
        if self._perm_pos >= self._n_samples:
            self._perm = self.rng.permutation(self._n_samples)
            self._perm_pos = 0
        idx = self._perm[self._perm_pos:self._perm_pos + self.batch_size]
        self._perm_pos += self.batch_size
        return idx

    def grad_at(
        self, p: np.ndarray, batch: np.ndarray | None, rng: np.random.Generator | None
    ) -> np.ndarray:
        """The gradient used by the optimizer: mini-batch where set, plus Gaussian noise."""
        if batch is None:
            gx, gy = self.objective.fast_grad(p[:, 0], p[:, 1])
        else:
            _, gx, gy = self.objective.batch_value_grad(p[:, 0], p[:, 1], batch)
        g = np.empty_like(p)
        g[:, 0] = gx
        g[:, 1] = gy
        if self.noise and rng is not None:
            g += self.noise * rng.standard_normal(2)
        return g

    def loss_at(self, p: np.ndarray, batch: np.ndarray | None) -> np.ndarray:
        """The loss an optimizer's closure sees (the mini-batch loss where batches are used)."""
        if batch is None:
            return np.broadcast_to(self.objective.value(p[:, 0], p[:, 1]), p.shape[:1])
        loss, _, _ = self.objective.batch_value_grad(p[:, 0], p[:, 1], batch)
        return np.broadcast_to(loss, p.shape[:1])

    # -- stepping --------------------------------------------------------------------------
    def move(self, hp: Mapping[str, Any], consts: Constants, t: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The array kernel: every row's gradient (mini-batch, noise), update and new loss at
        step ``t``; returns (p, loss, grad). Callers hold ``np.errstate(all="ignore")``."""
        batch = self.next_batch()
        p_old = self.p
        oracle = _StepOracle(self, p_old, batch) if self.spec.needs_oracle else None
        where = self.driven.gradient_at  # the gradient at a state point (Schedule-Free's y)
        at = p_old if where is None else (self.state[INNER] if self.nested else self.state)[where]
        grad = self.grad_at(at, batch, self.rng)
        p_new, self.state = self.spec.update(p_old, grad, self.state, hp, consts, t, oracle)
        p_new = np.asarray(p_new, dtype=float)
        if p_new.shape != p_old.shape:
            p_new = np.array(np.broadcast_to(p_new, p_old.shape))
        self.p = p_new
        self.loss = self.objective.fast_value(p_new[:, 0], p_new[:, 1])
        return p_new, self.loss, grad

    def step(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Advance every row one step (the maps' sweeps); returns (p, loss, lr, grad, effective
        lr). The same pieces as a single run's loop (:func:`record_steps`), on B rows."""
        self.t += 1
        lr = self.schedule_step.write() if self.scheduler is not None else self.group.lr
        lr = lr.copy()
        constants = self.driven.constants
        consts = constants(self.driven_hp, self.t, self.initial) if constants else NO_CONSTANTS
        self.last_consts = consts
        p_old = self.p
        with np.errstate(all="ignore"):
            p_new, loss, grad = self.move(self.hp, consts, self.t)
            eff = effective_lr(p_old, p_new, grad)
        if self.scheduler is not None:
            self.scheduler.step(loss)
        return p_new, loss, lr, grad, eff

    def visible_state(self, eff: np.ndarray) -> dict[str, np.ndarray]:
        """The state record the page plots: torch's names, teaching extras, effective lr."""
        state = self.state
        driven = state[INNER] if self.nested else state
        out: dict[str, np.ndarray] = {name: driven[name] for name in self.inner_state_names}
        for name in self.own_state_names:
            out[name] = state[name]
        teaching = self.driven.teaching
        if teaching is not None:
            extras = teaching(driven, self.driven_hp, self.last_consts)  # callers hold errstate
            for name in self.teach_names:
                if name in extras:
                    out[name] = extras[name]
        out["effective_lr"] = eff
        return out


def effective_lr(before: np.ndarray, after: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """The move over the gradient, per coordinate (0 where the gradient is below TINY_GRAD):
    what the page shows as the effective lr. Callers hold ``np.errstate(all="ignore")``."""
    return np.divide(before - after, grad, out=np.zeros_like(grad),
                     where=np.abs(grad) > TINY_GRAD)


class _Schedule:
    """A schedule's lr (and cycled momentum / beta1) written into the driven hyperparameter
    record before each step, on floats (one run) or on (B, 1) arrays."""

    def __init__(self, group: ParamGroup, driven: dict[str, Any], configured: Mapping[str, Any],
                 momentum0: Any, floats: bool) -> None:
        self.group, self.driven, self.configured = group, driven, configured
        self.momentum0, self.floats = momentum0, floats
        self.name = group.momentum_name if momentum0 is not None else None

    def write(self) -> Any:
        """Write this step's lr and momentum into the driven record; returns the lr."""
        group, driven, name = self.group, self.driven, self.name
        lr = group.lr
        driven["lr"] = lr if self.floats else lr.reshape(-1, 1)
        if name is not None:
            momentum = group.momentum
            if self.floats:
                if momentum == self.momentum0:
                    driven[name] = self.configured[name]
                elif momentum == 0.0:
                    # As an array, a cycled 0 takes the per-row branches (buffers still
                    # updated) that a float 0 skips.
                    raise _Unsupported(f"{name} cycled to 0")
                else:
                    driven[name] = momentum
            elif np.array_equal(momentum, self.momentum0):
                driven[name] = self.configured[name]
            else:
                driven[name] = momentum.reshape(-1, 1)
        return lr


def bad_rows(rows: int, *arrays: np.ndarray) -> np.ndarray:
    """Which of ``rows`` rows hold a non-finite value in any of the (rows, ...) arrays."""
    bad = np.zeros(rows, dtype=bool)
    for a in arrays:
        # (not reshape(n, -1): that fails for n = 0, a run diverging at a block's first step)
        ok = np.isfinite(a).reshape(rows, math.prod(a.shape[1:]))
        if ok.shape[1] == 1:
            bad |= ~ok[:, 0]
        elif ok.shape[1] == 2:  # both bytes true: far cheaper than .all(axis=1) on 2 columns
            bad |= np.ascontiguousarray(ok).view(np.uint16)[:, 0] != 0x0101
        else:
            bad |= ~ok.all(axis=1)
    return bad


def out_of_bounds(p: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Per row: the point or the loss is beyond the bounds, or NaN (the vectorised form of the
    check in :func:`record_steps`)."""
    return ~((np.abs(p[:, 0]) <= BOUND) & (np.abs(p[:, 1]) <= BOUND)
             & (np.abs(loss) <= LOSS_BOUND))


def _first_bad_row(*arrays: np.ndarray) -> int | None:
    """Index of the first row with a non-finite value in any array, or None."""
    if not arrays:
        return None
    # the common case at once: every value of every array checked in one pass
    if np.isfinite(np.concatenate([a.reshape(-1) for a in arrays])).all():
        return None
    hits = np.flatnonzero(bad_rows(arrays[0].shape[0], *arrays))
    return int(hits[0]) if hits.size else None


@dataclass
class _Block:
    """Up to n recorded steps of one run, before the per-block finiteness check."""

    p: np.ndarray  # (filled, 2)
    loss: np.ndarray
    lr: np.ndarray
    grad: np.ndarray  # (filled, 2)
    state: dict[str, np.ndarray]  # name -> (filled, 2)
    diverged: bool  # the point or loss left the bounds at the step after the last one recorded
    factors: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (filled,)


class _Unsupported(Exception):
    """The float kernel met a step it cannot reproduce bit for bit: run it on arrays instead."""


def _coordinate(state: State, c: int) -> State:
    """Coordinate ``c`` of a one-row state record: (1, 2) arrays give their column c, per-run
    (1, 1) arrays their value, a nested record (a wrapper's inner state) its coordinate c,
    anything else (flags) is kept."""
    out: State = {}
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            value = float(value[0, c] if value.shape[-1] == 2 else value[0, 0])
        elif isinstance(value, dict):
            value = _coordinate(value, c)
        out[name] = value
    return out


def _getter(names: list[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A function returning the values of ``names`` of a dict, as a tuple."""
    if not names:
        return lambda d: ()
    if len(names) == 1:
        name = names[0]
        return lambda d: (d[name],)
    return operator.itemgetter(*names)


Move = Callable[[dict[str, Any], Constants, int], tuple[float, ...]]
Applied = Callable[[Mapping[str, Any], Constants], float]


class _Kernel:
    """What :func:`record_steps` drives: one run's records, schedule and stepping.

    ``open(n)`` gives ``move(hp, consts, t)``, which takes one step and returns the recorded
    row ``(x, y, loss, grad x, grad y, *state x values, *state y values, *constants)`` as
    Python floats; ``close()``, which keeps where the block ended; and ``applied(hp, consts)``
    (None unless the optimizer has ``applied_lr``), the lr the step just taken applied, from
    the state it left.
    """

    exact: bool  # a float kernel: an ArithmeticError means "rerun on arrays"
    sim: Simulation
    hp: dict[str, Any]
    driven: dict[str, Any]
    schedule: _Schedule | None
    lr: float
    t: int
    constant_names: list[str]

    def open(self, n: int) -> tuple[Move, Callable[[], None], Applied | None]:
        """The step function for a block of up to n steps, what ends the block, and the
        optimizer's applied lr on this kernel's state (if it has one)."""
        raise NotImplementedError

    def point(self) -> tuple[float, float]:
        """Where the run is now."""
        raise NotImplementedError

    def write_schedule(self) -> float:
        """This step's lr and momentum into the records; returns the lr."""
        raise NotImplementedError

    def settle(self, loss: float) -> None:
        """Step the scheduler after a step (ReduceLROnPlateau reads the loss)."""
        raise NotImplementedError


class FloatKernel(_Kernel):
    """One run on Python floats: the optimizer's ``update`` once per coordinate (once per step
    on (x, y) pairs for a ``joint`` one: a norm or a 2x2 matrix couples them), the surface's
    point functions, the schedule on a ParamGroup of floats. Every number equals the array
    kernel's (:class:`ArrayKernel`, the vectorised core) bit for bit; an ArithmeticError (a
    float raising where NumPy gives inf or nan) is re-raised as :class:`_Unsupported`, and the
    caller reruns the run on arrays from the start (deterministic, seed included)."""

    exact = True

    def __init__(self, sim: Simulation) -> None:
        """Take over a freshly built one-row Simulation (its arrays are not updated any more)."""
        self.sim = sim
        self.x, self.y = float(sim.p[0, 0]), float(sim.p[0, 1])
        # one update of both coordinates, on (x, y) pairs (the driven optimizer decides)
        # (a joint optimizer with a pair_update takes it: each coordinate's floats)
        self.joint = sim.driven.joint_for(sim.driven_hp) and sim.spec.pair_update is None
        self.states = (paired(sim.state), {}) if self.joint \
            else (_coordinate(sim.state, 0), _coordinate(sim.state, 1))
        self.hp, self.driven = copy_record(sim.hp, sim.nested)
        self.initial = sim.initial
        # The schedule on floats, from the configured lr and momentum, as the array one was.
        group = ParamGroup(sim.group.run_lr, momentum=sim.momentum0,
                           momentum_name=sim.momentum_name, scalar=True)
        self.group, self.t = group, 0
        momentum0 = group.momentum  # before a schedule cycles it
        try:
            self.scheduler = build_scheduler(sim.schedule, group, sim.steps) \
                if sim.scheduler is not None else None
            self.driven["lr"] = self.lr = group.lr
            constants = sim.driven.constants
            self.constant_names = list(constants(self.driven, 1, self.initial)) \
                if constants else []
        except ArithmeticError as exc:
            raise _Unsupported(str(exc)) from exc
        self.schedule = _Schedule(group, self.driven, self.initial, momentum0, True) \
            if self.scheduler is not None else None
        own_of = _getter(sim.own_state_names)
        if sim.nested:
            inner_of = _getter(sim.inner_state_names)
            self._state_of = lambda s: (*inner_of(s[INNER]), *own_of(s))
        else:
            self._state_of = own_of

    @staticmethod
    def supports(sim: Simulation) -> bool:
        """One row, the full-data gradient, no line search (a second gradient only through a
        ``pair_update``), every hyperparameter a number."""
        records = (sim.hp, sim.initial) if sim.nested else (sim.initial,)  # as configured
        # a pair_update steps the inner optimizer one coordinate at a time: not a coupled one
        pairs = sim.spec.pair_update is not None and not (
            sim.driven.joint_for(sim.driven_hp))
        return (
            sim.rows == 1 and sim.batch_size is None
            and (not sim.spec.needs_oracle or pairs)
            and not any(isinstance(v, np.ndarray) for hp in records for v in hp.values())
        )

    def point(self) -> tuple[float, float]:
        return self.x, self.y

    def write_schedule(self) -> float:
        return self.schedule.write()  # type: ignore[union-attr]

    def settle(self, loss: float) -> None:
        self.scheduler.advance(loss)  # type: ignore[union-attr]

    def open(self, n: int) -> tuple[Move, Callable[[], None], Applied | None]:
        sim = self.sim
        update, state_of = sim.spec.update, self._state_of
        point_value, point_grad = sim.objective.point_functions()
        noise = sim.noise
        x, y, (sx, sy) = self.x, self.y, self.states
        # The block's noise drawn at once: a Generator's normals come in the same order however
        # many each call draws, so these are the array kernel's per-step pairs.
        draws = iter(sim.rng.standard_normal((n, 2)).tolist() if noise else ())
        where, nested = sim.driven.gradient_at, sim.nested  # the gradient at a state point

        def move(hp: dict[str, Any], consts: Constants, t: int) -> tuple[float, ...]:
            nonlocal x, y, sx, sy
            if where is None:
                gx, gy = point_grad(x, y)
            elif nested:
                gx, gy = point_grad(sx[INNER][where], sy[INNER][where])
            else:
                gx, gy = point_grad(sx[where], sy[where])
            if noise:
                zx, zy = next(draws)
                gx = gx + noise * zx
                gy = gy + noise * zy
            x, sx = update(x, gx, sx, hp, consts, t, None)
            y, sy = update(y, gy, sy, hp, consts, t, None)
            return (x, y, point_value(x, y), gx, gy, *state_of(sx), *state_of(sy),
                    *consts.values())

        step: Move = move
        if self.joint:
            def joint_move(hp: dict[str, Any], consts: Constants, t: int) -> tuple[float, ...]:
                nonlocal x, y, sx
                gx, gy = point_grad(x, y)
                if noise:
                    zx, zy = next(draws)
                    gx = gx + noise * zx
                    gy = gy + noise * zy
                p, sx = update(Vec2(x, y), Vec2(gx, gy), sx, hp, consts, t, None)
                x, y = p.x, p.y
                values = state_of(sx)  # each quantity's x and y (a per-run float: both)
                return (x, y, point_value(x, y), gx, gy,
                        *[v.x if type(v) is Vec2 else v for v in values],
                        *[v.y if type(v) is Vec2 else v for v in values], *consts.values())

            step = joint_move
        pair = sim.spec.pair_update
        if pair is not None:  # both coordinates at once, more evaluations at hand
            # the oracle's own stream (runner._StepOracle.gradient), drawn for the block at once
            seconds = iter(sim.second_rng.standard_normal((n, 2)).tolist() if noise else ())
            oracle = _PairOracle(point_value, point_grad, noise, seconds,
                                 sim.search_rngs[0] if sim.search_rngs else None)

            def pair_move(hp: dict[str, Any], consts: Constants, t: int
                          ) -> tuple[float, ...]:
                nonlocal x, y, sx, sy
                # at the point, or at a state point (Schedule-Free's y; SAM wraps none such)
                gx, gy = point_grad(x, y) if where is None else point_grad(sx[where], sy[where])
                if noise:
                    zx, zy = next(draws)
                    gx = gx + noise * zx
                    gy = gy + noise * zy
                x, y, sx, sy = pair(x, y, gx, gy, sx, sy, hp, consts, t, oracle)
                return (x, y, point_value(x, y), gx, gy, *state_of(sx), *state_of(sy),
                        *consts.values())

            step = pair_move

        def close() -> None:
            self.x, self.y, self.states = x, y, (sx, sy)

        applied_lr = sim.driven.applied_lr
        if applied_lr is None:
            return step, close, None

        def applied(hp: Mapping[str, Any], consts: Constants) -> float:
            return applied_lr(sx[INNER] if nested else sx, hp, consts)

        return step, close, applied


class _PairOracle:
    """A single run's evaluations on floats for a ``pair_update`` (base.PairOracle), bit for bit
    :class:`_StepOracle`'s on one row: the second gradient from its block's draws, the line
    search's from the run's search stream."""

    def __init__(self, value: Callable[[float, float], float],
                 grad: Callable[[float, float], tuple[float, float]], noise: float,
                 seconds: Iterator[list[float]], search: np.random.Generator | None) -> None:
        self.value, self._grad, self._noise = value, grad, noise
        self._seconds, self._search = seconds, search

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        """The gradient at a point, with the step's second noise draw (SAM's)."""
        gx, gy = self._grad(x, y)
        if self._noise:
            zx, zy = next(self._seconds)
            return gx + self._noise * zx, gy + self._noise * zy
        return gx, gy

    def search(self, x: float, y: float) -> tuple[float, tuple[float, float]]:
        """The loss and the gradient at a point, the gradient's noise from the search stream
        (L-BFGS's line search)."""
        gx, gy = self._grad(x, y)
        if self._noise and self._search is not None:
            zx, zy = self._search.standard_normal(2).tolist()
            gx, gy = gx + self._noise * zx, gy + self._noise * zy
        return self.value(x, y), (gx, gy)


class ArrayKernel(_Kernel):
    """One run through the vectorised core: a one-row :class:`Simulation` (mini-batches, line
    searches, and any run the float kernel cannot reproduce)."""

    exact = False

    def __init__(self, sim: Simulation) -> None:
        """Step ``sim`` (one row, or row 0 recorded of identical rows)."""
        self.sim, self.hp, self.driven, self.initial = sim, sim.hp, sim.driven_hp, sim.initial
        self.schedule = sim.schedule_step if sim.scheduler is not None else None
        self.lr = float(sim.group.lr[0])
        self.t = sim.t
        constants = sim.driven.constants
        with np.errstate(all="ignore"):
            self.constant_names = list(constants(self.driven, 1, self.initial)) \
                if constants else []

    def point(self) -> tuple[float, float]:
        return float(self.sim.p[0, 0]), float(self.sim.p[0, 1])

    def write_schedule(self) -> float:
        return float(self.schedule.write()[0])  # type: ignore[union-attr]

    def settle(self, loss: float) -> None:
        self.sim.scheduler.step(self.sim.loss)  # type: ignore[union-attr]

    def open(self, n: int) -> tuple[Move, Callable[[], None], Applied | None]:
        sim = self.sim
        inner_names, own_names = sim.inner_state_names, sim.own_state_names

        def move(hp: dict[str, Any], consts: Constants, t: int) -> tuple[float, ...]:
            sim.t = t
            sim.last_consts = consts
            p, loss, grad = sim.move(hp, consts, t)
            state = sim.state
            driven = state[INNER] if sim.nested else state
            values = [driven[name] for name in inner_names] + [state[n] for n in own_names]
            return (float(p[0, 0]), float(p[0, 1]), float(loss[0]), float(grad[0, 0]),
                    float(grad[0, 1]), *(float(v[0, 0]) for v in values),
                    *(float(v[0, -1]) for v in values),
                    *(float(np.asarray(c, dtype=float).reshape(-1)[0])
                      for c in consts.values()))

        applied_lr = sim.driven.applied_lr
        if applied_lr is None:
            return move, lambda: None, None

        def applied(hp: Mapping[str, Any], consts: Constants) -> float:
            state = sim.state[INNER] if sim.nested else sim.state
            return float(np.asarray(applied_lr(state, hp, consts), dtype=float).reshape(-1)[0])

        return move, lambda: None, applied


def record_steps(kernel: _Kernel, n: int) -> _Block:
    """The one stepping loop of a run: up to n steps (fewer if the run leaves the bounds).

    It owns the step count, the schedule, the step's constants, the bounds check and the
    recording; the kernel (:class:`FloatKernel` or :class:`ArrayKernel`) takes the steps.
    The teaching quantities and the effective lr are derived once per block from the recorded
    columns (element-wise, so each value is the one a per-step evaluation would give).
    """
    sim = kernel.sim
    hp, driven, initial = kernel.hp, kernel.driven, kernel.initial
    constants = sim.driven.constants
    scheduled = kernel.schedule is not None
    write, settle = kernel.write_schedule, kernel.settle
    lr = kernel.lr
    consts: Constants = NO_CONSTANTS
    t = kernel.t
    start = kernel.point()
    rows: list[tuple[float, ...]] = []
    lrs: list[float] = []  # the scheduled lr of each step (a constant one: filled at the end)
    shown: list[float] = []  # the applied lr of each step, for an optimizer with applied_lr
    diverged = False
    move, close, applied = kernel.open(n)
    try:
        with np.errstate(all="ignore"):
            for _ in range(n):
                t += 1
                if scheduled:
                    lr = write()
                    lrs.append(lr)
                if constants is not None:
                    consts = constants(driven, t, initial)
                row = move(hp, consts, t)
                if applied is not None:
                    shown.append(applied(hp, consts))
                if scheduled:
                    settle(row[2])
                x, y, f = row[0], row[1], row[2]
                if not (-BOUND <= x <= BOUND and -BOUND <= y <= BOUND
                        and -LOSS_BOUND <= f <= LOSS_BOUND):
                    diverged = True  # also catches nan: every comparison with nan is False
                    break
                rows.append(row)
    except ArithmeticError as exc:  # a float raising where NumPy gives inf or nan
        if kernel.exact:
            raise _Unsupported(str(exc)) from exc
        raise
    finally:
        close()
    kernel.lr, kernel.t = lr, t
    filled = len(rows)
    lr_column = np.array(lrs[:filled], dtype=float) if scheduled else np.full(filled, lr)
    return _as_block(kernel, rows, lr_column, np.array(shown[:filled], dtype=float)
                     if applied else None, diverged, start)


def _as_block(kernel: _Kernel, rows: list[tuple[float, ...]], lr: np.ndarray,
              shown: np.ndarray | None, diverged: bool, start: tuple[float, float]) -> _Block:
    """The recorded rows as columns, with the teaching quantities and the effective lr (the
    move over the gradient; ``start`` is the point before the block's first step); the lr
    column is the applied lr where the optimizer has one, else the scheduled lr."""
    sim = kernel.sim
    names, constant_names = sim.state_names, kernel.constant_names
    k = len(names)
    width = 5 + 2 * k + len(constant_names)
    # one flat pass over the rows' floats (np.array would first discover the nested shape)
    table = np.fromiter(itertools.chain.from_iterable(rows), dtype=float,
                        count=len(rows) * width).reshape(len(rows), width)
    p, grad = table[:, [0, 1]], table[:, [3, 4]]
    first = 5 + 2 * k
    consts = {name: table[:, first + j] for j, name in enumerate(constant_names)}
    state: dict[str, np.ndarray] = {}
    if rows:
        state = {name: table[:, [5 + j, 5 + k + j]] for j, name in enumerate(names)}
        teaching = sim.driven.teaching
        if teaching is not None:
            hp = dict(kernel.driven)
            hp["lr"] = lr[:, None]  # each step's lr (a schedule changes it)
            # per-run quantities as (n, 1) columns, as the array kernel holds them
            columns = {name: (v[:, :1] if name in sim.scalar_names else v)
                       for name, v in state.items()}
            with np.errstate(all="ignore"):
                extras = teaching(columns, hp, {name: c[:, None] for name, c in consts.items()})
            n = table.shape[0]
            state.update({name: np.ascontiguousarray(np.broadcast_to(extras[name], (n, 2)))
                          for name in sim.teach_names if name in extras})
        before = np.concatenate([np.array([start]), p[:-1]])
        with np.errstate(all="ignore"):
            state["effective_lr"] = effective_lr(before, p, grad)
    return _Block(p, table[:, 2], lr if shown is None else shown, grad, state, diverged,
                  {name: consts[name] for name in sim.factor_names if name in consts})

def iter_run(
    objective: Any,
    run: Mapping[str, Any],
    index: int,
    config: Mapping[str, Any],
    block_size: int = 500,
    first_block: int | None = None,
) -> Iterator[StepBlock | RunEnd]:
    """Yield one run's steps in blocks, then its end; stops at the first non-finite step.

    The point and loss are checked every step (so a diverging run stops at once); the gradient
    and state are checked per block, vectorised, and the block is cut before any bad row. The
    run steps on the float kernel where it can; if that meets a step it cannot reproduce
    exactly, the run restarts on the array kernel and catches up to where it was (counted in
    :data:`FALLBACKS` and logged).
    """

    def simulation() -> Simulation:
        return Simulation(
            objective, run, np.asarray(config["start"], dtype=float).reshape(1, 2),
            config["steps"], noise=config["noise"], seed=config["seed"],
            batch_size=config["batch_size"],
        )

    def fall_back(reason: _Unsupported, done: int) -> _Kernel:
        FALLBACKS[run["optimizer"]] += 1
        log.info("run %d (%s) steps on arrays from step %d on: the float kernel cannot "
                 "reproduce %s", index, run["optimizer"], done + 1, reason)
        kernel = ArrayKernel(simulation())
        if done:
            record_steps(kernel, done)
        return kernel

    sim = simulation()
    kernel: _Kernel = ArrayKernel(sim)
    if FloatKernel.supports(sim):
        try:
            kernel = FloatKernel(sim)
        except _Unsupported as exc:
            kernel = fall_back(exc, 0)
    steps = config["steps"]
    done = 0
    status = "completed"
    size = first_block or block_size
    while done < steps:
        n = min(size, steps - done)
        size = block_size
        try:
            block = record_steps(kernel, n)
        except _Unsupported as exc:
            kernel = fall_back(exc, done)
            block = record_steps(kernel, n)
        filled = len(block.loss)
        if block.diverged:
            status = "diverged"
        bad = _first_bad_row(block.grad, *block.state.values(), *block.factors.values())
        if bad is not None:
            filled = bad
            status = "diverged"
        if filled:
            yield StepBlock(
                run=index, first=done + 1,
                x=block.p[:filled, 0], y=block.p[:filled, 1], loss=block.loss[:filled],
                lr=block.lr[:filled], grad_x=block.grad[:filled, 0],
                grad_y=block.grad[:filled, 1],
                state={k: v[:filled] for k, v in block.state.items()},
                factors={k: v[:filled] for k, v in block.factors.items()},
            )
        done += filled
        if status == "diverged":
            break
    yield RunEnd(run=index, status=status, steps=done)


def iter_config(
    config: Mapping[str, Any], block_size: int = 500, first_block: int | None = None,
    sizes: Sequence[tuple[int, int]] | None = None, objective: Any = None,
) -> Iterator[StepBlock | RunEnd]:
    """Every run of a validated configuration, blocks interleaved round-robin across runs.

    ``first_block`` makes each run's first block smaller, so a first paint comes quickly;
    ``sizes`` gives each run its own (first block, block) instead (a costly run gets smaller
    blocks, so a block is a bounded amount of work). ``objective``: the surface, when the caller
    has built it already (:func:`run`).
    """
    if objective is None:
        objective = build_objective(config["surface"])
    iterators = [
        iter_run(objective, run, i, config, *(sizes[i][::-1] if sizes is not None
                                               else (block_size, first_block)))
        for i, run in enumerate(config["runs"])
    ]
    while iterators:
        remaining = []
        for it in iterators:
            item = next(it, None)
            if item is None:
                continue
            yield item
            if not isinstance(item, RunEnd):
                remaining.append(it)
        iterators = remaining


def run(config: Mapping[str, Any]) -> Result:
    """Validate and run a configuration; the notebook entry point (no server needed).

    >>> result = run({"surface": {"name": "rosenbrock"}, "steps": 100,
    ...               "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]})
    >>> result.runs[0].points.shape
    (100, 2)
    """
    cfg = validate_config(config)
    objective = build_objective(cfg["surface"])
    start = np.asarray(cfg["start"], dtype=float)
    start_loss = float(objective.value(start[:1], start[1:])[0])
    parts: dict[int, list[StepBlock]] = {i: [] for i in range(len(cfg["runs"]))}
    ends: dict[int, RunEnd] = {}
    for item in iter_config(cfg, block_size=max(cfg["steps"], 1), objective=objective):
        if isinstance(item, RunEnd):
            ends[item.run] = item
        else:
            parts[item.run].append(item)
    runs = []
    for i, run_cfg in enumerate(cfg["runs"]):
        blocks = parts[i]
        names = blocks[0].state.keys() if blocks else []
        factor_names = blocks[0].factors.keys() if blocks else []

        def cat(attr: str, blocks: list[StepBlock] = blocks) -> np.ndarray:
            return np.concatenate([getattr(b, attr) for b in blocks]) if blocks else np.empty(0)

        runs.append(Trajectory(
            optimizer=run_cfg["optimizer"], status=ends[i].status, steps=ends[i].steps,
            x=cat("x"), y=cat("y"), loss=cat("loss"), lr=cat("lr"),
            grad_x=cat("grad_x"), grad_y=cat("grad_y"),
            state={n: np.concatenate([b.state[n] for b in blocks]) for n in names},
            label=run_cfg.get("label"),
            factors={n: np.concatenate([b.factors[n] for b in blocks]) for n in factor_names},
        ))
    return Result(config=cfg, runs=runs, start_loss=start_loss)
