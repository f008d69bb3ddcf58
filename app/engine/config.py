"""The configuration: validated once, defaults filled, the single source of truth for a run.

The page URL, the API request and the Python call are three spellings of this one dictionary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError
from .optimizers import OPTIMIZERS, validate_optimizer
from .params import Param, as_float
from .schedules import validate_schedule
from .surfaces import SURFACES, expression_surface, get_surface

MAX_RUNS = 8
MAX_STEPS = 10_000
COORD_LIMIT = 1e6  # a start point or a view box beyond this is refused

STEPS = Param("steps", 300, kind="int", min=1, max=MAX_STEPS, step=1,
              scale="log", slider_min=10, slider_max=MAX_STEPS,
              help="number of optimizer steps",
              zh={"help": "优化器的步数"})
NOISE = Param("noise", 0.0, min=0.0, max=1e3, step=0.01,
              scale="log", slider_min=1e-3, slider_max=100.0,
              help="standard deviation of Gaussian noise added to each gradient component",
              zh={"help": "加到每个梯度分量上的高斯噪声的标准差"})
SEED = Param("seed", 0, kind="int", min=0, max=2**32 - 1, step=1,
             help="seed of the gradient noise and of the mini-batches",
             zh={"help": "梯度噪声和小批量的随机种子"})
BATCH = Param("batch_size", None, kind="int", min=1, max=1_000_000, step=1, nullable=True,
              scale="log", slider_min=1, slider_max=1024,
              help="mini-batch size on data surfaces (null: the whole data set)",
              zh={"help": "数据曲面上的小批量大小（null：使用整个数据集）"})
LABEL_MAX = 40


def _reject_unknown(raw: Mapping[str, Any], allowed: set[str], field: str) -> None:
    """Refuse keys a configuration object does not have, naming the first one."""
    for key in raw:
        if key not in allowed:
            name = f"{field}.{key}" if field else str(key)
            raise ConfigError(name, "unknown field; allowed: " + ", ".join(sorted(allowed)))


def _number(value: Any, field: str, limit: float = COORD_LIMIT) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(field, f"must be a number, got {value!r:.40}")
    x = as_float(value)
    if not math.isfinite(x) or abs(x) > limit:
        raise ConfigError(field, f"must be a finite number in [-{limit:g}, {limit:g}], got {x}")
    return x


def _pair(value: Any, field: str) -> list[float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ConfigError(field, "must be a list of two numbers [x, y]")
    return [_number(v, f"{field}[{i}]") for i, v in enumerate(value)]


def validate_view(value: Any, field: str) -> list[float]:
    """A view box [xmin, xmax, ymin, ymax] with xmin < xmax and ymin < ymax."""
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise ConfigError(field, "must be a list of four numbers [xmin, xmax, ymin, ymax]")
    box = [_number(v, f"{field}[{i}]") for i, v in enumerate(value)]
    if not (box[0] < box[1] and box[2] < box[3]):
        raise ConfigError(field, "needs xmin < xmax and ymin < ymax")
    return box


def validate_surface(raw: Any, field: str = "surface") -> dict[str, Any]:
    """``{"name", "params"?, "view"?}`` or ``{"expression", "view"?}``, defaults filled."""
    return _surface_and_objective(raw, field)[0]


def _surface_and_objective(raw: Any, field: str) -> tuple[dict[str, Any], Any]:
    """The validated surface and the Objective built while validating it (built once)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(field, "must be an object with a 'name' or an 'expression'")
    _reject_unknown(raw, {"name", "params", "view", "expression", "batch_size"}, field)
    if "expression" in raw and raw.get("expression") is not None:
        if raw.get("name") not in (None, "expression"):
            raise ConfigError(f"{field}.name", "give either a name or an expression, not both")
        view = validate_view(raw["view"], f"{field}.view") if raw.get("view") is not None \
            else None
        objective = expression_surface(raw["expression"], view=tuple(view) if view else None,
                                       field=f"{field}.expression")
        return {"expression": raw["expression"], "view": list(view or objective.spec.view)}, \
            objective
    spec = get_surface(raw.get("name"), f"{field}.name")
    objective = spec.build(raw.get("params"), f"{field}.params")
    view = validate_view(raw["view"], f"{field}.view") if raw.get("view") is not None \
        else list(spec.view)
    return {"name": spec.name, "params": dict(objective.params), "view": view}, objective


