"""Cyclical schedules: CyclicLR and OneCycleLR, which drive momentum / beta1 against the lr."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from ..optimizers.base import copy as copy_of
from ..params import Param
from .base import MAX_STEPS, Building, Checking, LRScheduler, Place, Scheduler, ScheduleSpec
from .fields import count_param, cycle_momentum_param, lr_like_param, momentum_param
from .group import Array, ParamGroup

NO_MOMENTUM = (
    "this optimizer has neither momentum nor beta1, so torch refuses to cycle momentum; "
    "set cycle_momentum to false"
)
ZERO_PHASE = (
    "with this pct_start and total_steps a phase of torch's OneCycleLR has zero length and torch "
    "divides by zero; change pct_start or total_steps"
)


def check_momentum(params: Mapping[str, Any], place: Place, tree: Checking) -> None:
    """torch refuses to cycle momentum on an optimizer with neither momentum nor beta1."""
    if params["cycle_momentum"] and tree.has_momentum is False:
        raise ConfigError(f"{place.params}.cycle_momentum", NO_MOMENTUM)


class CyclicLR(LRScheduler):
    """The lr goes up and down between base_lr and max_lr (momentum the opposite way)."""

    cycles_momentum = True

    @classmethod
    def check(cls, params: dict[str, Any], place: Place, tree: Checking) -> None:
        """Cycling momentum needs an optimizer with momentum or beta1."""
        check_momentum(params, place, tree)

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """Empty base_lr is the run's lr; empty max_lr is 10 x base_lr."""
        p, group = params, tree.group
        base = group.vec(group.run_lr if p["base_lr"] is None else p["base_lr"])
        top = base * 10.0 if p["max_lr"] is None else p["max_lr"]
        return cls(
            group, place.field, base, group.vec(top), p["step_size_up"], p["step_size_down"],
            p["mode"], p["gamma"], p["cycle_momentum"], p["base_momentum"], p["max_momentum"],
        )

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
                raise ConfigError(f"{field}.params.cycle_momentum", NO_MOMENTUM)
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


CYCLIC_LR = ScheduleSpec(
    CyclicLR, "Cyclical learning rate",
    "The learning rate climbs from base_lr to max_lr over step_size_up steps and falls "
    "back over step_size_down, again and again; triangular2 halves the height each cycle "
    "and exp_range shrinks it by gamma every step. Momentum (or Adam's beta1) swings the "
    "other way. Empty base_lr means the run's lr; empty max_lr means 10 x base_lr.",
    r"\eta_k = b + (M - b)\, h(k)\, \sigma,\quad h \text{ a triangle wave rising over }"
    r" s_{up} \text{ and falling over } s_{down} \text{ steps}",
    (
        lr_like_param("base_lr", None, "b", "lowest lr of the cycle (empty: the run's lr)",
                      nullable=True, zh={"help": "周期中的最低学习率（留空：运行的学习率）"}),
        lr_like_param("max_lr", None, "M", "highest lr of the cycle (empty: 10 x base_lr)",
                      nullable=True, zh={"help": "周期中的最高学习率（留空：10 × base_lr）"}),
        count_param("step_size_up", 2000, 1, MAX_STEPS, slider_max=1000, symbol="s_{up}",
                    help_text="steps from base_lr up to max_lr",
                    zh={"help": "从 base_lr 升到 max_lr 的步数"}),
        count_param("step_size_down", None, 0, MAX_STEPS, slider_max=1000, symbol="s_{down}",
                    nullable=True, help_text="steps back down (empty: same as up)",
                    zh={"help": "降回来的步数（留空：与上升相同）"}),
        Param("mode", "triangular", kind="choice",
              choices=("triangular", "triangular2", "exp_range"),
              help="triangular: constant height; triangular2: halved each cycle; "
                   "exp_range: times gamma**k",
              zh={"help": (
                  "triangular：幅度不变；triangular2：每个周期减半；exp_range：乘以 gamma**k"
              )}),
        Param("gamma", 1.0, min=0.0, max=1.0, min_open=True, scale="beta", slider_min=0.9,
              slider_max=0.9999, symbol=r"\gamma", help="decay per step in exp_range mode",
              zh={"help": "exp_range 模式下每步的衰减"}),
        cycle_momentum_param("swing momentum / beta1 between max_momentum and base_momentum",
                             zh={"help": (
                                 "让动量 / beta1 在 max_momentum 与 base_momentum 之间摆动"
                             )}),
        momentum_param("base_momentum", 0.8, r"\mu_{b}", "momentum at the lr's peak",
                       zh={"help": "学习率处于峰值时的动量"}),
        momentum_param("max_momentum", 0.9, r"\mu_{M}", "momentum at the lr's trough",
                       zh={"help": "学习率处于谷底时的动量"}),
    ),
    zh={
        "label": "循环学习率",
        "description":
            "学习率在 step_size_up 步内从 base_lr 升到 max_lr，再在 step_size_down 步内降回来，周"
            "而复始；triangular2 每个周期把幅度减半，exp_range 每步把幅度乘以 gamma。动量（或 Adam "
            "的 β1）朝相反方向摆动。base_lr 留空表示使用运行的学习率；max_lr 留空表示 10 × base_lr"
            "。",
    },
)


