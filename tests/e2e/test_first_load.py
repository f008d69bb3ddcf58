"""What a first visit and a reload cost on the wire, measured by Chromium itself (issue #11):
at most 1.5 MB the first time (plotly.js compressed), almost nothing on a reload (every static
file is cached under a versioned URL)."""

from __future__ import annotations

import time
from typing import Any

import brotli
import httpx
import pytest

from app.api.static_files import PLOTLY_VERSION

from .conftest import ROOT, close_page, new_page, open_app

pytestmark = pytest.mark.e2e

FIRST_LOAD_MAX = 1_500_000  # bytes, headers included
RELOAD_FILES_MAX = 10_000  # the page and its files: 304s and memory-cache hits
RELOAD_MAX = 100_000  # with the API's answers (the runs are computed again, ~64 kB)


class Wire:
    """Bytes received per URL, from the DevTools protocol's Network events."""

    def __init__(self, pg: Any) -> None:
        self.pg = pg
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.cached: set[str] = set()
        self.pending: set[str] = set()  # sent, not yet finished or failed
        cdp = pg.context.new_cdp_session(pg)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", lambda e: self.pending.discard(e["requestId"]))

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]
        self.pending.add(event["requestId"])

    def _finished(self, event: dict[str, Any]) -> None:
        rid = event["requestId"]
        self.pending.discard(rid)
        if rid not in self.urls:  # asked before the last reset: not this load's
            return
        self.bytes[rid] = self.bytes.get(rid, 0) + int(event["encodedDataLength"])

    def settle(self, timeout_ms: int = 10_000) -> None:
        """Wait until every request sent so far has finished (a late font or answer of this load
        is counted in it, not in the next)."""
        waited = 0
        while self.pending and waited < timeout_ms:
            self.pg.wait_for_timeout(50)
            waited += 50

    def reset(self) -> None:
        self.urls.clear()
        self.bytes.clear()
        self.cached.clear()

    def total(self) -> int:
        return sum(self.bytes.values())

    def table(self) -> str:
        rows = sorted(((n, self.urls.get(r, r)) for r, n in self.bytes.items()), reverse=True)
        return "\n".join(f"{n:>9} {url}" for n, url in rows)


def wait_for_best_plotly(url: str, timeout: float = 240.0) -> int:
    """Wait until the server has compressed plotly.js at its best (it does so once per
    machine, in the background; a server started before answers at quality 9 meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        with httpx.stream("GET", f"{url}/vendor/plotly.min.js?v={PLOTLY_VERSION}",
                          headers={"Accept-Encoding": "br"}, timeout=30) as r:
            size = sum(len(piece) for piece in r.iter_raw())
        if size < 1_150_000 or time.monotonic() > deadline:
            return size
        time.sleep(1.0)


def wait_for_best_static(url: str, timeout: float = 120.0) -> int:
    """Wait until the server serves KaTeX (the last of its own static files it compresses at the
    best quality, in the background, before plotly.js) smaller than brotli's quality 9."""
    quality9 = len(brotli.compress((ROOT / "static/vendor/katex/katex.min.js").read_bytes(), quality=9))
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(f"{url}/static/vendor/katex/katex.min.js", headers={"Accept-Encoding": "br"},
                      timeout=30)
        size = int(r.headers["content-length"])
        if size < quality9 or time.monotonic() > deadline:
            return size
        time.sleep(1.0)


@pytest.mark.parametrize("query", [
    "?surface=rosenbrock&r0=adam,lr=0.05&r1=sgd,lr=0.001,momentum=0.9",
    "",  # the first screen: a race of four optimizers over 500 steps, every series on screen
])
def test_first_load_and_reload_bytes(browser, console, e2e_url, query):
    print(f"plotly.min.js, brotli: {wait_for_best_plotly(e2e_url)} bytes")
    print(f"katex.min.js, brotli: {wait_for_best_static(e2e_url)} bytes")
    pg = new_page(browser, console, fresh=True)  # a first visit: empty caches
    try:
        wire = Wire(pg)
        open_app(pg, f"{e2e_url}/{query}")
        pg.wait_for_timeout(300)
        wire.settle()
        first = wire.total()
        print(f"first load: {first} bytes\n{wire.table()}")
        plotly = [r for r, u in wire.urls.items() if "plotly.min.js" in u]
        assert plotly and wire.bytes[plotly[0]] < 1_400_000  # brotli, not 4.8 MB
        assert first <= FIRST_LOAD_MAX, wire.table()

        wire.reset()
        pg.reload()
        pg.wait_for_function("Number(document.body.dataset.settledSeq || 0) > 0")
        pg.wait_for_timeout(300)
        wire.settle()
        again = wire.total()
        print(f"reload: {again} bytes\n{wire.table()}")
        assert again <= RELOAD_MAX, wire.table()
        files = [r for r, u in wire.urls.items() if "/api/" not in u]
        assert sum(wire.bytes.get(r, 0) for r in files) <= RELOAD_FILES_MAX, wire.table()
        static = [r for r, u in wire.urls.items() if "/static/" in u or "/vendor/" in u]
        assert all(r in wire.cached or wire.bytes.get(r, 0) < 1000 for r in static), wire.table()
    finally:
        close_page(browser, pg)
