"""The page's maps as plotly Figures: a hyperparameter map; basins of attraction on the contour.

:func:`map_figure` (also importable from :mod:`app.notebook`) draws a map the way the page's maps
card draws it, from a :class:`~app.engine.maps.MapResult` already computed, from a configuration
dict and a map spec, or from a shared link whose ``hmap.*`` / ``basin.*`` keys spell the map.
The colours are the page's (``app/palette.py``, served in the catalog; the loss scale and
opacities are ``static/js/maps.js``'s, a test keeps the two in step).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.address.codec import format_number
from app.address.maps import PREFIXES
from app.engine.errors import ConfigError
from app.engine.grid import DEFAULT_RESOLUTION, surface_grid
from app.engine.maps import DIVERGED, UNSETTLED, MapResult, basin_map, hyper_map, map_params
from app.links import PageOptions, map_kinds, read_config, read_map
from app.notebook import (
    INK,
    MARK_NAMES,
    _add_contour,
    _color,
    _log_surface,
    _surface_title,
    run_name,
)
from app.palette import BASIN_COLORS, DIVERGED_COLOR, NEVER_COLOR, UNSETTLED_COLOR

# The page's loss scale and overlay opacities (static/js/maps.js); the colours of diverged cells,
# cells that never reached the threshold, cells still moving and of each minimum are the catalog's
# palette (app/palette.py).
LOSS_SCALE = "Viridis"
BASIN_OPACITY = 0.75  # the basin overlay over the contour, as on the page
LOSS_OPACITY = 0.6  # the final-loss overlay
OVERLAY_AXES = {"xaxis": "x2", "yaxis": "y2"}  # static/js/plots.js OVERLAY_AXES
KINDS = tuple(PREFIXES)  # ("hyper", "basin")
TICKS = 6
METRIC_TEXT = {"final_loss": "final loss", "steps_to_threshold": "steps to the threshold"}


def _kind_of(given: Any, kind: str | None) -> str:
    """The kind to draw: as asked, else a MapResult's own, else the first map a link carries
    (``"hyper"`` when it carries none)."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind: must be one of {KINDS}, got {kind!r}")
    if isinstance(given, MapResult):
        own = "basin" if "basin" in given.values else "hyper"
        if kind not in (None, own):
            raise ValueError(f"kind: this MapResult is a {own} map, not {kind!r}")
        return own
    if kind is not None:
        return kind
    return (map_kinds(given) or ["hyper"])[0]


def _compute(given: Mapping[str, Any] | str, kind: str, spec: Mapping[str, Any] | None
             ) -> tuple[MapResult, PageOptions]:
    """Validate and compute the map of a dict or a link (errors named as the input spells it)."""
    config, page = read_config(given)
    if spec is None and isinstance(given, str):
        validated = read_map(given, kind, config)
        if validated is None and kind == "hyper":
            raise ConfigError(PREFIXES[kind] + "x", "the link has no hyperparameter map: give "
                                                    "hmap.x=<param>,<min>,<max>,<scale>,<cells> "
                                                    "and hmap.y=..., or spec=")
        spec = validated
    return (hyper_map(config, spec) if kind == "hyper" else basin_map(config, spec)), page


