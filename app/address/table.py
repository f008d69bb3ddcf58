"""The address table: one row per key of the page address (the shareable query string).

As tensorflow/playground's ``state.ts``, one declarative table drives everything that speaks the
address: the codec's key order, key grammar and unknown-key message (:mod:`app.address.codec`,
:mod:`app.address.maps`), the error field names (a row's ``field`` is the configuration path it
spells), the OpenAPI query parameters of every GET route (:func:`openapi_parameters`), and the
page's ``p.*`` keys (served to the page, which parses them with no copy of its own). A new key is
one row here, plus its value's reading where the value has a new shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from app.engine.config import BATCH, MAX_RUNS, NOISE, SEED, STEPS
from app.engine.maps import BASIN_COLORS, METRICS
from app.engine.params import Param
from app.palette import PALETTE

Scope = Literal["config", "run", "hyper", "basin", "page"]
# How a value is spelled (the codec has one reader and one writer per shape):
#   named    <name>[,<param>=<value>...]    a catalog entry and its non-default parameters
#   text     percent-escaped text (never split on commas)
#   numbers  <a>,<b>,...                    ``size`` numbers (basin.cells: one or two)
#   param    one value typed by ``param``   (its range and default from the engine's Param)
#   axis     <param>,<min>,<max>,<scale>,<cells>
#   schedule <name>[,...] and its children at .0, .1, ...
# Page values (parsed by the page, and by the notebook for the keys it honours):
#   bool 1|0|true|false, int, decimal (no exponent), choice, ints / names (comma lists), slug
Shape = Literal["named", "text", "numbers", "param", "axis", "schedule",
                "bool", "int", "decimal", "choice", "ints", "names", "slug"]
PALETTE_SIZE = len(PALETTE)  # p.colors holds indices into the catalog's run colours
# Controls a classroom link may hide with p.hide (besides any hyperparameter name).
HIDEABLE = (
    "surface", "formula", "view", "start", "steps", "noise", "batch_size", "seed", "runs",
    "optimizer", "schedule", "color", "language", "link", "lr_plot", "loss_plot", "state_plot",
    "teach", "3d", "playback", "settings", "maps", "stretch", "data_plot",
)


@dataclass(frozen=True)
class Key:
    """One key of the address: how it is written, what it spells, how its value reads."""

    name: str  # as documented: steps, r<i>.inner, hmap.x, p.log
    scope: Scope
    shape: Shape
    help: str
    example: str
    field: str = ""  # the configuration / map field it spells (runs[i].inner, map.x)
    param: Param | None = None  # a param value's type, range and default
    size: int = 0  # numbers: how many
    default: Any = None  # page keys: the value when absent or invalid
    lo: float | None = None  # page keys: the smallest value (of each item, for ints)
    hi: float | None = None  # page keys: the largest value (of each item)
    choices: tuple[str, ...] = ()  # choice keys: the allowed values
    items: int = 0  # ints / names: at most this many
    notebook: str = ""  # page keys the notebook honours: the figure() argument

    @property
    def pattern(self) -> re.Pattern[str]:
        """The regular expression of the key as written (r<i> -> r0, r1, ...)."""
        return _pattern(self.name)

    def doc_name(self) -> str:
        """The key as one concrete query parameter (r<i>.schedule[.<j>...] -> r0.schedule)."""
        return self.name.replace("<i>", "0").replace("[.<j>...]", "")

    def page_row(self) -> dict[str, Any]:
        """The row the page parses a ``p.*`` key with (served in the catalog and the page)."""
        row: dict[str, Any] = {"key": self.name, "name": self.name.removeprefix(PAGE_PREFIX),
                               "type": self.shape, "default": self.default, "help": self.help}
        for attr in ("lo", "hi", "items"):
            if getattr(self, attr):
                row[attr] = getattr(self, attr)
        if self.lo == 0:
            row["lo"] = 0
        if self.choices:
            row["choices"] = list(self.choices)
        return row


_INDEX = r"(0|[1-9]\d*)"


def _pattern(name: str) -> re.Pattern[str]:
    text = re.escape(name).replace(re.escape("<i>"), _INDEX)
    text = text.replace(re.escape("[.<j>...]"), r"((?:\.(?:0|[1-9]\d*))*)")
    return re.compile(text)


PAGE_PREFIX = "p."
MAP_PREFIXES = {"hyper": "hmap.", "basin": "basin."}

KEYS: tuple[Key, ...] = (
    # ---- the configuration, in the order the canonical query writes it
    Key("surface", "config", "named", "a catalog surface and its non-default parameters "
        "(ill_conditioned,condition_number=100)", "rosenbrock", field="surface"),
    Key("expr", "config", "text", "or a formula in x and y (instead of surface)",
        "x**2 + 10*y**2", field="surface.expression"),
    Key("view", "config", "numbers", "xmin,xmax,ymin,ymax", "-3,3,-2,4", field="surface.view",
        size=4),
    Key("start", "config", "numbers", "x,y", "-1,2.5", field="start", size=2),
    Key("steps", "config", "param", "steps of every run", "500", field="steps", param=STEPS),
    Key("noise", "config", "param", "std of the Gaussian gradient noise", "0.1", field="noise",
        param=NOISE),
    Key("seed", "config", "param", "seed of the noise and the mini-batches", "1", field="seed",
        param=SEED),
    Key("batch_size", "config", "param", "mini-batch size on data surfaces", "8",
        field="batch_size", param=BATCH),
    # ---- each run i = 0, 1, ... (numbered without gaps)
    Key("r<i>", "run", "named", "run i: optimizer and non-default hyperparameters (r0, r1, ...)",
        "adam,lr=0.01", field="runs[i]"),
    Key("r<i>.inner", "run", "named", "the optimizer a wrapper (lookahead) steps",
        "sgd,lr=0.001", field="runs[i].inner"),
    Key("r<i>.schedule[.<j>...]", "run", "schedule", "its schedule: torch's class name and "
        "arguments; a SequentialLR's children at r<i>.schedule.0, .1, ...",
        "CosineAnnealingLR,T_max=300", field="runs[i].schedule"),
    Key("r<i>.label", "run", "text", "its label", "Adam", field="runs[i].label"),
    # ---- a hyperparameter map of one run
    Key("hmap.x", "hyper", "axis", "the map's x axis: <param>,<min>,<max>,<scale>,<cells>",
        "lr,0.0001,1,log,64", field="map.x"),
    Key("hmap.y", "hyper", "axis", "the map's y axis", "beta1,0.5,0.999,beta,64", field="map.y"),
    Key("hmap.run", "hyper", "param", "which run of the configuration", "0", field="map.run",
        param=Param("run", 0, kind="int", min=0, max=MAX_RUNS - 1)),
    Key("hmap.metric", "hyper", "param", "what the page colours cells by", "final_loss",
        field="map.metric", param=Param("metric", "final_loss", kind="choice", choices=METRICS)),
    Key("hmap.threshold", "hyper", "param", "the loss a cell must reach for steps_to_threshold",
        "0.001", field="map.threshold", param=Param("threshold", None, nullable=True)),
    # ---- a basin-of-attraction map of one run
    Key("basin.cells", "basin", "numbers", "cells per side, or nx,ny", "128",
        field="map.cells", size=2),
    Key("basin.view", "basin", "numbers", "xmin,xmax,ymin,ymax (default: the surface's view)",
        "-2,2,-1,3", field="map.view", size=4),
    Key("basin.run", "basin", "param", "which run of the configuration", "0", field="map.run",
        param=Param("run", 0, kind="int", min=0, max=MAX_RUNS - 1)),
    Key("basin.color", "basin", "param", "what the page colours cells by", "minimum",
        field="map.color", param=Param("color", "minimum", kind="choice", choices=BASIN_COLORS)),
    # ---- the page's own state (never sent to the engine; parsed by the page from these rows)
    Key("p.step", "page", "int", "the step shown", "40", default=0, lo=0, hi=1_000_000),
    Key("p.lang", "page", "choice", "language", "zh", default="en", choices=("en", "zh")),
    Key("p.view", "page", "choice", "the surface in 2D or 3D", "3d", default="2d",
        choices=("2d", "3d")),
    Key("p.sel", "page", "int", "the run whose state is shown", "1", default=0, lo=0,
        hi=MAX_RUNS - 1, notebook="state_run"),
    Key("p.log", "page", "bool", "the loss on a log axis", "1", default=False,
        notebook="log_loss"),
    Key("p.lrlog", "page", "bool", "the lr chart on a log axis (absent: automatic)", "1"),
    Key("p.stretch", "page", "bool", "the contour stretched to its box", "1", default=False),
    Key("p.companions", "page", "bool",
        "companion paths on the contour (an average, a perturbed point)", "0", default=True),
    Key("p.speed", "page", "decimal", "playback speed in steps per second", "120", default=60,
        lo=1, hi=10_000),
    Key("p.colors", "page", "ints", "palette index per run", "3,1", default=[], lo=0,
        hi=PALETTE_SIZE - 1, items=MAX_RUNS, notebook="colors"),
    Key("p.off", "page", "ints", "hidden runs", "0", default=[], lo=0, hi=MAX_RUNS - 1,
        items=MAX_RUNS, notebook="hidden"),
    Key("p.hide", "page", "names", "controls hidden for a classroom link", "noise,seed,runs",
        default=[], items=64, choices=HIDEABLE),
    Key("p.qoff", "page", "names", "state quantities left out", "v_hat,effective_lr",
        default=[], items=64, notebook="hidden_quantities"),
    Key("p.present", "page", "bool", "presentation mode (projector)", "1", default=False),
    Key("p.embed", "page", "bool", "embed mode (an iframe)", "1", default=False),
    Key("p.theme", "page", "choice", "colour theme", "dark", default="light",
        choices=("light", "dark")),
    Key("p.lesson", "page", "slug", "the open lesson (an id of the catalog's lessons)",
        "learning-rate", default=""),
    Key("p.scene", "page", "int", "the lesson's scene", "1", default=0, lo=0, hi=49),
)


def rows(*scopes: Scope) -> tuple[Key, ...]:
    """The table's rows of ``scopes``, in table order."""
    return tuple(k for k in KEYS if k.scope in scopes)


