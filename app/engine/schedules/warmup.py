"""Schedules with a warm-up, as the ``transformers`` library builds them (``get_*_schedule``).

Each is, in transformers, a torch ``LambdaLR`` whose multiplier is one of its lambdas; here each is
that LambdaLR with the lambda written out, so it composes in SequentialLR / ChainedScheduler as the
real one does (no closed form: a SequentialLR restart evaluates the multiplier at 0). The
multiplier is computed in transformers' order of Python float operations, so the lrs equal
transformers' bit for bit. The optimizer's own lr (``group.run_lr``) is transformers'
``optimizer.defaults["lr"]`` (PolynomialWithWarmupLR divides by it).

Where transformers requires a value we choose a default: ``num_training_steps`` left empty means
the run's steps (inside SequentialLR, the steps of its phase), like CosineAnnealingLR's T_max.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from ..params import Param
from .base import MAX_STEPS, Building, Checking, LRScheduler, Place, Scheduler, ScheduleSpec
from .fields import count_param, fraction_param, lr_like_param
from .group import Array, ParamGroup

SHAPES = ("linear", "cosine", "1-sqrt")


def warmup_factor(step: int, warmup: int) -> float:
    """transformers' linear warm-up: step / warmup (the multiplier before num_warmup_steps)."""
    return float(step) / float(max(1, warmup))


def _training_steps(params: Mapping[str, Any], place: Place) -> int:
    """num_training_steps, or the steps of the node's phase when left empty."""
    explicit = params["num_training_steps"]
    return explicit if explicit is not None else place.span


