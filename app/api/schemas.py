"""Pydantic models for /docs: the request configuration, the catalog, the surface grid, the stream
records and the errors.

They document the contract; the validation authority stays the engine's ``validate_config`` (the
request body is parsed and checked there, so these models never silently coerce a value). The
request models are generated from the engine's Param tables (STEPS, NOISE, SEED, BATCH and every
optimizer's, schedule's and surface's parameters: type, range, default), so /openapi.json states
exactly the bounds validation applies; tests check a value just inside each documented bound is
accepted and one just outside refused, and that real responses validate against the models.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model

from app.address.codec import default_surface_name
from app.address.table import rows
from app.engine.config import BATCH, LABEL_MAX, MAX_RUNS
from app.engine.optimizers import OPTIMIZERS
from app.engine.params import Param
from app.engine.schedules import SCHEDULES
from app.engine.surfaces import SURFACES

EXAMPLE_CONFIG: dict[str, Any] = {
    "surface": {"name": "rosenbrock"},
    "start": [-1.5, 2.0],
    "steps": 300,
    "noise": 0.0,
    "seed": 0,
    "runs": [
        {"optimizer": "adam", "params": {"lr": 0.01, "beta1": 0.9},
         "schedule": {"name": "CosineAnnealingLR", "params": {"T_max": 300}}},
        {"optimizer": "lookahead", "params": {"k": 5, "alpha": 0.5},
         "inner": {"optimizer": "sgd", "params": {"lr": 0.001, "momentum": 0.9}}},
    ],
}


class _Strict(BaseModel):
    """A request model: unknown fields are refused (as the engine refuses them)."""

    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """A response model: fields the engine adds later pass through."""

    model_config = ConfigDict(extra="allow")


# ----------------------------------------------------------------------------- configuration


def _bounds(p: Param) -> dict[str, Any]:
    """A parameter's range as JSON Schema bounds (open ends exclusive), as the engine checks it."""
    out: dict[str, Any] = {}
    if p.kind not in ("int", "float"):
        return out
    if p.min is not None:
        out["gt" if p.min_open else "ge"] = p.min
    if p.max is not None:
        out["lt" if p.max_open else "le"] = p.max
    return out


def param_field(p: Param, annotation: Any = None) -> tuple[Any, Any]:
    """The (annotation, Field) of a request field declared by an engine Param: its type, its
    range and its default, so /openapi.json states what validation accepts."""
    if annotation is None:
        base: Any = {"int": int, "float": float, "bool": bool, "expression": str}.get(
            p.kind, list[Any])
        if p.kind == "choice":
            base = Literal[p.choices]
        annotation = Annotated[base, Field(**_bounds(p))] if _bounds(p) else base
    if p.nullable:
        annotation = annotation | None
    default = p.default
    finite = not isinstance(default, float) or math.isfinite(default)
    extra = {"description": p.help} if p.help else {}
    return annotation, Field(default if finite else None, **extra)


def _model_name(name: str, suffix: str) -> str:
    """A component name: ``adam`` -> ``AdamParams``, ``StepLR`` -> ``StepLRParams``."""
    return "".join(w[:1].upper() + w[1:] for w in name.split("_")) + suffix


def _params_model(name: str, suffix: str, specs: tuple[Param, ...],
                  overrides: dict[str, Any] | None = None) -> type[BaseModel]:
    """A strict model of one catalog entry's parameters (every one optional, its default)."""
    fields = {p.name: param_field(p, (overrides or {}).get(p.name)) for p in specs}
    return create_model(_model_name(name, suffix), __base__=_Strict, __module__=__name__,
                        **fields)


DEFAULT_SURFACE = default_surface_name()  # what a configuration without a surface gets
_VIEW: tuple[Any, Any] = (list[float] | None, Field(None, min_length=4, max_length=4,
                                                    description="[xmin, xmax, ymin, ymax]"))


def _surface_variant(name: str) -> type[BaseModel]:
    spec = SURFACES[name]
    default = name == DEFAULT_SURFACE
    return create_model(
        _model_name(name, "Surface"), __base__=_Strict, __module__=__name__,
        __doc__=f"The {spec.label} surface" + (" (the default)" if default else ""),
        name=(Literal[name], Field(name if default else ...)),
        params=(_params_model(name, "SurfaceParams", spec.params) | None, None),
        view=_VIEW, batch_size=param_field(BATCH))


