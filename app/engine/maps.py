"""Many runs of one configuration at once: hyperparameter maps and basin-of-attraction maps.

A hyperparameter map varies two hyperparameters of one run over a grid (one cell = one run with
those values); a basin map starts one run from every cell of a grid over the view. Both step all
the cells of a block of grid rows together through the same vectorised :class:`Simulation` that
runs a single trajectory, so a cell is bit for bit the single run of its configuration. Results
come out block by block, with progress records in between, so a caller can show progress and stop
pulling (cancel) at any time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import build_objective, validate_config, validate_view
from .errors import ConfigError
from .optimizers import OPTIMIZERS
from .optimizers.base import INNER
from .params import Param, as_float
from .runner import Simulation, bad_rows, out_of_bounds

HYPER_MAX_CELLS = 128  # per axis
BASIN_MAX_CELLS = 256  # per axis
MAP_MAX_STEPS = 1000
PYTHON_STEPPED_MAX_WORK = 300_000  # cell-steps for optimizers stepped row by row (L-BFGS)
MAX_WORK = BASIN_MAX_CELLS**2 * MAP_MAX_STEPS  # cell-steps x the surface's relative cost
BLOCK_CELLS = 8192  # cells stepped together: enough to amortise NumPy's per-call cost
PROGRESS_RECORDS = 8  # progress records per block
METRICS = ("final_loss", "steps_to_threshold")
BASIN_COLORS = ("minimum", "final_loss")
SCALES = ("linear", "log", "beta")
FOUND_MAX = 16  # minima found by the runs themselves (formula surfaces), beyond known ones

# Basin ids besides the index of a minimum.
DIVERGED = -1
UNSETTLED = -2  # still moving at the last step and not near any minimum


# ---------------------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class Axis:
    """One axis of a hyperparameter map: a hyperparameter, its range, spacing and cell count."""

    param: str
    min: float
    max: float
    scale: str
    cells: int

    def values(self) -> np.ndarray:
        """The cell values, from ``min`` to ``max`` inclusive (log: geometric; beta: geometric
        in 1 - value, so the cells crowd towards 1 as a beta slider does)."""
        if self.cells == 1:
            return np.array([self.min])
        if self.scale == "log":
            out = np.geomspace(self.min, self.max, self.cells)
        elif self.scale == "beta":
            out = 1.0 - np.geomspace(1.0 - self.min, 1.0 - self.max, self.cells)
        else:
            out = np.linspace(self.min, self.max, self.cells)
        out[0], out[-1] = self.min, self.max  # exact ends, whatever the rounding
        return out

    def to_dict(self) -> dict[str, Any]:
        """The axis as JSON (the validated form of the request's axis)."""
        return {"param": self.param, "min": self.min, "max": self.max, "scale": self.scale,
                "cells": self.cells}


def map_params(run: Mapping[str, Any]) -> dict[str, tuple[Param, str]]:
    """The hyperparameters a map can vary for a validated run: name -> (spec, path).

    Real-valued ones only (a flag or an integer count has no axis). A wrapper's own parameters
    come first, then its inner optimizer's.
    """
    spec = OPTIMIZERS[run["optimizer"]]
    out: dict[str, tuple[Param, str]] = {
        p.name: (p, "params") for p in spec.params if p.kind == "float"
    }
    if spec.wraps and run.get("inner"):
        inner = OPTIMIZERS[run["inner"]["optimizer"]]
        for p in inner.params:
            if p.kind == "float" and p.name not in out:
                out[p.name] = (p, "inner.params")
    return out


def override_key(run: Mapping[str, Any], name: str) -> str:
    """How :class:`Simulation` names a map's hyperparameter: ``inner.<name>`` for a wrapper's
    inner optimizer's (a wrapper's own parameter of the same name shadows it, as in
    :func:`map_params`), else the name."""
    return name if map_params(run)[name][1] == "params" else f"{INNER}.{name}"


def _reject_unknown(raw: Mapping[str, Any], allowed: set[str], field_name: str) -> None:
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"{field_name}.{key}",
                              "unknown field; allowed: " + ", ".join(sorted(allowed)))


def _finite(value: Any, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(as_float(value)):
        raise ConfigError(field_name, f"must be a finite number, got {value!r:.40}")
    return float(value)


def _cells(value: Any, default: int, limit: int, field_name: str) -> int:
    value = default if value is None else value
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) \
            or not 2 <= value <= limit:
        raise ConfigError(field_name, f"must be an integer in [2, {limit}], got {value!r:.40}")
    return int(value)


