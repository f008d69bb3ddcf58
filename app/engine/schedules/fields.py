"""Parameter declarations the schedules share: step counts, decay factors, lr-like values.

Each takes its help text in English and, as ``zh={"help": ...}``, in Chinese.
"""

from __future__ import annotations

from ..params import Param
from ..text import Translations
from .base import MAX_LIST


def count_param(name: str, default: int | None, lo: int, hi: int, *, slider_max: int,
                help_text: str, symbol: str = "", nullable: bool = False,
                zh: Translations | None = None) -> Param:
    """An integer step count with a linear slider."""
    return Param(
        name, default, kind="int", min=lo, max=hi, step=1, slider_min=lo, slider_max=slider_max,
        nullable=nullable, symbol=symbol, help=help_text, zh=zh or {},
    )


def gamma_param(default: float, help_text: str, hi: float = 10.0, *,
                zh: Translations | None = None) -> Param:
    """A multiplicative decay factor gamma > 0 on a log slider."""
    return Param(
        "gamma", default, min=0.0, max=hi, min_open=True, scale="log", slider_min=1e-3,
        slider_max=1.0, symbol=r"\gamma", help=help_text, zh=zh or {},
    )


def lr_like_param(name: str, default: float | None, symbol: str, help_text: str,
                  nullable: bool = False, *, zh: Translations | None = None) -> Param:
    """An lr-valued parameter (eta_min, min_lr, max_lr ...) on a log slider."""
    return Param(
        name, default, min=0.0, max=1e3, scale="log", slider_min=1e-6, slider_max=10.0,
        nullable=nullable, symbol=symbol, help=help_text, zh=zh or {},
    )


def momentum_param(name: str, default: float, symbol: str, help_text: str, *,
                   zh: Translations | None = None) -> Param:
    """A momentum / beta1 value in [0, 1) on a slider fine near 1."""
    return Param(
        name, default, min=0.0, max=1.0, max_open=True, scale="beta", slider_min=0.0,
        slider_max=0.999, symbol=symbol, help=help_text, zh=zh or {},
    )


def fraction_param(name: str, default: float, symbol: str, help_text: str, *,
                   min_open: bool = False, zh: Translations | None = None) -> Param:
    """A factor in [0, 1] (or (0, 1]) on a linear slider."""
    return Param(
        name, default, min=0.0, max=1.0, min_open=min_open, step=0.01,
        slider_min=0.01 if min_open else 0.0, slider_max=1.0, symbol=symbol, help=help_text,
        zh=zh or {},
    )


def cycle_momentum_param(help_text: str, *, zh: Translations | None = None) -> Param:
    """Whether to cycle the optimizer's momentum / beta1 against the lr."""
    return Param("cycle_momentum", True, kind="bool", help=help_text, zh=zh or {})


MILESTONE_LIST = {"items": "int", "item_min": 0, "max_items": MAX_LIST}
SCHEDULER_LIST = {"items": "schedule", "max_items": MAX_LIST}