def map_figure(
    config_or_url: Mapping[str, Any] | str | MapResult,
    kind: str | None = None,
    spec: Mapping[str, Any] | None = None,
    *,
    colors: Sequence[int | str] | None = None,
    resolution: int = DEFAULT_RESOLUTION,
    height: int | None = None,
    width: int | None = None,
) -> go.Figure:
    """A map of a configuration's run as the page's maps card draws it, as a plotly Figure.

    ``config_or_url`` is a :class:`~app.engine.maps.MapResult` from
    :func:`~app.engine.maps.hyper_map` / :func:`~app.engine.maps.basin_map` (drawn, not computed
    again), a configuration dict with the map's ``spec``, or the page's query string or a whole
    shared link, whose ``hmap.*`` keys (hyperparameter map) or ``basin.*`` keys (basin map) give
    the spec (an explicit ``spec`` wins). ``kind`` is ``"hyper"`` or ``"basin"``; left out, it is
    a MapResult's own kind, else the first map a link carries, else ``"hyper"``.

    - ``"hyper"``: a heatmap over the two hyperparameters, in cell-index coordinates with the
      values as tick labels, coloured by log10 of the final loss (the loss itself when some final
      loss is <= 0) or by the steps to reach the threshold, as the spec's ``metric`` says;
      diverged cells and cells that never reached the threshold are single-colour layers, and a
      ringed marker shows the run's own values (in its colour).
    - ``"basin"``: the surface's contour over the map's view with the basins laid over it
      semi-transparent: one colour per minimum (or the final loss, for ``color="final_loss"``),
      diverged cells dark red, cells still moving left clear; the legend lists the minima with
      their cell counts.

    Keywords: ``colors`` (per run, a palette index or any CSS colour; a link's ``p.colors`` by
    default), ``resolution`` (contour grid points per side), ``height`` / ``width`` in pixels.

    Invalid configurations and specs raise :class:`app.engine.errors.ConfigError` naming the
    field (``map.x.min`` for a spec, the query key ``hmap.x`` for a link, whose ``config_field``
    is ``map.x.min``); invalid keywords raise ValueError.

    Example::

        from app.engine.maps import hyper_map
        from app.notebook import map_figure
        m = hyper_map({"surface": {"name": "rosenbrock"}, "steps": 200,
                       "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]},
                      {"x": {"param": "lr", "min": 1e-3, "max": 0.5, "scale": "log", "cells": 32},
                       "y": {"param": "beta1", "min": 0.5, "max": 0.99, "scale": "beta",
                             "cells": 24}})
        map_figure(m)   # or map_figure("http://127.0.0.1:8000/?...&hmap.x=...&hmap.y=...")
    """
    chosen = _kind_of(config_or_url, kind)
    if isinstance(config_or_url, MapResult):
        if spec is not None:
            raise ValueError("spec: a MapResult carries its own map; give spec with a "
                             "configuration instead")
        result, page = config_or_url, PageOptions()
    else:
        result, page = _compute(config_or_url, chosen, spec)
    if not 2 <= resolution <= 1000:
        raise ValueError(f"resolution: must be an integer in [2, 1000], got {resolution}")
    palette = list(page.colors) if colors is None else list(colors)
    index = result.map["run"]
    run_color = _color(palette[index] if index < len(palette) else index)
    fig = _hyper(result, run_color) if chosen == "hyper" else _basin(result, resolution)
    fig.update_layout(
        height=height or (600 if chosen == "hyper" else 720), width=width,
        template="plotly_white",
        font={"family": "system-ui, -apple-system, 'Segoe UI', 'Noto Sans SC', sans-serif",
              "size": 12, "color": INK},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12, "yanchor": "top"},
        margin={"t": 80, "l": 70, "r": 20, "b": 120}, hovermode="closest",
    )
    return fig


def _cells(n: int) -> str:
    """"12 cells", "1 cell"."""
    return "1 cell" if n == 1 else f"{n} cells"


def _basin_name(m: dict[str, Any]) -> str:
    """A basin as the page's legend names it: a surface's mark by its kind and place
    ("global minimum (3, 2)", "saddle point (0, 0)"), one the runs found by its place
    ("(2.742, 2.127) found")."""
    where = f"({_short(m['x'], 4)}, {_short(m['y'], 4)})"
    if not m["known"]:
        return f"{where} found"
    kind = m.get("kind", "")
    return f"{MARK_NAMES[kind]} {where}" if kind in MARK_NAMES else f"{where} known"


def _short(value: float, digits: int = 3) -> str:
    """A value to a few significant digits, as the page writes tick labels (3) and minima (4)."""
    return format_number(float(f"{value:.{digits}g}"))


def _ticks(values: np.ndarray) -> dict[str, Any]:
    """Up to six evenly placed cell indices, labelled with their values."""
    n = len(values)
    count = min(TICKS, n)
    at = [round(k * (n - 1) / max(count - 1, 1)) for k in range(count)]
    return {"tickmode": "array", "tickvals": at, "ticktext": [_short(values[i]) for i in at]}


def _fractional_index(axis: Mapping[str, Any], value: float) -> float:
    """A value's position along an axis in cells (for the run's marker), by the axis's spacing."""
    lo, hi, n = axis["min"], axis["max"], axis["cells"] - 1
    if axis["scale"] == "log":
        f = math.log(value / lo) / math.log(hi / lo) if value > 0 else math.nan
    elif axis["scale"] == "beta":
        f = math.log((1 - value) / (1 - lo)) / math.log((1 - hi) / (1 - lo)) if value < 1 \
            else math.nan
    else:
        f = (value - lo) / (hi - lo)
    return f * n


def _legend_square(name: str, color: str, open_: bool = False) -> go.Scatter:
    """A legend entry with a square swatch (heatmap layers have no legend of their own)."""
    marker = {"symbol": "square-open" if open_ else "square", "size": 12,
              "color": INK if open_ else color, "line": {"color": INK if open_ else color,
                                                         "width": 1}}
    return go.Scatter(x=[None], y=[None], mode="markers", name=name, marker=marker,
                      hoverinfo="skip", showlegend=True, meta={"view": "legend"})