def _run_index(raw: Any, config: Mapping[str, Any], field_name: str) -> int:
    index = 0 if raw is None else raw
    runs = len(config["runs"])
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < runs:
        raise ConfigError(field_name, f"must be the index of a run, an integer in [0, {runs - 1}]"
                                      f", got {index!r:.40}")
    return index


def _choice(raw: Any, choices: tuple[str, ...], field_name: str) -> str:
    value = choices[0] if raw is None else raw
    if value not in choices:
        raise ConfigError(field_name, "must be one of " + ", ".join(repr(c) for c in choices)
                          + f", got {value!r:.40}")
    return str(value)


def _axis(raw: Any, params: Mapping[str, tuple[Param, str]], field_name: str) -> Axis:
    if not isinstance(raw, Mapping):
        raise ConfigError(field_name, "must be an object with a 'param' (and min, max, scale, "
                                      "cells)")
    _reject_unknown(raw, {"param", "min", "max", "scale", "cells"}, field_name)
    name = raw.get("param")
    if name not in params:
        raise ConfigError(f"{field_name}.param", "must be a real-valued hyperparameter of the "
                                                 "run: one of " + ", ".join(params))
    spec = params[name][0]
    lo_default = spec.slider_min if spec.slider_min is not None else spec.min
    hi_default = spec.slider_max if spec.slider_max is not None else spec.max
    lo = spec.validate(_finite(raw.get("min", lo_default), f"{field_name}.min"),
                       f"{field_name}.min")
    hi = spec.validate(_finite(raw.get("max", hi_default), f"{field_name}.max"),
                       f"{field_name}.max")
    if not lo < hi:
        raise ConfigError(f"{field_name}.max", f"must be greater than min ({lo!r}), got {hi!r}")
    default_scale = spec.scale if spec.scale in SCALES else "linear"
    scale = _choice(raw.get("scale", default_scale), SCALES, f"{field_name}.scale")
    if scale == "log" and lo <= 0:
        raise ConfigError(f"{field_name}.min", f"a log axis needs min > 0, got {lo!r}")
    if scale == "beta" and hi >= 1:
        raise ConfigError(f"{field_name}.max", f"a beta axis needs max < 1, got {hi!r}")
    cells = _cells(raw.get("cells"), 64, HYPER_MAX_CELLS, f"{field_name}.cells")
    return Axis(name, lo, hi, scale, cells)


def _map_steps(config: Mapping[str, Any]) -> None:
    if config["steps"] > MAP_MAX_STEPS:
        raise ConfigError("steps", f"a map runs at most {MAP_MAX_STEPS} steps per cell, got "
                                   f"{config['steps']}")


def _python_stepped_work(run: Mapping[str, Any], cells: int, steps: int, field_name: str) -> None:
    """Bound optimizers that step each row in Python (L-BFGS), which are ~100x slower per cell."""
    needs_rows = OPTIMIZERS[run["optimizer"]].by_row or (
        run.get("inner") is not None and OPTIMIZERS[run["inner"]["optimizer"]].by_row)
    if needs_rows and cells * steps > PYTHON_STEPPED_MAX_WORK:
        raise ConfigError(field_name, f"{run['optimizer']} steps each cell on its own: at most "
                                      f"{PYTHON_STEPPED_MAX_WORK} cells x steps, got "
                                      f"{cells} x {steps}")


def _surface_work(config: Mapping[str, Any], cells: int, field_name: str) -> None:
    """Bound a map's work on costly surfaces (long formulas, per-sample data losses): cells x
    steps x the surface's cost relative to an analytic one."""
    cost = float(getattr(build_objective(config["surface"]), "cost", 1.0))
    steps = config["steps"]
    if cells * steps * cost > MAX_WORK:
        most = int(MAX_WORK / cost)
        raise ConfigError(field_name, f"{cells} cells x {steps} steps is too much work on this "
                                      f"surface (a step costs {cost:.3g} times an analytic "
                                      f"surface's): at most {most} cells x steps")


def default_threshold(objective: Any) -> float:
    """A loss a run has "reached the minimum" below: the lowest known minimum + 1e-3."""
    values = [m["value"] for m in objective.minima if math.isfinite(m["value"])]
    return (min(values) if values else 0.0) + 1e-3


