"""Runs a configuration: every run, every step, the point, loss, lr, gradient and state.

The stepping core is vectorised over B rows (B = cells for the hyperparameter and basin maps).
A single run (a page's runs, ``run()``) steps the same optimizer functions on Python floats, one
coordinate at a time (:class:`ScalarRun`): NumPy's per-call overhead on (1, 2) arrays is ~20x the
arithmetic. IEEE arithmetic is the same on floats and float64 arrays, so a map cell and a single
run are still the very same computation, bit for bit; whatever the float path cannot reproduce
exactly (a Python float raising where NumPy returns inf or nan, ...) is rerun on arrays.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import build_objective, validate_config
from .optimizers import OPTIMIZERS, OptimizerSpec, constant_vars, state_vars
from .optimizers.base import INNER, NO_CONSTANTS, Constants, State
from .schedules import ParamGroup, build_scheduler

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
    """Gradient and loss evaluations of one step, for optimizers with a line search."""

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
        self.rng = np.random.default_rng(seed)
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
        self._momentum0 = None if momentum0 is None else self.group.momentum.copy()
        self.schedule = run.get("schedule")
        self.scheduler = build_scheduler(self.schedule, self.group, steps) if self.schedule \
            else None
        self.initial = dict(driven_hp)  # the driven record as configured, before any schedule
        self.hp = hp
        self.driven_hp = driven_hp  # the record within hp that the schedule drives
        self.state = self.spec.init(self.p, hp)
        self.t = 0
        self.last_hp: dict[str, Any] = driven_hp  # the last step's driven record, and
        self.last_consts: Constants = NO_CONSTANTS  # its constants: what teaching reads
        vars_ = state_vars(run)
        # The recorded state: the driven optimizer's quantities, then a wrapper's own.
        inner_state = self.state[INNER] if self.nested else {}
        self.inner_state_names = [v.name for v in vars_
                                  if not v.teaching and v.name in inner_state]
        self.own_state_names = [v.name for v in vars_ if not v.teaching
                                and v.name in self.state and v.name != INNER]
        self.state_names = self.inner_state_names + self.own_state_names
        self.teach_names = [v.name for v in vars_ if v.teaching]
        self.factor_names = [v.name for v in constant_vars(run)]

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
    def step_hp(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """This step's hyperparameters and their driven record, which holds the scheduled lr
        (and cycled momentum / beta1)."""
        hp, driven = copy_record(self.hp, self.nested)
        driven["lr"] = self.group.lr.reshape(-1, 1)
        if self._momentum0 is not None and self.momentum_name and self.scheduler is not None:
            momentum = self.group.momentum
            if not np.array_equal(momentum, self._momentum0):
                driven[self.momentum_name] = momentum.reshape(-1, 1)
        return hp, driven

    def step(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Advance every row one step; returns (p, loss, lr, grad, effective lr)."""
        self.t += 1
        hp, driven = self.step_hp()
        constants = self.driven.constants
        consts = constants(driven, self.t, self.initial) if constants else NO_CONSTANTS
        self.last_hp, self.last_consts = driven, consts
        lr = self.group.lr.copy()
        batch = self.next_batch()
        p_old = self.p
        oracle = _StepOracle(self, p_old, batch) if self.spec.needs_oracle else None
        with np.errstate(all="ignore"):
            grad = self.grad_at(p_old, batch, self.rng)
            p_new, self.state = self.spec.update(p_old, grad, self.state, hp, consts, self.t,
                                                 oracle)
            p_new = np.asarray(p_new, dtype=float)
            if p_new.shape != p_old.shape:
                p_new = np.array(np.broadcast_to(p_new, p_old.shape))
            loss = self.objective.fast_value(p_new[:, 0], p_new[:, 1])
            eff = np.divide(p_old - p_new, grad, out=np.zeros_like(grad),
                            where=np.abs(grad) > TINY_GRAD)
        self.p = p_new
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
            extras = teaching(driven, self.last_hp, self.last_consts)  # callers hold np.errstate
            for name in self.teach_names:
                if name in extras:
                    out[name] = extras[name]
        out["effective_lr"] = eff
        return out


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