class ExpressionSurface(_Strict):
    """A formula in x and y instead of a named surface."""

    expression: str = Field(..., description="a formula in x and y, e.g. x**2 + 10*y**2",
                            examples=["x**2 + 10*y**2"])
    view: _VIEW[0] = _VIEW[1]  # type: ignore[valid-type]
    batch_size: param_field(BATCH)[0] = param_field(BATCH)[1]  # type: ignore[valid-type]


class SurfaceConfig(RootModel[Any]):
    """A named surface with its params, or a formula in x and y; optional view box."""

    root: Annotated[Union[tuple(_surface_variant(n) for n in SURFACES)]  # noqa: UP007
                    | ExpressionSurface, Field(union_mode="left_to_right")]


def _schedule_variant(name: str) -> type[BaseModel]:
    spec = SCHEDULES[name]
    overrides = {"schedulers": list[ScheduleConfig]} if spec.composite else {}
    return create_model(
        _model_name(name, "Schedule"), __base__=_Strict, __module__=__name__,
        __doc__=spec.label, name=(Literal[name], ...),
        params=(_params_model(name, "Params", spec.params, overrides) | None, None))


class ScheduleConfig(RootModel[Any]):
    """A learning-rate schedule under torch's class name, with torch's parameter names (LambdaLR
    takes a formula in k; SequentialLR / ChainedScheduler take their child schedules)."""

    root: ScheduleVariant


_SCHEDULES = tuple(_schedule_variant(n) for n in SCHEDULES)
ScheduleVariant = Annotated[Union[_SCHEDULES], Field(discriminator="name")]  # noqa: UP007
ScheduleConfig.model_rebuild()
for _model in _SCHEDULES:
    _model.model_rebuild()


def _optimizer_variant(name: str, run: bool) -> type[BaseModel]:
    spec = OPTIMIZERS[name]
    fields: dict[str, Any] = {
        "optimizer": (Literal[name], ...),
        "params": (_params_model(name, "Params", spec.params) | None, None)}
    if run:
        if getattr(spec, "wraps", False):
            fields["inner"] = (OptimizerConfig | None, Field(
                None, description="the optimizer it steps; default sgd lr=0.001"))
        fields["schedule"] = (ScheduleConfig | None, None)
        fields["label"] = (str | None, Field(None, max_length=LABEL_MAX))
    return create_model(_model_name(name, "Run" if run else "Optimizer"), __base__=_Strict,
                        __module__=__name__, __doc__=spec.label, **fields)


class OptimizerConfig(RootModel[Any]):
    """An optimizer and its hyperparameters (omitted ones take their defaults)."""

    root: Annotated[Union[tuple(_optimizer_variant(n, False) for n in OPTIMIZERS)],  # noqa: UP007
                    Field(discriminator="optimizer")]


class RunConfig(RootModel[Any]):
    """One run: an optimizer (a wrapper with the inner one it steps), its schedule, its label."""

    root: Annotated[Union[tuple(_optimizer_variant(n, True) for n in OPTIMIZERS)],  # noqa: UP007
                    Field(discriminator="optimizer")]


class _ConfigBase(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_CONFIG]})


TrajectoryConfig = create_model(
    "TrajectoryConfig", __base__=_ConfigBase, __module__=__name__,
    __doc__="The whole configuration: surface, start, steps, gradient noise, seed and the runs.",
    surface=(SurfaceConfig | None, None),
    start=(list[float] | None, Field(None, min_length=2, max_length=2,
                                     description="[x, y] (default: the surface's start)")),
    # steps, noise, seed, batch_size: the address table's rows with an engine Param
    **{k.field: param_field(k.param) for k in rows("config") if k.param is not None},
    runs=(list[RunConfig] | None, Field(None, min_length=1, max_length=MAX_RUNS)),
)


# ----------------------------------------------------------------------------------- catalog


class ParamInfo(_Open):
    """A hyperparameter: default, range, slider scale and step, symbol and help."""

    name: str
    type: str
    default: Any
    min: float | None = None
    max: float | None = None
    scale: str
    step: float | None = None
    symbol: str = ""
    help: str = ""
    range: str


