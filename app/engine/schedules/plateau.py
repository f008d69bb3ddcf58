"""ReduceLROnPlateau: the one schedule that watches the run (the loss after every step)."""

from __future__ import annotations

import math

import numpy as np

from ..optimizers.base import maximum
from ..params import Param
from .base import MAX_STEPS, Scheduler, ScheduleSpec
from .fields import count_param, lr_like_param
from .group import Array, ParamGroup, choose


class ReduceLROnPlateau(Scheduler):
    """Cut the lr by ``factor`` when the metric stops improving (per run, vectorised)."""

    needs_metric = True

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
        self.best = choose(better, current, self.best)
        bad = choose(better, 0, self.num_bad_epochs + 1)
        in_cooldown = self.cooldown_counter > 0
        self.cooldown_counter = self.cooldown_counter - in_cooldown
        bad = choose(in_cooldown, 0, bad)
        reduce = bad > self.patience
        if reduce.any() if isinstance(reduce, np.ndarray) else reduce:
            old = self.group.lr
            new = maximum(old * self.factor, self.min_lr)
            self.group.lr = choose(reduce & (old - new > self.eps), new, old)
            self.cooldown_counter = choose(reduce, self.cooldown, self.cooldown_counter)
            bad = choose(reduce, 0, bad)
        self.num_bad_epochs = bad


REDUCE_LR_ON_PLATEAU = ScheduleSpec(
    ReduceLROnPlateau, "Reduce on plateau",
    "Watches the loss after every step and multiplies the learning rate by factor when it "
    "has not improved (by more than threshold) for more than patience steps, then waits "
    "cooldown steps before watching again. The only schedule that reacts to the run.",
    r"\eta \leftarrow \max(\phi\,\eta,\ \eta_{\min})"
    r"\ \text{after more than } P \text{ steps without improvement}",
    (
        Param("mode", "min", kind="choice", choices=("min", "max"),
              help="min: lower loss is better; max: higher is better",
              zh={"help": "min：损失越低越好；max：越高越好"}),
        Param("factor", 0.1, min=0.0, max=1.0, max_open=True, step=0.01, slider_min=0.01,
              slider_max=0.99, symbol=r"\phi", help="multiplier applied on a plateau",
              zh={"help": "遇到平台期时乘上的因子"}),
        count_param("patience", 10, 0, MAX_STEPS, slider_max=100, symbol="P",
                    help_text="steps without improvement tolerated",
                    zh={"help": "可以容忍的没有改善的步数"}),
        Param("threshold", 1e-4, min=0.0, max=1e3, scale="log", slider_min=1e-6,
              slider_max=1.0, symbol=r"\tau", help="smallest change that counts as better",
              zh={"help": "算作改善的最小变化量"}),
        Param("threshold_mode", "rel", kind="choice", choices=("rel", "abs"),
              help="rel: better than best*(1-threshold); abs: better than best-threshold",
              zh={"help": "rel：优于 best*(1-threshold)；abs：优于 best-threshold"}),
        count_param("cooldown", 0, 0, MAX_STEPS, slider_max=100,
                    help_text="steps to wait after a cut before counting again",
                    zh={"help": "降低学习率之后，重新开始计数之前等待的步数"}),
        lr_like_param("min_lr", 0.0, r"\eta_{\min}", "the lr is never cut below this",
                      zh={"help": "学习率不会被降到低于此值"}),
        Param("eps", 1e-8, min=0.0, max=1.0, scale="log", slider_min=1e-12, slider_max=1e-2,
              symbol=r"\epsilon", help="cuts smaller than this are skipped",
              zh={"help": "小于此值的降幅会被跳过"}),
    ),
    zh={
        "label": "平台期降低",
        "description":
            "每步之后观察损失，若超过 patience 步没有改善（幅度超过 threshold），就把学习率乘以 "
            "factor，然后等待 cooldown 步再继续观察。这是唯一会对运行情况作出反应的调度。",
    },
)