def validate_hyper_map(raw: Any, config: Mapping[str, Any], field_name: str = "map"
                       ) -> dict[str, Any]:
    """``{"run", "x": axis, "y": axis, "metric", "threshold"}`` for a validated configuration,
    defaults filled; every cell's configuration is checked (cross-field rules included)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(field_name, "must be an object with axes 'x' and 'y'")
    _reject_unknown(raw, {"run", "x", "y", "metric", "threshold"}, field_name)
    _map_steps(config)
    index = _run_index(raw.get("run"), config, f"{field_name}.run")
    run = config["runs"][index]
    params = map_params(run)
    x = _axis(raw.get("x"), params, f"{field_name}.x")
    y = _axis(raw.get("y"), params, f"{field_name}.y")
    if x.param == y.param:
        raise ConfigError(f"{field_name}.y.param", f"must differ from x's ({x.param})")
    metric = _choice(raw.get("metric"), METRICS, f"{field_name}.metric")
    threshold = raw.get("threshold")
    if threshold is None:
        threshold = default_threshold(build_objective(config["surface"]))
    threshold = _finite(threshold, f"{field_name}.threshold")
    _python_stepped_work(run, x.cells * y.cells, config["steps"], f"{field_name}.x.cells")
    _surface_work(config, x.cells * y.cells, f"{field_name}.x.cells")
    _check_cells(run, x, y, field_name)
    return {"run": index, "x": x.to_dict(), "y": y.to_dict(), "metric": metric,
            "threshold": threshold}


def _check_cells(run: Mapping[str, Any], x: Axis, y: Axis, field_name: str) -> None:
    """Apply the optimizers' cross-field rules (e.g. Nesterov needs momentum > 0) to every cell:
    first each axis's values alone (the error names that axis), then every pair of values."""
    if not any(OPTIMIZERS[part["optimizer"]].check for part in (run, run.get("inner")) if part):
        return
    xs, ys = x.values().tolist(), y.values().tolist()
    for name, axis, values in (("x", x, xs), ("y", y, ys)):
        for value in values:
            try:
                _recheck(cell_run(run, {axis.param: value}))
            except ConfigError as error:
                raise ConfigError(f"{field_name}.{name}", f"{axis.param} = {value!r}: "
                                                          f"{error.message}") from None
    for xv in xs:
        for yv in ys:
            try:
                _recheck(cell_run(run, {x.param: xv, y.param: yv}))
            except ConfigError as error:
                raise ConfigError(f"{field_name}.y", f"{x.param} = {xv!r} with {y.param} = "
                                                     f"{yv!r}: {error.message}") from None


def _recheck(run: Mapping[str, Any]) -> None:
    for part in (run, run.get("inner")):
        if part:
            spec = OPTIMIZERS[part["optimizer"]]
            if spec.check:
                spec.check(dict(part["params"]), "params")


def cell_run(run: Mapping[str, Any], values: Mapping[str, float]) -> dict[str, Any]:
    """The run of one map cell: ``run`` with the given hyperparameter values put in place."""
    params = map_params(run)
    out = {**run, "params": dict(run["params"])}
    if run.get("inner"):
        out["inner"] = {**run["inner"], "params": dict(run["inner"]["params"])}
    for name, value in values.items():
        target = out["params"] if params[name][1] == "params" else out["inner"]["params"]
        target[name] = float(value)
    return out


