"""The page reads its limits from the catalog: a server started with OPTVIZ_MAX_RUNS=4 lets the
page add exactly four runs, then turns the add button off with the reason shown (no 422)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .conftest import drawn_seq, open_app, shot, start_uvicorn, stop_uvicorn, wait_redraw

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def four_runs_url() -> Iterator[str]:
    """A uvicorn whose settings allow four runs per request."""
    proc, url, log = start_uvicorn({"OPTVIZ_MAX_RUNS": "4"})
    try:
        yield url
    finally:
        stop_uvicorn(proc)
        log.unlink(missing_ok=True)


def test_add_run_stops_at_the_servers_max_runs(page, four_runs_url):
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if "/api/" in r.url else None)
    open_app(page, four_runs_url + "/?r0=adam,lr=0.05&steps=50")
    assert page.evaluate("optviz.app.catalog.limits.max_runs") == 4
    for n in (2, 3, 4):
        assert page.locator("#add-run").is_enabled()
        seq = drawn_seq(page)
        page.click("#add-run")
        wait_redraw(page, seq)
        assert page.locator(".run-card").count() == n
    assert page.locator("#add-run").is_disabled()
    reason = page.locator("#runs-limit")
    assert reason.is_visible() and "4" in reason.text_content()
    assert page.locator("#add-run").get_attribute("title") == reason.text_content()
    assert all(page.locator(".run-card button", has_text="Duplicate").evaluate_all(
        "(bs) => bs.map((b) => b.disabled)"))
    page.locator("#add-run").click(force=True)  # a disabled button: nothing happens
    assert page.locator(".run-card").count() == 4
    assert page.evaluate("optviz.app.config.runs.length") == 4
    shot(page, "limits-four-runs")

    page.select_option("#lang", "zh")
    assert "4" in reason.text_content() and "运行" in reason.text_content()
    page.locator(".run-card button", has_text="删除").first.click()
    page.wait_for_function("!document.getElementById('add-run').disabled")
    assert page.locator("#runs-limit").is_hidden()
    assert 422 not in statuses and all(s < 400 for s in statuses), statuses
