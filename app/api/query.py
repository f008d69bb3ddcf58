"""The page's shareable query string: a short, readable spelling of a configuration.

One key per line of thought, only what differs from the defaults, in this order::

    surface=<name>[,<param>=<value>...]     a named surface and its non-default params
    expr=<formula>                          or a formula in x and y (instead of surface)
    view=<xmin>,<xmax>,<ymin>,<ymax>        when not the surface's default view
    start=<x>,<y>                           when not the surface's default start
    steps= noise= seed= batch_size=         when not the default
    r<i>=<optimizer>[,<param>=<value>...]   run i (0, 1, ...): its non-default hyperparameters
    r<i>.inner=<optimizer>[,...]            the optimizer a wrapper (lookahead) steps
    r<i>.schedule=<name>[,...]              its schedule (torch's names); the children of a
    r<i>.schedule.<j>[.<k>]=<name>[,...]    SequentialLR / ChainedScheduler, numbered from 0
    r<i>.label=<text>

Keys starting with ``p.`` belong to the page (playback speed, language, ...) and are skipped, so a
page address can be handed to the API as it is; so are the maps' ``hmap.`` and ``basin.`` keys
(read by :mod:`app.api.map_query`).

Example: ``surface=rosenbrock&start=-1.5,2&r0=adam,lr=0.01&r0.schedule=CosineAnnealingLR,
T_max=300&r1=lookahead&r1.inner=sgd,lr=0.001,momentum=0.9``.

Values: numbers in Python's shortest exact form (``repr``, so every float round-trips bit for
bit), ``true`` / ``false``, ``null``, lists joined with ``;`` (``milestones=30;80``), text
percent-escaped (``,`` ``&`` ``=`` ``+`` ``%`` ``#`` and spaces always). Decoding is forgiving
of hand edits: a literal ``+`` stays a plus, and a comma inside a value (``lr_lambda=min(1,k)``)
continues that value. Syntax errors name the query parameter (``r1.lr``); value errors come from
the engine's ``validate_config`` and :func:`query_field` translates their field to the same names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

from app.engine.config import BATCH, NOISE, SEED, STEPS, validate_config
from app.engine.errors import ConfigError
from app.engine.optimizers import OPTIMIZERS
from app.engine.params import Param
from app.engine.schedules import SCHEDULES, validate_schedule
from app.engine.surfaces import DEFAULT_EXPRESSION_VIEW, SURFACES, expression_surface

TOP_PARAMS: dict[str, Param] = {p.name: p for p in (STEPS, NOISE, SEED, BATCH)}
SAFE_TEXT = "-._~()*/!:@"  # left as is in values; everything else is percent-escaped
SAFE_WHOLE = SAFE_TEXT + ","  # expr= and label= are never split on commas
MAX_RUN_INDEX = 63  # r0 .. r63 parse (validation then applies the real limit)
MAX_REPAIRS = 500
PAGE_PREFIX = "p."  # keys the page keeps for itself; the codec skips them
MAP_PREFIXES = ("hmap.", "basin.")  # the maps' keys (app.api.map_query), skipped here too
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_RUN_KEY = re.compile(r"r(0|[1-9]\d*)(?:\.(inner|label|schedule((?:\.(?:0|[1-9]\d*))*)))?")
_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
TOP_KEYS = ("surface", "expr", "view", "start", "steps", "noise", "seed", "batch_size")


class QueryError(ConfigError):
    """A bad query value; ``field`` is the query parameter (``r1.lr``), ``config_field`` the
    configuration path (``runs[1].params.lr``) where one is known."""

    def __init__(self, field: str, message: str, config_field: str = "") -> None:
        super().__init__(field, message)
        self.config_field = config_field


# ------------------------------------------------------------------------------------ encoding


def format_number(x: float | int) -> str:
    """The shortest text that reads back as exactly ``x`` (``1e-8``, ``300``, ``0.1``)."""
    if isinstance(x, int):
        return str(x)
    text = repr(float(x))
    if text.endswith(".0") and "e" not in text:
        text = text[:-2]
    text = text.replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")
    return text


def _value_text(value: Any, safe: str = SAFE_TEXT) -> str:
    """One value as query text (numbers exact, text escaped, lists joined with ';')."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, list | tuple):
        return ";".join(_value_text(v, safe) for v in value)
    return quote(str(value), safe=safe)


