"""A surface evaluated on a regular grid over its view: what the contour and 3D views draw.

One computation for the page (``GET /api/surface`` serialises it) and for notebooks
(:func:`app.notebook.figure` draws it), so both show the very same levels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import build_objective

LOG_DELTA = 1e-12  # relative floor of the log transform
DEFAULT_RESOLUTION = 120  # grid points per side the page asks for


@dataclass
class SurfaceGrid:
    """The loss on ``n x n`` points: ``z[j, i]`` is at ``(x[i], y[j])``, NaN where not finite.

    With ``log`` true, ``z = log10(f - fmin + log_delta)`` (``fmin`` over the grid and the known
    minima), which keeps the levels of steep valleys (Rosenbrock) readable.
    """

    surface: dict[str, Any]
    label: str
    latex: str
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    log: bool
    fmin: float | None
    fmax: float | None
    log_delta: float | None
    minima: list[dict[str, Any]]  # x, y, value, kind and z (on the plotted scale, or None)

    @property
    def zmin(self) -> float | None:
        """The smallest plotted value (None when no grid value is finite)."""
        ok = np.isfinite(self.z)
        return float(self.z[ok].min()) if ok.any() else None

    @property
    def zmax(self) -> float | None:
        """The largest plotted value (None when no grid value is finite)."""
        ok = np.isfinite(self.z)
        return float(self.z[ok].max()) if ok.any() else None

    def transform(self, values: Any) -> np.ndarray:
        """Losses on the plotted z scale (the log transform when ``log``), e.g. for 3D paths."""
        f = np.asarray(values, dtype=float)
        if not self.log or self.fmin is None or self.log_delta is None:
            return f
        with np.errstate(all="ignore"):
            return np.log10(np.maximum(f - self.fmin + self.log_delta, self.log_delta))


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def surface_grid(surface: Mapping[str, Any], n: int = DEFAULT_RESOLUTION,
                 log: bool = False) -> SurfaceGrid:
    """Evaluate a validated surface on an n x n grid over its view (rows are y)."""
    objective = build_objective(surface)
    xmin, xmax, ymin, ymax = surface["view"]
    xs = np.linspace(xmin, xmax, n)
    ys = np.linspace(ymin, ymax, n)
    with np.errstate(all="ignore"):
        f = objective.value(xs[np.newaxis, :], ys[:, np.newaxis])
    finite = np.isfinite(f)
    minima = [dict(m) for m in objective.minima]
    known = [m["value"] for m in minima if math.isfinite(m["value"])]
    fmin: float | None = None
    fmax: float | None = None
    delta: float | None = None
    if finite.any():
        fmin = float(min([float(f[finite].min()), *known]))
        fmax = float(max([float(f[finite].max()), *known]))
    z = f
    logged = bool(log) and fmin is not None and fmax is not None
    if log and fmin is not None and fmax is not None:
        delta = LOG_DELTA * max(1.0, abs(fmin), fmax - fmin)
        with np.errstate(all="ignore"):
            z = np.log10(f - fmin + delta)
        for m in minima:
            arg = m["value"] - fmin + delta
            m["z"] = _finite_or_none(math.log10(arg)) if arg > 0 else None
    else:
        for m in minima:
            m["z"] = _finite_or_none(m["value"])
    z = np.where(np.isfinite(z), z, np.nan)
    spec = objective.spec
    return SurfaceGrid(
        surface=dict(surface), label=spec.label, latex=spec.latex, x=xs, y=ys, z=z, log=logged,
        fmin=fmin, fmax=fmax, log_delta=delta, minima=minima,
    )