class PresetInfo(_Open):
    """A named setting of an optimizer (GD, Momentum, Nesterov, AMSGrad, ...)."""

    name: str
    label: str
    params: dict[str, Any]


class StateInfo(_Open):
    """A state quantity of an optimizer, under torch's name, with its symbol."""

    name: str
    symbol: str
    help: str


class RuleLine(_Open):
    """One line of an update rule, shown when every ``[hyperparameter, op, value]`` holds."""

    latex: str
    when: list[list[Any]]


class OptimizerInfo(_Open):
    """An optimizer: label, explanation, hyperparameters, presets, equations, state."""

    name: str
    label: str
    description: str
    params: list[ParamInfo]
    presets: list[PresetInfo]
    equations: list[str]
    update_rule: list[RuleLine] = Field(
        ..., description="the equations with the hyperparameter conditions of each line")
    step_scale: list[RuleLine] = Field(
        ..., description="the step scale (the factor the step multiplies its direction by)")
    factors: list[StateInfo] = Field(..., description="the step's scalar factors, with symbols")
    state: list[StateInfo]
    family: str = Field(..., description="the picker's group: a name in the catalog's families")
    year: int | None = Field(None, description="the year of the method's paper")
    paper: str = Field("", description="the paper or reference the method comes from")


class FamilyInfo(_Open):
    """A group of the optimizer picker (classic, adaptive, Adam variants, ...), in order."""

    name: str
    label: str
    help: str


class ScheduleInfo(_Open):
    """A schedule: label, explanation, formula in LaTeX and parameters."""

    name: str
    label: str
    description: str
    latex: str
    params: list[ParamInfo]
    cycles_momentum: bool


class MinimumInfo(_Open):
    """A known minimum of a surface."""

    x: float
    y: float
    value: float
    kind: str


class SurfaceInfo(_Open):
    """A surface: label, formula in LaTeX, default view and start, minima."""

    name: str
    label: str
    latex: str
    view: list[float]
    start: list[float]
    params: list[ParamInfo]
    minima: list[MinimumInfo]


class Limits(_Open):
    """The server's limits on one request (from its settings)."""

    max_runs: int
    max_steps: int
    max_run_steps: int
    max_grid: int
    default_grid: int
    max_expression_chars: int
    max_body_bytes: int
    max_map_cells: int
    max_basin_cells: int
    max_map_steps: int
    page_digits: int = Field(description="significant digits of the series the page asks for "
                                         "(POST /api/trajectory?digits=); its paths stay exact")


class LessonInfo(_Open):
    """A ready-made lesson: its scenes (page queries), texts per language and checked claims."""

    id: str
    title: dict[str, str]
    text: dict[str, str]
    question: dict[str, str]
    query: str = Field(..., description="the first scene's page query")
    scenes: list[dict[str, Any]]
    claims: list[dict[str, Any]]


class Catalog(_Open):
    """Everything the page builds its controls from."""

    version: str
    texts: Literal["all", "en"] = Field(
        "all", description="`all`: every text with its translations (`i18n`); `en`: English only "
                           "(asked with `texts=en`)")
    optimizers: list[OptimizerInfo]
    families: list[FamilyInfo] = Field(
        ..., description="the optimizer picker's groups, in order (each optimizer's family)")
    schedules: list[ScheduleInfo]
    surfaces: list[SurfaceInfo]
    settings: dict[str, ParamInfo] = Field(
        ..., description="the top-level fields steps, noise, seed, batch_size"
    )
    limits: Limits
    default_config: dict[str, Any]
    default_query: str
    expression: dict[str, Any] = Field(..., description="what a formula may use")
    maps: dict[str, list[str]] = Field(..., description="map metrics, basin colours, axis scales")
    quantities: list[dict[str, Any]] = Field(
        ..., description="quantities every step has (gradient, lr, step scale, ...): symbol, "
                         "label, help and i18n")
    palette: dict[str, Any] = Field(
        ..., description="run colours (hex, label, i18n), dashes and markers; the maps' basin, "
                         "diverged, never and unsettled colours")
    first_screen: str = Field("", description="the page query shown when a link has none")
    address: dict[str, Any] = Field(
        default_factory=dict, description="the page's own p.* keys: name, type, default, range "
                                          "(the page parses its address with these rows)")
    lessons: list[LessonInfo] = Field(
        default_factory=list, description="ready-made lessons: scenes (page queries) and texts"
    )