def same(a: Any, b: Any) -> bool:
    """Equal in value and type, floats bit for bit (so -0.0 differs from 0.0, True from 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (a != a and b != b)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


@lru_cache(maxsize=64)
def _default_children(name: str) -> tuple[dict[str, Any], ...]:
    """A composite schedule's default children, validated (what omitting them gives)."""
    param = next(p for p in SCHEDULES[name].params if p.name == "schedulers")
    return tuple(validate_schedule(c) for c in param.default)


def _params_text(specs: tuple[Param, ...], values: Mapping[str, Any], skip: tuple[str, ...] = ()
                 ) -> str:
    """``,name=value`` for every parameter that differs from its default, in declared order."""
    out = []
    for p in specs:
        if p.name in skip or p.name not in values:
            continue
        if not same(values[p.name], p.default):
            out.append(f",{p.name}={_value_text(values[p.name])}")
    return "".join(out)


def _encode_schedule(node: Mapping[str, Any], key: str) -> list[tuple[str, str]]:
    """The schedule's own pair, then its children's (``key.0``, ``key.1``, ...) if not default."""
    spec = SCHEDULES[node["name"]]
    params = node["params"]
    pairs = [(key, quote(spec.name, safe=SAFE_TEXT)
              + _params_text(spec.params, params, skip=("schedulers",)))]
    children = params.get("schedulers")
    if spec.composite and children is not None:
        if not same(list(children), list(_default_children(spec.name))):
            for j, child in enumerate(children):
                pairs += _encode_schedule(child, f"{key}.{j}")
    return pairs


def _optimizer_text(run: Mapping[str, Any]) -> str:
    """``name,param=value,...`` of one optimizer (a run or a wrapper's inner optimizer)."""
    spec = OPTIMIZERS[run["optimizer"]]
    return quote(spec.name, safe=SAFE_TEXT) + _params_text(spec.params, run["params"])


def default_start(surface: Mapping[str, Any]) -> list[float]:
    """The start point a configuration gets when it gives none (it depends on a formula's view)."""
    if "expression" in surface:
        view = surface.get("view")
        return list(expression_surface(surface["expression"],
                                       view=tuple(view) if view else None).spec.start)
    return list(SURFACES[surface["name"]].start)


def encode(config: Mapping[str, Any]) -> str:
    """The canonical query string of a validated configuration (only non-default values)."""
    pairs: list[tuple[str, str]] = []
    surface = config["surface"]
    if "expression" in surface:
        pairs.append(("expr", quote(surface["expression"], safe=SAFE_WHOLE)))
        default_view = list(DEFAULT_EXPRESSION_VIEW)
    else:
        spec = SURFACES[surface["name"]]
        pairs.append(("surface", quote(spec.name, safe=SAFE_TEXT)
                      + _params_text(spec.params, surface.get("params") or {})))
        default_view = list(spec.view)
    if not same([float(v) for v in surface["view"]], [float(v) for v in default_view]):
        pairs.append(("view", ",".join(format_number(v) for v in surface["view"])))
    if not same(list(config["start"]), default_start(surface)):
        pairs.append(("start", ",".join(format_number(v) for v in config["start"])))
    for name, param in TOP_PARAMS.items():
        if name in config and not same(config[name], param.default):
            pairs.append((name, _value_text(config[name])))
    for i, run in enumerate(config["runs"]):
        pairs.append((f"r{i}", _optimizer_text(run)))
        if run.get("inner") is not None:
            pairs.append((f"r{i}.inner", _optimizer_text(run["inner"])))
        if run.get("schedule") is not None:
            pairs += _encode_schedule(run["schedule"], f"r{i}.schedule")
        if run.get("label") is not None:
            pairs.append((f"r{i}.label", quote(run["label"], safe=SAFE_WHOLE)))
    return "&".join(f"{k}={v}" for k, v in pairs)


