"""The schedules that are a function of the step count: torch's formula-, step-, ramp-, power-
and cosine-shaped decays, each stepped with torch's own recursive ("chainable") update."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..params import Param
from .base import (
    MAX_STEPS,
    Building,
    Checking,
    LRScheduler,
    Place,
    Scheduler,
    ScheduleSpec,
    int_list,
)
from .fields import MILESTONE_LIST, count_param, fraction_param, gamma_param, lr_like_param
from .group import Array, ParamGroup

if TYPE_CHECKING:
    from ..expression import Expression


def parse_lambda(text: str, field: str) -> Expression:
    """Parse LambdaLR's formula in k (ConfigError naming the field if it is not valid)."""
    from ..expression import parse_expression

    return parse_expression(text, variables=("k",), field=field)


class LambdaLR(LRScheduler):
    """lr = base_lr * f(k), f a formula in k."""

    @classmethod
    def check(cls, params: dict[str, Any], place: Place, tree: Checking) -> None:
        """The formula must parse (in k only)."""
        parse_lambda(params["lr_lambda"], f"{place.params}.lr_lambda")

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """Parse the formula and build on it."""
        return cls(tree.group, place.field, parse_lambda(params["lr_lambda"],
                                                         f"{place.params}.lr_lambda"))

    def __init__(self, group: ParamGroup, field: str, lr_lambda: Expression) -> None:
        """Keep the parsed formula and do the initial step."""
        self.lr_lambda = lr_lambda
        super().__init__(group, field)

    def get_lr(self) -> Array:
        """base_lr * f(last_epoch)."""
        value = np.asarray(self.lr_lambda.evaluate(k=float(self.last_epoch)), dtype=np.float64)
        return self.base_lrs * value


LAMBDA_LR = ScheduleSpec(
    LambdaLR, "Lambda (formula)",
    "The learning rate is the base rate times a formula you type in k, the number of "
    "scheduler steps so far. Try 0.95**k for exponential decay or min(1, (k+1)/10) for a "
    "linear warm-up; anything you can write as a function of k becomes a schedule.",
    r"\eta_k = \eta_0 \, f(k)",
    (
        Param("lr_lambda", "1", kind="expression", symbol="f(k)",
              help="multiplier of the base lr, a formula in k (e.g. 0.95**k)",
              zh={"help": "基础学习率的乘数，一个关于 k 的公式（例如 0.95**k）"}),
    ),
    zh={
        "label": "Lambda（公式）",
        "description":
            "学习率等于基础学习率乘以你输入的关于 k（调度器已走的步数）的公式。试试 0.95**k 得到指"
            "数衰减，或 min(1, (k+1)/10) 得到线性预热；任何能写成 k 的函数的式子都可以成为调度。",
    },
)


class StepLR(LRScheduler):
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


STEP_LR = ScheduleSpec(
    StepLR, "Step decay",
    "Every step_size steps the learning rate is multiplied by gamma, giving a staircase. "
    "Big early steps make fast progress; each drop lets the optimizer settle deeper into "
    "the valley it has found.",
    r"\eta_k = \eta_0 \, \gamma^{\lfloor k / s \rfloor}",
    (
        count_param("step_size", 30, 1, MAX_STEPS, slider_max=500, symbol="s",
                    help_text="steps between two drops", zh={"help": "两次下降之间的步数"}),
        gamma_param(0.1, "factor applied at each drop", zh={"help": "每次下降时乘上的因子"}),
    ),
    zh={
        "label": "阶梯衰减",
        "description":
            "每隔 step_size 步，学习率乘以 gamma，形成阶梯。早期的大步子进展快；每次下降都让优化器"
            "在已找到的山谷里沉得更深。",
    },
)


class MultiStepLR(LRScheduler):
    """Multiply the lr by gamma at each milestone (a repeated milestone counts repeatedly)."""

    @classmethod
    def check(cls, params: dict[str, Any], place: Place, tree: Checking) -> None:
        """The milestones are a list of step numbers (repeats allowed, any order)."""
        params["milestones"] = int_list(params["milestones"], f"{place.params}.milestones")

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


