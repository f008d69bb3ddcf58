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
ReduceLROnPlateau nested, cycling momentum the optimizer does not have). The one deliberate
difference: CyclicLR 'triangular2' after 1024 cycles, where torch raises OverflowError, continues
at base_lr.

Also, beside torch's schedules, transformers' warm-up schedules (``warmup``: linear, cosine and
polynomial decay after a warm-up, inverse square root, warmup-stable-decay), each equal to
transformers' lr sequence.

Layout: ``group`` (the param group schedules act on), ``base`` (the scheduler base classes and
the spec), ``fields`` (shared parameter declarations), one module per family of schedules
(``decay``, ``cyclic``, ``plateau``, ``warmup``, ``composite``), each class beside its spec,
``catalog`` (the registry, in display order) and ``tree`` (validating and building a config). A
new schedule is one scheduler class, its ``ScheduleSpec``, and its line in ``catalog``.
"""

from .base import (
    MAX_DEPTH,
    MAX_LIST,
    MAX_NODES,
    MAX_STEPS,
    LRScheduler,
    Place,
    Scheduler,
    ScheduleSpec,
)
from .catalog import SCHEDULES, schedule_catalog
from .group import MOMENTUM_NAMES, ParamGroup
from .tree import build_scheduler, validate_schedule

__all__ = [
    "MAX_DEPTH", "MAX_LIST", "MAX_NODES", "MAX_STEPS", "MOMENTUM_NAMES", "SCHEDULES",
    "LRScheduler", "ParamGroup", "Place", "ScheduleSpec", "Scheduler", "build_scheduler",
    "schedule_catalog", "validate_schedule",
]