def _first_bad_row(*arrays: np.ndarray) -> int | None:
    """Index of the first row with a non-finite value in any array, or None."""
    if not arrays:
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


def _array_block(sim: Simulation, n: int) -> _Block:
    """Up to n steps of a one-row Simulation through the vectorised core."""
    buf_p = np.empty((n, 2))
    buf_loss = np.empty(n)
    buf_lr = np.empty(n)
    buf_g = np.empty((n, 2))
    buf_state: dict[str, np.ndarray] = {}
    buf_factors = {name: np.zeros(n) for name in sim.factor_names}
    filled = 0
    diverged = False
    with np.errstate(all="ignore"):
        for i in range(n):
            p, loss, lr, grad, eff = sim.step()
            x, y, f = float(p[0, 0]), float(p[0, 1]), float(loss[0])
            if not (abs(x) <= BOUND and abs(y) <= BOUND and abs(f) <= LOSS_BOUND):
                diverged = True  # also catches nan: every comparison with nan is False
                break
            buf_p[i, 0] = x
            buf_p[i, 1] = y
            buf_loss[i] = f
            buf_lr[i] = lr[0]
            buf_g[i] = grad[0]
            for name, value in sim.visible_state(eff).items():
                target = buf_state.get(name)
                if target is None:
                    target = buf_state[name] = np.zeros((n, 2))
                target[i] = value[0]
            for name, target in buf_factors.items():
                target[i] = np.asarray(sim.last_consts[name], dtype=float).reshape(-1)[0]
            filled = i + 1
    return _Block(buf_p[:filled], buf_loss[:filled], buf_lr[:filled], buf_g[:filled],
                  {k: v[:filled] for k, v in buf_state.items()}, diverged,
                  {k: v[:filled] for k, v in buf_factors.items()})


class _Unsupported(Exception):
    """The float path met a step it cannot reproduce bit for bit: run it on arrays instead."""


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


