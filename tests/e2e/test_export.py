"""The export menu in real Chromium: CSV, JSON, PNG, SVG and the Python snippet (issue #5)."""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from .conftest import open_app, wait_redraw

pytestmark = pytest.mark.e2e

SERIES = ("x", "y", "loss", "lr", "grad_x", "grad_y")
QUERY = ("surface=rosenbrock&start=-1.5,2&steps=240&r0=adam,lr=0.01"
         "&r1=sgd,lr=0.001,momentum=0.9&r1.schedule=CosineAnnealingLR"
         "&r2=sgd,lr=0.01,momentum=0.9&r2.label=too%2C%20%22fast%22")  # r2 diverges
RGB = {"#E69F00": "rgb(230, 159, 0)", "#0072B2": "rgb(0, 114, 178)",
       "#009E73": "rgb(0, 158, 115)"}
NAME = re.compile(r"optviz-rosenbrock-\d{4}-\d{2}-\d{2}")


EXPORT_NAMES = {"effective_lr": "update_ratio"}


def stream(base: str, query: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The start record and each run's joined series of GET /api/trajectory?query."""
    body = httpx.get(f"{base}/api/trajectory?{query}", timeout=60, follow_redirects=True).content
    records = [json.loads(line) for line in body.splitlines()]
    runs: list[dict[str, Any]] = [{**{k: [] for k in SERIES}, "state": {}, "factors": {},
                                   "status": None, "steps": 0}
                                  for _ in records[0]["config"]["runs"]]
    for rec in records[1:]:
        run = runs[rec["run"]]
        if rec["type"] == "end":
            run["status"], run["steps"] = rec["status"], rec["steps"]
            continue
        for key in SERIES:
            run[key] += rec[key]
        for name, xy in rec["state"].items():
            # the files name the stream's effective_lr (-delta / g) for what it is
            target = run["state"].setdefault(EXPORT_NAMES.get(name, name), {"x": [], "y": []})
            target["x"] += xy["x"]
            target["y"] += xy["y"]
        for name, values in rec.get("factors", {}).items():
            run["factors"].setdefault(name, []).extend(values)
    return records[0], runs


def download(page: Any, button: str, tmp_path: Path, figure: str | None = None) -> tuple[str, bytes]:
    """Open the export menu, press a button, return the file's suggested name and bytes."""
    if not page.evaluate("document.getElementById('export-menu').open"):
        page.click("#export-menu > summary")
    if figure:
        page.select_option("#export-figure", figure)
    with page.expect_download() as info:
        page.click(f"#export-{button}")
    dl = info.value
    path = tmp_path / dl.suggested_filename
    dl.save_as(path)
    return dl.suggested_filename, path.read_bytes()


def page_query(page: Any) -> str:
    return page.evaluate("location.search").removeprefix("?")


def test_csv_and_json_equal_the_stream_of_the_pages_query(page, e2e_url, tmp_path):
    open_app(page, f"{e2e_url}/?{QUERY}&p.off=1")
    start, runs = stream(e2e_url, page_query(page))
    assert [r["status"] for r in runs] == ["completed", "completed", "diverged"]

    name, body = download(page, "csv", tmp_path)
    assert NAME.fullmatch(name.removesuffix(".csv"))
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    names = list(dict.fromkeys(n for r in runs for n in r["state"]))
    factors = list(dict.fromkeys(n for r in runs for n in r["factors"]))
    assert "update_ratio" in names and "effective_lr" not in names and factors
    assert list(rows[0]) == ["run", "label", "optimizer", "step", *SERIES,
                             *[f"{n}_{c}" for n in names for c in "xy"], *factors]
    assert len(rows) == sum(r["steps"] for r in runs)  # hidden runs are data too
    for row in rows:
        i, k = int(row["run"]), int(row["step"]) - 1
        run = runs[i]
        assert row["optimizer"] == start["config"]["runs"][i]["optimizer"]
        assert row["label"] == ('too, "fast"' if i == 2 else "")
        for key in SERIES:
            assert float(row[key]) == run[key][k], (i, k, key)
        for n in names:
            if n in run["state"]:
                assert float(row[f"{n}_x"]) == run["state"][n]["x"][k]
                assert float(row[f"{n}_y"]) == run["state"][n]["y"][k]
            else:
                assert row[f"{n}_x"] == row[f"{n}_y"] == ""
        for n in factors:
            assert (float(row[n]) == run["factors"][n][k]) if n in run["factors"] else row[n] == ""

    name, body = download(page, "json", tmp_path)
    assert NAME.fullmatch(name.removesuffix(".json"))
    data = json.loads(body)
    assert data["config"] == start["config"] and data["query"] == start["query"]
    for i, run in enumerate(runs):
        got = data["runs"][i]
        assert got["status"] == run["status"] and got["steps"] == run["steps"]
        assert got["optimizer"] == start["config"]["runs"][i]["optimizer"]
        for key in SERIES:
            assert got[key] == run[key], (i, key)
        assert got["state"] == run["state"]
        assert got["factors"] == run["factors"]


def test_json_after_recomputing_one_run_is_the_whole_configs_stream(page, e2e_url, tmp_path):
    """An edit recomputes only the changed run; the export still carries the whole config."""
    open_app(page, f"{e2e_url}/?{QUERY}")
    seq = page.evaluate("optviz.app.drawnSeq")
    page.evaluate("() => { optviz.app.config.runs[1].params.lr = 0.002; optviz.configChanged(); }")
    wait_redraw(page, seq)
    assert page.evaluate("optviz.app.dataset.query") == ""  # built from reused + new runs
    _, body = download(page, "json", tmp_path)
    data = json.loads(body)
    assert "r1=sgd,lr=0.002,momentum=0.9" in data["query"]
    start, runs = stream(e2e_url, data["query"])
    assert data["config"] == start["config"] and data["query"] == start["query"]
    for i, run in enumerate(runs):
        assert {k: data["runs"][i][k] for k in (*SERIES, "state", "factors", "status", "steps")} \
            == run


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR"
    return struct.unpack(">II", body[16:24])


def test_images_under_the_servers_csp(strict_page, e2e_url, tmp_path):
    page = strict_page
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto(f"{e2e_url}/?{QUERY}&p.off=1")
    deadline = time.monotonic() + 20
    while not page.evaluate("Number(document.body.dataset.settledSeq || 0) > 0"):
        assert time.monotonic() < deadline, "the page did not draw under the CSP"
        time.sleep(0.1)

    name, body = download(page, "png", tmp_path, figure="contour")
    assert name.endswith("-contour.png") and NAME.fullmatch(name.removesuffix("-contour.png"))
    assert png_size(body) == (1800, 1520)

    name, body = download(page, "svg", tmp_path, figure="contour")
    assert name.endswith("-contour.svg")
    svg = body.decode()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "Paths on the loss surface: Rosenbrock" in svg
    # The paths (canvas overlays on the page) are in the image: runs 0 and 2; run 1 is hidden.
    strokes = re.findall(r'class="js-line" d="M[^"]+" style="[^"]*stroke: (rgb\([^)]+\))', svg)
    assert RGB["#E69F00"] in strokes and RGB["#009E73"] in strokes
    assert RGB["#0072B2"] not in strokes
    assert "too, &quot;fast&quot;" in svg or 'too, "fast"' in svg  # its legend entry

    for kind in ("loss", "lr", "state"):
        name, body = download(page, "svg", tmp_path, figure=kind)
        assert name.endswith(f"-{kind}.svg")
        ET.fromstring(body.decode())
        name, body = download(page, "png", tmp_path, figure=kind)
        assert png_size(body)[0] == 1800
    assert page.evaluate("window.__violations") == []
    assert page.inner_text("#export-note").startswith("Saved optviz-rosenbrock-")


def test_python_snippet_download_and_copy(page, e2e_url, tmp_path):
    open_app(page, f"{e2e_url}/?{QUERY}&p.log=1&p.sel=2")
    name, body = download(page, "py", tmp_path)
    assert NAME.fullmatch(name.removesuffix(".py"))
    expected = httpx.get(f"{e2e_url}/api/snippet?{page_query(page)}").text
    assert body.decode() == expected
    assert "log_loss=True" in expected and "state_run=2" in expected
    assert '"label": "too, \\"fast\\""' in expected

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=e2e_url)
    page.click("#export-py-copy")
    page.wait_for_function("document.getElementById('export-note').textContent !== ''")
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert page.inner_text("#export-note") == "Python script copied to the clipboard."