def validate_basin_map(raw: Any, config: Mapping[str, Any], field_name: str = "map"
                       ) -> dict[str, Any]:
    """``{"run", "cells": [nx, ny], "view": box, "color"}``, defaults filled (the view defaults
    to the surface's view box)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(field_name, "must be an object (cells, view, run, color)")
    _reject_unknown(raw, {"run", "cells", "view", "color"}, field_name)
    _map_steps(config)
    index = _run_index(raw.get("run"), config, f"{field_name}.run")
    cells_raw = raw.get("cells")
    if isinstance(cells_raw, list | tuple):
        if len(cells_raw) != 2:
            raise ConfigError(f"{field_name}.cells", "must be an integer or a pair [nx, ny]")
        nx = _cells(cells_raw[0], 128, BASIN_MAX_CELLS, f"{field_name}.cells[0]")
        ny = _cells(cells_raw[1], 128, BASIN_MAX_CELLS, f"{field_name}.cells[1]")
    else:
        nx = ny = _cells(cells_raw, 128, BASIN_MAX_CELLS, f"{field_name}.cells")
    view = validate_view(raw["view"], f"{field_name}.view") if raw.get("view") is not None \
        else list(config["surface"]["view"])
    color = _choice(raw.get("color"), BASIN_COLORS, f"{field_name}.color")
    _python_stepped_work(config["runs"][index], nx * ny, config["steps"], f"{field_name}.cells")
    _surface_work(config, nx * ny, f"{field_name}.cells")
    return {"run": index, "cells": [nx, ny], "view": view, "color": color}


# ------------------------------------------------------------------------------- the sweeps
@dataclass
class MapProgress:
    """How far a map is: ``done`` of ``total`` cell-steps."""

    done: int
    total: int


@dataclass
class MapRows:
    """Grid rows ``first .. first+count-1`` of a map: each array has shape (count, nx)."""

    first: int
    values: dict[str, np.ndarray]
    basins: list[dict[str, Any]] = field(default_factory=list)  # basin maps: minima found so far

    @property
    def count(self) -> int:
        """Number of grid rows in the block."""
        return next(iter(self.values.values())).shape[0]


@dataclass
class _Sweep:
    """Per-cell outcome of stepping a block: NaN (or -1 steps) where there is none."""

    final_loss: np.ndarray
    reach: np.ndarray  # first step with loss <= threshold, -1 if never
    diverged: np.ndarray  # step at which the run diverged, -1 if it did not
    end: np.ndarray  # (B, 2) the last point
    moved: np.ndarray  # length of the last step


def _sweep(sim: Simulation, threshold: float | None, every: int, done_before: int,
           total: int) -> Iterator[MapProgress]:
    """Step every row to the end, noting for each the step it reached the threshold and the step
    it diverged at, by the same rules as a single run (point, loss, gradient and every recorded
    state quantity finite and in bounds). Yields progress every ``every`` steps; returns the
    :class:`_Sweep`."""
    rows = sim.rows
    reach = np.full(rows, -1, dtype=np.int64)
    diverged = np.full(rows, -1, dtype=np.int64)
    alive = np.ones(rows, dtype=bool)
    loss = np.full(rows, np.nan)
    prev = sim.p
    for t in range(1, sim.steps + 1):
        with np.errstate(all="ignore"):
            prev = sim.p
            p, loss, _lr, grad, eff = sim.step()
            bad = out_of_bounds(p, loss)
            bad |= bad_rows(rows, grad, *sim.visible_state(eff).values())
        newly = bad & alive
        if newly.any():
            diverged[newly] = t
            alive &= ~bad
        if threshold is not None:
            hit = alive & (reach < 0) & (loss <= threshold)
            reach[hit] = t
        if t % every == 0 and t < sim.steps:
            yield MapProgress(done_before + rows * t, total)
    with np.errstate(all="ignore"):
        final = np.where(alive, loss, np.nan)
        end = np.where(alive[:, None], sim.p, np.nan)
        moved = np.where(alive, np.hypot(*(sim.p - prev).T), np.nan)
    return _Sweep(final, reach, diverged, end, moved)


def _simulation(objective: Any, config: Mapping[str, Any], run: Mapping[str, Any],
                starts: np.ndarray, overrides: Mapping[str, np.ndarray] | None = None
                ) -> Simulation:
    return Simulation(objective, run, starts, config["steps"], noise=config["noise"],
                      seed=config["seed"], batch_size=config["batch_size"], overrides=overrides)


def _block_rows(nx: int, block_cells: int) -> int:
    return max(1, block_cells // nx)


def _progress_every(steps: int) -> int:
    return max(1, math.ceil(steps / PROGRESS_RECORDS))


def iter_hyper_map(config: Mapping[str, Any], spec: Mapping[str, Any],
                   block_cells: int = BLOCK_CELLS) -> Iterator[MapProgress | MapRows]:
    """A validated hyperparameter map, block of grid rows by block, progress in between.

    Each block's values: ``final_loss`` (NaN if diverged), ``reach`` (first step with loss <=
    threshold, -1 if never), ``diverged`` (the step it diverged at, -1 if not).
    """
    objective = build_objective(config["surface"])
    run = config["runs"][spec["run"]]
    x_param, y_param = spec["x"]["param"], spec["y"]["param"]
    xs, ys = map_grid("hyper", spec)
    nx, ny, steps = len(xs), len(ys), config["steps"]
    total = nx * ny * steps
    per_block = _block_rows(nx, block_cells)
    every = _progress_every(steps)
    start = np.asarray(config["start"], dtype=float).reshape(1, 2)
    for first in range(0, ny, per_block):
        count = min(per_block, ny - first)
        done_before = first * nx * steps
        overrides = {override_key(run, x_param): np.tile(xs, count),
                     override_key(run, y_param): np.repeat(ys[first:first + count], nx)}
        sim = _simulation(objective, config, run, start, overrides)
        result = yield from _sweep(sim, spec["threshold"], every, done_before, total)
        values = {"final_loss": result.final_loss, "reach": result.reach,
                  "diverged": result.diverged}
        yield MapRows(first, {k: v.reshape(count, nx) for k, v in values.items()})
    yield MapProgress(total, total)


def map_grid(kind: str, spec: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """A validated map's column and row values: the axes' values (hyper) or the cells' centres
    (basin)."""
    if kind == "basin":
        return basin_starts(spec)
    return Axis(**spec["x"]).values(), Axis(**spec["y"]).values()


def basin_starts(spec: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The start points of a basin map: the centres of its cells over the view."""
    (nx, ny), (x0, x1, y0, y1) = spec["cells"], spec["view"]
    xs = x0 + (np.arange(nx) + 0.5) * ((x1 - x0) / nx)
    ys = y0 + (np.arange(ny) + 0.5) * ((y1 - y0) / ny)
    return xs, ys


