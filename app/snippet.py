"""A short Python script that reproduces a configuration's runs with the package's Python API.

The page offers it for download (``GET /api/snippet?<query>``) and notebooks can print it; one
function writes it, so the two never disagree. The configuration in the script is the canonical
one with defaults left out (the same values the shareable query spells), its numbers written
exactly, so running the script gives the page's points bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app import __version__
from app.api.query import decode, encode, same
from app.engine.config import validate_config
from app.engine.surfaces import SURFACES
from app.links import PageOptions, read_config

WIDTH = 88  # a literal longer than this is broken over lines
INDENT = "    "


def literal(value: Any, indent: int = 0, width: int = WIDTH) -> str:
    """A Python literal of JSON-like data: short containers on one line, longer ones one item a
    line; floats as ``repr`` (exact), strings double-quoted."""
    flat = _flat(value)
    if len(flat) + indent * len(INDENT) <= width or not isinstance(value, dict | list):
        return flat
    pad = INDENT * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{_flat(k)}: {literal(v, indent + 1, width)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + INDENT * indent + "}"
    items = [f"{pad}{literal(v, indent + 1, width)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + INDENT * indent + "]"


def _flat(value: Any) -> str:
    """``value`` as a one-line literal."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are Python's too
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    raise TypeError(f"not JSON-like data: {type(value).__name__}")


def _typed_like(short: Any, full: Any) -> Any:
    """``short``'s keys with ``full``'s (validated, canonically typed) values at the same place."""
    if isinstance(short, dict) and isinstance(full, Mapping):
        return {k: _typed_like(v, full[k]) if k in full else v for k, v in short.items()}
    if isinstance(short, list) and isinstance(full, list | tuple) and len(short) == len(full):
        return [_typed_like(s, f) for s, f in zip(short, full, strict=True)]
    return full


def minimal_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The validated ``config`` with its default values left out (what its query spells).

    Checked: validating the result gives ``config`` back exactly; otherwise ``config`` is returned
    whole.
    """
    short = _typed_like(decode(encode(config)), config)
    try:
        if same(validate_config(short), dict(config)):
            return short
    except ValueError:
        pass
    return dict(config)


def _title(config: Mapping[str, Any]) -> str:
    """What the runs are, as text safe inside the script's docstring."""
    surface = config["surface"]
    where = f"f(x, y) = {surface['expression']}" if "expression" in surface \
        else SURFACES[surface["name"]].label
    n = len(config["runs"])
    text = f"{n} run{'s' if n != 1 else ''} of {config['steps']} steps on {where}"
    return "".join(ch if ch.isprintable() and ch not in '"\\' else " " for ch in text)


def figure_call(page: PageOptions, config: Mapping[str, Any]) -> str:
    """``fig = figure(result, ...)`` with the keywords that show what the page's ``p.*``
    settings showed (one a line when they do not fit on one)."""
    args = []
    if page.log:
        args.append("log_loss=True")
    n = len(config["runs"])
    if page.sel is not None and 0 < page.sel < n:
        args.append(f"state_run={page.sel}")
    colors = page.colors[:n]
    if colors and colors != list(range(len(colors))):
        args.append(f"colors={literal(colors)}")
    hidden = [i for i in page.off if i < n]
    if hidden:
        args.append(f"hidden={literal(hidden)}")
    if page.qoff:
        args.append(f"hidden_quantities={literal(page.qoff)}")
    call = f"fig = figure({', '.join(['result', *args])})"
    if len(call) <= WIDTH:
        return call
    return "fig = figure(\n" + "".join(f"{INDENT}{a},\n" for a in ["result", *args]) + ")"


def snippet(config_or_url: Mapping[str, Any] | str, page: PageOptions | None = None) -> str:
    """A runnable script that reproduces the runs of a configuration, a query or a shared URL.

    ``page`` (read from the link when one is given) adds the figure options the page used.
    Raises ConfigError naming the bad field, as ``run`` does.
    """
    config, from_link = read_config(config_or_url)
    page = page or from_link
    query = encode(config)
    lines = [
        f'"""Optimizer trajectories: {_title(config)}.',
        "",
        "Reproduces the runs of the optimizer-trajectory visualizer's page with its Python API",
        f"(version {__version__}), bit for bit; run it where the package is installed",
        "(pip install -e . in its repository). The page's link for these runs ends in",
        f"    ?{query}",
        '"""',
        "",
        "from app.engine.runner import run",
        "from app.notebook import figure",
        "",
        f"config = {literal(minimal_config(config))}",
        "",
        "result = run(config)  # result.config: the configuration with every default filled in",
        "for i, r in enumerate(result.runs):",
        '    last = f"last point {r.points[-1].tolist()}, loss {r.loss[-1]:.6g}" if r.steps '
        'else "no step"',
        '    print(f"run {i} ({r.label or r.optimizer}): {r.status}, {r.steps} steps, {last}")',
        "",
        "# Every recorded quantity is a NumPy array whose index k holds step k + 1 (the start",
        '# point is result.config["start"]): r.points (steps x 2), r.x, r.y, r.loss, r.lr,',
        "# r.grad_x, r.grad_y, and r.state[name] (steps x 2) for the optimizer's state",
        "# (its names: r.state.keys()).",
        "",
        "# The page's views (paths on the contour, loss, learning rate, optimizer state) as a",
        "# plotly figure: in Jupyter, end a cell with `fig`; elsewhere fig.show() or",
        '# fig.write_html("runs.html").',
        figure_call(page, config),
        "",
    ]
    return "\n".join(lines)