def test_menu_and_figure_titles_follow_the_language(page, e2e_url, tmp_path):
    open_app(page, f"{e2e_url}/?{QUERY}&p.lang=zh")
    assert page.inner_text("#export-menu > summary") == "导出"
    page.click("#export-menu > summary")
    assert page.inner_text("#export-py") == "下载 .py"
    options = page.eval_on_selector_all("#export-figure option", "els => els.map(e => e.textContent)")
    assert options == ["损失曲面上的路径", "损失", "学习率", "优化器内部状态"]
    _, body = download(page, "svg", tmp_path, figure="loss")
    assert "损失" in body.decode()
    assert page.inner_text("#export-note").startswith("已保存 optviz-rosenbrock-")
    page.keyboard.press("Escape")
    assert page.evaluate("document.getElementById('export-menu').open") is False


def test_contour_image_in_3d_mode_still_has_the_paths(page, e2e_url, tmp_path):
    open_app(page, f"{e2e_url}/?surface=himmelblau&r0=adam,lr=0.1&r1=sgd,lr=0.01&p.view=3d")
    name, body = download(page, "svg", tmp_path, figure="contour")
    assert name.startswith("optviz-himmelblau-") and name.endswith("-contour.svg")
    strokes = set(re.findall(r'class="js-line" d="M[^"]+" style="[^"]*stroke: (rgb\([^)]+\))',
                             body.decode()))
    assert {RGB["#E69F00"], RGB["#0072B2"]} <= strokes


FORMULA_LABELS = ['=HYPERLINK("http://x.invalid","go")', "+1+2", "@SUM(A1:A9)",
                  "-3+4", "\tcmd", "plain"]


def test_csv_cells_that_look_like_formulas_stay_text(page, e2e_url, tmp_path):
    """A run label a spreadsheet would evaluate (= + - @, tab) gets a leading ' in the CSV;
    numbers, negative ones included, stay bare numbers."""
    runs = "&".join(f"r{i}=sgd,lr=0.001&r{i}.label={quote(label, safe='')}"
                    for i, label in enumerate(FORMULA_LABELS))
    open_app(page, f"{e2e_url}/?surface=rosenbrock&start=-1.5,-0.5&steps=20&{runs}&p.off=1")
    _, body = download(page, "csv", tmp_path)
    text = body.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    labels = list(dict.fromkeys(row["label"] for row in rows))
    assert labels == [f"'{label}" for label in FORMULA_LABELS[:5]] + ["plain"]
    negative = 0
    for line in text.splitlines()[1:]:  # every other cell is a bare number (or empty)
        cells = next(csv.reader([line]))
        numbers = [c for i, c in enumerate(cells) if i not in (1, 2) and c]
        assert all(float(c) == float(c) for c in numbers)  # parses: no ' prefix
        negative += sum(c.startswith("-") for c in numbers)
        assert cells[1][:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert negative > 0  # the gradient's negative entries are written as they are