def _hyper(result: MapResult, run_color: str) -> go.Figure:
    """The hyperparameter map's heatmap layers, the run's marker, axes and title."""
    spec, config = result.map, result.config
    xs, ys = result.x, result.y
    nx, ny = len(xs), len(ys)
    loss = result.values["final_loss"]
    reach = result.values["reach"]
    diverged = result.values["diverged"] >= 0
    metric = spec["metric"]
    finite = loss[np.isfinite(loss)]
    positive = bool((finite > 0).all())
    with np.errstate(all="ignore"):
        if metric == "final_loss":
            z = np.log10(loss) if positive else loss.copy()
        else:
            z = np.where(reach >= 0, reach, np.nan).astype(float)
    z[diverged] = np.nan
    never = ~diverged & (reach < 0) if metric != "final_loss" else np.zeros_like(diverged)
    xp, yp = spec["x"]["param"], spec["y"]["param"]
    text = [[_cell_text(xp, xs[i], yp, ys[j], loss[j, i], reach[j, i],
                        result.values["diverged"][j, i]) for i in range(nx)] for j in range(ny)]
    title = ("log₁₀ loss" if positive else "loss") if metric == "final_loss" else "steps"
    idx_x, idx_y = np.arange(nx), np.arange(ny)
    fig = make_subplots(rows=1, cols=1)
    fig.add_trace(go.Heatmap(
        x=idx_x, y=idx_y, z=z, text=text, hoverinfo="text", colorscale=LOSS_SCALE,
        name=METRIC_TEXT[metric], showlegend=False, meta={"view": "hyper", "kind": "value"},
        colorbar={"thickness": 10, "len": 0.9, "outlinewidth": 0, "tickfont": {"size": 10},
                  "title": {"text": title, "side": "right"}},
    ))
    layers = (("diverged", diverged, DIVERGED_COLOR), ("never", never, NEVER_COLOR))
    for name, mask, color in layers:
        fig.add_trace(go.Heatmap(
            x=idx_x, y=idx_y, z=np.where(mask, 1.0, np.nan), text=text, hoverinfo="text",
            colorscale=[[0, color], [1, color]], showscale=False, showlegend=False,
            name="diverged" if name == "diverged" else "never reached",
            meta={"view": "hyper", "kind": name}))
    for name, mask, color in layers:
        if mask.any():
            fig.add_trace(_legend_square(
                f"diverged ({int(mask.sum())} cells)" if name == "diverged"
                else f"never reached the threshold {_short(spec['threshold'])} "
                     f"({int(mask.sum())} cells)", color))
    run = config["runs"][spec["run"]]
    params = map_params(run)
    values = [(run["params"] if params[p][1] == "params" else run["inner"]["params"]).get(p)
              for p in (xp, yp)]
    label = run_name(spec["run"], run)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        fx, fy = _fractional_index(spec["x"], values[0]), _fractional_index(spec["y"], values[1])
        if math.isfinite(fx) and math.isfinite(fy):
            fig.add_trace(go.Scatter(
                x=[fx], y=[fy], mode="markers", name=f"{label}: {xp}={_short(values[0])}, "
                                                     f"{yp}={_short(values[1])}",
                marker={"size": 11, "color": "rgba(255,255,255,0.2)",
                        "line": {"color": run_color, "width": 3}},
                hoverinfo="skip", showlegend=True, meta={"view": "hyper", "kind": "run"}))
    fig.update_xaxes(title_text=xp, range=[-0.5, nx - 0.5], zeroline=False, showgrid=False,
                     **_ticks(xs))
    fig.update_yaxes(title_text=yp, range=[-0.5, ny - 0.5], zeroline=False, showgrid=False,
                     **_ticks(ys))
    what = METRIC_TEXT[metric] + (f" (loss ≤ {_short(spec['threshold'])})"
                                  if metric != "final_loss" else "")
    fig.update_layout(title={"text": f"Hyperparameter map: {label} on {_surface_title(config)}"
                                     f"<br><sup>{what} after {config['steps']} steps, "
                                     f"{nx} × {ny} cells</sup>"})
    return fig


def _cell_text(xp: str, xv: float, yp: str, yv: float, loss: float, reach: int,
               diverged: int) -> str:
    """A cell's hover text, as the page writes it."""
    head = f"{xp} = {format_number(float(xv))}<br>{yp} = {format_number(float(yv))}"
    if diverged >= 0:
        return f"{head}<br>diverged ({diverged})"
    body = f"final loss {loss:.6g}" + (f"<br>steps {reach}" if reach >= 0 else "")
    return f"{head}<br>{body}"


