"""A schedule config as a tree: validated once (every default filled, errors naming the field),
then built into schedulers, each node by its own spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError
from .base import MAX_NODES, Place, Scheduler, ScheduleSpec
from .catalog import SCHEDULES
from .group import ParamGroup


class _Check:
    """Validation of one tree: the run's steps (if known) and the schedulers seen so far."""

    def __init__(self, steps: int | None, run_lr: float | None,
                 has_momentum: bool | None) -> None:
        """Start a tree with no node seen."""
        self.steps = steps
        self.run_lr = run_lr
        self.has_momentum = has_momentum
        self.nodes = 0

    def spec(self, name: str) -> ScheduleSpec:
        """The spec of a validated name."""
        return SCHEDULES[name]

    def check(self, node: Any, place: Place) -> dict[str, Any]:
        """Validate one node (its spec recursing into a composite's children)."""
        field = place.field
        if not isinstance(node, Mapping):
            raise ConfigError(field,
                              "must be an object like {\"name\": \"StepLR\", \"params\": {}}")
        for key in node:
            if key not in ("name", "params"):
                raise ConfigError(f"{field}.{key}", "unknown key; allowed: name, params")
        name = node.get("name")
        if not isinstance(name, str) or name not in SCHEDULES:
            known = ", ".join(SCHEDULES)
            raise ConfigError(f"{field}.name", f"unknown schedule {name!r}; known: {known}")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ConfigError(field, f"too many schedulers in one schedule (at most {MAX_NODES})")
        return {"name": name, "params": SCHEDULES[name].check(node.get("params"), place, self)}


class _Build:
    """Building one validated tree on a param group."""

    def __init__(self, group: ParamGroup) -> None:
        """Build on ``group``."""
        self.group = group

    def build(self, node: Mapping[str, Any], place: Place) -> Scheduler:
        """Build one node (a composite builds its children first, as torch code does)."""
        return SCHEDULES[node["name"]].cls.build(node["params"], place, self)


def validate_schedule(
    spec: Mapping[str, Any], field: str = "schedule", total_steps: int | None = None, *,
    run_lr: float | None = None, has_momentum: bool | None = None,
) -> dict[str, Any]:
    """Check a schedule config, fill every default; what is known of the run enables the checks
    against it (its steps, its optimizer's lr, whether that has momentum / beta1)."""
    # The result is {"name": ..., "params": {...}}; with total_steps (the run's steps) known,
    # OneCycleLR's total_steps and phases are checked against what torch can run.
    steps = None if total_steps is None else max(int(total_steps), 0)
    place = Place(field, depth=1, span=max(1, steps or 1), reach=steps or 0)
    return _Check(steps, run_lr, has_momentum).check(spec, place)


def build_scheduler(
    spec: Mapping[str, Any], group: ParamGroup, total_steps: int, field: str = "schedule"
) -> Scheduler:
    """Build the scheduler for a config on ``group``, writing lr(0) to it, for a run of N steps."""
    # total_steps: the run's optimizer steps (the scheduler is stepped that many times); it fills
    # T_max / total_steps left empty and lets OneCycleLR be checked against what torch can run.
    steps = max(int(total_steps), 0)
    checked = validate_schedule(spec, field, steps, has_momentum=group.momentum_name is not None)
    with np.errstate(all="ignore"):
        return _Build(group).build(checked, Place(field, span=max(1, steps), reach=steps))
