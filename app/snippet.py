"""A short Python script that reproduces a configuration's runs with the package's Python API.

The page offers it for download (``GET /api/snippet?<query>``) and notebooks can print it; one
function writes it, so the two never disagree. The configuration in the script is the canonical
one with defaults left out (the same values the shareable query spells), its numbers written
exactly, so running the script gives the page's points bit for bit. When the link carries maps
(``hmap.*`` / ``basin.*`` keys), the script computes them too, cell for cell as the page's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app import __version__
from app.address.codec import decode, encode, same
from app.address.maps import encode_map
from app.engine.config import build_objective, validate_config
from app.engine.errors import ConfigError
from app.engine.maps import default_threshold, validate_basin_map, validate_hyper_map
from app.engine.surfaces import SURFACES
from app.links import PageOptions, read_config, read_map

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


def assignment(name: str, value: dict[str, Any]) -> str:
    """``name = {...}``: on one line when it fits (the name included), else one item a line."""
    flat = _flat(value)
    if len(name) + 3 + len(flat) <= WIDTH:
        return f"{name} = {flat}"
    items = [f"{INDENT}{_flat(k)}: {literal(v, 1)}," for k, v in value.items()]
    return f"{name} = {{\n" + "\n".join(items) + "\n}"


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


MAP_KINDS = ("hyper", "basin")
_VALIDATE = {"hyper": validate_hyper_map, "basin": validate_basin_map}


def _title(config: Mapping[str, Any], kinds: list[str] | None = None) -> str:
    """What the runs (and maps) are, as text safe inside the script's docstring."""
    surface = config["surface"]
    where = f"f(x, y) = {surface['expression']}" if "expression" in surface \
        else SURFACES[surface["name"]].label
    n = len(config["runs"])
    text = f"{n} run{'s' if n != 1 else ''} of {config['steps']} steps on {where}"
    if kinds:
        text += ", with maps"
    return "".join(ch if ch.isprintable() and ch not in '"\\' else " " for ch in text)


def _colors_arg(page: PageOptions, config: Mapping[str, Any]) -> str | None:
    """``colors=[...]`` when the page's run colours are not the default order."""
    colors = page.colors[:len(config["runs"])]
    if colors and colors != list(range(len(colors))):
        return f"colors={literal(colors)}"
    return None


def figure_call(page: PageOptions, config: Mapping[str, Any]) -> str:
    """``fig = figure(result, ...)`` with the keywords that show what the page's ``p.*``
    settings showed (one a line when they do not fit on one)."""
    args = []
    if page.log:
        args.append("log_loss=True")
    n = len(config["runs"])
    if page.sel is not None and 0 < page.sel < n:
        args.append(f"state_run={page.sel}")
    colors = _colors_arg(page, config)
    if colors:
        args.append(colors)
    hidden = [i for i in page.off if i < n]
    if hidden:
        args.append(f"hidden={literal(hidden)}")
    if page.qoff:
        args.append(f"hidden_quantities={literal(page.qoff)}")
    call = f"fig = figure({', '.join(['result', *args])})"
    if len(call) <= WIDTH:
        return call
    return "fig = figure(\n" + "".join(f"{INDENT}{a},\n" for a in ["result", *args]) + ")"


def minimal_map(kind: str, spec: Mapping[str, Any], config: Mapping[str, Any]
                ) -> dict[str, Any]:
    """A validated map spec with its default values left out (what its ``hmap.*`` /
    ``basin.*`` keys spell): a hyperparameter map's axes always, the run, metric and threshold
    when not the defaults; a basin map's cells always, its view, run and colour when not.

    Checked: validating the result gives ``spec`` back exactly; otherwise ``spec`` is returned.
    """
    short: dict[str, Any] = {}
    if spec["run"]:
        short["run"] = spec["run"]
    if kind == "hyper":
        short["x"], short["y"] = dict(spec["x"]), dict(spec["y"])
        if spec["metric"] != "final_loss":
            short["metric"] = spec["metric"]
        if spec["threshold"] != default_threshold(build_objective(config["surface"])):
            short["threshold"] = spec["threshold"]
    else:
        nx, ny = spec["cells"]
        short["cells"] = nx if nx == ny else [nx, ny]
        if list(spec["view"]) != list(config["surface"]["view"]):
            short["view"] = list(spec["view"])
        if spec["color"] != "minimum":
            short["color"] = spec["color"]
    try:
        if same(_VALIDATE[kind](short, config), dict(spec)):
            return short
    except ConfigError:
        pass
    return dict(spec)


