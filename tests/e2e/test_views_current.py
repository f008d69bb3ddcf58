"""Every view shows the last answer once a drag or a quick slide ends.

While the start marker is dragged or a slider moves, the page draws only the paths of each new
answer and skips the other views for answers already superseded; these tests check that once the
gesture ends, the lr and loss charts, the state view and the teaching panel all show the same,
last answer as the contour.
"""

from __future__ import annotations

from typing import Any

from .conftest import drawn_seq, open_app, press_start, wait_redraw

TWO_RUNS = "/?surface=himmelblau&steps=100&r0=adam,lr=0.1&r1=sgd,lr=0.01&p.step=10"

CURRENT = """() => {
  const app = optviz.app;
  const ds = app.dataset;
  const y = (id) => Array.from(document.getElementById(id).data[0].y);
  const loss = Array.from(ds.runs[0].loss.subarray(0, ds.runs[0].n));
  const lr = Array.from(ds.runs[0].lr.subarray(0, ds.runs[0].n));
  const state = document.getElementById('state-plot').data;
  return {
    seq: ds.seq, latest: app.seq, done: ds.done, whole: !ds.pointsOnly,
    loss: JSON.stringify(y('loss-plot')) === JSON.stringify(loss),
    lr: JSON.stringify(y('lr-plot')) === JSON.stringify(lr),
    state: state.length > 0 && state[0].x.length === ds.runs[0].n,
    teach: String(app.teach.lastStep).startsWith(`${ds.seq}:`),
    settled: Number(document.body.dataset.settledSeq),
  };
}"""


def check_current(pg: Any) -> None:
    got = pg.evaluate(CURRENT)
    assert got["seq"] == got["latest"] == got["settled"] and got["done"] and got["whole"], got
    assert got["loss"] and got["lr"] and got["state"] and got["teach"], got


def trajectory_requests(pg: Any) -> list[str]:
    """The page's trajectory requests from now on, by URL (``?fields=points``: points only)."""
    urls: list[str] = []
    pg.on("request", lambda r: urls.append(r.url.split("/api/", 1)[1])
          if "/api/trajectory" in r.url else None)
    return urls


def test_views_follow_a_drag_of_the_start(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + TWO_RUNS)
    seq = drawn_seq(page)
    asked = trajectory_requests(page)
    x, y = press_start(page)
    page.mouse.move(x + 60, y + 40, steps=15)
    page.mouse.up()
    wait_redraw(page, seq)
    page.wait_for_function("optviz.app.dataset.seq === optviz.app.seq && "
                           "Number(document.body.dataset.settledSeq) === optviz.app.seq")
    check_current(page)
    # While dragged, the paths' points only; the release asks for the whole answer.
    assert asked[:-1] and all(u == "trajectory?fields=points" for u in asked[:-1]), asked
    assert asked[-1] == "trajectory?digits=9", asked  # whole, as the page shows it


def test_views_follow_a_quick_slide(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + TWO_RUNS)
    seq = drawn_seq(page)
    slider = page.locator('.run-card[data-run="0"] .param[data-key="lr"] input[type=range]')
    for pos in range(300, 520, 20):
        slider.fill(str(pos))
    wait_redraw(page, seq)
    page.wait_for_function("optviz.app.dataset.seq === optviz.app.seq && "
                           "Number(document.body.dataset.settledSeq) === optviz.app.seq")
    check_current(page)
