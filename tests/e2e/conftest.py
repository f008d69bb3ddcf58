"""Browser tests: a real uvicorn on a free loopback port and headless Chromium through Playwright.

Self-contained (nothing from tests/conftest.py is needed). Screenshots of the main states go to
tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("OPTVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
# Console messages that are not the page's fault (software WebGL in a GPU-less container).
BENIGN = ("GPU stall due to ReadPixels", "GL Driver Message", "willReadFrequently")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_uvicorn(env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str, Path]:
    """uvicorn app.main:app on 127.0.0.1:<free port> (``env``: extra environment, e.g. the
    server's OPTVIZ_* settings); returns (process, base url, log file)."""
    port = _free_port()
    log = Path(tempfile.mkstemp(prefix="optviz-e2e-", suffix=".log")[1])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env=None if env is None else {**os.environ, **env},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/catalog", timeout=2).status_code == 200:
                return proc, url, log
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"uvicorn did not answer in 30 s: {log.read_text()[-2000:]}")


def stop_uvicorn(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def serving(url: str | None = None) -> Iterator[str]:
    """The base URL of ``url`` (a running server), or of a uvicorn started here and stopped, its
    log removed, when the block ends: for the scripts in bench/ and tools/."""
    if url:
        yield url.rstrip("/")
        return
    proc, base, log = start_uvicorn()
    try:
        yield base
    finally:
        stop_uvicorn(proc)
        log.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def e2e_url() -> Iterator[str]:
    """Base URL of a real uvicorn serving the app for this test session."""
    proc, url, log = start_uvicorn()
    try:
        yield url
    finally:
        stop_uvicorn(proc)
        log.unlink(missing_ok=True)


class Chromium:
    """The session's headless Chromium: fresh contexts, and warm pages.

    A fresh context (``new_context``) starts with empty caches, as a first visit does. A warm
    page opens in one of two persistent contexts (the server's CSP bypassed or kept) that keep
    their HTTP and compiled-code caches across tests, as a returning visitor's browser does:
    from its third load on, plotly.js's compiled code comes from the cache instead of being
    parsed and compiled again, which halves a page load on a slow machine. The page keeps no
    state of its own (no storage, no cookies), so a test sees the same page either way.
    """

    def __init__(self, pw: Any) -> None:
        self._pw = pw
        self._browser: Any = None
        self._warm: dict[bool, Any] = {}
        self._dirs: list[tempfile.TemporaryDirectory[str]] = []

    def new_context(self, **kwargs: Any) -> Any:
        """A fresh context of the session's browser (launched at the first one)."""
        if self._browser is None:
            self._browser = self._pw.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS)
        return self._browser.new_context(**kwargs)

    def warm_page(self, bypass_csp: bool = True) -> Any:
        """A new 1280x720 page in the warm context that bypasses the CSP, or keeps it."""
        if bypass_csp not in self._warm:
            folder = tempfile.TemporaryDirectory(prefix="optviz-e2e-profile-")
            self._dirs.append(folder)
            self._warm[bypass_csp] = self._pw.chromium.launch_persistent_context(
                folder.name, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 720}, bypass_csp=bypass_csp)
        return self._warm[bypass_csp].new_page()

    def is_warm(self, pg: Any) -> bool:
        return any(pg.context is context for context in self._warm.values())

    def close(self) -> None:
        for context in self._warm.values():
            context.close()
        if self._browser is not None:
            self._browser.close()
        for folder in self._dirs:
            folder.cleanup()


@pytest.fixture(scope="session")
def browser() -> Iterator[Chromium]:
    """One headless Chromium for the session (see :class:`Chromium`)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = Chromium(pw)
        try:
            yield chromium
        finally:
            chromium.close()


class ConsoleLog:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        def on_console(msg: Any) -> None:
            if msg.type == "error" and not any(b in msg.text for b in BENIGN):
                self.errors.append(f"console.error: {msg.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


def _page_fixture(browser: Chromium, console: ConsoleLog, bypass_csp: bool) -> Iterator[Any]:
    pg = browser.warm_page(bypass_csp)
    console.attach(pg)
    pg.set_default_timeout(15_000)
    try:
        yield pg
    finally:
        pg.close()
    assert console.errors == [], "\n".join(console.errors)


@pytest.fixture
def page(browser: Chromium, console: ConsoleLog) -> Iterator[Any]:
    """A new 1280x720 page (warm caches, see :class:`Chromium`); the test fails if the page
    logged any console error.

    The server's CSP forbids eval, which Playwright's string helpers (wait_for_function) use,
    so these pages bypass it; ``strict_page`` keeps it and checks the page obeys it.
    """
    yield from _page_fixture(browser, console, bypass_csp=True)


@pytest.fixture
def strict_page(browser: Chromium, console: ConsoleLog) -> Iterator[Any]:
    """A page under the server's real Content-Security-Policy."""
    yield from _page_fixture(browser, console, bypass_csp=False)


