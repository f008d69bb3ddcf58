"""The engine's surface grid (shared by GET /api/surface and the notebook figure)."""

from __future__ import annotations

import math

import numpy as np

from app.engine.config import validate_surface
from app.engine.grid import DEFAULT_RESOLUTION, surface_grid
from app.engine.surfaces import SURFACES


def test_grid_rows_are_y_and_values_are_the_objectives() -> None:
    surface = validate_surface({"name": "rosenbrock"})
    g = surface_grid(surface)
    assert g.z.shape == (DEFAULT_RESOLUTION, DEFAULT_RESOLUTION) and not g.log
    objective = SURFACES["rosenbrock"].build()
    for i, j in [(0, 0), (7, 93), (119, 5)]:
        assert g.z[j, i] == float(objective.value(g.x[i], g.y[j]))
    assert [g.x[0], g.x[-1], g.y[0], g.y[-1]] == surface["view"]
    assert g.zmin == float(g.z.min()) and g.transform([3.0])[0] == 3.0


def test_log_grid_and_transform_agree() -> None:
    g = surface_grid(validate_surface({"name": "himmelblau"}), 31, log=True)
    assert g.log and g.fmin is not None and g.log_delta is not None
    raw = surface_grid(validate_surface({"name": "himmelblau"}), 31)
    assert np.allclose(g.z, g.transform(raw.z))
    for m in g.minima:
        assert math.isclose(m["z"], math.log10(m["value"] - g.fmin + g.log_delta))


def test_non_finite_values_become_nan() -> None:
    g = surface_grid(validate_surface({"expression": "log(x) + y"}), 20)
    assert np.isnan(g.z[:, 0]).all() and np.isfinite(g.z[:, -1]).all()
    assert g.zmin is not None and math.isfinite(g.zmin)