class _BasinClassifier:
    """Names the minimum each end point reached: a known minimum of the surface within a radius,
    else a minimum found by settled runs themselves (clustered), else unsettled or diverged."""

    def __init__(self, objective: Any, view: list[float]) -> None:
        self.minima: list[dict[str, Any]] = [
            {**m, "known": True} for m in objective.minima
            if view[0] <= m["x"] <= view[1] and view[2] <= m["y"] <= view[3]
        ]
        diag = math.hypot(view[1] - view[0], view[3] - view[2])
        radius = 0.02 * diag
        pts = np.array([[m["x"], m["y"]] for m in self.minima]).reshape(-1, 2)
        if len(pts) > 1:
            gaps = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
            gaps[np.diag_indices(len(pts))] = np.inf
            radius = min(radius, 0.3 * float(gaps.min()))
        self.radius = radius
        self.settle = radius / 20  # a run moving less than this per step has settled
        self.objective = objective
        self.known = len(self.minima)

    def classify(self, end: np.ndarray, moved: np.ndarray) -> tuple[np.ndarray, list[dict]]:
        """Basin ids for end points (NaN where diverged); also the minima newly found."""
        ids = np.full(end.shape[0], UNSETTLED, dtype=np.int64)
        ok = np.isfinite(end).all(axis=1)
        ids[~ok] = DIVERGED
        new: list[dict[str, Any]] = []
        if self.minima:
            pts = np.array([[m["x"], m["y"]] for m in self.minima])
            d = np.hypot(end[:, None, 0] - pts[None, :, 0], end[:, None, 1] - pts[None, :, 1])
            d[~ok] = np.inf
            near = d.argmin(axis=1)
            hit = d[np.arange(len(end)), near] <= self.radius
            ids[hit] = near[hit]
        settled = ok & (ids == UNSETTLED) & (moved <= self.settle)
        for i in np.flatnonzero(settled):
            if len(self.minima) - self.known >= FOUND_MAX:
                break
            x, y = float(end[i, 0]), float(end[i, 1])
            found = self._nearest(x, y)
            if found is None:
                value = float(self.objective.value(np.array([x]), np.array([y]))[0])
                entry = {"x": x, "y": y, "value": value, "kind": "found", "known": False}
                self.minima.append(entry)
                new.append(entry)
                found = len(self.minima) - 1
            ids[i] = found
        if len(self.minima) > self.known:  # late cells of an existing found minimum
            pts = np.array([[m["x"], m["y"]] for m in self.minima[self.known:]])
            rest = settled & (ids == UNSETTLED)
            if rest.any():
                d = np.hypot(end[rest, None, 0] - pts[None, :, 0],
                             end[rest, None, 1] - pts[None, :, 1])
                near = d.argmin(axis=1)
                close = d[np.arange(len(near)), near] <= self.radius
                idx = np.flatnonzero(rest)
                ids[idx[close]] = self.known + near[close]
        return ids, new

    def _nearest(self, x: float, y: float) -> int | None:
        for j in range(self.known, len(self.minima)):
            m = self.minima[j]
            if math.hypot(m["x"] - x, m["y"] - y) <= self.radius:
                return j
        return None


