"""Companion paths on the contour (the catalog's `path: true` state, e.g. ASGD's average): a
dashed line in the run's colour with a hollow mark at the current step, a legend entry naming
it, and one toggle kept in the address as p.companions."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import canvas_ink, open_app, press_start, shot

pytestmark = pytest.mark.e2e

LINK = "/?surface=rosenbrock&r0=asgd,lr=0.002,t0=10&r1=adam,lr=0.05&p.step=60"


def pixel_near(page: Any, canvas: str, run: int, name: str, step: int) -> list[int]:
    """The canvas's RGBA around the pixel of run's companion `name` after `step`."""
    return page.evaluate(
        """([sel, run, name, step]) => {
            const gd = document.getElementById('contour-plot');
            const { xaxis: xa, yaxis: ya } = gd._fullLayout;
            const s = optviz.app.dataset.runs[run].state[name];
            const toPx = (ax, v, vert) => {
                const f = (v - ax.range[0]) / (ax.range[1] - ax.range[0]);
                return ax._offset + (vert ? 1 - f : f) * ax._length;
            };
            const px = toPx(xa, s.x[step - 1]), py = toPx(ya, s.y[step - 1], true);
            const c = document.querySelector(sel);
            const dpr = c.width / parseFloat(c.style.width);
            const d = c.getContext('2d', { willReadFrequently: true })
                .getImageData(Math.round((px - 7) * dpr), Math.round((py - 7) * dpr),
                              Math.round(14 * dpr), Math.round(14 * dpr)).data;
            let ink = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink += 1;
            return ink;
        }""", [canvas, run, name, step])


def test_companion_path_legend_and_toggle(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + LINK)
    page.wait_for_function("optviz.app.step === 60")
    assert page.is_visible("#companions-toggle") and page.is_checked("#companions")
    item = page.locator("#contour-legend ~ .run-legend .companion-legend-item")
    assert item.count() == 1
    text = item.first.inner_text()
    names = page.evaluate("optviz.app.views.contour.style.names")
    assert text.startswith(f"{names[0]}: ax") and "averaged parameters" in text
    assert item.first.get_attribute("data-companion") == "ax"
    # The average's path and its mark at the current step are drawn (and vanish when toggled off).
    on_paths = canvas_ink(page, "#contour-paths")
    mark_on = pixel_near(page, "#contour-cursor", 0, "ax", 60)
    assert mark_on > 20
    shot(page, "companions-on")

    page.uncheck("#companions")
    page.wait_for_function("location.search.includes('p.companions=0')")
    assert page.locator(".companion-legend-item").count() == 0
    assert canvas_ink(page, "#contour-paths") < on_paths
    assert pixel_near(page, "#contour-cursor", 0, "ax", 60) < mark_on

    # The link keeps it off; without the key (the links of before) companions show.
    url = page.url
    open_app(page, url)
    assert not page.is_checked("#companions")
    assert page.locator(".companion-legend-item").count() == 0
    page.check("#companions")
    page.wait_for_function("!location.search.includes('p.companions')")
    assert page.locator(".companion-legend-item").count() == 1


def test_no_toggle_without_companions(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=adam,lr=0.05&p.lang=zh")
    assert not page.is_visible("#companions-toggle")
    assert page.locator(".companion-legend-item").count() == 0


def with_lr_chart_scalar(page: Any, optimizer: str, state: str) -> None:
    """Serve the page a catalog where `optimizer`'s state `state` has lr_chart: true (a
    test-only catalog: the optimizers that set it are added elsewhere)."""
    def handle(route: Any) -> None:
        response = route.fetch()
        catalog = response.json()
        for o in catalog["optimizers"]:
            for s in o["state"]:
                if o["name"] == optimizer and s["name"] == state:
                    s["lr_chart"] = True
        route.fulfill(response=response, json=catalog)

    page.route("**/api/catalog*", handle)


def test_lr_chart_draws_per_run_scalars(page: Any, e2e_url: str) -> None:
    with_lr_chart_scalar(page, "asgd", "mu")
    open_app(page, e2e_url + LINK)
    page.wait_for_function("document.querySelectorAll('#lr-plot .scatterlayer .trace').length >= 3")
    got = page.evaluate(
        """() => {
            const gd = document.getElementById('lr-plot');
            const extra = gd.data.filter((tr) => tr.yaxis === 'y2');
            return { names: extra.map((tr) => tr.name), dash: extra.map((tr) => tr.line.dash),
                     y: extra.length ? Array.from(extra[0].y) : [],
                     axis: gd._fullLayout.yaxis2 && gd._fullLayout.yaxis2.side,
                     title: gd._fullLayout.yaxis2 && gd._fullLayout.yaxis2.title.text,
                     mu: Array.from(optviz.app.dataset.runs[0].state.mu.x.subarray(0, 300)) };
        }""")
    names = page.evaluate("optviz.app.views.lr.style.names")
    assert got["names"] == [f"{names[0]}: μₜ₊₁"] and got["dash"] == ["dot"]
    assert got["axis"] == "right" and got["title"] == "μₜ₊₁"
    assert got["y"] == got["mu"]  # the streamed values, as they are
    item = page.locator("#lr-plot").locator("xpath=ancestor::section").locator(".scalar-legend-item")
    assert item.count() == 1 and "averaging weight" in item.inner_text()
    shot(page, "lr-scalars")


def test_the_right_axis_ticks_at_round_values(page: Any, e2e_url: str) -> None:
    """Schedule-Free's c_t on the lr chart's right axis: ticks at its own round values, not at
    the left axis's grid lines (Plotly's "sync" put them at 0.07, 0.772, 1.474)."""
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=sgd_schedulefree,lr=0.5&r1=adam,lr=0.05&steps=200")
    ticks = page.evaluate("document.getElementById('lr-plot')._fullLayout.yaxis2._vals.map((v) => v.x)")
    assert len(ticks) >= 2
    for v in ticks:
        assert v == 0 or abs(v - float(f"{v:.2g}")) <= 1e-9 * abs(v), ticks  # 1.5, 0.25, 2e-3


def test_contour_image_has_the_companion_path(page: Any, e2e_url: str, tmp_path: Any) -> None:
    from .test_export import download

    open_app(page, e2e_url + LINK)
    _, body = download(page, "svg", tmp_path, figure="contour")
    names = page.evaluate("optviz.app.views.contour.style.names")
    assert f"{names[0]}: ax θ̄ (averaged parameters)" in body.decode()
    page.uncheck("#companions")
    _, body = download(page, "svg", tmp_path, figure="contour")
    assert "averaged parameters" not in body.decode()


def test_a_companion_named_by_its_symbol_reads_once(page: Any, e2e_url: str) -> None:
    """Schedule-Free's y and z are their own symbols: "y (…)", never "y y (…)"."""
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=sgd_schedulefree,lr=0.5&steps=100")
    texts = page.locator(".companion-legend-item .run-name").all_inner_texts()
    name = page.evaluate("optviz.app.views.contour.style.names[0]")
    tails = sorted(t.removeprefix(f"{name}: ") for t in texts)
    assert [t.split(" (")[0] for t in tails] == ["y", "z"], tails


def test_companion_paths_follow_a_drag(page: Any, e2e_url: str) -> None:
    """While the start is dragged the page draws answers of points only; they carry the
    companion paths, so ASGD's average stays drawn beside its run's path."""
    open_app(page, e2e_url + LINK)
    x, y = press_start(page)
    page.mouse.move(x + 30, y + 20, steps=5)
    page.wait_for_function("optviz.app.dataset.pointsOnly && optviz.app.dataset.done")
    got = page.evaluate("""() => { const r = optviz.app.dataset.runs[0];
        return [r.n, r.state.ax ? Array.from(r.state.ax.x.subarray(0, r.n)).every(Number.isFinite) : null]; }""")
    assert got[0] > 0 and got[1] is True, got
    page.mouse.up()