# ---------------------------------------------------------------------------------- surface


class SurfaceGrid(_Open):
    """The loss on a grid: ``z[j][i]`` is the value at (x[i], y[j]); null where not finite."""

    name: str | None
    expression: str | None = None
    label: str
    latex: str
    view: list[float]
    x: list[float]
    y: list[float]
    z: list[list[float | None]]
    log: bool = Field(..., description="z = log10(f - fmin + log_delta) when true")
    zmin: float | None
    zmax: float | None
    fmin: float | None = Field(..., description="smallest finite f on the grid and minima")
    fmax: float | None
    log_delta: float | None
    minima: list[dict[str, Any]] = Field(..., description="x, y, value, kind and z (as plotted)")


# ---------------------------------------------------------------------------------- records


class XY(BaseModel):
    """The two coordinates of a state quantity over a block of steps."""

    x: list[float]
    y: list[float]


class StartRecord(BaseModel):
    """First line: the validated configuration and its shareable query string."""

    type: Literal["start"]
    config: dict[str, Any] = Field(..., description="the configuration, every default filled")
    query: str = Field(..., description="the page's canonical query string for it")
    version: str
    runs: int
    steps: int


class StepsRecord(BaseModel):
    """Steps first, first+1, ... of run ``run`` (the point after each step, loss, lr, gradient,
    and each state quantity)."""

    type: Literal["steps"]
    run: int
    first: int = Field(..., ge=1, description="the step of index 0 (steps count from 1)")
    x: list[float]
    y: list[float]
    loss: list[float]
    lr: list[float]
    grad_x: list[float]
    grad_y: list[float]
    state: dict[str, XY]
    factors: dict[str, list[float]] = Field(
        default_factory=dict,
        description="the step's scalar factors by name (bias corrections, step size, ...), as "
                    "the optimizer's catalog entry lists them",
    )


class PointsRecord(BaseModel):
    """Steps first, first+1, ... of run ``run``: the points after each step only, sent instead of
    a steps record when POST /api/trajectory is asked ``fields=points`` (the page does so while
    a start is dragged or a slider held, where it draws the paths and nothing else)."""

    type: Literal["points"]
    run: int
    first: int = Field(..., ge=1, description="the step of index 0 (steps count from 1)")
    x: list[float]
    y: list[float]
    state: dict[str, XY] = Field(
        default_factory=dict,
        description="the run's companion paths (its optimizer's path quantities, e.g. ASGD's ax, "
                    "Schedule-Free's y and z), as in a steps record",
    )


class EndRecord(BaseModel):
    """A run's end: completed, or diverged after ``steps`` finite steps."""

    type: Literal["end"]
    run: int
    status: Literal["completed", "diverged"]
    steps: int


class ErrorRecord(BaseModel):
    """Last line if the server failed mid-stream (never expected; logged on the server)."""

    type: Literal["error"]
    msg: str


TrajectoryRecord = Annotated[
    StartRecord | StepsRecord | PointsRecord | EndRecord | ErrorRecord, Field(discriminator="type")
]


# ------------------------------------------------------------------------------ other replies


class ErrorItem(BaseModel):
    """One invalid value: where it is, the field's name and what is allowed."""

    loc: list[str | int]
    field: str = Field(..., description="e.g. runs[0].params.lr, or r0.lr for a query")
    msg: str
    type: str = "value_error"
    config_field: str | None = None


class ErrorResponse(BaseModel):
    """The body of every 4xx answer to bad input."""

    detail: list[ErrorItem]


class ConfigWarning(BaseModel):
    """A value of a shared link that was invalid and fell back to its default."""

    field: str
    msg: str


class ConfigResponse(BaseModel):
    """A (hand-edited) query read leniently: the valid configuration and what was dropped."""

    config: dict[str, Any]
    query: str
    warnings: list[ConfigWarning]


class Health(BaseModel):
    """Liveness, with this worker's stream counters."""

    status: Literal["ok"]
    version: str
    active_streams: int
    steps_computed: int