class WarmupLR(LRScheduler):
    """torch's LambdaLR with a fixed multiplier of the step: lr = base_lr * factor(k)."""

    def get_lr(self) -> Array:
        """base_lr * factor(last_epoch), as LambdaLR computes it."""
        return self.base_lrs * self.factor(self.last_epoch)

    def factor(self, step: int) -> Any:
        """The multiplier of the base lr after ``step`` scheduler steps."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------------------
# Linear, cosine and polynomial decay after a linear warm-up


class LinearWithWarmupLR(WarmupLR):
    """Linear warm-up from 0, then a linear decay to 0 at num_training_steps (transformers'
    ``get_linear_schedule_with_warmup``)."""

    def __init__(self, group: ParamGroup, field: str, num_warmup_steps: int,
                 num_training_steps: int) -> None:
        """Keep the parameters and do the initial step."""
        self.num_warmup_steps = num_warmup_steps
        self.num_training_steps = num_training_steps
        super().__init__(group, field)

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """An empty num_training_steps is the steps of its phase."""
        return cls(tree.group, place.field, params["num_warmup_steps"],
                   _training_steps(params, place))

    def factor(self, step: int) -> float:
        """step / W, then max(0, (N - step) / (N - W))."""
        warmup, total = self.num_warmup_steps, self.num_training_steps
        if step < warmup:
            return warmup_factor(step, warmup)
        return max(0.0, float(total - step) / float(max(1, total - warmup)))


class CosineWithWarmupLR(WarmupLR):
    """Linear warm-up from 0, then num_cycles cosine waves from the base lr (transformers'
    ``get_cosine_schedule_with_warmup``)."""

    def __init__(self, group: ParamGroup, field: str, num_warmup_steps: int,
                 num_training_steps: int, num_cycles: float) -> None:
        """Keep the parameters and do the initial step."""
        self.num_warmup_steps = num_warmup_steps
        self.num_training_steps = num_training_steps
        self.num_cycles = num_cycles
        super().__init__(group, field)

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """An empty num_training_steps is the steps of its phase."""
        return cls(tree.group, place.field, params["num_warmup_steps"],
                   _training_steps(params, place), params["num_cycles"])

    def factor(self, step: int) -> Any:
        """step / W, then max(0, (1 + cos(2 pi c progress)) / 2)."""
        warmup, total = self.num_warmup_steps, self.num_training_steps
        if step < warmup:
            return warmup_factor(step, warmup)
        progress = float(step - warmup) / float(max(1, total - warmup))
        factor = 0.5 * (1.0 + math.cos(math.pi * float(self.num_cycles) * 2.0 * progress))
        min_lr_rate = 0.0  # transformers' default: get_cosine_schedule_with_warmup passes none
        factor = factor * (1 - min_lr_rate) + min_lr_rate
        return max(0, factor)


class PolynomialWithWarmupLR(WarmupLR):
    """Linear warm-up from 0, then a polynomial decay to lr_end at num_training_steps, held after
    (transformers' ``get_polynomial_decay_schedule_with_warmup``)."""

    def __init__(self, group: ParamGroup, field: str, num_warmup_steps: int,
                 num_training_steps: int, lr_end: float, power: float) -> None:
        """Keep the parameters and the optimizer's lr (lr_end is absolute) and do the initial
        step."""
        self.num_warmup_steps = num_warmup_steps
        self.num_training_steps = num_training_steps
        self.lr_end = lr_end
        self.power = power
        self.lr_init = group.run_lr  # transformers: optimizer.defaults["lr"]
        super().__init__(group, field)

    @classmethod
    def check(cls, params: dict[str, Any], place: Place, tree: Checking) -> None:
        """lr_end below the run's lr (transformers refuses otherwise); a decay of zero steps
        divides by zero in transformers."""
        lr = tree.run_lr
        if lr is not None and not lr > params["lr_end"]:
            raise ConfigError(
                f"{place.params}.lr_end",
                f"must be smaller than the run's lr ({lr!r}), got {params['lr_end']!r}: the "
                "decay goes from the run's lr down to lr_end",
            )
        explicit = params["num_training_steps"]
        total = explicit if explicit is not None else (
            place.span if tree.steps is not None else None)
        if total is not None and total == params["num_warmup_steps"]:
            raise ConfigError(
                f"{place.params}.num_training_steps",
                f"must differ from num_warmup_steps ({total}): the decay would last zero steps "
                "and transformers divides by zero",
            )

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """An empty num_training_steps is the steps of its phase."""
        return cls(tree.group, place.field, params["num_warmup_steps"],
                   _training_steps(params, place), params["lr_end"], params["power"])

    def factor(self, step: int) -> Any:
        """step / W; then ((lr0 - lr_end) (1 - progress) ** p + lr_end) / lr0; lr_end / lr0."""
        warmup, total = self.num_warmup_steps, self.num_training_steps
        if step < warmup:
            return warmup_factor(step, warmup)
        if step > total:
            return self.lr_end / self.lr_init
        lr_range = self.lr_init - self.lr_end
        decay_steps = total - warmup
        pct_remaining = 1 - (step - warmup) / decay_steps
        decay = lr_range * pct_remaining**self.power + self.lr_end
        return decay / self.lr_init


# ------------------------------------------------------------------------------------------------
# Inverse square root and warmup-stable-decay


class InverseSqrtLR(WarmupLR):
    """Linear warm-up from 0, then 1 / sqrt of the step (transformers'
    ``get_inverse_sqrt_schedule``)."""

    def __init__(self, group: ParamGroup, field: str, num_warmup_steps: int,
                 timescale: int | None) -> None:
        """Keep the parameters (empty timescale: num_warmup_steps, or 10 000 without warm-up)
        and do the initial step."""
        self.num_warmup_steps = num_warmup_steps
        self.timescale = timescale if timescale is not None else num_warmup_steps or 10_000
        super().__init__(group, field)

    def factor(self, step: int) -> float:
        """step / W, then 1 / sqrt((step - W + timescale) / timescale)."""
        warmup = self.num_warmup_steps
        if step < warmup:
            return warmup_factor(step, warmup)
        shift = self.timescale - warmup
        return 1.0 / math.sqrt((step + shift) / self.timescale)


class WarmupStableDecay(WarmupLR):
    """Warm up, hold the lr flat, then decay to min_lr_ratio (transformers'
    ``get_wsd_schedule``)."""

    def __init__(self, group: ParamGroup, field: str, num_warmup_steps: int,
                 num_decay_steps: int, num_training_steps: int, num_stable_steps: int | None,
                 warmup_type: str, decay_type: str, min_lr_ratio: float,
                 num_cycles: float) -> None:
        """Keep the parameters (an empty num_stable_steps is what is left of
        num_training_steps) and do the initial step."""
        self.num_warmup_steps = num_warmup_steps
        self.num_decay_steps = num_decay_steps
        self.num_stable_steps = num_stable_steps if num_stable_steps is not None \
            else num_training_steps - num_warmup_steps - num_decay_steps
        self.warmup_type = warmup_type
        self.decay_type = decay_type
        self.min_lr_ratio = min_lr_ratio
        self.num_cycles = num_cycles
        super().__init__(group, field)

    @classmethod
    def build(cls, params: Mapping[str, Any], place: Place, tree: Building) -> Scheduler:
        """An empty num_training_steps is the steps of its phase."""
        p = params
        return cls(tree.group, place.field, p["num_warmup_steps"], p["num_decay_steps"],
                   _training_steps(p, place), p["num_stable_steps"], p["warmup_type"],
                   p["decay_type"], p["min_lr_ratio"], p["num_cycles"])

    def factor(self, step: int) -> float:
        """Warm-up shape, 1, decay shape (each between min_lr_ratio and 1), then min_lr_ratio."""
        warmup, stable, decay = self.num_warmup_steps, self.num_stable_steps, self.num_decay_steps
        floor = self.min_lr_ratio
        if step < warmup:
            progress = float(step) / float(max(1, warmup))
            if self.warmup_type == "linear":
                factor = progress
            elif self.warmup_type == "cosine":
                factor = 0.5 * (1.0 - math.cos(math.pi * progress))
            else:
                factor = 1.0 - math.sqrt(1.0 - progress)
            factor = factor * (1.0 - floor) + floor
            return max(0.0, factor)
        if step < warmup + stable:
            return 1.0
        if step < warmup + stable + decay:
            progress = float(step - warmup - stable) / float(max(1, decay))
            if self.decay_type == "linear":
                factor = 1.0 - progress
            elif self.decay_type == "cosine":
                factor = 0.5 * (1.0 + math.cos(math.pi * float(self.num_cycles) * 2.0 * progress))
            else:
                factor = 1.0 - math.sqrt(progress)
            factor = factor * (1.0 - floor) + floor
            return max(0.0, factor)
        return floor


# ------------------------------------------------------------------------------------------------
# The specs


def _warmup_param(help_text: str, zh: str) -> Param:
    """num_warmup_steps: the steps of the warm-up (0: none)."""
    return count_param("num_warmup_steps", 30, 0, MAX_STEPS, slider_max=500, symbol="W",
                       help_text=help_text, zh={"help": zh})


def _training_param(help_text: str, zh: str) -> Param:
    """num_training_steps, empty for the run's steps."""
    return count_param("num_training_steps", None, 1, MAX_STEPS, slider_max=2000, symbol="N",
                       nullable=True, help_text=help_text, zh={"help": zh})


def _cycles_param(help_text: str, zh: str) -> Param:
    """num_cycles: cosine waves (0.5: one half wave down)."""
    return Param("num_cycles", 0.5, min=0.0, max=100.0, step=0.05, slider_min=0.0,
                 slider_max=3.0, symbol="c", help=help_text, zh={"help": zh})


_WARMUP_EN = "steps of the linear warm-up from 0 (0: no warm-up)"
_WARMUP_ZH = "从 0 开始线性预热的步数（0：不预热）"

LINEAR_WITH_WARMUP_LR = ScheduleSpec(
    LinearWithWarmupLR, "Linear with warm-up",
    "The learning rate climbs in a straight line from 0 to the base rate over num_warmup_steps "
    "steps, then falls in a straight line to 0 at num_training_steps and stays there: a tent in "
    "the lr chart. It is the usual schedule for fine-tuning BERT-like models (transformers' "
    "get_linear_schedule_with_warmup): the warm-up keeps the first updates small while Adam's "
    "moment estimates are still unreliable, and the decay lets the run settle at the end. Empty "
    "num_training_steps means the run's steps.",
    r"\eta_k = \eta_0 \begin{cases} k / W & k < W \\"
    r" \max\!\left(0,\ \dfrac{N - k}{N - W}\right) & k \ge W \end{cases}",
    (
        _warmup_param(_WARMUP_EN, _WARMUP_ZH),
        _training_param("step at which the lr reaches 0 (empty: the run's steps)",
                        "学习率降到 0 的那一步（留空：运行的步数）"),
    ),
    zh={
        "label": "线性预热 + 线性衰减",
        "description":
            "学习率在 num_warmup_steps 步内从 0 沿直线升到基础学习率，然后沿直线下降，在第 "
            "num_training_steps 步降到 0 并保持不变：学习率曲线像一顶帐篷。这是微调 BERT 类模型"
            "最常用的调度（transformers 的 get_linear_schedule_with_warmup）：预热让最初的更新保"
            "持很小，因为此时 Adam 的矩估计还不可靠；末尾的衰减让训练平稳收尾。"
            "num_training_steps 留空表示运行的步数。",
    },
)

COSINE_WITH_WARMUP_LR = ScheduleSpec(
    CosineWithWarmupLR, "Cosine with warm-up",
    "A linear warm-up from 0 to the base rate over num_warmup_steps steps, then a cosine from the "
    "base rate down to 0 at num_training_steps. In the lr chart: a ramp, a long rounded "
    "shoulder and a gentle landing. num_cycles = 0.5 is half a cosine wave; 1.5 goes down, back "
    "up and down again. The most common recipe for training transformer models (transformers' "
    "get_cosine_schedule_with_warmup). Empty num_training_steps means the run's steps.",
    r"\eta_k = \eta_0 \begin{cases} k / W & k < W \\"
    r" \tfrac12\left(1 + \cos\left(2\pi c\,\tfrac{k - W}{N - W}\right)\right) & k \ge W"
    r" \end{cases}",
    (
        _warmup_param(_WARMUP_EN, _WARMUP_ZH),
        _training_param("step at which the cosine ends (empty: the run's steps)",
                        "余弦结束的那一步（留空：运行的步数）"),
        _cycles_param("cosine waves after the warm-up (0.5: one half wave down to 0)",
                      "预热之后余弦波的个数（0.5：半个波，降到 0）"),
    ),
    zh={
        "label": "线性预热 + 余弦衰减",
        "description":
            "学习率在 num_warmup_steps 步内从 0 线性升到基础学习率，然后沿余弦曲线在第 "
            "num_training_steps 步降到 0。学习率曲线上是一段斜坡、一个长而圆的肩部和一次平缓的"
            "落地。num_cycles = 0.5 是半个余弦波；1.5 则先降、再升、再降。这是训练 Transformer "
            "模型最常用的做法（transformers 的 get_cosine_schedule_with_warmup）。"
            "num_training_steps 留空表示运行的步数。",
    },
)

POLYNOMIAL_WITH_WARMUP_LR = ScheduleSpec(
    PolynomialWithWarmupLR, "Polynomial with warm-up",
    "A linear warm-up from 0 to the base rate, then a polynomial decay from the base rate down to "
    "lr_end at num_training_steps, held at lr_end after that: power 1 is a straight line, power "
    "2 drops fast first and then flattens, power 0.5 holds high and then plunges. The schedule "
    "of the original BERT pre-training (transformers' "
    "get_polynomial_decay_schedule_with_warmup). lr_end is an absolute lr below the run's lr. "
    "Empty num_training_steps means the run's steps.",
    r"\eta_k = \begin{cases} \eta_0\, k / W & k < W \\"
    r" (\eta_0 - \eta_{end}) \left(1 - \dfrac{k - W}{N - W}\right)^{p} + \eta_{end}"
    r" & W \le k \le N \\ \eta_{end} & k > N \end{cases}",
    (
        _warmup_param(_WARMUP_EN, _WARMUP_ZH),
        _training_param("step at which the lr reaches lr_end (empty: the run's steps)",
                        "学习率降到 lr_end 的那一步（留空：运行的步数）"),
        lr_like_param("lr_end", 1e-7, r"\eta_{end}",
                      "the lr at num_training_steps and after (below the run's lr)",
                      zh={"help": "第 num_training_steps 步及之后的学习率（须低于运行的学习率）"}),
        Param("power", 1.0, min=0.0, max=10.0, step=0.1, slider_min=0.1, slider_max=5.0,
              symbol="p", help="exponent of the decay (1: a straight line)",
              zh={"help": "衰减的指数（1：直线）"}),
    ),
    zh={
        "label": "线性预热 + 多项式衰减",
        "description":
            "学习率先从 0 线性升到基础学习率，然后按多项式从基础学习率降到第 num_training_steps "
            "步的 lr_end，此后保持在 lr_end：power 为 1 是直线，power 为 2 先快速下降再变平缓，"
            "power 为 0.5 则先保持较高再骤降。这是 BERT 最初预训练所用的调度（transformers 的 "
            "get_polynomial_decay_schedule_with_warmup）。lr_end 是一个绝对的学习率，必须低于运"
            "行的学习率。num_training_steps 留空表示运行的步数。",
    },
)

INVERSE_SQRT_LR = ScheduleSpec(
    InverseSqrtLR, "Inverse square root",
    "A linear warm-up over num_warmup_steps steps, then the rate decays like one over the square "
    "root of the step: quickly at first, then ever more slowly, never reaching zero, so it needs "
    "no planned end of training. The schedule of the original Transformer ('Attention is all "
    "you need') and of T5 pre-training (transformers' get_inverse_sqrt_schedule). timescale sets "
    "how fast it decays: the lr has halved when the step, counted from the end of the warm-up, "
    "reaches 3 x timescale. Empty timescale means num_warmup_steps (10 000 without warm-up).",
    r"\eta_k = \eta_0 \begin{cases} k / W & k < W \\"
    r" \sqrt{\dfrac{\tau}{k - W + \tau}} & k \ge W \end{cases}",
    (
        _warmup_param(_WARMUP_EN, _WARMUP_ZH),
        count_param("timescale", None, 1, MAX_STEPS, slider_max=2000, symbol=r"\tau",
                    nullable=True,
                    help_text="steps over which the decay acts (empty: num_warmup_steps, or "
                              "10 000 without warm-up)",
                    zh={"help": "衰减作用的时间尺度（留空：num_warmup_steps；不预热时为 10 000）"}),
    ),
    zh={
        "label": "平方根倒数衰减",
        "description":
            "学习率先在 num_warmup_steps 步内线性预热，然后按步数平方根的倒数衰减：开始时下降较"
            "快，之后越来越慢，永远不会降到零，因此不需要事先确定训练在哪一步结束。这是最初的 "
            "Transformer（“Attention is all you need”）和 T5 预训练所用的调度（transformers 的 "
            "get_inverse_sqrt_schedule）。timescale 决定衰减的快慢：从预热结束算起，步数达到 "
            "3 × timescale 时学习率减半。timescale 留空表示 num_warmup_steps（不预热时为 "
            "10 000）。",
    },
)

WARMUP_STABLE_DECAY = ScheduleSpec(
    WarmupStableDecay, "Warmup-stable-decay (WSD)",
    "Three stages: warm up from min_lr_ratio x the base rate to the base rate over "
    "num_warmup_steps steps, hold it flat for num_stable_steps, then decay over num_decay_steps "
    "back to min_lr_ratio x the base rate and stay there. In the lr chart: a ramp, a long "
    "plateau and a short drop at the end, during which the loss typically falls sharply. Used to "
    "pre-train large language models: the flat stage can be extended, or resumed from a "
    "checkpoint, without fixing the length of training in advance; only the short decay is run "
    "at the end (transformers' get_wsd_schedule). Empty num_stable_steps means what is left of "
    "num_training_steps (empty: the run's steps) after warm-up and decay. In the formula, w and "
    "d are the shapes chosen by warmup_type and decay_type (linear, cosine or 1-sqrt).",
    r"\eta_k = \eta_0 \begin{cases} r + (1 - r)\, w\!\left(\tfrac{k}{W}\right) & k < W \\"
    r" 1 & k < W + S \\ r + (1 - r)\, d\!\left(\tfrac{k - W - S}{D}\right) & k < W + S + D \\"
    r" r & k \ge W + S + D \end{cases}",
    (
        _warmup_param("steps of the warm-up (0: no warm-up)", "预热的步数（0：不预热）"),
        count_param("num_decay_steps", 60, 0, MAX_STEPS, slider_max=1000, symbol="D",
                    help_text="steps of the final decay", zh={"help": "最后衰减阶段的步数"}),
        _training_param("total steps, used when num_stable_steps is empty (empty: the run's "
                        "steps)", "总步数，在 num_stable_steps 留空时使用（留空：运行的步数）"),
        count_param("num_stable_steps", None, 0, MAX_STEPS, slider_max=2000, symbol="S",
                    nullable=True,
                    help_text="steps at the full lr (empty: what is left of num_training_steps)",
                    zh={"help": "保持完整学习率的步数（留空：num_training_steps 剩下的步数）"}),
        Param("warmup_type", "linear", kind="choice", choices=SHAPES,
              help="shape of the warm-up: linear, cosine (an S-curve) or 1-sqrt (fast first)",
              zh={"help": "预热的形状：linear（直线）、cosine（S 形曲线）或 1-sqrt（先快后慢）"}),
        Param("decay_type", "cosine", kind="choice", choices=SHAPES,
              help="shape of the decay: linear, cosine or 1-sqrt (drops fastest at first)",
              zh={"help": "衰减的形状：linear（直线）、cosine（余弦）或 1-sqrt（开始时下降最快）"}),
        fraction_param("min_lr_ratio", 0.0, "r",
                       "the lowest lr as a fraction of the base lr (start and end)",
                       zh={"help": "最低学习率占基础学习率的比例（开始和结束时）"}),
        _cycles_param("cosine waves in the decay (cosine decay only; 0.5: one half wave down)",
                      "衰减阶段余弦波的个数（仅用于 cosine 衰减；0.5：半个波）"),
    ),
    zh={
        "label": "预热-稳定-衰减（WSD）",
        "description":
            "分三个阶段：在 num_warmup_steps 步内从 min_lr_ratio × 基础学习率预热到基础学习率，"
            "保持 num_stable_steps 步不变，再在 num_decay_steps 步内衰减回 min_lr_ratio × 基础学"
            "习率并保持。学习率曲线上是一段斜坡、一段长长的平台和末尾一次短促的下降，损失通常在"
            "这次下降中明显降低。它被用来预训练大语言模型：平台阶段可以延长，也可以从检查点继续，"
            "不必事先确定训练的长度，只在最后运行短短的衰减阶段（transformers 的 "
            "get_wsd_schedule）。num_stable_steps 留空表示 num_training_steps（留空：运行的步数）"
            "减去预热和衰减之后剩下的步数。公式中的 w 和 d 是 warmup_type 与 decay_type 选定的"
            "形状（linear、cosine 或 1-sqrt）。",
    },
)