class OneCycleLR(LRScheduler):
    """Warm up from max_lr / div_factor to max_lr, then anneal far below (1cycle policy)."""

    cycles_momentum = True

    @classmethod
    def check(cls, params: dict[str, Any], place: Place, tree: Checking) -> None:
        """Reject settings that make torch raise within the run (stepped past total_steps, a
        phase of zero length, cycling momentum the optimizer does not have)."""
        check_momentum(params, place, tree)
        explicit = params["total_steps"]
        if explicit is None and tree.steps is None:
            return
        n = explicit if explicit is not None else place.span
        reach = place.reach
        if tree.steps is not None and reach > n:
            raise ConfigError(
                f"{place.params}.total_steps",
                f"must be at least {reach}: the scheduler is stepped {reach} times in this run "
                "and torch's OneCycleLR raises when stepped past total_steps",
            )
        p = params["pct_start"]
        ends = [float(p * n) - 1, float(2 * p * n) - 2] if params["three_phase"] \
            else [float(p * n) - 1]
        zero_first = ends[0] == 0.0
        zero_last = tree.steps is not None and reach >= n and ends[-1] == n - 1
        if zero_first or zero_last:
            raise ConfigError(f"{place.params}.pct_start", ZERO_PHASE)

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """Empty max_lr is the run's lr; empty total_steps the steps of its phase."""
        p, group = params, tree.group
        top = group.run_lr if p["max_lr"] is None else p["max_lr"]
        n = p["total_steps"] if p["total_steps"] is not None else place.span
        return cls(
            group, place.field, group.vec(top), n, p["pct_start"], p["anneal_strategy"],
            p["cycle_momentum"], p["base_momentum"], p["max_momentum"], p["div_factor"],
            p["final_div_factor"], p["three_phase"],
        )

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
                raise ConfigError(f"{field}.params.cycle_momentum", NO_MOMENTUM)
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
                    raise ConfigError(f"{self.field}.params.pct_start", ZERO_PHASE)
                pct = (step_num - start_step) / (end_step - start_step)
                if self.cycle_momentum:
                    self.group.momentum = self._anneal(keys[m0], keys[m1], pct)
                return self._anneal(keys[lr0], keys[lr1], pct)
            start_step = end_step
        raise AssertionError("unreachable: the last phase always matches")


ONE_CYCLE_LR = ScheduleSpec(
    OneCycleLR, "One cycle (1cycle policy)",
    "One big cycle over the whole run: warm up from max_lr/div_factor to max_lr during the "
    "first pct_start of the steps, then anneal far below the start (by final_div_factor), "
    "while momentum does the opposite. Three-phase comes back to the start before the final "
    "drop. Empty max_lr means the run's lr; empty total_steps means the run's steps.",
    r"\frac{M}{d} \nearrow M \searrow \frac{M}{d\,d_f}",
    (
        lr_like_param("max_lr", None, "M", "peak lr (empty: the run's lr)", nullable=True,
                      zh={"help": "峰值学习率（留空：运行的学习率）"}),
        count_param("total_steps", None, 1, MAX_STEPS, slider_max=10000, symbol="N", nullable=True,
                    help_text="length of the cycle (empty: the run's steps)",
                    zh={"help": "周期的长度（留空：运行的步数）"}),
        Param("pct_start", 0.3, min=0.0, max=1.0, step=0.01, symbol="p",
              help="fraction of the steps spent warming up",
              zh={"help": "用于预热的步数所占的比例"}),
        Param("anneal_strategy", "cos", kind="choice", choices=("cos", "linear"),
              help="shape of each phase", zh={"help": "每个阶段的曲线形状"}),
        cycle_momentum_param("swing momentum / beta1 between max_momentum and base_momentum",
                             zh={"help": (
                                 "让动量 / beta1 在 max_momentum 与 base_momentum 之间摆动"
                             )}),
        momentum_param("base_momentum", 0.85, r"\mu_{b}", "momentum at the lr's peak",
                       zh={"help": "学习率处于峰值时的动量"}),
        momentum_param("max_momentum", 0.95, r"\mu_{M}", "momentum at the start and the end",
                       zh={"help": "开始和结束时的动量"}),
        Param("div_factor", 25.0, min=0.0, max=1e6, min_open=True, scale="log",
              slider_min=1.0, slider_max=1e3, symbol="d",
              help="the cycle starts at max_lr / div_factor",
              zh={"help": "周期从 max_lr / div_factor 开始"}),
        Param("final_div_factor", 1e4, min=0.0, max=1e9, min_open=True, scale="log",
              slider_min=1.0, slider_max=1e6, symbol="d_f",
              help="it ends at the start lr / final_div_factor",
              zh={"help": "周期结束于起始学习率 / final_div_factor"}),
        Param("three_phase", False, kind="bool",
              help="come back down to the start lr before the final anneal",
              zh={"help": "在最后的退火之前，先降回起始学习率"}),
    ),
    zh={
        "label": "单周期（1cycle 策略）",
        "description":
            "整个运行只有一个大周期：在前 pct_start 比例的步数里从 max_lr/div_factor 预热到 max_lr"
            "，然后退火到远低于起点的位置（由 final_div_factor 决定），动量则反向变化。三阶段模式"
            "会先回到起点再最终下降。max_lr 留空表示运行的学习率；total_steps 留空表示运行的步数。",
    },
)
