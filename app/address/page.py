"""The page's own keys (``p.*``) read as the page reads them, from the address table's rows.

The page parses its keys with the rows it is served (``static/js/urlstate.js``); the notebook and
the snippet honour some of them (log axis, selected run, colours, hidden runs, hidden state
quantities), read here with the same rules, so a figure shows what the page showed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from app.address.table import PAGE_PREFIX, Key, rows

_INT = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_NAME = re.compile(r"[A-Za-z0-9_]{1,40}")
_SLUG = re.compile(r"[a-z0-9-]{1,40}")
_BOOL = {"1": True, "true": True, "0": False, "false": False}


@dataclass
class PageOptions:
    """The page-only view settings of a shared link (None or empty: the page's default)."""

    log: bool | None = None  # p.log: loss on a log axis
    sel: int | None = None  # p.sel: the run whose state is shown
    colors: list[int] = field(default_factory=list)  # p.colors: palette index per run
    off: list[int] = field(default_factory=list)  # p.off: hidden runs
    qoff: list[str] = field(default_factory=list)  # p.qoff: state quantities switched off


def _in_range(key: Key, x: float) -> bool:
    return (key.lo is None or x >= key.lo) and (key.hi is None or x <= key.hi)


def parse_page_value(key: Key, text: str) -> Any:
    """A ``p.*`` value read by its row (None when invalid: the page then keeps its default)."""
    if key.shape == "bool":
        return _BOOL.get(text)
    if key.shape == "int":
        return int(text) if _INT.fullmatch(text) and _in_range(key, int(text)) else None
    if key.shape == "decimal":
        return float(text) if _DECIMAL.fullmatch(text) and _in_range(key, float(text)) else None
    if key.shape == "choice":
        return text if text in key.choices else None
    if key.shape == "slug":
        return text if _SLUG.fullmatch(text) else None
    parts = text.split(",") if text else []
    if len(parts) > key.items:
        return None
    if key.shape == "ints":
        ok = all(_INT.fullmatch(p) and _in_range(key, int(p)) for p in parts)
        return [int(p) for p in parts] if ok else None
    return parts if all(_NAME.fullmatch(p) for p in parts) else None


def page_options(query: str) -> PageOptions:
    """The ``p.*`` view settings the notebook honours; invalid values are ignored, as the page
    ignores them."""
    out = PageOptions()
    keys = {k.name: k for k in rows("page") if k.notebook}
    for part in query.split("&"):
        name, _, raw = part.partition("=")
        key = keys.get(unquote(name))
        if key is None:
            continue
        value = parse_page_value(key, unquote(raw.replace("+", " ")))
        if value is not None:
            setattr(out, key.name.removeprefix(PAGE_PREFIX), value)
    return out
