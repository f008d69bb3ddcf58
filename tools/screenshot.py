"""The README's screenshot: the first screen (four optimizers racing on Rosenbrock), in Chromium.

    python tools/screenshot.py [--out docs/screenshot.png] [--width 1280] [--height 800]

Starts ``python -m app`` on a free loopback port, opens the bare address (the first screen: SGD,
Momentum, RMSprop and Adam from one start, the teaching panel on Adam), lets it play once to the
end as it does for a visitor, and takes the picture. A documentation tool, not a measurement, so it
lives in tools/ and not in bench/ (whose scripts the benchmark runner executes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import start_server  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

LINK = "/"  # the first screen
SIZE_LIMIT = 400 * 1024


def take(url: str, out: Path, width: int, height: int) -> int:
    """Open ``url`` in headless Chromium, wait for the settled page, write the PNG; its size."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # wait_for_function evaluates a string, which the page's CSP forbids: bypass it here.
            context = browser.new_context(viewport={"width": width, "height": height},
                                          bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(url)
            page.wait_for_function("Number(document.body.dataset.settledSeq || 0) > 0 "
                                   "&& document.body.dataset.busy === '0'")
            # the first screen plays once on load: wait for it to reach the end
            page.wait_for_function("window.optviz && optviz.app.step > 0 && !optviz.app.playing")
            page.wait_for_timeout(800)  # the teaching panel and Plotly's last transition
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
        finally:
            browser.close()
    return out.stat().st_size


def main() -> int:
    """Serve, shoot, report the file and its size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 1
    server = start_server(1)
    try:
        size = take(server.url + LINK, args.out, args.width, args.height)
    finally:
        server.stop()
    print(f"{args.out}: {size / 1024:.0f} kB" +
          ("" if size <= SIZE_LIMIT else f" (over {SIZE_LIMIT // 1024} kB: try a smaller size)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
