"""What every schedule shares: the scheduler base classes, a node's place in the schedule tree,
and the spec that ties a scheduler class to its parameters and its text for students.

A schedule is one :class:`Scheduler` subclass and one :class:`ScheduleSpec` naming it. The class
owns its checks beyond each parameter's own range (``check``) and how validated parameters become
an instance (``build``); the spec owns the catalog entry. Composites reach their children through
the ``tree`` argument, so no module here needs the registry.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from ..errors import ConfigError
from ..optimizers.base import copy as copy_of
from ..params import Param, validate_params
from ..text import Translations, i18n
from .group import Array, ParamGroup

MAX_LIST = 32  # longest milestones / schedulers list
MAX_DEPTH = 3  # a composite's children are depth 2, grandchildren depth 3
MAX_NODES = 64  # schedulers in one tree, composites included (bounds the per-step cost)
MAX_STEPS = 1_000_000  # upper bound for any step count a schedule takes


@dataclass(frozen=True)
class Place:
    """Where a node sits in the schedule tree: the field errors name and the steps it sees."""

    field: str
    depth: int = 1
    span: int = 1  # steps of its phase: what T_max / total_steps left empty mean
    reach: int = 0  # the largest last_epoch the run steps it to
    offset: int = 0  # how far a SequentialLR's own count runs ahead of the run's (composite.py)

    @property
    def params(self) -> str:
        """The field of its parameters (``<field>.params``)."""
        return f"{self.field}.params"


class Checking(Protocol):
    """What a node's ``check`` sees of the tree being validated."""

    steps: int | None  # the run's steps (None: not known, skip step-dependent checks)
    run_lr: float | None  # the optimizer's lr (None: not known, skip checks against it)
    has_momentum: bool | None  # whether it has momentum / beta1 to cycle (None: not known)

    def spec(self, name: str) -> ScheduleSpec:
        """The spec of a (validated) schedule name."""
        ...

    def check(self, node: Any, place: Place) -> dict[str, Any]:
        """Validate a child node at ``place``; returns it with every default filled."""
        ...


class Building(Protocol):
    """What a node's ``build`` sees of the tree being built."""

    group: ParamGroup

    def build(self, node: Mapping[str, Any], place: Place) -> Scheduler:
        """Build a (validated) child node at ``place``."""
        ...


class Scheduler:
    """Base of every schedule: ``step`` after each optimizer step; the group holds the lr."""

    group: ParamGroup
    field: str
    _step_count: int = 0
    _is_initial: bool = False
    composite: ClassVar[bool] = False  # made of other schedules (SequentialLR, ChainedScheduler)
    needs_metric: ClassVar[bool] = False  # steps on the loss (ReduceLROnPlateau)
    cycles_momentum: ClassVar[bool] = False  # may drive momentum / beta1 too

    @classmethod
    def check(cls, params: dict[str, Any], place: Place, tree: Checking) -> None:
        """Checks beyond each parameter's own range (none by default); may normalise ``params``."""

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """The scheduler for validated ``params`` on the tree's group (by default the parameters
        are the constructor's keywords)."""
        return cls(tree.group, place.field, **params)  # type: ignore[call-arg]

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


class LRScheduler(Scheduler):
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


def int_list(value: Any, field: str, *, increasing: bool = False) -> list[int]:
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


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule: its scheduler class (torch's class name), text for students, formula and
    parameters."""

    cls: type[Scheduler]
    label: str
    description: str
    latex: str
    params: tuple[Param, ...]
    zh: Translations = field(default_factory=dict)  # {"label", "description"} in Chinese

    @property
    def name(self) -> str:
        """The schedule's name: its class's (torch's, where torch has it)."""
        return self.cls.__name__

    @property
    def composite(self) -> bool:
        """Made of other schedules."""
        return self.cls.composite

    @property
    def needs_metric(self) -> bool:
        """Steps on the loss after each step."""
        return self.cls.needs_metric

    @property
    def cycles_momentum(self) -> bool:
        """May drive the optimizer's momentum / beta1 too."""
        return self.cls.cycles_momentum

    def check(self, given: Any, place: Place, tree: Checking) -> dict[str, Any]:
        """The validated parameters, every default filled (lists copied, never shared)."""
        if given is not None and not isinstance(given, Mapping):
            raise ConfigError(place.params, "must be an object of parameter values")
        params = validate_params(self.params, given, place.params)
        for key, value in params.items():
            if isinstance(value, list):
                params[key] = copy.deepcopy(value)
        self.cls.check(params, place, tree)
        return params

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
