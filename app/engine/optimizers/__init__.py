"""The optimizer registry: one entry per optimizer, the only list of them in the project."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from ..params import validate_params
from .adabelief import ADABELIEF
from .adafactor import ADAFACTOR
from .adan import ADAN
from .adaptive import ADABOUND, ADAM, ADAMAX, ADAMW, LION, NADAM, RADAM
from .ademamix import ADEMAMIX
from .adopt import ADOPT
from .asgd import ASGD
from .base import FAMILIES, Family, OptimizerSpec, Oracle, Preset, StateVar
from .classic import ADADELTA, ADAGRAD, RMSPROP, SGD
from .dadapt import DADAPT_ADAGRAD, DADAPT_ADAM, DADAPT_SGD
from .laprop import LAPROP
from .lbfgs import LBFGS
from .lookahead import LOOKAHEAD
from .lrfree import PRODIGY
from .madgrad import MADGRAD
from .mars import MARS
from .muon import MUON
from .quasi_hyperbolic import QHADAM, QHM
from .rprop import RPROP
from .sam import SAM
from .schedulefree import ADAMW_SCHEDULEFREE, RADAM_SCHEDULEFREE, SGD_SCHEDULEFREE
from .shampoo import SHAMPOO
from .signsgd import SIGNSGD
from .trust_ratio import LAMB, LARS
from .yogi import YOGI

OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        SGD, ADAGRAD, RMSPROP, ADADELTA, ADAM, ADAMW, NADAM, RADAM, ADAMAX, ADABOUND,
        LION, ASGD, RPROP, LBFGS, LOOKAHEAD,
        ADAFACTOR, MUON, SHAMPOO,
        SGD_SCHEDULEFREE, ADAMW_SCHEDULEFREE, RADAM_SCHEDULEFREE, MADGRAD,
        SIGNSGD, QHM, QHADAM, MARS, LAMB, LARS,
        ADABELIEF, YOGI, ADAN, ADOPT, ADEMAMIX, LAPROP,
        PRODIGY, DADAPT_ADAM, DADAPT_SGD, DADAPT_ADAGRAD,
        SAM,
    )
}

__all__ = [
    "FAMILIES", "Family", "OPTIMIZERS", "OptimizerSpec", "Oracle", "Preset", "StateVar",
    "get_optimizer", "validate_optimizer", "state_vars", "constant_vars",
]


def get_optimizer(name: Any, field: str) -> OptimizerSpec:
    """The spec for ``name`` or a ConfigError listing the known names."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ConfigError(
            field, f"unknown optimizer {name!r}; allowed: {', '.join(OPTIMIZERS)}"
        )
    return OPTIMIZERS[name]


def companion_names(run: Mapping[str, Any]) -> tuple[str, ...]:
    """A validated run's companion paths: the ``path`` state quantities of its optimizer, then
    of its inner optimizer (the points drawn beside the run's own, as the catalog marks them)."""
    names: list[str] = []
    for node in (run, run.get("inner") or {}):
        spec = OPTIMIZERS.get(node.get("optimizer", ""))
        for var in spec.state if spec else ():
            if var.path and var.name not in names:
                names.append(var.name)
    return tuple(names)


def validate_optimizer(run: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Validate ``{"optimizer", "params", "inner"?}`` of a run; returns it with defaults filled."""
    spec = get_optimizer(run.get("optimizer"), f"{prefix}.optimizer")
    params = run.get("params") or {}
    if not isinstance(params, Mapping):
        raise ConfigError(f"{prefix}.params", "must be an object of hyperparameter values")
    hp = validate_params(spec.params, params, f"{prefix}.params")
    if spec.check:
        spec.check(hp, f"{prefix}.params")
    out: dict[str, Any] = {"optimizer": spec.name, "params": hp}
    if spec.wraps:
        inner = run.get("inner")
        if not isinstance(inner, Mapping):
            inner = {"optimizer": "sgd", "params": {"lr": 1e-3}}
        if inner.get("optimizer") == spec.name:
            raise ConfigError(f"{prefix}.inner.optimizer", f"{spec.name} cannot wrap itself")
        if "inner" in inner:
            raise ConfigError(f"{prefix}.inner.inner", "only one level of wrapping is allowed")
        out["inner"] = validate_optimizer(inner, f"{prefix}.inner")
        _check_nesting(spec, OPTIMIZERS[out["inner"]["optimizer"]], f"{prefix}.inner.optimizer")
    elif run.get("inner") is not None:
        raise ConfigError(f"{prefix}.inner", f"{spec.name} does not wrap an inner optimizer")
    return out


def _check_nesting(spec: OptimizerSpec, inner: OptimizerSpec, field: str) -> None:
    """One level of wrapping: a wrapper's inner optimizer is no wrapper; and a wrapper that
    evaluates the objective itself (SAM) steps no inner optimizer that does too (L-BFGS) nor one
    that takes its gradient elsewhere than at the run's point (Schedule-Free's y)."""
    if inner.wraps:
        raise ConfigError(field, f"{spec.name} cannot wrap the wrapper {inner.name}: only one "
                                 "level of wrapping is allowed")
    if spec.needs_oracle and inner.needs_oracle:
        raise ConfigError(field, f"{spec.name} cannot wrap {inner.name}: {inner.name} "
                                 "evaluates the objective itself within its step")
    if spec.needs_oracle and inner.gradient_at is not None:
        raise ConfigError(field, f"{spec.name} cannot wrap {inner.name}: {inner.name} takes its "
                                 f"gradient at its own point {inner.gradient_at}, not at the "
                                 f"point {spec.name} perturbs")


def state_vars(run: Mapping[str, Any]) -> tuple[StateVar, ...]:
    """The state quantities a validated run records (a wrapper's plus its inner optimizer's)."""
    spec = OPTIMIZERS[run["optimizer"]]
    if spec.wraps:
        inner = state_vars(run["inner"])
        return tuple(v for v in inner if not v.teaching) + spec.state + tuple(
            v for v in inner if v.teaching
        )
    return spec.state


def constant_vars(run: Mapping[str, Any]) -> tuple[StateVar, ...]:
    """The step's constants a validated run records (a wrapper's are its inner's)."""
    spec = OPTIMIZERS[run["optimizer"]]
    return constant_vars(run["inner"]) if spec.wraps else spec.constant_vars


def _inner_excludes(wrapper: OptimizerSpec) -> list[str]:
    """The optimizers a wrapper refuses to step (the page's inner select leaves them out)."""
    out = []
    for inner in OPTIMIZERS.values():
        if inner.wraps:
            continue
        try:
            _check_nesting(wrapper, inner, "inner.optimizer")
        except ConfigError:
            out.append(inner.name)
    return out


for _wrapper in OPTIMIZERS.values():
    if _wrapper.wraps:  # derived from the nesting rules, so the catalog cannot disagree
        _wrapper.extra["inner_excludes"] = _inner_excludes(_wrapper)
