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
from app.address.table import MAP_PREFIXES, Key, rows
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


def _map_value(key: Key, value: Any, default: Any) -> str | None:
    """A map key's text for ``value``, None when it is the default (the axes always are
    written; the cells always are, one number when both sides are equal)."""
    if key.shape == "axis":
        return _axis_text(value)
    if key.name.endswith(".cells"):
        nx, ny = value
        return str(nx) if nx == ny else f"{nx},{ny}"
    if key.shape == "numbers":
        if default is not None and list(value) == list(default):
            return None
        return ",".join(format_number(v) for v in value)
    if value == default:
        return None
    return value if isinstance(value, str) else format_number(value)


def encode_map(kind: str, spec: Mapping[str, Any], surface_view: list[float] | None = None,
               default_threshold: float | None = None) -> str:
    """The query keys of a validated map (defaults left out), in the address table's order."""
    pairs = []
    for key in rows(kind):  # type: ignore[arg-type]
        name = key.field.removeprefix("map.")
        default = {"view": surface_view, "threshold": default_threshold}.get(
            name, key.param.default if key.param is not None else None)
        text = _map_value(key, spec[name], default)
        if text is not None:
            pairs.append(f"{key.name}={text}")
    return "&".join(pairs)


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
    shapes = {k.name.removeprefix(prefix): k for k in rows(kind)}  # type: ignore[arg-type]
    return {name: _read(shapes[name], text) for name, text in found.items()}


def _read(key: Key, text: str) -> Any:
    """A map key's raw value as its row's shape reads it (validation names what is wrong)."""
    if key.shape == "axis":
        parts = text.split(",")
        if not 1 <= len(parts) <= len(_AXIS_FIELDS):
            raise QueryError(key.name, "expected <param>,<min>,<max>,<scale>,<cells>")
        axis: dict[str, Any] = {"param": parts[0]}
        for field, item in zip(_AXIS_FIELDS[1:], parts[1:], strict=False):
            if item != "":
                axis[field] = item if field == "scale" else _num(item)
        return axis
    if key.shape == "numbers":
        items = [_num(t) for t in text.split(",")]
        return items[0] if key.name.endswith(".cells") and len(items) == 1 else items
    assert key.param is not None
    return text if key.param.kind == "choice" else _num(text)


def map_query_field(kind: str, field: str) -> str:
    """The query key that spells a map spec field (``map.x.min`` -> ``hmap.x``): the row whose
    field it is under; the map as a whole (missing axes, not an object) is the first row's."""
    keys = rows(kind)  # type: ignore[arg-type]
    if field == "map":
        return keys[0].name
    for key in keys:
        if field == key.field or field.startswith((f"{key.field}.", f"{key.field}[")):
            return key.name
    return PREFIXES[kind] + field.removeprefix("map.").split(".")[0].split("[")[0]


def as_map_query_error(kind: str, error: ConfigError) -> QueryError:
    """A map spec's ConfigError re-named after the query key the page wrote."""
    if error.field.startswith("map"):
        return QueryError(map_query_field(kind, error.field), error.message, error.field)
    return QueryError(error.field, error.message)