MULTI_STEP_LR = ScheduleSpec(
    MultiStepLR, "Multi-step decay",
    "The learning rate is multiplied by gamma at each milestone step you list, like a "
    "staircase with hand-placed steps (the classic recipe drops it at 50% and 75% of "
    "training).",
    r"\eta_k = \eta_0 \, \gamma^{\,|\{i \,:\, m_i \le k\}|}",
    (
        Param("milestones", [30, 80], kind="list", symbol="m_i",
              help="steps at which the lr is multiplied by gamma", extra=MILESTONE_LIST,
              zh={"help": "学习率乘以 gamma 的那些步"}),
        gamma_param(0.1, "factor applied at each milestone", zh={"help": "每个里程碑处乘上的因子"}),
    ),
    zh={
        "label": "多阶梯衰减",
        "description":
            "在你列出的每个里程碑步，学习率乘以 gamma，就像台阶位置由你亲手放置的阶梯（经典做法是"
            "在训练的 50% 和 75% 处下降）。",
    },
)


class ConstantLR(LRScheduler):
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


CONSTANT_LR = ScheduleSpec(
    ConstantLR, "Constant factor, then full",
    "For the first total_iters steps the learning rate is held at factor times the base "
    "rate, then it jumps back to the base rate: a crude warm-up.",
    r"\eta_k = \begin{cases} c\,\eta_0 & k < T \\ \eta_0 & k \ge T \end{cases}",
    (
        fraction_param("factor", 1.0 / 3, "c", "multiplier before total_iters", min_open=True,
                       zh={"help": "total_iters 步之前的乘数"}),
        count_param("total_iters", 5, 0, MAX_STEPS, slider_max=500, symbol="T",
                    help_text="steps at the reduced lr", zh={"help": "使用降低后学习率的步数"}),
    ),
    zh={
        "label": "先乘常数，再恢复",
        "description":
            "前 total_iters 步学习率保持为基础学习率乘以 factor，之后跳回基础学习率：一种简单的预"
            "热。",
    },
)


class LinearLR(LRScheduler):
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


LINEAR_LR = ScheduleSpec(
    LinearLR, "Linear ramp",
    "The multiplier of the base rate moves in a straight line from start_factor to "
    "end_factor over total_iters steps and then stays there. With a small start_factor "
    "this is the standard linear warm-up.",
    r"\eta_k = \eta_0 \left(s + (e - s)\,\frac{\min(k, T)}{T}\right)",
    (
        fraction_param("start_factor", 1.0 / 3, "s", "multiplier at step 0", min_open=True,
                       zh={"help": "第 0 步时的乘数"}),
        fraction_param("end_factor", 1.0, "e", "multiplier from step total_iters on",
                       zh={"help": "从第 total_iters 步起的乘数"}),
        count_param("total_iters", 5, 1, MAX_STEPS, slider_max=500, symbol="T",
                    help_text="steps of the ramp", zh={"help": "线性变化持续的步数"}),
    ),
    zh={
        "label": "线性变化",
        "description":
            "基础学习率的乘数在 total_iters 步内从 start_factor 线性变到 end_factor，然后保持不变"
            "。start_factor 较小时就是标准的线性预热。",
    },
)


class ExponentialLR(LRScheduler):
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


EXPONENTIAL_LR = ScheduleSpec(
    ExponentialLR, "Exponential decay",
    "The learning rate is multiplied by gamma after every step, so it decays "
    "geometrically: with gamma = 0.99 it halves about every 69 steps.",
    r"\eta_k = \eta_0 \, \gamma^{k}",
    (
        Param("gamma", 0.99, min=0.0, max=1.1, min_open=True, step=1e-3, slider_min=0.9,
              slider_max=1.0, symbol=r"\gamma", help="factor applied every step",
              zh={"help": "每一步乘上的因子"}),
    ),
    zh={
        "label": "指数衰减",
        "description":
            "每一步学习率都乘以 gamma，按几何级数衰减：gamma = 0.99 时大约每 69 步减半。",
    },
)


class PolynomialLR(LRScheduler):
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