# ------------------------------------------------------------------------------------ decoding


def _scalar(text: str) -> Any:
    """Untyped value: a number if it reads as one, true/false, null, else the text itself."""
    if _INTEGER.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # more digits than Python converts: let validation reject the text
            return text
    if _NUMBER.fullmatch(text):
        return float(text)
    return {"true": True, "false": False, "null": None}.get(text, text)


def typed_value(text: str, param: Param | None) -> Any:
    """A decoded value read with its parameter's type where known (a formula stays text)."""
    if param is None:
        return _scalar(text)
    if text == "null" and param.nullable:
        return None
    if param.kind in ("expression", "choice"):
        return text
    if param.kind == "bool":
        return {"true": True, "1": True, "false": False, "0": False}.get(text, text)
    if param.kind == "list":
        return [] if text == "" else [_scalar(t) for t in text.split(";")]
    return _scalar(text)


def _typed(raw: str, param: Param | None) -> Any:
    """A raw (still escaped) query value read with its parameter's type."""
    if param is not None and param.kind == "list":
        return [] if raw == "" else [_scalar(unquote(t)) for t in raw.split(";")]
    return typed_value(unquote(raw), param)


def _numbers(raw: str) -> list[Any]:
    """A comma list of numbers (start, view); unreadable items stay text for validation."""
    return [_scalar(unquote(t)) for t in raw.split(",")]


