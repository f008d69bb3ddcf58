"""app.notebook.map_figure: the maps card's two maps as plotly Figures, from a MapResult, a
configuration and spec, or a shared link's hmap.* / basin.* keys."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

from app.address.codec import QueryError, format_number
from app.engine.errors import ConfigError
from app.engine.maps import basin_map, hyper_map
from app.notebook import PALETTE, map_figure
from app.notebook_maps import (
    BASIN_COLORS,
    BASIN_OPACITY,
    DIVERGED_COLOR,
    LOSS_SCALE,
    NEVER_COLOR,
    OVERLAY_AXES,
    UNSETTLED_COLOR,
)
from app.palette import palette_catalog

ROOT = Path(__file__).resolve().parents[1]
CONFIG: dict[str, Any] = {"surface": {"name": "rosenbrock"}, "steps": 100,
                          "runs": [{"optimizer": "adam", "params": {"lr": 0.05}},
                                   {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.5}}]}
HYPER: dict[str, Any] = {"run": 1, "x": {"param": "lr", "min": 1e-4, "max": 0.1, "scale": "log",
                                         "cells": 8},
                         "y": {"param": "momentum", "min": 0, "max": 0.99, "scale": "linear",
                               "cells": 6}}
HYPER_QUERY = ("surface=rosenbrock&steps=100&r0=adam,lr=0.05&r1=sgd,lr=0.001,momentum=0.5"
               "&hmap.x=lr,0.0001,0.1,log,8&hmap.y=momentum,0,0.99,linear,6&hmap.run=1")
BASIN_CONFIG: dict[str, Any] = {"surface": {"name": "himmelblau"}, "steps": 60,
                                "runs": [{"optimizer": "sgd", "params": {"lr": 0.02}}]}
BASIN: dict[str, Any] = {"cells": [12, 9], "view": [-5, 5, -5, 6]}
BASIN_QUERY = "surface=himmelblau&steps=60&r0=sgd,lr=0.02&basin.cells=12,9&basin.view=-5,5,-5,6"


def trace(fig: go.Figure, **meta: Any) -> Any:
    """The one trace whose ``meta`` has all the given items."""
    found = [t for t in fig.data if isinstance(t.meta, dict)
             and all(t.meta.get(k) == v for k, v in meta.items())]
    assert len(found) == 1, (meta, len(found))
    return found[0]


def legend(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data if t.showlegend]


@pytest.fixture(scope="module")
def hyper() -> Any:
    return hyper_map(CONFIG, HYPER)


@pytest.fixture(scope="module")
def basins() -> Any:
    return basin_map(BASIN_CONFIG, BASIN)


def test_hyper_map_cells_are_the_maps_values(hyper: Any) -> None:
    fig = map_figure(hyper)
    loss, div = hyper.values["final_loss"], hyper.values["diverged"]
    assert (div >= 0).any() and (div < 0).any()  # both kinds of cell, on SGD's lr axis
    value = trace(fig, kind="value")
    expected = np.where(div >= 0, np.nan, np.log10(loss))
    assert np.array_equal(np.asarray(value.z, dtype=float), expected, equal_nan=True)
    assert list(value.x) == list(range(8)) and list(value.y) == list(range(6))
    assert value.colorscale == go.Heatmap(colorscale=LOSS_SCALE).colorscale
    layer = trace(fig, kind="diverged")
    assert np.array_equal(~np.isnan(np.asarray(layer.z, dtype=float)), div >= 0)
    assert {c for _, c in layer.colorscale} == {DIVERGED_COLOR}
    assert np.isnan(np.asarray(trace(fig, kind="never").z, dtype=float)).all()  # final loss
    # ticks: cell indices labelled with their values; the run's marker at its own values
    assert fig.layout.xaxis.tickvals[0] == 0 and fig.layout.xaxis.tickvals[-1] == 7
    assert fig.layout.xaxis.ticktext[-1] == "0.1" and fig.layout.yaxis.ticktext[0] == "0"
    assert fig.layout.xaxis.title.text == "lr" and fig.layout.yaxis.title.text == "momentum"
    marker = trace(fig, kind="run")
    fx = 7 * np.log(1e-3 / 1e-4) / np.log(0.1 / 1e-4)
    fy = 5 * 0.5 / 0.99
    assert marker.x[0] == pytest.approx(fx) and marker.y[0] == pytest.approx(fy)
    assert marker.marker.line.color == PALETTE[1]
    assert f"diverged ({int((div >= 0).sum())} cells)" in legend(fig)
    assert "after 100 steps" in fig.layout.title.text and "SGD" in fig.layout.title.text


def test_steps_to_threshold_and_never_reached(hyper: Any) -> None:
    spec = {**HYPER, "metric": "steps_to_threshold", "threshold": 0.05}
    result = hyper_map(CONFIG, spec)
    reach, div = result.values["reach"], result.values["diverged"]
    fig = map_figure(result)
    z = np.asarray(trace(fig, kind="value").z, dtype=float)
    assert np.array_equal(z, np.where((reach >= 0) & (div < 0), reach, np.nan), equal_nan=True)
    never = ~np.isnan(np.asarray(trace(fig, kind="never").z, dtype=float))
    assert never.any() and np.array_equal(never, (reach < 0) & (div < 0))
    assert {c for _, c in trace(fig, kind="never").colorscale} == {NEVER_COLOR}
    assert fig.data[0].colorbar.title.text == "steps"
    assert any(name.startswith("never reached the threshold 0.05 (") for name in legend(fig))


def test_loss_not_all_positive_is_drawn_as_is() -> None:
    config = {"surface": {"expression": "x**2 + y**2 - 1"}, "start": [1, 1], "steps": 30,
              "runs": [{"optimizer": "adam"}]}
    result = hyper_map(config, {"x": {"param": "lr", "min": 0.01, "max": 0.5, "cells": 4},
                                "y": {"param": "beta1", "min": 0.5, "max": 0.9, "cells": 3}})
    fig = map_figure(result)
    loss = result.values["final_loss"]
    assert (loss <= 0).any()
    assert np.array_equal(np.asarray(fig.data[0].z, dtype=float), loss, equal_nan=True)
    assert fig.data[0].colorbar.title.text == "loss"


def test_basin_map_over_the_contour(basins: Any) -> None:
    fig = map_figure(basins)
    ids = basins.values["basin"]
    overlay = trace(fig, kind="overlay")
    assert np.array_equal(np.asarray(overlay.z), ids + 2)
    assert np.array_equal(overlay.x, basins.x) and np.array_equal(overlay.y, basins.y)
    n = 2 + len(basins.basins)
    assert (overlay.zmin, overlay.zmax, overlay.opacity) == (-0.5, n - 0.5, BASIN_OPACITY)
    colors = [c for _, c in overlay.colorscale][::2]
    assert colors == [UNSETTLED_COLOR, DIVERGED_COLOR, *BASIN_COLORS[:len(basins.basins)]]
    # the contour is the surface over the map's view; overlay and markers on the axes above it
    contour = trace(fig, kind="surface")
    assert (contour.x[0], contour.x[-1], contour.y[0], contour.y[-1]) == (-5, 5, -5, 6)
    assert contour.xaxis in (None, "x")
    assert (overlay.xaxis, overlay.yaxis) == (OVERLAY_AXES["xaxis"], OVERLAY_AXES["yaxis"])
    assert trace(fig, kind="minimum").xaxis == "x2"
    assert fig.layout.xaxis2.overlaying == "x" and fig.layout.xaxis2.matches == "x"
    assert fig.layout.xaxis.range == (-5, 5) and fig.layout.yaxis.range == (-5, 6)
    names = legend(fig)
    assert len(basins.basins) == 4 and all(b["known"] for b in basins.basins)
    for k, b in enumerate(basins.basins):
        x, y = (format_number(float(f"{b[c]:.4g}")) for c in "xy")  # as the page's legend
        where = f"({x}, {y})"
        n = int((ids == k).sum())
        assert f"global minimum {where} — {n} {'cell' if n == 1 else 'cells'}" in names
    moving = int((ids == -2).sum())
    assert any(name.startswith("still moving — ") for name in names) == (moving > 0)
    assert sum(int(re.search(r"(\d+) cells?$", name).group(1)) for name in names) == ids.size


def test_basin_of_a_saddle_point_is_named_so() -> None:
    """Gaussian wells lists its saddle point with its minima: the legend says which is which."""
    config = {"surface": {"name": "gaussian_wells"}, "steps": 60,
              "runs": [{"optimizer": "sgd", "params": {"lr": 0.1}}]}
    names = legend(map_figure(basin_map(config, {"cells": [6, 5]})))
    kinds = [name.split(" (")[0] for name in names if " — " in name and "(" in name]
    assert kinds == ["global minimum", "local minimum", "saddle point"], names
    assert not any(" known — " in name for name in names)


def test_basin_map_coloured_by_final_loss(basins: Any) -> None:
    spec = {**BASIN, "color": "final_loss"}
    result = basin_map(BASIN_CONFIG, spec)
    overlay = trace(map_figure(result), kind="overlay")
    assert np.array_equal(np.asarray(overlay.z, dtype=float),
                          np.log10(result.values["final_loss"]), equal_nan=True)
    assert overlay.opacity == 0.6 and overlay.colorbar.title.text == "log₁₀ loss"


def test_link_query_dict_and_result_give_the_same_figure(hyper: Any, basins: Any) -> None:
    expected = map_figure(hyper).to_json()
    assert map_figure(CONFIG, "hyper", HYPER).to_json() == expected
    assert map_figure(HYPER_QUERY).to_json() == expected
    assert map_figure(f"http://127.0.0.1:8000/?{HYPER_QUERY}&p.step=3#maps").to_json() == expected
    assert map_figure(f"?{HYPER_QUERY}&{BASIN_QUERY.split('&', 3)[3]}").to_json() == expected
    expected = map_figure(basins).to_json()
    assert map_figure(BASIN_CONFIG, "basin", BASIN).to_json() == expected
    assert map_figure(BASIN_QUERY).to_json() == expected
    assert map_figure(f"{HYPER_QUERY}&basin.cells=12,9&basin.view=-5,5,-5,6",
                      kind="basin").to_json() != expected  # the link's runs: run 0 is SGD
    both = f"{BASIN_QUERY}&hmap.x=lr,0.001,0.1,log,4&hmap.y=momentum,0,0.9,linear,3"
    assert map_figure(both).data[0].type == "heatmap"  # the hyperparameter map first
    assert map_figure(both, "basin").to_json() == expected


def test_link_colours_and_explicit_spec() -> None:
    fig = map_figure(f"{HYPER_QUERY}&p.colors=0,4")
    assert trace(fig, kind="run").marker.line.color == PALETTE[4]
    fig = map_figure(HYPER_QUERY, colors=["#123456", "#abcdef"], height=400, width=500)
    assert trace(fig, kind="run").marker.line.color == "#abcdef"
    assert (fig.layout.height, fig.layout.width) == (400, 500)
    spec = {**HYPER, "x": {**HYPER["x"], "cells": 3}}
    assert map_figure(HYPER_QUERY, spec=spec).data[0].z.shape == (6, 3)  # spec= wins
    basin = map_figure("surface=himmelblau&steps=20&basin.cells=5", resolution=40)
    assert len(trace(basin, kind="surface").x) == 40


@pytest.mark.parametrize(("kind", "spec", "field"), [
    ("hyper", None, "map"),
    ("hyper", {**HYPER, "x": {**HYPER["x"], "param": "beta1"}}, "map.x.param"),
    ("hyper", {**HYPER, "x": {**HYPER["x"], "min": -1}}, "map.x.min"),
    ("hyper", {**HYPER, "y": {**HYPER["y"], "cells": 1000}}, "map.y.cells"),
    ("hyper", {**HYPER, "metric": "speed"}, "map.metric"),
    ("hyper", {**HYPER, "run": 5}, "map.run"),
    ("hyper", {**HYPER, "colour": 1}, "map.colour"),
    ("basin", {"cells": [4, 1]}, "map.cells[1]"),
    ("basin", {"view": [1, 0, 0, 1]}, "map.view"),
    ("basin", {"color": "loss"}, "map.color"),
])
def test_bad_spec_raises_config_error_naming_the_field(kind: str, spec: Any, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        map_figure(CONFIG, kind, spec)
    assert info.value.field == field


@pytest.mark.parametrize(("query", "field", "config_field"), [
    ("r0=adam&hmap.x=lr,-1,1,log,4&hmap.y=beta1", "hmap.x", "map.x.min"),
    ("r0=adam&hmap.x=lr&hmap.y=nothing", "hmap.y", "map.y.param"),
    ("r0=adam&hmap.x=lr&hmap.y=beta1&hmap.bogus=1", "hmap.bogus", ""),
    ("r0=adam&hmap.x=lr&hmap.y=beta1&hmap.metric=fast", "hmap.metric", "map.metric"),
    ("r0=adam", "hmap.x", ""),
    ("r0=adam&basin.cells=999", "basin.cells", "map.cells"),
    ("r0=adam,beta1=2&basin.cells=8", "r0.beta1", "runs[0].params.beta1"),
    ("steps=5000&r0=adam&basin.cells=8", "steps", ""),
])
def test_bad_link_raises_config_error_naming_the_query_key(
        query: str, field: str, config_field: str) -> None:
    with pytest.raises(ConfigError) as info:
        map_figure(f"http://h/?{query}", "basin" if "basin." in query else "hyper")
    assert info.value.field == field
    assert getattr(info.value, "config_field", "") == config_field


def test_bad_keywords_raise_value_error(hyper: Any) -> None:
    with pytest.raises(ValueError, match="kind"):
        map_figure(hyper, "basin")
    with pytest.raises(ValueError, match="kind"):
        map_figure(CONFIG, "heat")
    with pytest.raises(ValueError, match="spec"):
        map_figure(hyper, spec=HYPER)
    with pytest.raises(ValueError, match="resolution"):
        map_figure(BASIN_QUERY, resolution=1)
    with pytest.raises(QueryError):
        map_figure("r0=adam&hmap.x=lr&hmap.x=beta1&hmap.y=beta1")  # given twice


def test_map_colours_are_the_pages() -> None:
    js = (ROOT / "static/js/maps.js").read_text()

    def const(name: str) -> str:
        return re.search(rf"const {name} = ([^;]+);", js).group(1)  # type: ignore[union-attr]

    assert const("LOSS_SCALE") == f'"{LOSS_SCALE}"'
    palette = palette_catalog()  # the page's map colours come from the catalog's palette
    assert palette["diverged"] == DIVERGED_COLOR and palette["never"] == NEVER_COLOR
    assert palette["unsettled"] == UNSETTLED_COLOR
    assert tuple(palette["basins"]) == BASIN_COLORS
    copies = [c for c in (*BASIN_COLORS, DIVERGED_COLOR, NEVER_COLOR) if c in js]
    assert copies == [], "maps.js keeps no copy of the catalog's palette"
    assert float(const("BASIN_OPACITY")) == BASIN_OPACITY
    plots = (ROOT / "static/js/plots.js").read_text()
    axes = re.search(r"export const OVERLAY_AXES = \{ xaxis: \"(\w+)\", yaxis: \"(\w+)\" \};",
                     plots)
    assert axes and axes.groups() == (OVERLAY_AXES["xaxis"], OVERLAY_AXES["yaxis"])


def test_module_imports_no_web_framework() -> None:
    code = ("import sys, app.notebook_maps, app.notebook; "
            "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