def build_objective(surface: Mapping[str, Any]) -> Any:
    """The Objective of a validated surface."""
    if "expression" in surface:
        return expression_surface(surface["expression"], view=tuple(surface["view"]))
    return SURFACES[surface["name"]].build(surface.get("params"))


def validate_run(raw: Any, field: str, steps: int) -> dict[str, Any]:
    """One run: optimizer (+ inner), params, optional schedule and label."""
    if not isinstance(raw, Mapping):
        raise ConfigError(field, "must be an object with an 'optimizer'")
    _reject_unknown(raw, {"optimizer", "params", "inner", "schedule", "label"}, field)
    run = validate_optimizer(raw, field)
    schedule = raw.get("schedule")
    driven = run["inner"] if OPTIMIZERS[run["optimizer"]].around is not None else run
    run["schedule"] = (
        validate_schedule(
            schedule, f"{field}.schedule", total_steps=steps, run_lr=driven["params"]["lr"],
            has_momentum=OPTIMIZERS[driven["optimizer"]].momentum_name is not None,
        )
        if schedule is not None else None
    )
    label = raw.get("label")
    if label is not None:
        if not isinstance(label, str) or len(label) > LABEL_MAX:
            raise ConfigError(f"{field}.label", f"must be a string of at most {LABEL_MAX} "
                                                "characters")
        if not label.isascii():
            try:
                label.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: no page, link or JSON can carry it
                raise ConfigError(f"{field}.label", "must be Unicode text (a lone surrogate, "
                                                    "U+D800 to U+DFFF, is not)") from None
        run["label"] = label
    return run


def validate_config(raw: Any) -> dict[str, Any]:
    """Validate a whole configuration; returns it with every default filled in.

    Raises ConfigError naming the first bad field (e.g. ``runs[1].params.beta1``).
    """
    if not isinstance(raw, Mapping):
        raise ConfigError("", "the configuration must be a JSON object")
    _reject_unknown(raw, {"surface", "start", "steps", "noise", "seed", "batch_size", "runs"}, "")
    surface, objective = _surface_and_objective(raw.get("surface", {"name": "rosenbrock"}),
                                                "surface")
    batch_raw = raw.get("batch_size")
    if batch_raw is None and isinstance(raw.get("surface"), Mapping):
        batch_raw = raw["surface"].get("batch_size")
    batch_size = BATCH.validate(batch_raw, "batch_size")
    if batch_size is not None and getattr(objective, "n_samples", None) is None:
        raise ConfigError("batch_size", "applies to data surfaces only (linear_regression, "
                                        "logistic_regression); use null here")
    steps = STEPS.validate(raw.get("steps", STEPS.default), "steps")
    start = _pair(raw["start"], "start") if raw.get("start") is not None else \
        list(objective.spec.start)
    runs_raw = raw.get("runs")
    if runs_raw is None:
        runs_raw = [{"optimizer": "adam", "params": {"lr": 0.05}}]
    if not isinstance(runs_raw, list | tuple) or not runs_raw:
        raise ConfigError("runs", f"must be a list of 1 to {MAX_RUNS} runs")
    if len(runs_raw) > MAX_RUNS:
        raise ConfigError("runs", f"at most {MAX_RUNS} runs, got {len(runs_raw)}")
    return {
        "surface": surface,
        "start": start,
        "steps": steps,
        "noise": NOISE.validate(raw.get("noise", NOISE.default), "noise"),
        "seed": SEED.validate(raw.get("seed", SEED.default), "seed"),
        "batch_size": batch_size,
        "runs": [validate_run(r, f"runs[{i}]", steps) for i, r in enumerate(runs_raw)],
    }