@dataclass
class _Decoder:
    """Reads a query; strict (raise QueryError) unless it collects ``warnings`` instead."""

    lenient: bool = False
    warnings: list[dict[str, str]] = field(default_factory=list)

    def problem(self, name: str, message: str) -> None:
        """Refuse the query (strict) or note the problem and skip the value (lenient)."""
        if not self.lenient:
            raise QueryError(name, message)
        self.warnings.append({"field": name, "msg": message})

    def pairs(self, query: str) -> dict[str, str]:
        """``key -> raw value`` in order; duplicate, empty or unknown keys are problems."""
        out: dict[str, str] = {}
        for part in query.split("&"):
            if not part:
                continue
            key, eq, value = part.partition("=")
            key = unquote(key)
            if key.startswith((PAGE_PREFIX, *MAP_PREFIXES)):
                continue  # the page's own state (playback speed, language ...) and its maps
            if not eq:
                self.problem(key, "expected key=value")
            elif key in out:
                self.problem(key, "given more than once")
            elif key not in TOP_KEYS and not _RUN_KEY.fullmatch(key):
                allowed = ", ".join(TOP_KEYS) + ", r<i>, r<i>.inner, r<i>.schedule[.<j>...], " \
                    "r<i>.label"
                self.problem(key, f"unknown query parameter; allowed: {allowed}")
            else:
                out[key] = value
        return out

    def named(self, key: str, raw: str, lookup: Callable[[str], tuple[Param, ...] | None],
              params_key: str = "params") -> tuple[str, dict[str, Any]]:
        """``name,p=v,...`` -> (name, params) typed by ``lookup(name)`` (None: unknown name)."""
        chunks = raw.split(",")
        name = unquote(chunks[0])
        specs = lookup(name)
        by_name = {p.name: p for p in specs or ()}
        params: dict[str, Any] = {}
        raw_values: dict[str, str] = {}
        last: str | None = None
        for chunk in chunks[1:]:
            pname, eq, value = chunk.partition("=")
            pname = unquote(pname)
            if not eq:
                if last is None:
                    self.problem(key, f"expected name=value after {name!r}, got {unquote(chunk)!r}")
                    continue
                raw_values[last] += "," + chunk  # a comma inside a hand-typed formula
            elif not pname:
                self.problem(key, f"empty parameter name in {unquote(chunk)!r}")
                last = None
            elif pname == "schedulers" and params_key == "schedule":
                self.problem(f"{key}.schedulers", f"write child schedules as {key}.0=..., "
                                                  f"{key}.1=...")
                last = None
            elif pname in raw_values:
                self.problem(f"{key}.{pname}", "given more than once")
                last = None
            elif self.lenient and specs is not None and pname not in by_name:
                # Dropped here, not by a validation pass each (a link of 500 of them would
                # validate 500 times); the same warning validation would give.
                allowed = ", ".join(sorted(by_name)) or "none"
                self.problem(f"{key}.{pname}", f"unknown parameter; allowed: {allowed}")
                last = None
            else:
                raw_values[pname] = value
                last = pname
        for pname, value in raw_values.items():
            params[pname] = _typed(value, by_name.get(pname))
        return name, params

    def decode(self, query: str) -> dict[str, Any]:
        """The raw configuration the query spells (to be validated by validate_config)."""
        pairs = self.pairs(query)
        raw: dict[str, Any] = {}
        surface: dict[str, Any] = {}
        if "surface" in pairs and "expr" in pairs:
            self.problem("expr", "give either surface or expr, not both")
            pairs.pop("expr")
        if "surface" in pairs:
            name, params = self.named("surface", pairs["surface"], _surface_params)
            surface["name"] = name
            if params:
                surface["params"] = params
        if "expr" in pairs:
            surface["expression"] = unquote(pairs["expr"])
        if "view" in pairs:
            surface["view"] = _numbers(pairs["view"])
        if surface:
            if "name" not in surface and "expression" not in surface:
                surface["name"] = default_surface_name()
            raw["surface"] = surface
        if "start" in pairs:
            raw["start"] = _numbers(pairs["start"])
        for name, param in TOP_PARAMS.items():
            if name in pairs:
                raw[name] = _typed(pairs[name], param)
        runs = self.runs(pairs)
        if runs:
            raw["runs"] = runs
        return raw

    def runs(self, pairs: Mapping[str, str]) -> list[dict[str, Any]]:
        """The runs of ``r<i>...`` keys, numbered without gaps from r0."""
        found: dict[int, dict[str, Any]] = {}
        schedules: dict[int, dict[tuple[int, ...], tuple[str, str]]] = {}
        for key, value in pairs.items():
            m = _RUN_KEY.fullmatch(key)
            if m is None:
                continue
            i = int(m.group(1))
            if i > MAX_RUN_INDEX:
                self.problem(key, f"run numbers go from r0 to r{MAX_RUN_INDEX}")
                continue
            run = found.setdefault(i, {})
            part = m.group(2)
            if part is None:
                run["optimizer"], params = self.named(key, value, _optimizer_params)
                if params:
                    run["params"] = params
            elif part == "inner":
                opt, params = self.named(key, value, _optimizer_params)
                run["inner"] = {"optimizer": opt, "params": params}
            elif part == "label":
                run["label"] = unquote(value)
            else:
                path = tuple(int(t) for t in m.group(3).split(".") if t)
                schedules.setdefault(i, {})[path] = (key, value)
        for i, nodes in schedules.items():
            tree = self.schedule_tree(f"r{i}.schedule", nodes, ())
            if tree is not None:
                found[i]["schedule"] = tree
        for i in range(max(found, default=-1) + 1):
            if i not in found or "optimizer" not in found[i]:
                self.problem(f"r{i}", "missing: runs are numbered r0, r1, ... without gaps, each "
                                      "with its optimizer")
        return [found[i] for i in sorted(found) if "optimizer" in found[i]]

    def schedule_tree(self, key: str, nodes: Mapping[tuple[int, ...], tuple[str, str]],
                      path: tuple[int, ...]) -> dict[str, Any] | None:
        """The schedule node at ``path`` with its children (``.0``, ``.1``, ... without gaps)."""
        here = f"{key}{''.join(f'.{j}' for j in path)}"
        if path not in nodes:
            self.problem(here, "missing: child schedules are numbered .0, .1, ... without gaps")
            return None
        name, params = self.named(here, nodes[path][1], _schedule_params, params_key="schedule")
        children = []
        j = 0
        while path + (j,) in nodes:
            child = self.schedule_tree(key, nodes, path + (j,))
            if child is not None:
                children.append(child)
            j += 1
        stray = [p for p in nodes if len(p) == len(path) + 1 and p[:len(path)] == path
                 and p[-1] >= j]
        for p in sorted(stray):
            self.problem(f"{key}{''.join(f'.{t}' for t in p)}",
                         f"child schedules are numbered .0, .1, ... without gaps (no .{j})")
        if children:
            params["schedulers"] = children
        out: dict[str, Any] = {"name": name}
        if params:
            out["params"] = params
        return out


