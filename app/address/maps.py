"""The maps' part of the page address: ``hmap.*`` and ``basin.*`` keys (rows of the table).

A page address carries the configuration (see :mod:`app.address.codec`, which skips these keys), and
optionally a hyperparameter map and a basin map of it::

    hmap.x=<param>,<min>,<max>,<scale>,<cells>    hmap.y=...     the two axes
    hmap.run=<i>  hmap.metric=final_loss|steps_to_threshold  hmap.threshold=<loss>
    basin.cells=<n>|<nx>,<ny>  basin.view=<xmin>,<xmax>,<ymin>,<ymax>  basin.run=<i>
    basin.color=minimum|final_loss

Only what differs from the defaults is written (the axes always are); numbers are exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from app.address.codec import QueryError, format_number, scalar
from app.address.table import MAP_PREFIXES, rows
from app.engine.errors import ConfigError

PREFIXES = MAP_PREFIXES
_AXIS_FIELDS = ("param", "min", "max", "scale", "cells")


def _keys(kind: str) -> tuple[str, ...]:
    """The map's keys without their prefix, in the address table's order."""
    return tuple(k.name.removeprefix(PREFIXES[kind]) for k in rows(kind))  # type: ignore[arg-type]


def _num(text: str) -> Any:
    """A number in the grammar of the rest of the address (validation names anything else)."""
    return scalar(text) if text not in ("true", "false", "null") else text


def _axis_text(axis: Mapping[str, Any]) -> str:
    return ",".join([axis["param"], format_number(axis["min"]), format_number(axis["max"]),
                     axis["scale"], str(axis["cells"])])


def encode_map(kind: str, spec: Mapping[str, Any], surface_view: list[float] | None = None,
               default_threshold: float | None = None) -> str:
    """The query keys of a validated map (defaults left out)."""
    prefix = PREFIXES[kind]
    pairs: list[tuple[str, str]] = []
    if kind == "hyper":
        pairs += [("x", _axis_text(spec["x"])), ("y", _axis_text(spec["y"]))]
        if spec["run"]:
            pairs.append(("run", str(spec["run"])))
        if spec["metric"] != "final_loss":
            pairs.append(("metric", spec["metric"]))
        if default_threshold is None or spec["threshold"] != default_threshold:
            pairs.append(("threshold", format_number(spec["threshold"])))
    else:
        nx, ny = spec["cells"]
        pairs.append(("cells", str(nx) if nx == ny else f"{nx},{ny}"))
        if surface_view is None or list(spec["view"]) != list(surface_view):
            pairs.append(("view", ",".join(format_number(v) for v in spec["view"])))
        if spec["run"]:
            pairs.append(("run", str(spec["run"])))
        if spec["color"] != "minimum":
            pairs.append(("color", spec["color"]))
    return "&".join(f"{prefix}{k}={v}" for k, v in pairs)


def decode_map(query: str, kind: str) -> dict[str, Any] | None:
    """The raw map spec the query's keys of ``kind`` spell, or None when it has none.

    Unknown or repeated keys of the map's prefix are a QueryError naming the key.
    """
    prefix = PREFIXES[kind]
    keys = _keys(kind)
    found: dict[str, str] = {}
    for part in query.split("&"):
        key, _, value = part.partition("=")
        key = unquote(key)
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
        if name not in keys:
            raise QueryError(key, "unknown map parameter; allowed: "
                                  + ", ".join(prefix + k for k in keys))
        if name in found:
            raise QueryError(key, "given more than once")
        found[name] = unquote(value)
    if not found:
        return None
    raw: dict[str, Any] = {}
    for name, text in found.items():
        if name in ("x", "y"):
            parts = text.split(",")
            if not 1 <= len(parts) <= len(_AXIS_FIELDS):
                raise QueryError(prefix + name, "expected <param>,<min>,<max>,<scale>,<cells>")
            axis: dict[str, Any] = {"param": parts[0]}
            for field, item in zip(_AXIS_FIELDS[1:], parts[1:], strict=False):
                if item != "":
                    axis[field] = item if field == "scale" else _num(item)
            raw[name] = axis
        elif name in ("view",):
            raw[name] = [_num(t) for t in text.split(",")]
        elif name == "cells":
            items = [_num(t) for t in text.split(",")]
            raw[name] = items[0] if len(items) == 1 else items
        elif name in ("run", "threshold"):
            raw[name] = _num(text)
        else:
            raw[name] = text
    return raw


def map_query_field(kind: str, field: str) -> str:
    """The query key that spells a map spec field (``map.x.min`` -> ``hmap.x``)."""
    if field == "map":  # the map as a whole: missing axes, or not an object
        return PREFIXES[kind] + ("x" if kind == "hyper" else "cells")
    return PREFIXES[kind] + field.removeprefix("map.").split(".")[0].split("[")[0]


def as_map_query_error(kind: str, error: ConfigError) -> QueryError:
    """A map spec's ConfigError re-named after the query key the page wrote."""
    if error.field.startswith("map"):
        return QueryError(map_query_field(kind, error.field), error.message, error.field)
    return QueryError(error.field, error.message)