def row(name: str) -> Key:
    """The row of a key as documented (``steps``, ``r<i>.inner``, ``hmap.x``)."""
    return next(k for k in KEYS if k.name == name)


def match(key: str, *scopes: Scope) -> tuple[Key, re.Match[str]] | None:
    """The row of ``scopes`` a key as written belongs to (``r1.schedule.0`` -> r<i>.schedule)."""
    for k in rows(*scopes):
        m = k.pattern.fullmatch(key)
        if m is not None:
            return k, m
    return None


def allowed_text(*scopes: Scope) -> str:
    """The keys of ``scopes`` as an unknown-key message lists them."""
    return ", ".join(k.name for k in rows(*scopes))


def page_table() -> dict[str, Any]:
    """The page's ``p.*`` rows (the page parses and writes its keys from these)."""
    return {"prefix": PAGE_PREFIX, "max_runs": MAX_RUNS,
            "keys": [k.page_row() for k in rows("page")]}


def number_schema(p: Param) -> dict[str, Any]:
    """JSON Schema of a number parameter: its type and its range as the engine checks it."""
    out: dict[str, Any] = {"type": "integer" if p.kind == "int" else "number"}
    if p.min is not None:
        out["exclusiveMinimum" if p.min_open else "minimum"] = p.min
    if p.max is not None:
        out["exclusiveMaximum" if p.max_open else "maximum"] = p.max
    return out


def openapi_parameters(keys: Iterable[Key], required: Iterable[str] = ()) -> dict[str, Any]:
    """OpenAPI query parameters documenting ``keys`` (``openapi_extra`` of a GET route that
    reads the raw query string itself)."""
    needed = set(required)
    params = []
    for k in keys:
        schema: dict[str, Any] = {"type": "string"}
        description = k.help
        if k.param is not None and k.param.kind == "choice":
            schema["enum"] = list(k.param.choices)
        elif k.param is not None and k.param.kind in ("int", "float"):
            description += f" ({k.param.range_text()}{', or null' if k.param.nullable else ''})"
            if not k.param.nullable:
                schema = number_schema(k.param)
        if k.scope == "page":
            description = f"page key: {description}"
            if k.notebook:
                description += f" (figure({k.notebook}=...))"
        params.append({"name": k.doc_name(), "in": "query", "required": k.name in needed,
                       "schema": schema, "description": description, "example": k.example})
    return {"parameters": params}