def _surface_params(name: str) -> tuple[Param, ...] | None:
    spec = SURFACES.get(name)
    return spec.params if spec else None


def _optimizer_params(name: str) -> tuple[Param, ...] | None:
    spec = OPTIMIZERS.get(name)
    return spec.params if spec else None


def _schedule_params(name: str) -> tuple[Param, ...] | None:
    spec = SCHEDULES.get(name)
    return spec.params if spec else None


@lru_cache(maxsize=1)
def default_surface_name() -> str:
    """The surface a configuration without one gets (the engine's default)."""
    return validate_config({})["surface"]["name"]


def decode(query: str) -> dict[str, Any]:
    """The raw configuration a query spells; QueryError names the bad query parameter."""
    return _Decoder().decode(query)


# ------------------------------------------------------------------------------- field names


def path_tokens(config_field: str) -> list[str | int]:
    """``runs[1].params.lr`` -> ["runs", 1, "params", "lr"]."""
    return [int(i) if i else name for name, i in _PATH_TOKEN.findall(config_field)]


def query_field(config_field: str) -> str:
    """The query parameter that spells a configuration field (``runs[1].params.lr`` -> r1.lr)."""
    t = path_tokens(config_field)
    if not t:
        return config_field
    head = t[0]
    if head == "surface":
        if len(t) >= 3 and t[1] == "params":
            return f"surface.{t[2]}"
        return {"expression": "expr", "view": "view", "batch_size": "batch_size"}.get(
            t[1] if len(t) > 1 else "", "surface")
    if head in ("start", "steps", "noise", "seed", "batch_size"):
        return str(head)
    if head != "runs" or len(t) < 2 or not isinstance(t[1], int):
        return config_field
    base = f"r{t[1]}"
    rest = t[2:]
    if not rest or rest[0] == "optimizer":
        return base
    if rest[0] == "params" and len(rest) > 1:
        return f"{base}.{rest[1]}"
    if rest[0] == "label":
        return f"{base}.label"
    if rest[0] == "inner":
        return f"{base}.inner.{rest[2]}" if len(rest) > 2 and rest[1] == "params" \
            else f"{base}.inner"
    if rest[0] == "schedule":
        base += ".schedule"
        rest = rest[1:]
        while len(rest) >= 2 and rest[0] == "params":
            if rest[1] == "schedulers" and len(rest) >= 3 and isinstance(rest[2], int):
                base += f".{rest[2]}"
                rest = rest[3:]
                continue
            return f"{base}.{rest[1]}"
        return base
    return base


def as_query_error(error: ConfigError) -> QueryError:
    """A validation error restated in query names (kept as is if it already is one)."""
    if isinstance(error, QueryError):
        return error
    return QueryError(query_field(error.field), error.message, config_field=error.field)


# ------------------------------------------------------------------------------------ repairing


