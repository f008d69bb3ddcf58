"""The export menu's maps in real Chromium (issue #5): each computed map's cells as CSV, exactly
as /api/map/<kind> streams them; the hyperparameter map as PNG/SVG; the basin map in the
contour's image; the Python snippet with the maps."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from .conftest import open_app
from .test_export import download, page_query, png_size

pytestmark = pytest.mark.e2e

HYPER_LINK = ("/?surface=rosenbrock&steps=100&r0=adam,lr=0.05"
              "&hmap.x=lr,0.001,0.5,log,8&hmap.y=beta1,0.5,0.99,beta,6")
BASIN_LINK = "/?surface=himmelblau&steps=80&r0=adam,lr=0.1&r1=sgd,lr=0.01&basin.cells=16,12"
NAME = re.compile(r"optviz-(rosenbrock|himmelblau)-\d{4}-\d{2}-\d{2}")


def map_stream(base: str, kind: str, query: str) -> dict[str, Any]:
    """GET /api/map/<kind>?query: the start record, each quantity's rows joined, the minima."""
    body = httpx.get(f"{base}/api/map/{kind}?{query}", timeout=60, follow_redirects=True).text
    records = [json.loads(line) for line in body.splitlines()]
    rows: dict[str, list[Any]] = {}
    basins: list[Any] = []
    for rec in records:
        if rec["type"] == "rows":
            for name, value in rec.items():
                if name == "basins":
                    basins += value
                elif isinstance(value, list):
                    rows.setdefault(name, []).extend(value)
    assert records[-1]["type"] == "end"
    return {"start": records[0], "rows": rows, "basins": basins}


def wait_map(page: Any, kind: str) -> None:
    page.wait_for_function(
        f"() => {{ const m = optviz.app.maps.maps.{kind}; return m.data && m.data.complete; }}")


def check_csv(body: bytes, stream: dict[str, Any], axes: list[str]) -> list[dict[str, str]]:
    """The file has one row per cell with the stream's values, exactly."""
    start, rows = stream["start"], stream["rows"]
    table = list(csv.DictReader(io.StringIO(body.decode())))
    names = list(rows)
    extra = ["basin_x", "basin_y"] if "basin" in rows else []
    assert list(table[0]) == ["i", "j", *axes, *names, *extra]
    assert len(table) == len(start["x"]) * len(start["y"])
    for row in table:
        i, j = int(row["i"]), int(row["j"])
        assert float(row[axes[0]]) == start["x"][i] and float(row[axes[1]]) == start["y"][j]
        for name in names:
            value = rows[name][j][i]
            assert (row[name] == "") if value is None else (float(row[name]) == value), \
                (i, j, name)
    return table


def test_hyper_map_csv_image_and_snippet(page, e2e_url, tmp_path):
    open_app(page, e2e_url + HYPER_LINK)
    wait_map(page, "hyper")
    query = page_query(page)
    stream = map_stream(e2e_url, "hyper", query)
    assert list(stream["rows"]) == ["final_loss", "reach", "diverged"]

    page.click("#export-menu > summary")
    assert page.is_disabled("#export-map-basin") and not page.is_disabled("#export-map-hyper")
    name, body = download(page, "map-hyper", tmp_path)
    assert NAME.fullmatch(name.removesuffix("-hyper-map.csv"))
    check_csv(body, stream, ["lr", "beta1"])

    name, body = download(page, "png", tmp_path, figure="hyper")
    assert name.endswith("-hyper-map.png") and png_size(body) == (1800, 1440)
    name, body = download(page, "svg", tmp_path, figure="hyper")
    assert name.endswith("-hyper-map.svg")
    svg = body.decode()
    assert ET.fromstring(svg).tag.endswith("svg")
    assert "Hyperparameter map: Run 1 · Adam · Rosenbrock" in svg
    assert "final loss; 100 steps; 8 × 6 cells" in svg
    diverged = any(v is not None for row in stream["rows"]["diverged"] for v in row)
    layers = len(re.findall(r'<g class="hm"><image', svg))  # the values, and diverged cells
    assert layers == 1 + diverged
    assert "1: Adam (lr = 0.05, beta1 = 0.9)" in svg  # the run's marker in the legend
    assert "stroke: rgb(230, 159, 0)" in svg  # drawn in the run's colour, as on the page
    assert page.evaluate("document.getElementById('hyper-plot').data[3].marker.line.color") \
        == "#E69F00"
    assert ">0.001<" in svg and ">0.5<" in svg  # tick labels are the values

    name, body = download(page, "py", tmp_path)
    expected = httpx.get(f"{e2e_url}/api/snippet?{query}").text
    assert body.decode() == expected
    assert "hmap = hyper_map(config, hyper_spec)" in expected
    assert page.inner_text("#export-note").startswith("Saved optviz-rosenbrock-")