def _basin(result: MapResult, resolution: int) -> go.Figure:
    """The contour over the map's view with the basins laid over it, and the minima's legend."""
    spec, config = result.map, result.config
    view = list(spec["view"])
    local = {**config, "surface": {**config["surface"], "view": view}}
    grid = surface_grid(local["surface"], resolution, log=_log_surface(config))
    ids = result.values["basin"]
    loss = result.values["final_loss"]
    fig = make_subplots(rows=1, cols=1)
    _add_contour(fig, grid, (1, 1), local)
    contour = fig.data[0]
    minima = result.basins
    if spec["color"] == "minimum":
        colors = [UNSETTLED_COLOR, DIVERGED_COLOR,
                  *(BASIN_COLORS[i % len(BASIN_COLORS)] for i in range(len(minima)))]
        n = len(colors)
        scale = [pair for i, c in enumerate(colors) for pair in ([i / n, c], [(i + 1) / n, c])]
        overlay = go.Heatmap(x=result.x, y=result.y, z=ids + 2, zmin=-0.5, zmax=n - 0.5,
                             colorscale=scale, showscale=False, opacity=BASIN_OPACITY)
    else:
        finite = loss[np.isfinite(loss)]
        positive = bool((finite > 0).all())
        with np.errstate(all="ignore"):
            z = np.log10(loss) if positive else loss
        overlay = go.Heatmap(
            x=result.x, y=result.y, z=z, colorscale=LOSS_SCALE, opacity=LOSS_OPACITY,
            colorbar={"thickness": 8, "len": 0.6, "x": 1.1, "outlinewidth": 0,
                      "title": {"text": "log₁₀ loss" if positive else "loss", "side": "right"}})
    overlay.update(zsmooth=False, showlegend=False, name="basins", hoverinfo="text",
                   text=_basin_text(result), meta={"view": "basin", "kind": "overlay"})
    # As on the page: plotly draws a subplot's heatmaps beneath its contours whatever the trace
    # order, so the overlay and the markers go on hidden axes laid over the contour's.
    fig.add_trace(overlay)
    fig.update_traces(selector=lambda t: t is not contour, **OVERLAY_AXES)
    fig.update_layout(xaxis2={"overlaying": "x", "matches": "x", "visible": False},
                      yaxis2={"overlaying": "y", "matches": "y", "visible": False})
    counts = {k: int((ids == k).sum()) for k in range(-2, len(minima))}
    for k, m in enumerate(minima):
        fig.add_trace(_legend_square(
            f"{_basin_name(m)} — {_cells(counts[k])}",
            BASIN_COLORS[k % len(BASIN_COLORS)], open_=spec["color"] != "minimum"))
    if counts[DIVERGED]:
        fig.add_trace(_legend_square(f"diverged — {_cells(counts[DIVERGED])}", DIVERGED_COLOR))
    if counts[UNSETTLED]:
        fig.add_trace(_legend_square(f"still moving — {_cells(counts[UNSETTLED])}", INK,
                                     open_=True))
    nx, ny = spec["cells"]
    by = "the minimum reached" if spec["color"] == "minimum" else "final loss"
    label = run_name(spec["run"], config["runs"][spec["run"]])
    fig.update_layout(title={"text": f"Basins of attraction: {label} on {_surface_title(config)}"
                                     f"<br><sup>each cell one run from its centre, "
                                     f"{config['steps']} steps, coloured by {by}; "
                                     f"{nx} × {ny} cells</sup>"})
    return fig


def _basin_text(result: MapResult) -> list[list[str]]:
    """Each cell's hover text: its start point, where the run went, its final loss."""
    ids, loss = result.values["basin"], result.values["final_loss"]
    step = result.values["diverged"]
    names = [f"minimum ({_short(m['x'], 4)}, {_short(m['y'], 4)})" for m in result.basins]
    out = []
    for j, y in enumerate(result.y):
        row = []
        for i, x in enumerate(result.x):
            k = int(ids[j, i])
            where = names[k] if k >= 0 else (f"diverged ({step[j, i]})" if k == DIVERGED
                                             else "still moving")
            tail = f"<br>final loss {loss[j, i]:.6g}" if np.isfinite(loss[j, i]) else ""
            row.append(f"start ({x:.4g}, {y:.4g})<br>→ {where}{tail}")
        out.append(row)
    return out