def _drop(raw: Any, tokens: list[str | int]) -> bool:
    """Remove the deepest existing value on ``tokens`` (a node, for its name); False if none."""
    for k in range(len(tokens), 0, -1):
        parent: Any = raw
        ok = True
        for tok in tokens[:k - 1]:
            if isinstance(parent, dict) and tok in parent:
                parent = parent[tok]
            elif isinstance(parent, list) and isinstance(tok, int) and tok < len(parent):
                parent = parent[tok]
            else:
                ok = False
                break
        key = tokens[k - 1]
        if not ok:
            continue
        present = (isinstance(parent, dict) and key in parent) or (
            isinstance(parent, list) and isinstance(key, int) and key < len(parent))
        if not present:
            continue
        if key in ("name", "optimizer", "expression") and k > 1:
            continue  # an unknown name takes its whole node (run, schedule, surface) with it
        if isinstance(key, int) and (k < 2 or tokens[k - 2] not in ("runs", "schedulers")):
            continue  # a bad item of start, view or milestones takes the whole list
        del parent[key]
        return True
    return False


def _prune(raw: Any) -> None:
    """Drop lists emptied by repairs (runs, schedulers) so their defaults apply."""
    if isinstance(raw, dict):
        for key in list(raw):
            _prune(raw[key])
            if isinstance(raw[key], list) and not raw[key] and key in ("runs", "schedulers"):
                del raw[key]
    elif isinstance(raw, list):
        for item in raw:
            _prune(item)


class TooManyRepairs(QueryError):
    """A link with more invalid values than the repair takes: refused (422), not repaired."""


def repair(
    raw: dict[str, Any], validate: Callable[[dict[str, Any]], dict[str, Any]],
    warnings: list[dict[str, str]], passes: int = MAX_REPAIRS,
) -> dict[str, Any]:
    """Validate, dropping each invalid value back to its default (one warning each); after
    ``passes`` validations the link is refused (TooManyRepairs) rather than re-validated on and
    on (each pass validates the whole configuration again)."""
    for _ in range(passes):
        try:
            return validate(raw)
        except ConfigError as error:
            name = query_field(error.field)
            runs = raw.get("runs")
            too_much = error.field == "runs" or (error.field == "steps" and "steps" not in raw)
            if too_much and isinstance(runs, list) and len(runs) > 1:  # over a limit: drop runs
                runs.pop()
                warnings.append({"field": f"r{len(runs)}", "msg": f"dropped: {error.message}"})
                continue
            warnings.append({"field": name, "msg": error.message})
            if not error.field or not _drop(raw, path_tokens(error.field)):
                raw.clear()
            _prune(raw)
    if passes >= MAX_REPAIRS:
        warnings.append({"field": "", "msg": "too many problems; the default configuration is "
                                             "shown"})
        return validate({})
    raise _too_many(passes, warnings)


def _too_many(passes: int, warnings: list[dict[str, str]]) -> TooManyRepairs:
    """The refusal of a link with more than ``passes`` invalid values, naming the first."""
    first = "; ".join(f"{w['field']}: {w['msg'][:60]}" for w in warnings[:3])
    return TooManyRepairs("query", f"more than {passes} invalid values to repair; fix the link "
                                   f"(the first were: {first})")


def decode_lenient(
    query: str, validate: Callable[[dict[str, Any]], dict[str, Any]] = validate_config,
    passes: int = MAX_REPAIRS,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A (hand-edited) query read leniently: the valid configuration and one warning per value
    that was dropped back to its default (TooManyRepairs beyond ``passes`` invalid values, when
    fewer than MAX_REPAIRS)."""
    decoder = _Decoder(lenient=True)
    raw = decoder.decode(query)
    if passes < MAX_REPAIRS and len(decoder.warnings) > passes:
        raise _too_many(passes, decoder.warnings)  # before any validation
    config = repair(raw, validate, decoder.warnings, passes)
    return config, decoder.warnings