def test_basin_map_csv_and_the_overlay_in_the_contour_image(page, e2e_url, tmp_path):
    open_app(page, e2e_url + BASIN_LINK)
    wait_map(page, "basin")
    page.wait_for_function("() => document.getElementById('contour-plot').data[1].type === 'heatmap'")
    stream = map_stream(e2e_url, "basin", page_query(page))
    assert list(stream["rows"]) == ["basin", "final_loss", "diverged"]

    page.click("#export-menu > summary")
    assert page.is_disabled("#export-map-hyper")
    options = page.eval_on_selector_all("#export-figure option", "els => els.map(e => e.value)")
    assert options == ["contour", "loss", "lr", "state"]  # no hyperparameter map computed
    name, body = download(page, "map-basin", tmp_path)
    assert name.endswith("-basin-map.csv")
    table = check_csv(body, stream, ["x", "y"])
    for row in table:  # the minimum reached, by its index into the stream's list
        k = stream["rows"]["basin"][int(row["j"])][int(row["i"])]
        if k < 0:
            assert row["basin_x"] == row["basin_y"] == ""
        else:
            minimum = stream["basins"][k]
            assert (float(row["basin_x"]), float(row["basin_y"])) == (minimum["x"], minimum["y"])

    _, body = download(page, "svg", tmp_path, figure="contour")
    svg = body.decode()
    assert len(re.findall(r'<g class="hm"><image', svg)) == 1  # the basin overlay
    ids = [v for row in stream["rows"]["basin"] for v in row]
    names = {"global": "global minimum", "local": "local minimum"}
    for k, basin in enumerate(stream["basins"]):
        place = f"({basin['x']:.4g}, {basin['y']:.4g})"
        n = ids.count(k)
        assert f"{names[basin['kind']]} {place} — {n} {'cell' if n == 1 else 'cells'}" in svg, place
    strokes = re.findall(r'class="js-line" d="M[^"]+" style="[^"]*stroke: (rgb\([^)]+\))', svg)
    assert "rgb(230, 159, 0)" in strokes and "rgb(0, 114, 178)" in strokes  # both paths
    _, body = download(page, "png", tmp_path, figure="contour")
    width, height = png_size(body)
    assert width == 1800 and height > 1520  # taller: room for the minima's legend

    # the overlay's axes follow a zoom of the contour
    page.evaluate("Plotly.relayout('contour-plot', {'xaxis.range': [-2, 2], 'yaxis.range': [-1, 3]})")
    # the overlay's cells land where the contour's points are: the same pixel for the same
    # x and y (Plotly may give a matched, domain-constrained axis a wider range over a larger
    # domain; what counts is the mapping)
    page.wait_for_function("(() => { const f = document.getElementById('contour-plot')._fullLayout;"
                           " const px = (a, v) => a._offset + a.l2p(v);"
                           " return [-2, 0, 2].every((v) => Math.abs(px(f.xaxis, v) - px(f.xaxis2, v)) < 0.5)"
                           " && [-1, 1, 3].every((v) => Math.abs(px(f.yaxis, v) - px(f.yaxis2, v)) < 0.5); })()")
    ranges = page.evaluate("(() => { const f = document.getElementById('contour-plot')._fullLayout;"
                           " return [f.xaxis.range, f.yaxis.range]; })()")
    assert ranges == [pytest.approx(r, abs=1e-9) for r in ([-2, 2], [-1, 3])]

    # switched off, the overlay leaves the image (and its legend)
    page.click("#maps-tab-basin")
    page.uncheck("#basin-overlay")
    page.wait_for_function("() => document.getElementById('contour-plot').data[1].type !== 'heatmap'")
    _, body = download(page, "svg", tmp_path, figure="contour")
    assert '<g class="hm">' not in body.decode() and "minimum (" not in body.decode()
    # cleared, its CSV is no longer offered
    assert not page.is_disabled("#export-map-basin")
    page.click("#basin-clear")
    page.wait_for_function("() => document.getElementById('export-map-basin').disabled")


def test_map_export_labels_follow_the_language(page, e2e_url, tmp_path):
    open_app(page, e2e_url + HYPER_LINK + "&p.lang=zh")
    wait_map(page, "hyper")
    page.click("#export-menu > summary")
    assert page.inner_text("#export-map-label") == "全局图 CSV"
    assert page.inner_text("#export-map-hyper") == "超参数图"
    options = page.eval_on_selector_all("#export-figure option", "els => els.map(e => e.textContent)")
    assert options[-1] == "超参数图"
    _, body = download(page, "svg", tmp_path, figure="hyper")
    svg = body.decode()
    assert "超参数图: " in svg and "最终损失；100 步；8 × 6 格" in svg
    assert page.get_attribute("#export-map-basin", "title") == "请先在“全局图”卡片中算完该图，再导出。"