def iter_basin_map(config: Mapping[str, Any], spec: Mapping[str, Any],
                   block_cells: int = BLOCK_CELLS) -> Iterator[MapProgress | MapRows]:
    """A validated basin map, block of grid rows by block, progress in between.

    Each block's values: ``basin`` (index into the minima list, -1 diverged, -2 unsettled),
    ``final_loss`` (NaN if diverged), ``diverged`` (step, -1 if not), ``end_x`` / ``end_y``.
    The block carries the minima first found in it (``basins``).
    """
    objective = build_objective(config["surface"])
    run = config["runs"][spec["run"]]
    xs, ys = basin_starts(spec)
    nx, ny, steps = len(xs), len(ys), config["steps"]
    total = nx * ny * steps
    per_block = _block_rows(nx, block_cells)
    every = _progress_every(steps)
    classifier = _BasinClassifier(objective, spec["view"])
    first_block = True
    for first in range(0, ny, per_block):
        count = min(per_block, ny - first)
        starts = np.column_stack([np.tile(xs, count), np.repeat(ys[first:first + count], nx)])
        sim = _simulation(objective, config, run, starts)
        result = yield from _sweep(sim, None, every, first * nx * steps, total)
        ids, new = classifier.classify(result.end, result.moved)
        basins = ([dict(m) for m in classifier.minima[:classifier.known]] if first_block else [])
        first_block = False
        values = {"basin": ids, "final_loss": result.final_loss, "diverged": result.diverged,
                  "end_x": result.end[:, 0], "end_y": result.end[:, 1]}
        yield MapRows(first, {k: v.reshape(count, nx) for k, v in values.items()},
                      basins + [dict(m) for m in new])
    yield MapProgress(total, total)


# ------------------------------------------------------------------------------ Python API
@dataclass
class MapResult:
    """A whole map: the validated configuration and map, the axes' values and each quantity as
    an (ny, nx) array (row j is the j-th y value)."""

    config: dict[str, Any]
    map: dict[str, Any]
    x: np.ndarray
    y: np.ndarray
    values: dict[str, np.ndarray]
    basins: list[dict[str, Any]] = field(default_factory=list)


def _collect(items: Iterator[MapProgress | MapRows], ny: int, nx: int
             ) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    values: dict[str, np.ndarray] = {}
    basins: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, MapRows):
            for name, block in item.values.items():
                target = values.setdefault(name, np.empty((ny, nx), dtype=block.dtype))
                target[item.first:item.first + item.count] = block
            basins.extend(item.basins)
    return values, basins


def hyper_map(config: Mapping[str, Any], spec: Mapping[str, Any]) -> MapResult:
    """Validate and compute a hyperparameter map (the notebook entry point).

    >>> m = hyper_map({"surface": {"name": "rosenbrock"}, "steps": 100,
    ...                "runs": [{"optimizer": "adam"}]},
    ...               {"x": {"param": "lr", "min": 1e-3, "max": 1, "cells": 8},
    ...                "y": {"param": "beta1", "min": 0.5, "max": 0.99, "cells": 4}})
    >>> m.values["final_loss"].shape
    (4, 8)
    """
    cfg = validate_config(config)
    mspec = validate_hyper_map(spec, cfg)
    xs, ys = map_grid("hyper", mspec)
    values, _ = _collect(iter_hyper_map(cfg, mspec), len(ys), len(xs))
    return MapResult(cfg, mspec, xs, ys, values)


def basin_map(config: Mapping[str, Any], spec: Mapping[str, Any] | None = None) -> MapResult:
    """Validate and compute a basin-of-attraction map (the notebook entry point)."""
    cfg = validate_config(config)
    mspec = validate_basin_map(spec or {}, cfg)
    xs, ys = map_grid("basin", mspec)
    values, basins = _collect(iter_basin_map(cfg, mspec), len(ys), len(xs))
    return MapResult(cfg, mspec, xs, ys, values, basins)
