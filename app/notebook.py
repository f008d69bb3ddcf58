"""The page's views as one plotly Figure, for Jupyter notebooks, lecture notes and reports.

Example (a Jupyter cell)::

    from app.notebook import figure
    figure("http://127.0.0.1:8000/?surface=rosenbrock&r0=adam,lr=0.05&r1=sgd,lr=0.001")

A link's hyperparameter and basin maps are drawn by ``map_figure`` (:mod:`app.notebook_maps`,
importable from here too).

No web framework is imported: the configuration goes straight to the engine (``run``), the
contour levels come from the engine's grid (the same as ``GET /api/surface``) and the colours
are the page's palette.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.address.codec import format_number, same
from app.engine.grid import DEFAULT_RESOLUTION, surface_grid
from app.engine.optimizers import OPTIMIZERS, state_vars
from app.engine.runner import Result, Trajectory, run
from app.engine.surfaces import SURFACES
from app.links import PageOptions, read_config
from app.palette import PALETTE  # the page's run colours (its catalog's palette)

# The page's contour colours (static/js/plots.js SURFACE_SCALE), light so the paths stay readable.
SURFACE_SCALE = [[0, "#f7fbff"], [0.25, "#d9e6f2"], [0.5, "#b3c6da"], [0.75, "#8aa1ba"],
                 [1, "#5f7390"]]
INK = "#1f2933"
VIEWS = ("contour", "loss", "lr", "state")
EFFECTIVE_LR_HELP = ("update ratio -Δθ / g per coordinate (not a learning rate: it changes sign "
                     "and spikes where g crosses zero)")
TOP_ROW_PX = 240  # height of a loss / lr row (the contour spans both)
STATE_ROW_PX = 150
MAX_LEGEND_PARAMS = 3


def run_name(index: int, run: Mapping[str, Any]) -> str:
    """``Run 1 · Adam (lr=0.01)``: the page's run title plus the hyperparameters that differ
    from their defaults (a few), or the run's own label."""
    if run.get("label"):
        return str(run["label"])
    spec = OPTIMIZERS[run["optimizer"]]
    name = spec.label
    changed = _changed(run)
    if run.get("inner"):
        name += f" + {OPTIMIZERS[run['inner']['optimizer']].label}"
        changed += _changed(run["inner"])
    if run.get("schedule"):
        name += f" + {run['schedule']['name']}"
    extra = ", ".join(changed[:MAX_LEGEND_PARAMS]) + (", …" if len(changed) > MAX_LEGEND_PARAMS
                                                       else "")
    return f"Run {index + 1} · {name}" + (f" ({extra})" if extra else "")


def _changed(run: Mapping[str, Any]) -> list[str]:
    """``name=value`` of an optimizer's hyperparameters that differ from their defaults."""
    spec = OPTIMIZERS[run["optimizer"]]
    return [f"{p.name}={_short(run['params'][p.name])}" for p in spec.params
            if p.name in run["params"] and not same(run["params"][p.name], p.default)]