POLYNOMIAL_LR = ScheduleSpec(
    PolynomialLR, "Polynomial decay",
    "The learning rate falls to zero over total_iters steps following a power of the "
    "remaining fraction: power 1 is a straight line, larger powers drop fast and then "
    "crawl, smaller ones hold high and then plunge.",
    r"\eta_k = \eta_0 \left(1 - \frac{\min(k, T)}{T}\right)^{p}",
    (
        count_param("total_iters", 5, 1, MAX_STEPS, slider_max=500, symbol="T",
                    help_text="steps until the lr reaches zero",
                    zh={"help": "学习率降到零所需的步数"}),
        Param("power", 1.0, min=0.0, max=10.0, step=0.1, slider_min=0.1, slider_max=5.0,
              symbol="p", help="exponent of the decay", zh={"help": "衰减的指数"}),
    ),
    zh={
        "label": "多项式衰减",
        "description":
            "学习率在 total_iters 步内按剩余比例的幂降到零：power 为 1 是直线，更大的幂先快速下降"
            "再缓慢爬行，更小的幂先保持较高再骤降。",
    },
)


class CosineAnnealingLR(LRScheduler):
    """Cosine from base_lr down to eta_min over T_max steps (and back up: period 2 * T_max)."""

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """An empty T_max is the steps of its phase (the run's, or its SequentialLR phase's)."""
        t_max = params["T_max"] if params["T_max"] is not None else place.span
        return cls(tree.group, place.field, t_max, params["eta_min"])

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


COSINE_ANNEALING_LR = ScheduleSpec(
    CosineAnnealingLR, "Cosine annealing",
    "The learning rate follows half a cosine wave from the base rate down to eta_min over "
    "T_max steps: it stays high for a while, falls fastest in the middle and lands gently. "
    "Past T_max it rises again (torch does not clamp it). T_max left empty means the run's "
    "length (inside SequentialLR, the length of its phase).",
    r"\eta_k = \eta_{\min} + \frac{\eta_0 - \eta_{\min}}{2}"
    r"\left(1 + \cos\frac{\pi k}{T_{\max}}\right)",
    (
        count_param("T_max", None, 1, MAX_STEPS, slider_max=2000, symbol=r"T_{\max}", nullable=True,
                    help_text="steps of the half cosine (empty: the run's steps)",
                    zh={"help": "半个余弦周期的步数（留空：运行的步数）"}),
        lr_like_param("eta_min", 0.0, r"\eta_{\min}", "lowest lr", zh={"help": "最低学习率"}),
    ),
    zh={
        "label": "余弦退火",
        "description":
            "学习率在 T_max 步内沿半个余弦波从基础学习率降到 eta_min：先保持较高，中间下降最快，最"
            "后平缓落地。超过 T_max 后它会再次上升（torch 不做截断）。T_max 留空表示整个运行的长度"
            "（在 SequentialLR 中为所在阶段的长度）。",
    },
)


class CosineAnnealingWarmRestarts(LRScheduler):
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


COSINE_ANNEALING_WARM_RESTARTS = ScheduleSpec(
    CosineAnnealingWarmRestarts, "Cosine with warm restarts (SGDR)",
    "Cosine annealing that jumps back to the base rate after T_0 steps, each new cycle "
    "T_mult times longer than the last. The restarts kick the optimizer out of sharp "
    "valleys; with T_mult = 2 the cycles last T_0, 2 T_0, 4 T_0, ...",
    r"\eta_k = \eta_{\min} + \frac{\eta_0 - \eta_{\min}}{2}"
    r"\left(1 + \cos\frac{\pi T_{cur}}{T_i}\right),\quad T_i = T_0\,T_{mult}^{\,i}",
    (
        count_param("T_0", 50, 1, MAX_STEPS, slider_max=1000, symbol="T_0",
                    help_text="steps of the first cycle", zh={"help": "第一个周期的步数"}),
        count_param("T_mult", 1, 1, 100, slider_max=4, symbol="T_{mult}",
                    help_text="each cycle is this many times longer than the previous",
                    zh={"help": "每个周期的长度是上一个周期的多少倍"}),
        lr_like_param("eta_min", 0.0, r"\eta_{\min}", "lowest lr", zh={"help": "最低学习率"}),
    ),
    zh={
        "label": "带热重启的余弦退火（SGDR）",
        "description":
            "余弦退火在 T_0 步后跳回基础学习率，每个新周期比上一个长 T_mult 倍。重启能把优化器踢出"
            "尖锐的山谷；T_mult = 2 时各周期长度为 T_0、2T_0、4T_0……",
    },
)
