"""Schedules made of schedules: SequentialLR (one after another) and ChainedScheduler (all at once,
their factors compounding), built and stepped exactly as torch composes them."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ConfigError
from ..optimizers.base import copy as copy_of
from ..params import Param
from .base import (
    MAX_DEPTH,
    MAX_LIST,
    Building,
    Checking,
    LRScheduler,
    Place,
    Scheduler,
    ScheduleSpec,
    int_list,
)
from .fields import MILESTONE_LIST, SCHEDULER_LIST
from .group import Array, ParamGroup

COMPOSITE_LATER = (
    "SequentialLR can hand over only to a plain scheduler (torch raises NotImplementedError for "
    "SequentialLR / ChainedScheduler after the first position)"
)


def windows(
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


def child_offset(milestones: Sequence[int], index: int, child: Any) -> int:
    """1 for a SequentialLR child that its parent SequentialLR's constructor steps once more."""
    is_sequential = isinstance(child, Mapping) and child.get("name") == "SequentialLR"
    started = bisect_right(milestones, 0) == index
    return int(is_sequential and started)


def check_children(name: str, params: dict[str, Any], place: Place, tree: Checking,
                   places: list[Place]) -> list[dict[str, Any]]:
    """Validate a composite's schedulers at their places; none may need the metric, and after
    the first position of a SequentialLR none may be a composite."""
    out = []
    for i, (child, at) in enumerate(zip(params["schedulers"], places, strict=True)):
        checked = tree.check(child, at)
        spec = tree.spec(checked["name"])
        if spec.needs_metric:
            raise ConfigError(
                f"{at.field}.name",
                f"{spec.name} cannot be part of {name} (torch does not support it: it "
                "needs the metric)",
            )
        if name == "SequentialLR" and i > 0 and spec.composite:
            raise ConfigError(f"{at.field}.name", COMPOSITE_LATER)
        out.append(checked)
    return out


def check_list(children: Any, place: Place) -> None:
    """A composite's schedulers: a non-empty list, not too long, not nested too deep."""
    where = f"{place.params}.schedulers"
    if not isinstance(children, list) or not children:
        raise ConfigError(where, "must be a non-empty list of schedules")
    if len(children) > MAX_LIST:
        raise ConfigError(where, f"at most {MAX_LIST} schedules")
    if place.depth >= MAX_DEPTH:
        raise ConfigError(where, f"schedules nest at most {MAX_DEPTH} levels deep")


def child_place(place: Place, i: int, span: int, reach: int, offset: int = 0) -> Place:
    """The place of a composite's i-th child."""
    return Place(f"{place.params}.schedulers[{i}]", place.depth + 1, span, reach, offset)


class Composite(Scheduler):
    """A scheduler made of others (SequentialLR, ChainedScheduler)."""

    composite = True

    children: list[Scheduler]


class SequentialLR(Composite):
    """Run the schedulers one after another, switching at the milestones."""

    @classmethod
    def check(cls, params: dict[str, Any], place: Place, tree: Checking) -> None:
        """One milestone fewer than schedulers, strictly increasing; each child checked over
        the steps of its phase."""
        check_list(params["schedulers"], place)
        milestones = int_list(params["milestones"], f"{place.params}.milestones", increasing=True)
        count = len(params["schedulers"])
        if len(milestones) != count - 1:
            raise ConfigError(
                f"{place.params}.milestones",
                f"needs exactly one milestone fewer than schedulers ({count - 1}), "
                f"got {len(milestones)}",
            )
        params["milestones"] = milestones
        params["schedulers"] = check_children(
            "SequentialLR", params, place, tree, cls._places(params, place))

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """Children first, each over its phase (the order torch code constructs them in)."""
        children = [tree.build(child, at) for child, at
                    in zip(params["schedulers"], cls._places(params, place), strict=True)]
        return cls(tree.group, place.field, children, list(params["milestones"]))

    @staticmethod
    def _places(params: Mapping[str, Any], place: Place) -> list[Place]:
        """Each child's place: its phase's steps, its reach, its extra first step."""
        milestones = params["milestones"]
        spans = windows(milestones, place.span, place.reach, place.offset)
        return [child_place(place, i, span, reach, child_offset(milestones, i, child))
                for i, (child, (span, reach)) in enumerate(zip(params["schedulers"], spans,
                                                               strict=True))]

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
        if isinstance(sched, Composite):
            for child in sched.children:
                self._undo(child)
        elif isinstance(sched, LRScheduler):
            sched.last_epoch -= 1

    def _step(self, metric: Array | None = None) -> None:
        """Step the active child, restarting it at its own epoch 0 on its milestone."""
        self.last_epoch += 1
        idx = bisect_right(self.milestones, self.last_epoch)
        child = self.children[idx]
        if idx > 0 and self.milestones[idx - 1] == self.last_epoch:
            if not isinstance(child, LRScheduler):
                raise ConfigError(f"{self.field}.params.schedulers[{idx}]", COMPOSITE_LATER)
            child._update_lr(0)
        else:
            child._step()


