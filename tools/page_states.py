"""Screenshots of the page's main states at the sizes a class uses, in English and Chinese.

    python tools/page_states.py [--url http://127.0.0.1:8000] [--out tests/artifacts/states]

The default page, a run that diverges, the 3D view and a typed formula, each at 1280x720,
1920x1080, 820x1180 and 390x844 in both languages (32 PNGs, full page), for a person to look at:
every line named, every axis sensible, nothing cut off. Starts its own server unless --url is
given. A documentation tool, not a test (nothing is asserted) and not a benchmark.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, serving  # noqa: E402

SIZES = [(1280, 720), (1920, 1080), (820, 1180), (390, 844)]
STATES = {
    "default": "/?surface=rosenbrock&r0=adam,lr=0.05&r1=sgd,lr=0.001,momentum=0.9,nesterov=true"
               "&r2=rmsprop,lr=0.01&p.step=80",
    "diverged": "/?surface=rosenbrock&steps=200&r0=adam,lr=0.05&r1=sgd,lr=0.01,momentum=0.9"
                "&r2=rmsprop,lr=0.01&p.step=40",
    "3d": "/?surface=himmelblau&r0=adam,lr=0.1&r1=sgd,lr=0.01,momentum=0.9&p.step=60&p.view=3d",
    "formula": "/?expr=x**2%20%2B%2010*y**2&r0=adam,lr=0.05&r1=sgd,lr=0.04&p.step=30",
}


def shoot(base: str, out: Path) -> list[Path]:
    """Every state x size x language; the files written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width, height in SIZES:
                context = browser.new_context(viewport={"width": width, "height": height},
                                              bypass_csp=True)
                page = context.new_page()
                page.set_default_timeout(60_000)
                for state, link in STATES.items():
                    for lang in ("en", "zh"):
                        page.goto(base + link + (f"&p.lang={lang}" if lang != "en" else ""))
                        page.wait_for_function("Number(document.body.dataset.settledSeq || 0) > 0 "
                                               "&& document.body.dataset.busy === '0'")
                        page.wait_for_timeout(700)  # Plotly's last transition, the 3D mesh
                        path = out / f"{state}-{width}x{height}-{lang}.png"
                        page.screenshot(path=str(path), full_page=True)
                        written.append(path)
                context.close()
        finally:
            browser.close()
    return written


def main() -> int:
    """Serve (unless --url), shoot, list the files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="use a running server instead")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "artifacts" / "states")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 1
    with serving(args.url) as base:
        for path in shoot(base, args.out):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
