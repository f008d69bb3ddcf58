"""The configuration part of the page address: a short, readable spelling of a configuration.

The keys, their order and their value shapes are the rows of :mod:`app.address.table`; this
module reads and writes each shape. Only what differs from the defaults is written, in the
table's order::

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
(read by :mod:`app.address.maps`).

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

from app.address.table import MAP_PREFIXES, PAGE_PREFIX, Key, allowed_text, match, rows
from app.engine.config import validate_config
from app.engine.errors import ConfigError
from app.engine.optimizers import OPTIMIZERS
from app.engine.params import Param
from app.engine.schedules import SCHEDULES, validate_schedule
from app.engine.surfaces import DEFAULT_EXPRESSION_VIEW, SURFACES, expression_surface

CONFIG_KEYS = rows("config")
RUN_KEYS = rows("run")
SAFE_TEXT = "-._~()*/!:@"  # left as is in values; everything else is percent-escaped
SAFE_WHOLE = SAFE_TEXT + ","  # expr= and label= are never split on commas
MAX_RUN_INDEX = 63  # r0 .. r63 parse (validation then applies the real limit)
MAX_REPAIRS = 500
SKIPPED = (PAGE_PREFIX, *MAP_PREFIXES.values())  # the page's keys and the maps' (app.address.maps)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


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


def default_start(surface: Mapping[str, Any]) -> list[float]:
    """The start point a configuration gets when it gives none (it depends on a formula's view)."""
    if "expression" in surface:
        view = surface.get("view")
        return list(expression_surface(surface["expression"],
                                       view=tuple(view) if view else None).spec.start)
    return list(SURFACES[surface["name"]].start)


def _registry(field: str) -> tuple[Mapping[str, Any], str]:
    """The catalog a ``named`` key's value is an entry of, and the entry's name field."""
    if field == "surface":
        return SURFACES, "name"
    if field.endswith("schedule"):
        return SCHEDULES, "name"
    return OPTIMIZERS, "optimizer"


def _named_text(key: Key, node: Mapping[str, Any]) -> str:
    """``name,param=value,...`` of a catalog entry (surface, optimizer) with its params."""
    registry, name_field = _registry(key.field)
    spec = registry[node[name_field]]
    return quote(spec.name, safe=SAFE_TEXT) + _params_text(spec.params, node.get("params") or {})


def _default_numbers(key: Key, config: Mapping[str, Any]) -> list[float]:
    """What a ``numbers`` key's value is when the query leaves it out (view, start)."""
    surface = config["surface"]
    if key.field == "start":
        return default_start(surface)
    if "expression" in surface:
        return list(DEFAULT_EXPRESSION_VIEW)
    return list(SURFACES[surface["name"]].view)


def _write(key: Key, name: str, node: Any, config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The pairs a key writes for its value ``node`` (none when it is the default or absent)."""
    if node is None:
        return []
    if key.shape == "named":
        if key.field == "surface" and "expression" in node:
            return []
        return [(name, _named_text(key, node))]
    if key.shape == "text":
        return [(name, quote(node, safe=SAFE_WHOLE))]
    if key.shape == "numbers":
        if same([float(v) for v in node], [float(v) for v in _default_numbers(key, config)]):
            return []
        return [(name, ",".join(format_number(v) for v in node))]
    if key.shape == "schedule":
        return _encode_schedule(node, name)
    assert key.param is not None
    return [] if same(node, key.param.default) else [(name, _value_text(node))]


def _at(node: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of ``node`` (None when absent; the empty path: node)."""
    for part in filter(None, path.split(".")):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def run_key(key: Key, i: int) -> str:
    """A run key as written for run ``i`` (r<i>.schedule[.<j>...] -> r1.schedule)."""
    return key.name.replace("<i>", str(i)).replace("[.<j>...]", "")


def encode(config: Mapping[str, Any]) -> str:
    """The canonical query string of a validated configuration (only non-default values), its
    keys in the address table's order."""
    pairs: list[tuple[str, str]] = []
    for key in CONFIG_KEYS:
        pairs += _write(key, key.name, _at(config, key.field), config)
    for i, run in enumerate(config["runs"]):
        for key in RUN_KEYS:
            node = _at(run, key.field.removeprefix("runs[i]"))
            pairs += _write(key, run_key(key, i), node, config)
    return "&".join(f"{k}={v}" for k, v in pairs)


# ------------------------------------------------------------------------------------ decoding


def scalar(text: str) -> Any:
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
        return scalar(text)
    if text == "null" and param.nullable:
        return None
    if param.kind in ("expression", "choice"):
        return text
    if param.kind == "bool":
        return {"true": True, "1": True, "false": False, "0": False}.get(text, text)
    if param.kind == "list":
        return [] if text == "" else [scalar(t) for t in text.split(";")]
    return scalar(text)


def _typed(raw: str, param: Param | None) -> Any:
    """A raw (still escaped) query value read with its parameter's type."""
    if param is not None and param.kind == "list":
        return [] if raw == "" else [scalar(unquote(t)) for t in raw.split(";")]
    return typed_value(unquote(raw), param)


def _numbers(raw: str) -> list[Any]:
    """A comma list of numbers (start, view); unreadable items stay text for validation."""
    return [scalar(unquote(t)) for t in raw.split(",")]


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
            if key.startswith(SKIPPED):
                continue  # the page's own state (playback speed, language ...) and its maps
            if not eq:
                self.problem(key, "expected key=value")
            elif key in out:
                self.problem(key, "given more than once")
            elif match(key, "config", "run") is None:
                self.problem(key, "unknown query parameter; allowed: "
                                  + allowed_text("config", "run"))
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
        if "surface" in pairs and "expr" in pairs:
            self.problem("expr", "give either surface or expr, not both")
            pairs.pop("expr")
        for key in CONFIG_KEYS:
            if key.name in pairs:
                _put(raw, key.field, self.value(key, key.name, pairs[key.name]))
        surface = raw.get("surface")
        if surface is not None and "name" not in surface and "expression" not in surface:
            surface["name"] = default_surface_name()
        runs = self.runs(pairs)
        if runs:
            raw["runs"] = runs
        return raw

    def value(self, key: Key, name: str, raw: str) -> Any:
        """The raw value of one key as its row's shape reads it."""
        if key.shape == "named":
            registry, name_field = _registry(key.field)
            entry, params = self.named(name, raw, lambda n: _params_of(registry, n))
            if name_field == "name":
                return {"name": entry, **({"params": params} if params else {})}
            if key.field == "runs[i]":
                return {"optimizer": entry, **({"params": params} if params else {})}
            return {"optimizer": entry, "params": params}
        if key.shape == "text":
            return unquote(raw)
        if key.shape == "numbers":
            return _numbers(raw)
        return _typed(raw, key.param)

    def runs(self, pairs: Mapping[str, str]) -> list[dict[str, Any]]:
        """The runs of ``r<i>...`` keys, numbered without gaps from r0."""
        found: dict[int, dict[str, Any]] = {}
        schedules: dict[int, dict[tuple[int, ...], tuple[str, str]]] = {}
        for name, value in pairs.items():
            hit = match(name, "run")
            if hit is None:
                continue
            key, m = hit
            i = int(m.group(1))
            if i > MAX_RUN_INDEX:
                self.problem(name, f"run numbers go from r0 to r{MAX_RUN_INDEX}")
                continue
            run = found.setdefault(i, {})
            if key.shape == "schedule":
                path = tuple(int(t) for t in m.group(2).split(".") if t)
                schedules.setdefault(i, {})[path] = (name, value)
            elif key.field == "runs[i]":
                run.update(self.value(key, name, value))
            else:
                _put(run, key.field.removeprefix("runs[i]."), self.value(key, name, value))
        schedule_key = next(k for k in RUN_KEYS if k.shape == "schedule")
        for i, nodes in schedules.items():
            tree = self.schedule_tree(run_key(schedule_key, i), nodes, ())
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


def _params_of(registry: Mapping[str, Any], name: str) -> tuple[Param, ...] | None:
    """The parameter table of a catalog entry (None: no such entry)."""
    spec = registry.get(name)
    return spec.params if spec else None


def _schedule_params(name: str) -> tuple[Param, ...] | None:
    return _params_of(SCHEDULES, name)


def _put(raw: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted ``path`` of ``raw``, creating objects on the way."""
    *parents, last = path.split(".")
    for part in parents:
        raw = raw.setdefault(part, {})
    if isinstance(raw.get(last), dict) and isinstance(value, dict):
        raw[last].update(value)
    else:
        raw[last] = value


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


def _field_tokens(field: str) -> list[str | int | None]:
    """A row's field as tokens, any run as None: ``runs[i].inner`` -> [runs, None, inner]."""
    return [None if t == "i" else t for t in path_tokens(field)]


_FIELDS = sorted(((_field_tokens(k.field), k) for k in (*CONFIG_KEYS, *RUN_KEYS)),
                 key=lambda item: -len(item[0]))
ALIASES = {"surface.batch_size": "batch_size"}  # a field the query spells at the top level


def query_field(config_field: str) -> str:
    """The query key that spells a configuration field (``runs[1].params.lr`` -> r1.lr): the
    address table's row whose field is the longest prefix, then the parameter or the child
    schedule under it."""
    t = path_tokens(config_field)
    head = ".".join(str(x) for x in t[:2])
    if head in ALIASES:
        return ALIASES[head]
    for tokens, key in _FIELDS:
        head_t = t[:len(tokens)]
        if len(head_t) < len(tokens) or not all(
                a == b or (a is None and isinstance(b, int))
                for a, b in zip(tokens, head_t, strict=True)):
            continue
        run = next((b for a, b in zip(tokens, t, strict=False) if a is None), None)
        name = key.name if run is None else run_key(key, int(run))
        rest = t[len(tokens):]
        while key.shape in ("named", "schedule") and len(rest) >= 2 and rest[0] == "params":
            if key.shape == "schedule" and rest[1] == "schedulers" and len(rest) >= 3 \
                    and isinstance(rest[2], int):
                name += f".{rest[2]}"
                rest = rest[3:]
                continue
            return f"{name}.{rest[1]}"
        return name
    return config_field


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
