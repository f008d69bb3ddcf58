"""The maps card in real Chromium against a real uvicorn (issue #5): a hyperparameter map from a
shared link, clicking a cell loads it into the run, a basin map over the contour, cancel."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from .conftest import close_page, new_page, open_app, shot, show_maps, wait_redraw

pytestmark = pytest.mark.e2e

HYPER_LINK = ("/?surface=rosenbrock&steps=200&r0=adam,lr=0.05"
              "&hmap.x=lr,0.001,0.5,log,16&hmap.y=beta1,0.5,0.99,beta,12")


def _map_rows(url: str, path: str, query: str) -> list[dict]:
    body = httpx.get(f"{url}/api/map/{path}?{query}", timeout=30, follow_redirects=True).text
    return [json.loads(line) for line in body.splitlines()]


def cell_bounds(lo: float, hi: float, scale: str, cells: int, i: int) -> tuple[float, float]:
    """The values cell ``i`` of a map axis covers (half a cell either side, cut at the ends)."""
    def at(f: float) -> float:
        if scale == "log":
            return lo * (hi / lo) ** f
        if scale == "beta":
            return 1 - (1 - lo) * ((1 - hi) / (1 - lo)) ** f
        return lo + f * (hi - lo)
    a, b = at(max(i - 0.5, 0) / (cells - 1)), at(min(i + 0.5, cells - 1) / (cells - 1))
    return min(a, b), max(a, b)


def significant_digits(v: float) -> int:
    """How many significant digits the shortest repr of ``v`` has."""
    return next(n for n in range(1, 18) if float(f"{v:.{n - 1}e}") == v)


def _keys(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def test_a_shared_map_link_draws_the_map_and_a_click_loads_the_cell(page, e2e_url):
    open_app(page, e2e_url + HYPER_LINK)
    page.wait_for_function(
        "() => { const d = document.getElementById('hyper-plot');"
        " return d && d.data && d.data[0].z.length === 12 && d.data[0].z[11][0] !== null }")
    status = page.locator("#hyper-status").inner_text()
    assert "16" in page.locator("#hyper-x-cells").input_value()
    assert "192 cells" in status or "cells" in status
    # the drawn cells are the API's numbers
    records = _map_rows(e2e_url, "hyper", HYPER_LINK[2:])
    api_loss = [row for r in records if r["type"] == "rows" for row in r["final_loss"]]
    z = page.evaluate("document.getElementById('hyper-plot').data[0].z")
    import math
    for j in (0, 5, 11):
        for i in (0, 7, 15):
            if api_loss[j][i] is None:
                assert z[j][i] is None
            else:
                assert z[j][i] == pytest.approx(math.log10(api_loss[j][i]), rel=1e-12)
    keys = _keys(page.url)
    assert keys["hmap.x"] == "lr,0.001,0.5,log,16" and keys["hmap.y"] == "beta1,0.5,0.99,beta,12"
    shot(page, "maps-01-hyper")

    # click cell (i=3, j=4): the run takes the shortest value inside that cell and recomputes
    start = records[0]
    seq = int(page.evaluate("Number(document.body.dataset.settledSeq || 0)"))
    page.evaluate(
        """() => { const d = document.getElementById('hyper-plot');
                   d.emit('plotly_click', { points: [{ x: 3, y: 4 }] }); }""")
    wait_redraw(page, seq)
    params = page.evaluate("optviz.app.config.runs[0].params")
    lr_lo, lr_hi = cell_bounds(0.001, 0.5, "log", 16, 3)
    b_lo, b_hi = cell_bounds(0.5, 0.99, "beta", 12, 4)
    assert lr_lo <= params["lr"] <= lr_hi and b_lo <= params["beta1"] <= b_hi
    assert significant_digits(params["lr"]) <= 2 and significant_digits(params["beta1"]) <= 3
    assert params["lr"] != start["x"][3]  # not the cell centre's 17 digits
    keys = _keys(page.url)
    assert f"lr={params['lr']!r}" in keys["r0"] or f"lr={params['lr']}" in keys["r0"]
    assert f"beta1={params['beta1']}" in keys["r0"]
    page.wait_for_function("(v) => document.querySelector("
                           "'.run-card[data-run=\"0\"] .param[data-key=\"lr\"] input[type=number]').value == v",
                           arg=str(params["lr"]))
    # the map does not depend on the run's own lr and beta1: it is not recomputed
    page.wait_for_timeout(700)
    assert page.evaluate("optviz.app.maps.maps.hyper.controller") is None
    assert "Recomputing" not in page.locator("#hyper-status").inner_text()
    # another hyperparameter does change every cell: the map follows
    page.evaluate("optviz.app.config.runs[0].params.eps = 1e-3; optviz.configChanged()")
    page.wait_for_function("() => optviz.app.maps.maps.hyper.data.start.config.runs[0].params.eps === 1e-3"
                           " && optviz.app.maps.maps.hyper.controller === null")


def test_basin_map_over_the_contour_and_in_the_link(page, e2e_url):
    open_app(page, e2e_url + "/?surface=himmelblau&steps=120&r0=adam,lr=0.1")
    show_maps(page)
    page.click("#maps-tab-basin")
    page.select_option("#basin-cells", "64")
    page.click("#basin-compute")
    page.wait_for_function(
        "() => { const d = document.getElementById('contour-plot').data;"
        " return d.length > 3 && d[1].type === 'heatmap' && d[1].z[63][63] !== null }")
    legend = page.locator("#basin-legend").inner_text()
    assert legend.count("global minimum") == 4  # Himmelblau's four, named as the stars are
    page.wait_for_function("() => new URLSearchParams(location.search).get('basin.cells') === '64'")
    shot(page, "maps-02-basin")
    # a reload of the link brings the basin map back
    page.goto(page.url)
    page.wait_for_function(
        "() => { const d = document.getElementById('contour-plot').data;"
        " return d && d.length > 3 && d[1].type === 'heatmap' && d[1].z[63][63] !== null }")
    # clearing removes the overlay and the keys
    page.click("#maps-tab-basin")
    page.click("#basin-clear")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('basin.cells')")
    assert page.evaluate("document.getElementById('contour-plot').data[1].type") != "heatmap"


def test_cancel_stops_a_long_map(page, e2e_url):
    open_app(page, e2e_url + "/?surface=rosenbrock&steps=1000&r0=adam")
    show_maps(page)
    page.click("#maps-tab-basin")
    page.select_option("#basin-cells", "256")
    page.click("#basin-compute")
    page.wait_for_function("() => document.getElementById('basin-progress').value > 0")
    page.click("#basin-cancel")
    page.wait_for_function("() => document.getElementById('basin-cancel').disabled")
    assert "Cancelled" in page.locator("#basin-status").inner_text()
    seq = int(page.evaluate("Number(document.body.dataset.settledSeq || 0)"))
    assert seq > 0
    health = httpx.get(f"{e2e_url}/healthz", timeout=5).json()
    for _ in range(50):
        if health["active_streams"] == 0:
            break
        page.wait_for_timeout(100)
        health = httpx.get(f"{e2e_url}/healthz", timeout=5).json()
    assert health["active_streams"] == 0


def test_bad_map_values_show_the_servers_message(page, e2e_url):
    open_app(page, e2e_url + "/?surface=rosenbrock&steps=50&r0=adam")
    show_maps(page)
    page.fill("#hyper-x-min", "-1")
    page.dispatch_event("#hyper-x-min", "change")
    page.click("#hyper-compute")
    page.wait_for_function("() => document.getElementById('hyper-error').textContent.length > 0")
    assert "map.x.min" in page.locator("#hyper-error").inner_text()


def test_map_ticks_are_round_and_hover_has_four_digits(page, e2e_url):
    open_app(page, e2e_url + "/?surface=rosenbrock&steps=60&r0=adam,lr=0.05"
             "&hmap.x=lr,0.00001,10,log,16&hmap.y=beta1,0.5,0.9999,beta,12")
    page.wait_for_function(
        "() => { const d = document.getElementById('hyper-plot');"
        " return d && d.data && d.data[0].z[11] && d.data[0].z[11][15] !== undefined }")
    axes = page.evaluate("""() => { const l = document.getElementById('hyper-plot').layout;
        return { x: l.xaxis.ticktext, y: l.yaxis.ticktext, xv: l.xaxis.tickvals }; }""")
    assert axes["x"] == ["1e-5", "0.0001", "0.001", "0.01", "0.1", "1", "10"]
    assert axes["y"] == ["0.5", "0.9", "0.99", "0.999", "0.9999"]
    assert axes["xv"][0] == pytest.approx(0) and axes["xv"][-1] == pytest.approx(15)
    # what the reader sees: the tick labels drawn on the axes
    drawn = page.eval_on_selector_all("#hyper-plot .xtick text", "els => els.map((e) => e.textContent)")
    assert "0.001" in drawn and "10" in drawn
    text = page.evaluate("document.getElementById('hyper-plot').data[0].text[4][3]")
    for number in re.findall(r"= ([0-9.e+-]+)", text):
        assert significant_digits(float(number)) <= 4, text
    shot(page, "maps-03-ticks")


def test_basin_colours_are_not_run_colours_and_the_legend_is_by_the_contour(page, e2e_url):
    open_app(page, e2e_url + "/?surface=himmelblau&steps=60&r0=adam,lr=0.1&basin.cells=32")
    page.wait_for_function("() => document.querySelectorAll('#basin-legend .legend-item').length >= 4")
    colours = page.evaluate("""async () => {
        const maps = await import(document.querySelector('script[type=module]').src.replace('main.js', 'maps.js'));
        const controls = await import(document.querySelector('script[type=module]').src.replace('main.js', 'controls.js'));
        return { basin: maps.BASIN_COLORS, runs: controls.PALETTE.map((p) => p.hex) }; }""")

    def rgb(c: str) -> tuple[int, int, int]:
        return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)

    runs = {c.lower() for c in colours["runs"]}
    assert not runs & {c.lower() for c in colours["basin"]}
    for b in colours["basin"]:  # not even a near twin of a run colour
        assert min(sum((p - q) ** 2 for p, q in zip(rgb(b), rgb(r), strict=True)) ** 0.5 for r in runs) > 40, b
    # the legend is in the contour's card, right under the plot's own legend
    inside = page.evaluate("document.getElementById('basin-legend').closest('.contour-card') !== null")
    assert inside
    box = page.locator("#basin-legend").bounding_box()
    plot = page.locator("#contour-plot").bounding_box()
    assert box["y"] < plot["y"] + plot["height"] and box["x"] < plot["x"] + plot["width"]
    # each basin named as the contour's stars are, its count in words ("1 cell", "271 cells")
    items = page.locator("#basin-legend .legend-item").all_inner_texts()
    assert sum(item.startswith("global minimum (") for item in items) == 4
    assert all(re.search(r" — (1 cell|\d+ cells)$", item) for item in items), items
    shot(page, "maps-04-basin-legend")


def test_basin_of_a_saddle_point_is_named_as_the_contour_names_it(page, e2e_url):
    """Gaussian wells' basin legend names its saddle point as the contour's cross does (it said
    "(x, y) known", which a class could take for a minimum), in Chinese too."""
    open_app(page, e2e_url + "/?surface=gaussian_wells&steps=40&r0=sgd,lr=0.1&basin.cells=8&p.lang=zh")
    page.wait_for_function("() => document.querySelectorAll('#basin-legend .legend-item').length >= 3")
    items = page.locator("#basin-legend .legend-item").all_inner_texts()
    assert [item.split(" (")[0] for item in items[:3]] == ["全局极小值", "局部极小值", "鞍点"], items
    assert not any("已知" in item for item in items), items


@pytest.mark.parametrize("size", [(820, 1180), (1920, 1080)])
def test_basin_cells_and_minima_sit_on_their_points_on_a_wide_plot(browser, console, e2e_url, size):
    """The equal-scale constraint narrows a wide contour's x domain; the basin overlay and the
    stars on it must narrow with it (they were drawn over the unconstrained domain, 146 px left
    of their points on a tablet)."""
    pg = new_page(browser, console, viewport={"width": size[0], "height": size[1]})
    try:
        open_app(pg, e2e_url + "/?surface=styblinski_tang&steps=300&r0=sgd,lr=0.02&basin.cells=32")
        pg.wait_for_function("() => { const d = document.getElementById('contour-plot').data;"
                             " return d[1].type === 'heatmap' && d[1].z[31][31] !== null }")
        pg.wait_for_timeout(300)
        boxes = pg.evaluate("""() => { const gd = document.getElementById('contour-plot');
            const box = (sel) => { const r = gd.querySelector(sel).getBoundingClientRect();
                                   return [r.left, r.top, r.width, r.height]; };
            const f = gd._fullLayout;
            return { cells: box('.hm image'), contour: box('.contourlayer'),
                     narrowed: f.xaxis.domain[1] - f.xaxis.domain[0] < 0.99
                               || f.yaxis.domain[1] - f.yaxis.domain[0] < 0.99 }; }""")
        assert boxes["narrowed"]  # the case this is about
        assert boxes["cells"] == pytest.approx(boxes["contour"], abs=1.0)
        # the global minimum's star is drawn at its point on the contour's axes
        star = pg.evaluate("""() => { const gd = document.getElementById('contour-plot');
            const f = gd._fullLayout; const r = gd.getBoundingClientRect();
            const pts = gd.querySelectorAll('.scatterlayer .trace .point');
            const m = optviz.app.surface.minima.find((p) => p.kind === 'global');
            const p = [...pts].map((el) => el.getBoundingClientRect())
              .map((b) => [b.left + b.width / 2, b.top + b.height / 2]);
            return { want: [r.left + f.xaxis._offset + f.xaxis.l2p(m.x),
                            r.top + f.yaxis._offset + f.yaxis.l2p(m.y)], drawn: p }; }""")
        assert any(abs(x - star["want"][0]) < 2 and abs(y - star["want"][1]) < 2
                   for x, y in star["drawn"]), star
        shot(pg, f"maps-basin-wide-{size[0]}")
    finally:
        close_page(browser, pg)
