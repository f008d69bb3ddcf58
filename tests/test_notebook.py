"""app.notebook.figure: the page's views as a plotly Figure from a dict, a query or a link."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import plotly.graph_objects as go
import pytest

from app.address.codec import QueryError
from app.engine.errors import ConfigError
from app.engine.runner import run
from app.notebook import PALETTE, SURFACE_SCALE, figure, run_name
from app.palette import palette_catalog

ROOT = Path(__file__).resolve().parents[1]
CONFIG: dict[str, Any] = {
    "surface": {"name": "rosenbrock"},
    "start": [-1.5, 2.0],
    "steps": 200,
    "runs": [
        {"optimizer": "adam", "params": {"lr": 0.01}},
        {"optimizer": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},  # diverges
        {"optimizer": "lookahead", "inner": {"optimizer": "rmsprop", "params": {"lr": 0.01}},
         "label": "slow weights"},
    ],
}
QUERY = ("surface=rosenbrock&start=-1.5,2&steps=200&r0=adam,lr=0.01&r1=sgd,lr=0.01,momentum=0.9"
         "&r2=lookahead&r2.inner=rmsprop,lr=0.01&r2.label=slow%20weights")


def traces(fig: go.Figure, **meta: Any) -> list[Any]:
    """The traces whose ``meta`` has all the given items."""
    return [t for t in fig.data
            if isinstance(t.meta, dict) and all(t.meta.get(k) == v for k, v in meta.items())]


def one(fig: go.Figure, **meta: Any) -> Any:
    found = traces(fig, **meta)
    assert len(found) == 1, (meta, len(found))
    return found[0]


@pytest.fixture(scope="module")
def fig() -> go.Figure:
    return figure(CONFIG)


def test_path_and_line_traces_are_the_runs_trajectories(fig: go.Figure) -> None:
    result = run(CONFIG)
    assert result.runs[1].status == "diverged" and result.runs[0].status == "completed"
    for i, traj in enumerate(result.runs):
        path = one(fig, run=i, kind="path")
        assert np.array_equal(path.x, np.concatenate([[-1.5], traj.x]))
        assert np.array_equal(path.y, np.concatenate([[2.0], traj.y]))
        assert np.array_equal(np.asarray(path.customdata)[:, 1],
                              np.concatenate([[result.start_loss], traj.loss]))
        end = one(fig, run=i, kind="end")
        assert end.marker.symbol == ("x" if traj.status == "diverged" else "circle")
        assert np.array_equal(one(fig, run=i, view="loss").y, traj.loss)
        assert np.array_equal(one(fig, run=i, view="lr").y, traj.lr)
        assert np.array_equal(one(fig, run=i, view="lr").x, np.arange(1, traj.steps + 1))
        assert path.line.color == PALETTE[i] and path.name == run_name(i, result.config["runs"][i])
    assert path.name == "slow weights"
    state = traces(fig, view="state")
    assert {t.meta["run"] for t in state} == {0}  # the first run's state by default
    for t in state:
        column = 0 if t.meta["coord"] == "x" else 1
        assert np.array_equal(t.y, result.runs[0].state[t.meta["quantity"]][:, column])
    # every recorded quantity but the update ratio -delta/g (shown only when asked for, as on the
    # page)
    assert [t.meta["quantity"] for t in state[::2]] == [
        q for q in result.runs[0].state if q != "effective_lr"]


def test_one_legend_entry_per_run(fig: go.Figure) -> None:
    shown = [t for t in fig.data if t.showlegend]
    assert [t.name for t in shown] == [run_name(i, r) for i, r in
                                       enumerate(run(CONFIG).config["runs"])]
    assert run_name(1, run(CONFIG).config["runs"][1]) == "Run 2 · SGD (lr=0.01, momentum=0.9)"


def test_contour_is_the_pages_grid(fig: go.Figure, client: httpx.Client) -> None:
    contour = one(fig, kind="surface")
    body = client.get("/api/surface?name=rosenbrock&resolution=120&log=1").json()
    assert contour.x.tolist() == body["x"] and contour.y.tolist() == body["y"]
    z = np.asarray(contour.z)
    assert [[None if np.isnan(v) else float(v) for v in row] for row in z] == body["z"]
    star = one(fig, kind="minimum")
    assert (list(star.x), list(star.y)) == ([1.0], [1.0])
    assert list(star.text) == ["global minimum"] and star.marker.color[0] != "#ffffff"
    start = one(fig, kind="start")
    assert (list(start.x), list(start.y)) == ([-1.5], [2.0])
    assert fig.layout.xaxis.range == (-2.0, 2.0) and fig.layout.yaxis.range == (-1.0, 3.0)


def test_global_minima_are_filled_stars_and_local_ones_hollow_as_on_the_page() -> None:
    fig = figure({"surface": {"name": "styblinski_tang"}, "steps": 5,
                  "runs": [{"optimizer": "adam"}]}, views=["contour"])
    star = one(fig, kind="minimum")
    filled = [i for i, color in enumerate(star.marker.color) if color != "#ffffff"]
    assert len(star.x) == 4 and len(filled) == 1
    assert star.text[filled[0]] == "global minimum" and round(star.x[filled[0]], 2) == -2.9
    assert sorted(star.text).count("local minimum") == 3


def test_url_query_dict_and_result_give_the_same_figure(fig: go.Figure) -> None:
    expected = fig.to_json()
    assert figure(QUERY).to_json() == expected
    assert figure(f"?{QUERY}").to_json() == expected
    assert figure(f"http://127.0.0.1:8000/?{QUERY}#runs").to_json() == expected
    assert figure(f"https://class.example.org/optviz/?{QUERY}&p.step=40&p.lang=zh"
                  ).to_json() == expected  # page keys that do not change the figure
    assert figure(f"http://h/?{QUERY}&hmap.run=0&basin.n=8").to_json() == expected  # map keys
    assert figure(run(CONFIG)).to_json() == expected


def test_page_keys_of_a_shared_url_are_honoured() -> None:
    fig = figure(f"http://h/?{QUERY}&p.log=1&p.sel=2&p.colors=3,1,0&p.off=1"
                 "&p.qoff=square_avg%2Ceffective_lr")
    assert fig.layout.yaxis2.type == "log"  # the loss axis (right of the contour)
    state = traces(fig, view="state")
    assert {t.meta["run"] for t in state} == {2}
    recorded = set(run(CONFIG).runs[2].state)
    assert {t.meta["quantity"] for t in state} == recorded - {"square_avg", "effective_lr"}
    assert "slow_param" in recorded
    assert one(fig, run=0, kind="path").line.color == PALETTE[3]
    assert one(fig, run=2, kind="path").line.color == PALETTE[0]
    assert {t.visible for t in traces(fig, run=1)} == {"legendonly"}
    assert {t.visible for t in traces(fig, run=0)} == {True}
    plain = figure(QUERY, log_loss=True, state_run=2, colors=[3, 1, 0], hidden=[1],
                   hidden_quantities=["square_avg", "effective_lr"])
    assert plain.to_json() == fig.to_json()


def test_views_quantities_and_sizes() -> None:
    fig = figure(CONFIG, views=["loss"], height=300, width=500)
    assert {t.meta["view"] for t in fig.data} == {"loss"} and fig.layout.height == 300
    fig = figure(CONFIG, views=["contour", "state"], quantities=["exp_avg_sq"])
    assert {t.meta.get("quantity") for t in traces(fig, view="state")} == {"exp_avg_sq"}
    assert not traces(fig, view="loss") and traces(fig, kind="path")
    fig = figure({"surface": {"expression": "x**2 + 10*y**2"}, "steps": 20}, resolution=30,
                 views=["contour"])
    assert len(one(fig, kind="surface").x) == 30
    assert "f(x, y) = x**2 + 10*y**2" in fig.layout.title.text


@pytest.mark.parametrize(("given", "field"), [
    ({"runs": [{"optimizer": "adam", "params": {"beta1": 1.5}}]}, "runs[0].params.beta1"),
    ({"surface": {"name": "nowhere"}}, "surface.name"),
    ({"steps": 0}, "steps"),
    ({"runs": []}, "runs"),
    ({"colour": 1}, "colour"),
])
def test_bad_config_raises_config_error_naming_the_field(given: dict, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        figure(given)
    assert info.value.field == field


@pytest.mark.parametrize(("given", "field", "config_field"), [
    ("http://h/?r0=adam,beta1=1.5", "r0.beta1", "runs[0].params.beta1"),
    ("?surface=rosenbrock&steps=-3", "steps", "steps"),
    ("surface=rosenbrock&bogus=1", "bogus", ""),
    ("r1=adam", "r0", ""),
])
def test_bad_link_raises_config_error_naming_the_query_parameter(
        given: str, field: str, config_field: str) -> None:
    with pytest.raises(ConfigError) as info:
        figure(given)
    assert isinstance(info.value, QueryError)
    assert info.value.field == field and info.value.config_field == config_field


@pytest.mark.parametrize("kwargs", [
    {"views": ["contour", "histogram"]}, {"views": []}, {"state_run": 3}, {"state_run": -1},
    {"quantities": ["momentum_buffer"]}, {"resolution": 1},
])
def test_bad_keywords_raise_value_error(kwargs: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        figure(CONFIG, **kwargs)


def test_palette_and_contour_colours_are_the_pages() -> None:
    assert tuple(c["hex"] for c in palette_catalog()["runs"]) == PALETTE  # the catalog's
    controls = (ROOT / "static/js/controls.js").read_text()
    assert "#E69F00" not in controls, "the page's run colours come from the catalog alone"
    plots = (ROOT / "static/js/plots.js").read_text()
    scale = plots[plots.index("const SURFACE_SCALE"):]
    scale = scale[:scale.index("];")]
    pairs = [[float(a), c] for a, c in re.findall(r'\[([\d.]+), "(#[0-9a-f]{6})"\]', scale)]
    assert pairs == SURFACE_SCALE


def test_notebook_module_imports_no_web_framework() -> None:
    code = ("import sys, app.notebook, app.snippet; "
            "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_state_rows_show_the_step_scale_on_a_log_axis_not_the_update_ratio() -> None:
    fig = figure({"surface": {"name": "rosenbrock"}, "steps": 30,
                  "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]}, views=["state"])
    quantities = {t.meta["quantity"] for t in fig.data if t.meta and "quantity" in t.meta}
    assert "step_scale" in quantities and "effective_lr" not in quantities
    axes = [fig.layout[k] for k in fig.layout if k.startswith("yaxis")]
    assert any(a.type == "log" and a.title.text == "step_scale" for a in axes)
    asked = figure({"surface": {"name": "rosenbrock"}, "steps": 30,
                    "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]}, views=["state"],
                   quantities=["effective_lr"])
    assert {t.meta["quantity"] for t in asked.data if t.meta} == {"effective_lr"}