def new_page(browser: Chromium, console: ConsoleLog, fresh: bool = False, **kwargs: Any) -> Any:
    """Another page whose console errors go to the same log: a warm one when only its
    ``viewport`` or ``reduced_motion`` is asked for, else (or with ``fresh``, a first visit's
    empty caches) in its own context. Close it with :func:`close_page`."""
    if not fresh and set(kwargs) <= {"viewport", "reduced_motion"}:
        pg = browser.warm_page()
        if "viewport" in kwargs:
            pg.set_viewport_size(kwargs["viewport"])
        if "reduced_motion" in kwargs:
            pg.emulate_media(reduced_motion=kwargs["reduced_motion"])
    else:
        pg = browser.new_context(
            **({"viewport": {"width": 1280, "height": 720}, "bypass_csp": True} | kwargs)
        ).new_page()
    console.attach(pg)
    pg.set_default_timeout(15_000)
    return pg


def close_page(browser: Chromium, pg: Any) -> None:
    """Close a page of :func:`new_page` (and its own context, when it has one)."""
    if browser.is_warm(pg):
        pg.close()
    else:
        pg.context.close()


def drawn_seq(pg: Any) -> int:
    return int(pg.evaluate("Number(document.body.dataset.settledSeq || 0)"))


def open_app(pg: Any, url: str) -> None:
    """Load the page and wait until a complete trajectory answer is drawn."""
    pg.goto(url)
    pg.wait_for_function("Number(document.body.dataset.settledSeq || 0) > 0")
    pg.wait_for_function("window.optviz && optviz.app.surface !== null")


def press_start(pg: Any) -> tuple[float, float]:
    """Press the mouse on the contour's start marker (a drag begins); its screen position."""
    left, top = pg.evaluate("""() => { const r = document.getElementById('contour-plot')
        .getBoundingClientRect(); return [r.left, r.top]; }""")
    sx, sy = pg.evaluate("optviz.app.views.contour.startPx()")
    pg.mouse.move(left + sx, top + sy)
    pg.mouse.down()
    return left + sx, top + sy


def show_maps(pg: Any) -> None:
    """Scroll the maps card into view: its code loads when it comes near the screen."""
    pg.locator(".maps-card").scroll_into_view_if_needed()
    pg.wait_for_selector("#maps-tab-hyper", state="attached")


def wait_redraw(pg: Any, after: int) -> int:
    """Wait for a complete answer newer than sequence number ``after`` to be drawn."""
    pg.wait_for_function(
        f"Number(document.body.dataset.settledSeq || 0) > {after} && document.body.dataset.busy === '0'"
    )
    return drawn_seq(pg)


def trajectory(pg: Any) -> list[dict[str, Any]]:
    """The drawn trajectory data, run by run (points, loss, lr, gradient, state)."""
    return pg.evaluate(
        """() => optviz.app.dataset.runs.map((r) => ({
            n: r.n, status: r.status,
            x: Array.from(r.x.subarray(0, r.n)), y: Array.from(r.y.subarray(0, r.n)),
            loss: Array.from(r.loss.subarray(0, r.n)), lr: Array.from(r.lr.subarray(0, r.n)),
            gx: Array.from(r.gx.subarray(0, r.n)), gy: Array.from(r.gy.subarray(0, r.n)),
            state: Object.fromEntries(Object.entries(r.state).map(([k, v]) =>
                [k, [Array.from(v.x.subarray(0, r.n)), Array.from(v.y.subarray(0, r.n))]])),
        }))"""
    )


def canvas_ink(pg: Any, selector: str) -> int:
    """How many pixels of a canvas are not transparent."""
    return int(pg.evaluate(
        """(sel) => {
            const c = document.querySelector(sel);
            if (!c.width || !c.height) return 0;
            const d = c.getContext('2d', { willReadFrequently: true })
                .getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1;
            return n;
        }""",
        selector,
    ))


def shot(pg: Any, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=full_page)
    return path