def _short(value: Any) -> str:
    return format_number(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else str(value)


def _surface_title(config: Mapping[str, Any]) -> str:
    """The surface's label, or its formula."""
    surface = config["surface"]
    return f"f(x, y) = {surface['expression']}" if "expression" in surface \
        else SURFACES[surface["name"]].label


def _hover(name: str) -> str:
    return (f"{name}<br>step %{{customdata[0]}}<br>x = %{{x:.6g}}, y = %{{y:.6g}}"
            "<br>loss = %{customdata[1]:.6g}<extra></extra>")


def _check_views(views: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(views))
    unknown = [v for v in chosen if v not in VIEWS]
    if unknown or not chosen:
        raise ValueError(f"views: unknown {unknown!r}; choose from {VIEWS}" if unknown
                         else f"views: give at least one of {VIEWS}")
    return chosen


def _quantities(traj: Trajectory, run_cfg: Mapping[str, Any], quantities: Sequence[str] | None,
                hidden: Sequence[str]) -> list[tuple[str, str, bool]]:
    """(name, help, scalar) of the state quantities to plot, in the order they are recorded."""
    meta = {v.name: v for v in state_vars(run_cfg)}
    known = [*meta, "effective_lr"]
    for name in [*(quantities or ()), *hidden]:
        if name not in known:
            raise ValueError(f"quantities: {name!r} is not a state quantity of this run; "
                             f"its quantities: {', '.join(known)}")
    # by default as the page: the step scale, not the update ratio (only when asked for)
    wanted = [q for q in traj.state if q != "effective_lr"] if quantities is None \
        else [q for q in quantities if q in traj.state]
    out = []
    for name in wanted:
        if name in hidden:
            continue
        var = meta.get(name)
        out.append((name, var.help if var else EFFECTIVE_LR_HELP, bool(var and var.scalar)))
    return out


@dataclass
class _Views:
    """Where each view goes: the subplot grid, its titles and the (row, col) of every view."""

    specs: list[list[dict[str, Any] | None]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    heights: list[int] = field(default_factory=list)
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    cols: int = 1

    def add_row(self, height: int, cells: list[tuple[str, str, dict[str, Any]] | None]) -> None:
        """One grid row: per column (view key, title, spec) or None under a row-spanning cell."""
        row = len(self.specs) + 1
        self.specs.append([cell[2] if cell else None for cell in cells])
        self.heights.append(height)
        for col, cell in enumerate(cells, start=1):
            if cell:
                self.cells[cell[0]] = (row, col)
                self.titles.append(cell[1])


def _arrange(lines: list[str], contour_title: str | None,
             state: list[tuple[str, str, bool]], state_note: str) -> _Views:
    """Contour left (spanning the loss and lr rows on the right), state rows below, full width."""
    v = _Views(cols=2 if contour_title is not None and lines else 1)
    titles = {"loss": "Loss", "lr": "Learning rate"}
    if lines:
        for r, key in enumerate(lines):
            contour = [("contour", contour_title, {"rowspan": len(lines)}) if r == 0 else None] \
                if contour_title is not None else []
            v.add_row(TOP_ROW_PX, [*contour, (key, titles[key], {})])
    elif contour_title is not None:
        v.add_row(2 * TOP_ROW_PX, [("contour", contour_title, {})])
    for k, (name, help_text, _) in enumerate(state):
        title = f"{name}: {help_text}" + (f" ({state_note})" if k == 0 else "")
        v.add_row(STATE_ROW_PX, [(f"state:{name}", title, {"colspan": v.cols}),
                                 *([None] * (v.cols - 1))])
    return v


def figure(
    config_or_url: Mapping[str, Any] | str | Result,
    *,
    views: Sequence[str] = VIEWS,
    state_run: int | None = None,
    quantities: Sequence[str] | None = None,
    hidden_quantities: Sequence[str] | None = None,
    log_loss: bool | None = None,
    colors: Sequence[int | str] | None = None,
    hidden: Sequence[int] | None = None,
    resolution: int = DEFAULT_RESOLUTION,
    height: int | None = None,
    width: int | None = None,
) -> go.Figure:
    """The page's views of a configuration's runs as one plotly Figure.

    ``config_or_url`` is a configuration dict (as for :func:`app.engine.runner.run`), the page's
    query string, a whole shared URL (its ``p.*`` view settings are honoured: log axis, selected
    run, colours, hidden runs and state quantities), or a :class:`Result` already computed (not
    run again). A link's maps (its ``hmap.*`` / ``basin.*`` keys) are not drawn here: they are
    separate figures, ``map_figure(url)`` (see :func:`app.notebook_maps.map_figure`), as the
    page draws them in their own card.

    The views: the paths on the contour of the surface over its view box (start marked by a
    ringed dot, minima by stars, saddles by crosses, each run's last point by a dot, or an x if
    it diverged), the loss and the learning rate against the step, and below them the optimizer
    state of run ``state_run`` (one row per quantity, x coordinate solid, y dashed). A run has
    one legend entry for all views: clicking it hides the run everywhere.

    Keywords: ``views`` (a subset of ``"contour", "loss", "lr", "state"``); ``state_run`` (a run
    index, default the link's selected run or 0); ``quantities`` / ``hidden_quantities`` (state
    names to show / leave out); ``log_loss`` (the loss on a log axis); ``colors`` (per run, a
    palette index or any CSS colour); ``hidden`` (run indices shown only in the legend);
    ``resolution`` (contour grid points per side); ``height`` / ``width`` in pixels.

    Invalid configurations raise :class:`app.engine.errors.ConfigError` naming the field
    (``runs[0].params.lr`` for a dict, the query parameter ``r0.lr`` for a link); invalid
    keywords raise ValueError.

    Example::

        from app.notebook import figure
        fig = figure({"surface": {"name": "himmelblau"}, "steps": 200,
                      "runs": [{"optimizer": "adam", "params": {"lr": 0.1}},
                               {"optimizer": "sgd", "params": {"lr": 0.01, "momentum": 0.9}}]},
                     log_loss=True)
        fig  # shows in Jupyter; fig.write_html("himmelblau.html") for a lecture page
    """
    if isinstance(config_or_url, Result):
        result, page = config_or_url, PageOptions()
    else:
        config, page = read_config(config_or_url)
        result = run(config)
    config = result.config
    n_runs = len(result.runs)
    chosen = _check_views(views)
    sel = page.sel if state_run is None else state_run
    sel = 0 if sel is None or (state_run is None and sel >= n_runs) else sel
    if not 0 <= sel < n_runs:
        raise ValueError(f"state_run: must be a run index in [0, {n_runs - 1}], got {sel}")
    if not 2 <= resolution <= 1000:
        raise ValueError(f"resolution: must be an integer in [2, 1000], got {resolution}")
    palette = list(page.colors) if colors is None else list(colors)
    run_colors = [_color(palette[i] if i < len(palette) else i) for i in range(n_runs)]
    off = set(page.off if hidden is None else hidden)
    log = bool(page.log if log_loss is None else log_loss)
    hide_q = list(page.qoff if hidden_quantities is None else hidden_quantities)

    lines = [v for v in ("loss", "lr") if v in chosen]
    grid = surface_grid(config["surface"], resolution, log=_log_surface(config)) \
        if "contour" in chosen else None
    state = _quantities(result.runs[sel], config["runs"][sel], quantities, hide_q) \
        if "state" in chosen else []
    surface_title = _surface_title(config)
    v = _arrange(lines, f"Paths on the loss surface: {surface_title}" if grid else None, state,
                 f"{run_name(sel, config['runs'][sel])}; x solid, y dashed")
    if not v.specs:  # only "state" asked for, and the run recorded none
        raise ValueError("views: the chosen run records no state quantity to show")
    total = sum(v.heights)
    fig = make_subplots(
        rows=len(v.specs), cols=v.cols, specs=v.specs, subplot_titles=v.titles,
        row_heights=[h / total for h in v.heights],
        column_widths=[0.55, 0.45] if v.cols == 2 else None,
        horizontal_spacing=0.12, vertical_spacing=min(0.08, 60 / total),
    )
    if grid is not None:
        _add_contour(fig, grid, v.cells["contour"], config)
    start = np.asarray(config["start"], dtype=float)
    for i, traj in enumerate(result.runs):
        name = run_name(i, config["runs"][i])
        common = {"name": name, "legendgroup": f"run{i}", "showlegend": False,
                  "visible": "legendonly" if i in off else True}
        traces: list[tuple[go.Scatter, tuple[int, int]]] = []
        if grid is not None:
            traces += _path(traj, i, run_colors[i], start, result.start_loss, common,
                            v.cells["contour"])
        steps = np.arange(1, traj.steps + 1)
        for view in lines:
            traces.append((go.Scatter(
                x=steps, y=traj.loss if view == "loss" else traj.lr, mode="lines",
                line={"color": run_colors[i], "width": 1.8}, meta={"run": i, "view": view},
                hovertemplate=f"{name}<br>step %{{x}}<br>{view} = %{{y:.6g}}<extra></extra>",
                **common), v.cells[view]))
        if i == sel:
            traces += _state(traj, i, run_colors[i], state, common, v.cells)
        if not traces:  # the legend lists every run, drawn or not
            traces.append((go.Scatter(x=[None], y=[None], mode="lines", meta={"run": i},
                                      line={"color": run_colors[i]}, **common),
                           next(iter(v.cells.values()))))
        traces[0][0].showlegend = True
        for trace, cell in traces:
            fig.add_trace(trace, *cell)
    if grid is not None:
        _add_start(fig, v.cells["contour"], start)
        _place_colorbar(fig, v.cells["contour"])
    _style_axes(fig, v, lines, state, log, config["steps"],
                _robust_ranges(result.runs[sel], state),
                frozenset(q.name for q in state_vars(config["runs"][sel]) if q.log))
    fig.update_layout(
        height=height or total + 130, width=width, template="plotly_white",
        font={"family": "system-ui, -apple-system, 'Segoe UI', 'Noto Sans SC', sans-serif",
              "size": 12, "color": INK},
        title={"text": f"Optimizer trajectories: {surface_title}, {config['steps']} steps"},
        legend={"x": 1.02 if v.cols == 2 or grid is None else 1.12, "y": 1, "yanchor": "top"},
        margin={"t": 80, "l": 60, "r": 20, "b": 50}, hovermode="closest",
    )
    fig.update_annotations(font_size=12)
    return fig


def _style_axes(fig: go.Figure, v: _Views, lines: list[str], state: list[tuple[str, str, bool]],
                log: bool, steps: int, ranges: Mapping[str, list[float]],
                log_state: frozenset[str] = frozenset()) -> None:
    """Step axes over [0, steps]; the loss axis log when asked; state axes named, log for the
    quantities in ``log_state`` (the step scale)."""
    for k, view in enumerate(lines):
        r, c = v.cells[view]
        fig.update_xaxes(title_text="step" if k == len(lines) - 1 else None,
                         range=[0, max(steps, 1)], zeroline=False, row=r, col=c)
        fig.update_yaxes(type="log" if view == "loss" and log else "linear",
                         exponentformat="power", zeroline=False, row=r, col=c)
    for k, (qname, _, _) in enumerate(state):
        r, c = v.cells[f"state:{qname}"]
        fig.update_xaxes(title_text="step" if k == len(state) - 1 else None,
                         range=[0, max(steps, 1)], zeroline=False, row=r, col=c)
        fig.update_yaxes(title_text=qname, exponentformat="power", nticks=4,
                         zerolinecolor="#d0d7de", row=r, col=c,
                         type="log" if qname in log_state else "linear",
                         **({"range": ranges[qname]} if qname in ranges else {}))


def _robust_ranges(traj: Trajectory, state: list[tuple[str, str, bool]]
                   ) -> dict[str, list[float]]:
    """The effective lr's axis over its 2nd to 98th percentile (padded), as on the page: its
    spikes where a gradient component nears zero would flatten the rest."""
    out = {}
    for name, _, _ in state:
        if name != "effective_lr" or not traj.steps:
            continue
        values = traj.state[name][np.isfinite(traj.state[name])]
        lo, hi = (float(q) for q in np.percentile(values, [2, 98])) if values.size else (0, 0)
        if hi > lo:
            pad = (hi - lo) * 0.08
            out[name] = [lo - pad, hi + pad]
    return out


def _state(traj: Trajectory, i: int, color: str, state: list[tuple[str, str, bool]],
           common: dict[str, Any], cells: dict[str, tuple[int, int]]
           ) -> list[tuple[go.Scatter, tuple[int, int]]]:
    """The chosen run's state quantities: x coordinate solid, y dashed (x only for scalars)."""
    out = []
    steps = np.arange(1, traj.steps + 1)
    for qname, _, scalar in state:
        for coord, column, dash in (("x", 0, "solid"), ("y", 1, "dash")):
            if scalar and coord == "y":
                continue
            out.append((go.Scatter(
                x=steps, y=traj.state[qname][:, column], mode="lines",
                line={"color": color, "width": 1.5, "dash": dash},
                meta={"run": i, "view": "state", "quantity": qname, "coord": coord},
                hovertemplate=f"{qname}.{coord}<br>step %{{x}}<br>%{{y:.6g}}<extra></extra>",
                **common), cells[f"state:{qname}"]))
    return out


def _log_surface(config: Mapping[str, Any]) -> bool:
    """Log contour levels where the page uses them (the surface's ``log_scale``)."""
    surface = config["surface"]
    return "name" in surface and SURFACES[surface["name"]].log_scale


def _place_colorbar(fig: go.Figure, cell: tuple[int, int]) -> None:
    """The contour's colour bar just right of the contour (not at the figure's edge)."""
    sub = fig.get_subplot(*cell)
    x1 = sub.xaxis.domain[1]
    y0, y1 = sub.yaxis.domain
    fig.update_traces(selector={"type": "contour"}, colorbar={
        "x": x1 + 0.01, "xanchor": "left", "y": y1, "yanchor": "top", "len": y1 - y0,
        "lenmode": "fraction"})


def _color(choice: int | str) -> str:
    """A palette index (wrapping) or a colour given as text."""
    if isinstance(choice, int) and not isinstance(choice, bool):
        return PALETTE[choice % len(PALETTE)]
    return str(choice)


MARK_NAMES = {"global": "global minimum", "local": "local minimum", "saddle": "saddle point"}
"""What a surface mark is, by its kind: the contour's hover and the basin legend
(app/notebook_maps.py) say it as the page does."""


def _add_contour(fig: go.Figure, grid: Any, cell: tuple[int, int],
                 config: Mapping[str, Any]) -> None:
    """The filled contour of the surface, its minima and saddles, axes over the view box."""
    r, c = cell
    fig.add_trace(go.Contour(
        x=grid.x, y=grid.y, z=grid.z, colorscale=SURFACE_SCALE, ncontours=28,
        contours={"coloring": "fill", "showlines": True},
        line={"color": "rgba(60,72,88,0.35)", "width": 0.6}, connectgaps=False,
        showlegend=False, name="f", meta={"view": "contour", "kind": "surface"},
        hovertemplate="x = %{x:.4g}, y = %{y:.4g}<br>" + ("log₁₀(f − f_min + δ)" if grid.log
                                                           else "f") + " = %{z:.4g}<extra></extra>",
        colorbar={"thickness": 10, "outlinewidth": 0, "tickfont": {"size": 10},
                  "title": {"text": "log₁₀" if grid.log else "f", "side": "right"}},
    ), r, c)
    kinds = {"minimum": [m for m in grid.minima if m["kind"] != "saddle"],
             "saddle": [m for m in grid.minima if m["kind"] == "saddle"]}
    for kind, points in kinds.items():
        if not points:
            continue
        # as on the page: a global minimum a filled star, a local one a hollow star
        marker = {"symbol": "star", "size": 13,
                  "color": [INK if m["kind"] == "global" else "#ffffff" for m in points],
                  "line": {"color": INK, "width": 1.2}} if kind == "minimum" else \
            {"symbol": "x-thin-open", "size": 12, "color": INK, "line": {"width": 2}}
        fig.add_trace(go.Scatter(
            x=[m["x"] for m in points], y=[m["y"] for m in points], mode="markers", name=kind,
            marker=marker, showlegend=False, meta={"view": "contour", "kind": kind},
            text=[MARK_NAMES.get(m["kind"], kind) for m in points],
            hovertemplate="%{text}<br>x = %{x:.6g}, y = %{y:.6g}<extra></extra>",
        ), r, c)
    view = config["surface"]["view"]
    fig.update_xaxes(range=[view[0], view[1]], title_text="x", zeroline=False, row=r, col=c)
    fig.update_yaxes(range=[view[2], view[3]], title_text="y", zeroline=False, row=r, col=c)


def _path(traj: Trajectory, i: int, color: str, start: np.ndarray, start_loss: float,
          common: dict[str, Any], cell: tuple[int, int]
          ) -> list[tuple[go.Scatter, tuple[int, int]]]:
    """One run's path from the start point (step 0) and its last point (an x if it diverged)."""
    x = np.concatenate([start[:1], traj.x])
    y = np.concatenate([start[1:], traj.y])
    custom = np.column_stack([np.arange(traj.steps + 1), np.concatenate([[start_loss], traj.loss])])
    name = common["name"]
    diverged = traj.status == "diverged"
    return [
        (go.Scatter(x=x, y=y, mode="lines", line={"color": color, "width": 2}, customdata=custom,
                    hovertemplate=_hover(name), meta={"run": i, "view": "contour", "kind": "path"},
                    **common), cell),
        (go.Scatter(x=x[-1:], y=y[-1:], mode="markers", customdata=custom[-1:],
                    marker={"symbol": "x" if diverged else "circle", "size": 12 if diverged else 9,
                            "color": color, "line": {"color": "#ffffff", "width": 1.5}},
                    hovertemplate=_hover(f"{name} ({traj.status})"),
                    meta={"run": i, "view": "contour", "kind": "end"}, **common), cell),
    ]


def _add_start(fig: go.Figure, cell: tuple[int, int], start: np.ndarray) -> None:
    """The start point, a ringed dot as on the page, above the paths."""
    fig.add_trace(go.Scatter(
        x=start[:1], y=start[1:], mode="markers", name="start", showlegend=False,
        marker={"symbol": "circle-dot", "size": 12, "color": "#ffffff",
                "line": {"color": INK, "width": 2}},
        meta={"view": "contour", "kind": "start"},
        hovertemplate="start<br>x = %{x:.6g}, y = %{y:.6g}<extra></extra>",
    ), *cell)


def __getattr__(name: str) -> Any:
    """``map_figure`` lives in :mod:`app.notebook_maps` (which draws on this module's contour)
    and is loaded on first use, so either module can be imported first."""
    if name == "map_figure":
        from app.notebook_maps import map_figure

        return map_figure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
