"""The catalog of schedules: every spec, in the order the page lists them."""

from __future__ import annotations

from typing import Any

from .base import ScheduleSpec
from .composite import CHAINED_SCHEDULER, SEQUENTIAL_LR
from .cyclic import CYCLIC_LR, ONE_CYCLE_LR
from .decay import (
    CONSTANT_LR,
    COSINE_ANNEALING_LR,
    COSINE_ANNEALING_WARM_RESTARTS,
    EXPONENTIAL_LR,
    LAMBDA_LR,
    LINEAR_LR,
    MULTI_STEP_LR,
    POLYNOMIAL_LR,
    STEP_LR,
)
from .plateau import REDUCE_LR_ON_PLATEAU
from .warmup import (
    COSINE_WITH_WARMUP_LR,
    INVERSE_SQRT_LR,
    LINEAR_WITH_WARMUP_LR,
    POLYNOMIAL_WITH_WARMUP_LR,
    WARMUP_STABLE_DECAY,
)

SCHEDULES: dict[str, ScheduleSpec] = {
    spec.name: spec
    for spec in (
        LAMBDA_LR, STEP_LR, MULTI_STEP_LR, CONSTANT_LR, LINEAR_LR, EXPONENTIAL_LR, POLYNOMIAL_LR,
        COSINE_ANNEALING_LR, COSINE_ANNEALING_WARM_RESTARTS, REDUCE_LR_ON_PLATEAU, CYCLIC_LR,
        ONE_CYCLE_LR,
        # after transformers' get_*_schedule (torch LambdaLRs there)
        LINEAR_WITH_WARMUP_LR, COSINE_WITH_WARMUP_LR, POLYNOMIAL_WITH_WARMUP_LR, INVERSE_SQRT_LR,
        WARMUP_STABLE_DECAY,
        SEQUENTIAL_LR, CHAINED_SCHEDULER,
    )
}


def schedule_catalog() -> list[dict[str, Any]]:
    """Every schedule's catalog entry, in display order."""
    return [s.to_catalog() for s in SCHEDULES.values()]