SEQUENTIAL_LR = ScheduleSpec(
    SequentialLR, "Sequential (warm-up then ...)",
    "Runs several schedules one after the other: at each milestone the next one starts "
    "from its own step 0. The classic use is a linear warm-up followed by cosine annealing.",
    r"\eta_k = \text{schedule}_i(k - m_{i-1}) \quad \text{for } m_{i-1} \le k < m_i",
    (
        Param("schedulers", [
            {"name": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 10}},
            {"name": "CosineAnnealingLR", "params": {}},
        ], kind="list", help="the schedules, in order", extra=SCHEDULER_LIST,
              zh={"help": "按先后顺序排列的各个调度"}),
        Param("milestones", [10], kind="list", symbol="m_i",
              help="steps at which the next schedule takes over (one fewer than schedules)",
              extra=MILESTONE_LIST, zh={"help": "下一个调度接管的步数（比调度的个数少一个）"}),
    ),
    zh={
        "label": "顺序组合（先预热再……）",
        "description":
            "依次运行多个调度：到达每个里程碑时，下一个调度从它自己的第 0 步开始。经典用法是先线性"
            "预热，再余弦退火。",
    },
)


class ChainedScheduler(Composite):
    """Step every scheduler in order; their factors compound on the same lr."""

    @classmethod
    def check(cls, params: dict[str, Any], place: Place, tree: Checking) -> None:
        """Each child checked over the whole span."""
        check_list(params["schedulers"], place)
        params["schedulers"] = check_children(
            "ChainedScheduler", params, place, tree, cls._places(params, place))

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """Children first, then the chain."""
        children = [tree.build(child, at) for child, at
                    in zip(params["schedulers"], cls._places(params, place), strict=True)]
        return cls(tree.group, place.field, children)

    @staticmethod
    def _places(params: Mapping[str, Any], place: Place) -> list[Place]:
        """Every child steps over the chain's own span."""
        return [child_place(place, i, place.span, place.reach)
                for i in range(len(params["schedulers"]))]

    def __init__(self, group: ParamGroup, field: str, children: list[Scheduler]) -> None:
        """Keep the (already built) children."""
        self.group = group
        self.field = field
        self.children = children

    def _step(self, metric: Array | None = None) -> None:
        """Step each child in order."""
        for child in self.children:
            child._step()


CHAINED_SCHEDULER = ScheduleSpec(
    ChainedScheduler, "Chained (multiply schedules)",
    "Steps several schedules together on the same learning rate, so their effects "
    "multiply: for example a constant warm-up factor on top of an exponential decay.",
    r"\eta_k = \eta_0 \prod_j f_j(k)",
    (
        Param("schedulers", [
            {"name": "ConstantLR", "params": {"factor": 0.5, "total_iters": 10}},
            {"name": "ExponentialLR", "params": {"gamma": 0.99}},
        ], kind="list", help="the schedules, stepped together", extra=SCHEDULER_LIST,
              zh={"help": "同时步进的各个调度"}),
    ),
    zh={
        "label": "链式组合（调度相乘）",
        "description":
            "让多个调度同时作用于同一个学习率，效果相乘：例如在指数衰减之上再叠加一个常数预热因子"
            "。",
    },
)