class ScalarRun:
    """One run stepped in Python floats: the optimizer's ``factors`` once per step and its own
    ``update`` once per coordinate, the surface's functions on floats (or on a (1, 2) array where
    NumPy's transcendental functions are involved), the scheduler on a ParamGroup of floats;
    its ``teach`` once per block, on the recorded state and factors as columns.

    Every number equals the one-row :class:`Simulation`'s (the array path) bit for bit; it raises
    :class:`_Unsupported` before recording a step it cannot reproduce, and the caller reruns the
    run on arrays from the start (the array path is deterministic, seed included).
    """

    def __init__(self, sim: Simulation) -> None:
        """Take over a freshly built one-row Simulation (its arrays are not updated any more)."""
        self.sim = sim
        self.x, self.y = float(sim.p[0, 0]), float(sim.p[0, 1])
        self.states = (_coordinate(sim.state, 0), _coordinate(sim.state, 1))
        # The step's records, written in place: the schedule and step constants go to the driven
        # one (a wrapper's inner record), the one object that block's steps update.
        self.hp, self.driven_hp = copy_record(sim.hp, sim.nested)
        # The schedule on floats, from the configured lr and momentum, as the array one was.
        self.group = ParamGroup(
            sim.group.run_lr, momentum=sim._momentum0, momentum_name=sim.momentum_name,
            scalar=True)
        self.momentum0 = self.group.momentum  # before a schedule cycles it
        self.scheduler = None
        constants = sim.driven.constants
        try:
            if sim.scheduler is not None:
                self.scheduler = build_scheduler(sim.schedule, self.group, sim.steps)
            self.driven_hp["lr"] = self.group.lr
            factor_names = list(constants(self.driven_hp, 1, sim.initial)) if constants else []
        except ArithmeticError as exc:  # a float raising where NumPy gives inf or nan
            raise _Unsupported(str(exc)) from exc
        self.t = 0
        # What a step records after x, y, loss, lr, grad x, grad y: torch's state (in the array
        # path's order, every x value before every y value), then the step's factors.
        names = sim.state_names
        own_of = _getter(sim.own_state_names)
        if sim.nested:
            inner_of = _getter(sim.inner_state_names)
            self._state_of = lambda s: (*inner_of(s[INNER]), *own_of(s))
        else:
            self._state_of = own_of
        self._columns = [(n, 6 + j, 6 + len(names) + j) for j, n in enumerate(names)]
        self._factors = factor_names

    @staticmethod
    def supports(sim: Simulation) -> bool:
        """One row, the full-data gradient, no line search, every hyperparameter a number."""
        records = (sim.hp, sim.driven_hp)
        return (
            sim.rows == 1 and sim.batch_size is None and not sim.spec.needs_oracle
            and not any(isinstance(v, np.ndarray) for hp in records for v in hp.values())
        )

    def _step_hp(self) -> tuple[dict[str, Any], float]:
        """This step's hyperparameters (as ``Simulation.step_hp``, in place) and its lr."""
        sim, driven, group = self.sim, self.driven_hp, self.group
        lr = group.lr
        driven["lr"] = lr
        if self.momentum0 is not None and sim.momentum_name:
            momentum = group.momentum
            name = sim.momentum_name
            if momentum != self.momentum0:
                if momentum == 0.0:
                    # As an array, a cycled 0 takes the per-row branches (buffers still
                    # updated) that a float 0 skips.
                    raise _Unsupported(f"{name} cycled to 0")
                driven[name] = momentum
            else:
                driven[name] = sim.driven_hp[name]
        return self.hp, lr

    def block(self, n: int) -> _Block:
        """Up to n steps (fewer if the run leaves the bounds), recorded as ``_array_block``."""
        sim = self.sim
        update, constants, state_of = sim.spec.update, sim.driven.constants, self._state_of
        initial = sim.initial
        driven = self.driven_hp  # hp itself, or a wrapper's inner record within it
        point_value, point_grad = sim.objective.point_functions()
        scheduler, noise, rng = self.scheduler, sim.noise, sim.rng
        hp, lr = self.hp, driven["lr"]  # fixed without a scheduler
        x, y, (sx, sy), t = self.x, self.y, self.states, self.t
        start = (x, y)
        rows: list[tuple[Any, ...]] = []
        diverged = False
        consts: Constants = NO_CONSTANTS
        # The block's noise drawn at once: a Generator's normals come in the same order however
        # many each call draws, so these are the array path's per-step pairs.
        draws = iter(rng.standard_normal((n, 2)).tolist() if noise else ())
        with np.errstate(all="ignore"):
            try:
                for _ in range(n):
                    t += 1
                    if scheduler is not None:
                        hp, lr = self._step_hp()
                    if constants is not None:
                        consts = constants(driven, t, initial)
                    gx, gy = point_grad(x, y)
                    if noise:
                        zx, zy = next(draws)
                        gx = gx + noise * zx
                        gy = gy + noise * zy
                    x, sx = update(x, gx, sx, hp, consts, t, None)
                    y, sy = update(y, gy, sy, hp, consts, t, None)
                    f = point_value(x, y)
                    if scheduler is not None:
                        scheduler.advance(f)
                    if not (-BOUND <= x <= BOUND and -BOUND <= y <= BOUND
                            and -LOSS_BOUND <= f <= LOSS_BOUND):
                        diverged = True  # also catches nan: every comparison with nan is False
                        break
                    rows.append((x, y, f, lr, gx, gy, *state_of(sx), *state_of(sy),
                                 *consts.values()))
            except ArithmeticError as exc:  # a float raising where NumPy gives inf or nan
                raise _Unsupported(str(exc)) from exc
        self.x, self.y, self.states, self.t = x, y, (sx, sy), t
        return self._as_block(rows, diverged, start)

    def _as_block(self, rows: list[tuple[Any, ...]], diverged: bool,
                  start: tuple[float, float]) -> _Block:
        """The recorded rows as the array path's columns, with the teaching quantities and the
        effective lr (the move over the gradient, as the array path divides; ``start`` is the
        point before the block's first step)."""
        width = 6 + 2 * len(self._columns) + len(self._factors)
        table = np.array(rows, dtype=float).reshape(len(rows), width)
        p, grad = table[:, [0, 1]], table[:, [4, 5]]
        state: dict[str, np.ndarray] = {}
        first = 6 + 2 * len(self._columns)
        factors = {name: table[:, first + j] for j, name in enumerate(self._factors)
                   if name in self.sim.factor_names}
        if rows:
            state = {name: table[:, [cx, cy]] for name, cx, cy in self._columns}
            state.update(self._taught(state, table))
            before = np.concatenate([np.array([start]), p[:-1]])
            with np.errstate(all="ignore"):
                state["effective_lr"] = np.divide(before - p, grad, out=np.zeros_like(grad),
                                                  where=np.abs(grad) > TINY_GRAD)
        return _Block(p, table[:, 2], table[:, 3], grad, state, diverged,
                      {name: factors[name] for name in self.sim.factor_names if name in factors})

    def _taught(self, state: Mapping[str, np.ndarray], table: np.ndarray
                ) -> dict[str, np.ndarray]:
        """The teaching quantities of a block's steps, by one ``teach`` call on its columns:
        the state (n, 2) and each factor (n, 1). Element-wise, so each value is the one the
        array path derives at its step."""
        teaching = self.sim.driven.teaching
        if teaching is None:
            return {}
        first = 6 + 2 * len(self._columns)
        hp = dict(self.driven_hp)
        hp["lr"] = table[:, 3:4]  # each step's lr (a schedule changes it)
        consts = {name: table[:, first + j:first + j + 1] for j, name in enumerate(self._factors)}
        with np.errstate(all="ignore"):
            extras = teaching(dict(state), hp, consts)
        n = table.shape[0]
        return {name: np.ascontiguousarray(np.broadcast_to(extras[name], (n, 2)))
                for name in self.sim.teach_names if name in extras}


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
    run steps in floats (:class:`ScalarRun`) where it can; if that meets a step it cannot
    reproduce exactly, the run restarts on arrays and catches up to where it was.
    """

    def simulation() -> Simulation:
        return Simulation(
            objective, run, np.asarray(config["start"], dtype=float).reshape(1, 2),
            config["steps"], noise=config["noise"], seed=config["seed"],
            batch_size=config["batch_size"],
        )

    sim = simulation()
    scalar = None
    if ScalarRun.supports(sim):
        try:
            scalar = ScalarRun(sim)
        except _Unsupported:
            sim = simulation()
    steps = config["steps"]
    done = 0
    status = "completed"
    size = first_block or block_size
    while done < steps:
        n = min(size, steps - done)
        size = block_size
        block = None
        if scalar is not None:
            try:
                block = scalar.block(n)
            except _Unsupported:
                scalar = None
                sim = simulation()
                with np.errstate(all="ignore"):
                    for _ in range(done):
                        sim.step()
        if block is None:
            block = _array_block(sim, n)
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
    sizes: Sequence[tuple[int, int]] | None = None,
) -> Iterator[StepBlock | RunEnd]:
    """Every run of a validated configuration, blocks interleaved round-robin across runs.

    ``first_block`` makes each run's first block smaller, so a first paint comes quickly;
    ``sizes`` gives each run its own (first block, block) instead (a costly run gets smaller
    blocks, so a block is a bounded amount of work).
    """
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
    for item in iter_config(cfg, block_size=max(cfg["steps"], 1)):
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
