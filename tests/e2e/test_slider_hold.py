"""A slider held by the pointer: the paths follow every move; the other views follow the release.

Each move of a held slider asks for new paths, as points only (``fields=points``, a fifth of the
bytes); their answers draw the paths on the contour only (as while the start marker is dragged),
so the chart views, which cost long tasks, never delay the next move. The release asks for the
same configuration whole, and every view shows it.
"""

from __future__ import annotations

from typing import Any

from .conftest import drawn_seq, open_app
from .test_views_current import TWO_RUNS, check_current, trajectory_requests

SLIDER = '.run-card[data-run="0"] .param[data-key="lr"] input[type=range]'
# Run 0's name in each chart's legend: contour, lr, loss, state.
LEGEND_NAMES = """() => [...document.querySelectorAll('.run-legend')].map((box) =>
    box.querySelector('.run-legend-item[data-run="0"] .run-name').textContent)"""


def test_held_slider_draws_paths_then_every_view_at_release(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + TWO_RUNS)
    settled = drawn_seq(page)
    before = page.evaluate(LEGEND_NAMES)
    asked = trajectory_requests(page)
    slider = page.locator(SLIDER)
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    frac = page.evaluate(f"(() => {{ const s = document.querySelector('{SLIDER}'); "
                         "return Number(s.value) / Number(s.max); })()")
    x = box["x"] + 8 + frac * (box["width"] - 16)  # the thumb (16 px wide)
    y = box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y, steps=6)
    # New paths while held; the chart views still wait for the release.
    page.wait_for_function(f"Number(document.body.dataset.drawnSeq || 0) > {settled}")
    held = page.evaluate("""() => ({ drawn: Number(document.body.dataset.drawnSeq),
        settled: Number(document.body.dataset.settledSeq) })""")
    assert held["drawn"] > settled and held["settled"] == settled, held
    # The contour's legend names the run by its new lr; the charts, still drawing the last whole
    # answer, keep naming that one until they draw the new.
    legends = page.evaluate(LEGEND_NAMES)
    assert legends[0] != legends[1] == legends[2] == legends[3] == before[0], (legends, before)
    # Held: the paths' points only (the teaching panel keeps the last whole answer meanwhile).
    assert asked and all(u == "trajectory?fields=points" for u in asked), asked
    assert page.evaluate("optviz.app.dataset.pointsOnly")
    page.mouse.up()
    page.wait_for_function("optviz.app.dataset.seq === optviz.app.seq && optviz.app.dataset.done && "
                           "Number(document.body.dataset.settledSeq) === optviz.app.seq")
    check_current(page)
    assert asked[-1] == "trajectory?digits=9", asked  # the release: the same configuration, whole
    # Every chart's legend names run 0 by its new lr (renamed in place at each move).
    lr = page.locator('.run-card[data-run="0"] .param[data-key="lr"] input[type=number]').input_value()
    names = page.evaluate(LEGEND_NAMES)
    assert len(names) == 4 and len(set(names)) == 1 and f"lr={lr}" in names[0], (names, lr)


# A held slider moved every 16 ms (a hand at 60 Hz) for `seconds` (and, on a machine too busy to
# move 60 times a second, until `fewest` moves are made), not waiting for answers: the complete
# answers drawn meanwhile and the distinct lr values they showed.
KEEP_MOVING = """async ([selector, seconds, fewest = 0]) => {
  const app = optviz.app;
  const slider = document.querySelector(selector);
  const ev = (type) => new PointerEvent(type, { bubbles: true, cancelable: true, pointerId: 9,
    pointerType: 'mouse', isPrimary: true, button: 0, buttons: type === 'pointerup' ? 0 : 1 });
  let draws = 0;
  const lrs = new Set();
  const onDraw = (e) => {
    if (!e.detail.done) return;
    draws += 1;
    lrs.add(app.dataset.config.runs[0].params.lr);
  };
  const from = Number(slider.value);
  slider.dispatchEvent(ev('pointerdown'));
  document.addEventListener('optviz:draw', onDraw);
  const t0 = performance.now();
  let k = 0;
  while (performance.now() - t0 < seconds * 1000 || k < fewest) {
    k += 1;
    slider.value = String(from + (k % 60) - 30);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => setTimeout(r, 16));
  }
  document.removeEventListener('optviz:draw', onDraw);
  slider.dispatchEvent(ev('pointerup'));
  return { moves: k, draws, lrs: lrs.size };
}"""


def test_a_slider_held_and_kept_moving_redraws_the_paths_meanwhile(page: Any, e2e_url: str) -> None:
    """Moves faster than the answers come still redraw the paths (one request at a time, the
    newest value next), and the release still brings every view."""
    open_app(page, e2e_url + TWO_RUNS)
    got = page.evaluate(KEEP_MOVING, [SLIDER, 1.5, 40])  # 90 moves at 60 Hz; 40 on a busy machine
    assert got["moves"] >= 40
    assert got["draws"] >= 3 and got["lrs"] >= 3, got
    page.wait_for_function("optviz.app.dataset.seq === optviz.app.seq && optviz.app.dataset.done && "
                           "Number(document.body.dataset.settledSeq) === optviz.app.seq")
    check_current(page)
