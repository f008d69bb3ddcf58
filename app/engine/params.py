"""Declarative hyperparameter specs: defaults, ranges and slider hints, and their validation.

One table per optimizer / schedule / surface drives validation here, the catalog the page is built
from, and the URL encoding, so a parameter is declared exactly once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import ConfigError
from .text import Translations, i18n

Kind = Literal["float", "int", "bool", "choice", "expression", "list"]
Scale = Literal["linear", "log", "beta"]


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its default, allowed range and how a slider should move over it.

    ``scale="beta"`` means a slider that is fine near 1 (it moves over -log10(1 - value)).
    ``min_open`` / ``max_open`` make the bound exclusive (e.g. beta in [0, 1)).
    """

    name: str
    default: Any
    kind: Kind = "float"
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    max_open: bool = False
    scale: Scale = "linear"
    step: float | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False
    symbol: str = ""
    help: str = ""
    slider_min: float | None = None
    slider_max: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    zh: Translations = field(default_factory=dict)  # {"help": ..., "label": ...} in Chinese

    def range_text(self) -> str:
        """Human-readable allowed range, used in error messages."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lo = "-inf" if self.min is None else _fmt(self.min)
        hi = "inf" if self.max is None else _fmt(self.max)
        left = "(" if self.min_open or self.min is None else "["
        right = ")" if self.max_open or self.max is None else "]"
        what = "an integer" if self.kind == "int" else "a number"
        return f"{what} in {left}{lo}, {hi}{right}"

    def to_catalog(self) -> dict[str, Any]:
        """The JSON description of this parameter for the page's controls."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.kind,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "min_open": self.min_open,
            "max_open": self.max_open,
            "scale": self.scale,
            "step": self.step,
            "slider_min": self.slider_min if self.slider_min is not None else self.min,
            "slider_max": self.slider_max if self.slider_max is not None else self.max,
            "symbol": self.symbol,
            "help": self.help,
            "range": self.range_text(),
        }
        if self.choices:
            out["choices"] = list(self.choices)
        if self.nullable:
            out["nullable"] = True
        out.update(self.extra)
        out.update(i18n(self.zh))
        return out

    def validate(self, value: Any, field_name: str) -> Any:
        """Return ``value`` coerced to this parameter's type, or raise ConfigError naming it."""
        if value is None:
            if self.nullable:
                return None
            raise ConfigError(field_name, f"must be {self.range_text()}, not null")
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ConfigError(field_name, f"must be true or false, got {_show(value)}")
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise ConfigError(field_name, f"must be {self.range_text()}, got {_show(value)}")
        if self.kind == "expression":
            if not isinstance(value, str):
                raise ConfigError(field_name, f"must be a formula (a string), got {_show(value)}")
            return value
        if self.kind == "list":
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(field_name, f"must be {self.range_text()}, got {_show(value)}")
        x = as_float(value)
        if not math.isfinite(x):
            raise ConfigError(field_name, f"must be a finite number ({self.range_text()}), got {x}")
        if self.kind == "int":
            if x != math.floor(x):
                raise ConfigError(field_name, f"must be {self.range_text()}, got {_show(value)}")
        if self.min is not None and (x < self.min or (self.min_open and x == self.min)):
            raise ConfigError(field_name, f"must be {self.range_text()}, got {_show(value)}")
        if self.max is not None and (x > self.max or (self.max_open and x == self.max)):
            raise ConfigError(field_name, f"must be {self.range_text()}, got {_show(value)}")
        return int(x) if self.kind == "int" else x


def validate_params(
    specs: Iterable[Param], given: Mapping[str, Any] | None, prefix: str
) -> dict[str, Any]:
    """Fill defaults and validate every given value; unknown names are an error naming them."""
    specs = tuple(specs)
    if given is not None and not isinstance(given, Mapping):
        raise ConfigError(prefix, "must be an object of parameter values")
    given = dict(given or {})
    names = {p.name for p in specs}
    for key in given:
        if key not in names:
            allowed = ", ".join(sorted(names)) or "none"
            raise ConfigError(f"{prefix}.{key}", f"unknown parameter; allowed: {allowed}")
    return {p.name: p.validate(given.get(p.name, p.default), f"{prefix}.{p.name}") for p in specs}


def as_float(value: int | float) -> float:
    """The value as a float; an integer too large for a double becomes inf (then refused)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _fmt(x: float) -> str:
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# Commonly shared parameter declarations.
def lr_param(default: float, *, symbol: str = r"\eta") -> Param:
    """The learning rate: a log slider, strictly positive... or zero (torch allows lr = 0)."""
    return Param(
        "lr", default, min=0.0, max=1e3, scale="log", slider_min=1e-5, slider_max=10.0,
        symbol=symbol, help="learning rate",
        zh={"help": "学习率"},
    )


def beta_param(name: str, default: float, symbol: str, help_text: str,
               zh_help: str = "") -> Param:
    """A decay rate in [0, 1) on a slider fine near 1 (``zh_help``: its help in Chinese)."""
    return Param(
        name, default, min=0.0, max=1.0, max_open=True, scale="beta", slider_min=0.0,
        slider_max=0.9999, symbol=symbol, help=help_text,
        zh={"help": zh_help} if zh_help else {},
    )


def eps_param(default: float) -> Param:
    """The numerical-stability epsilon, on a log slider."""
    return Param(
        "eps", default, min=0.0, max=1.0, scale="log", slider_min=1e-12, slider_max=1.0,
        symbol=r"\epsilon", help="added to the denominator for numerical stability",
        zh={"help": "加到分母上以保证数值稳定"},
    )


def weight_decay_param(default: float = 0.0) -> Param:
    """Weight decay (L2 penalty, or decoupled where the optimizer says so)."""
    return Param(
        "weight_decay", default, min=0.0, max=10.0, scale="linear", step=1e-3,
        symbol=r"\lambda", help="weight decay",
        zh={"help": "权重衰减"},
    )