def _map_specs(config_or_url: Mapping[str, Any] | str, config: Mapping[str, Any],
               maps: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The validated maps to compute, by kind: ``maps`` if given, else a link's map keys."""
    out: dict[str, dict[str, Any]] = {}
    if maps is not None:
        for kind, raw in maps.items():
            if kind not in MAP_KINDS:
                raise ValueError(f"maps: kinds are {MAP_KINDS}, got {kind!r}")
            if raw is not None:
                out[kind] = _VALIDATE[kind](raw, config)
    elif isinstance(config_or_url, str):
        for kind in MAP_KINDS:
            spec = read_map(config_or_url, kind, config)
            if spec is not None:
                out[kind] = spec
    return {k: out[k] for k in MAP_KINDS if k in out}


def _map_lines(kind: str, spec: Mapping[str, Any], config: Mapping[str, Any],
               colors: str | None) -> list[str]:
    """The lines that compute one map and draw it."""
    run = spec["run"]
    args = ", ".join(["hmap" if kind == "hyper" else "basins", *([colors] if colors else [])])
    if kind == "hyper":
        x, y = spec["x"], spec["y"]
        head = [
            f"# The hyperparameter map, cell for cell as the page's: run {run}'s {x['param']} x "
            f"{y['param']} over",
            f"# {x['cells']} x {y['cells']} cells, each a whole run. Arrays are (ny, nx): row j "
            "at hmap.y[j], column i",
            "# at hmap.x[i]; final_loss (NaN where diverged), reach (first step with loss <= the",
            "# threshold, -1 never), diverged (the step it diverged at, -1 if not).",
            assignment("hyper_spec", minimal_map(kind, spec, config)),
            "hmap = hyper_map(config, hyper_spec)",
            f"hyper_fig = map_figure({args})",
        ]
    else:
        nx, ny = spec["cells"]
        head = [
            f"# The basins of attraction, cell for cell as the page's: run {run} started from "
            "the centre",
            f"# of each of {nx} x {ny} cells over the view. basins.values[\"basin\"] indexes "
            "the minima",
            "# basins.basins (-1 diverged, -2 still moving); also final_loss, diverged, end_x, "
            "end_y.",
            assignment("basin_spec", minimal_map(kind, spec, config)),
            "basins = basin_map(config, basin_spec)",
            f"basin_fig = map_figure({args})",
        ]
    return ["", *head]


def snippet(config_or_url: Mapping[str, Any] | str, page: PageOptions | None = None,
            maps: Mapping[str, Any] | None = None) -> str:
    """A runnable script that reproduces the runs of a configuration, a query or a shared URL.

    ``page`` (read from the link when one is given) adds the figure options the page used.
    ``maps`` (``{"hyper": spec, "basin": spec}``; read from a link's ``hmap.*`` / ``basin.*``
    keys when not given) adds the maps, computed with ``hyper_map`` / ``basin_map`` and drawn
    with ``map_figure``. Raises ConfigError naming the bad field, as ``run`` does.
    """
    config, from_link = read_config(config_or_url)
    page = page or from_link
    specs = _map_specs(config_or_url, config, maps)
    query = encode(config)
    objective = build_objective(config["surface"]) if specs else None
    for kind, spec in specs.items():
        keys = encode_map(kind, spec, surface_view=config["surface"]["view"],
                          default_threshold=default_threshold(objective))
        query = f"{query}&{keys}" if query else keys
    engine = [f"from app.engine.maps import {', '.join(f'{k}_map' for k in sorted(specs))}"] \
        if specs else []
    lines = [
        f'"""Optimizer trajectories: {_title(config, list(specs))}.',
        "",
        "Reproduces the runs of the optimizer-trajectory visualizer's page with its Python API",
        f"(version {__version__}), bit for bit; run it where the package is installed",
        "(pip install -e . in its repository). The page's link for these runs ends in",
        f"    ?{query}",
        '"""',
        "",
        *engine,
        "from app.engine.runner import run",
        "from app.notebook import figure" + (", map_figure" if specs else ""),
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
    ]
    colors = _colors_arg(page, config)
    for kind, spec in specs.items():
        lines += _map_lines(kind, spec, config, colors)
    return "\n".join([*lines, ""])
