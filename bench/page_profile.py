"""Where a slider change or a start-marker drag spends its time in the page (not a test).

    python bench/page_profile.py [slider|drag] [--changes 30] [--url http://127.0.0.1:8000]

Drives the same changes as bench/browser.py (4 runs; 500 steps for the slider, 300 for the drag)
in headless Chromium twice: once under a Chrome trace, printing the renderer main thread's CPU
time per change (thread time, so other processes on the machine inflate it far less than wall
time) by kind (script, rendering lifecycle, paint, commit, canvas uploads), and once under the
V8 sampling profiler, printing the page's own functions by inclusive time per change. Also
prints the /api requests' time to first byte and total. Use it to compare two commits on a
busy machine: run both, interleaved.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser import DRAG, FOUR_RUNS, FOUR_RUNS_300, ONE_CHANGE  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, serving  # noqa: E402

KINDS = ("ProxyMain::BeginMainFrame", "FunctionCall", "TimerFire", "FireAnimationFrame",
         "RunMicrotasks", "Paint", "Layout", "UpdateLayoutTree", "PrePaint", "Layerize",
         "Commit", "Canvas2DResourceProvider::ProduceCanvasResource")
OWN = ("main.js", "plots.js", "teach.js", "api.js", "data.js", "names.js", "math.js", "maps.js",
       "controls.js", "runs.js", "i18n.js", "dataview.js", "classroom.js")
RESOURCES = """() => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/api/'))
  .map((e) => [e.name.split('/api/')[1].split('?')[0], e.responseStart - e.startTime,
               e.responseEnd - e.startTime])"""


def changes(page: Any, mode: str, n: int) -> list[list[float]]:
    """Run ``n`` slider changes or drag moves; each one's latencies (ms) as bench/browser.py."""
    if mode == "slider":
        return [page.evaluate(ONE_CHANGE, 380 + (k % 2) * 60 + (k % 7)) for k in range(n)]
    return page.evaluate(DRAG, n)


def open_page(browser: Any, base: str, mode: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 720},
                               bypass_csp=True).new_page()
    page.set_default_timeout(120_000)
    page.goto(base + (FOUR_RUNS if mode == "slider" else FOUR_RUNS_300))
    page.wait_for_function("Number(document.body.dataset.settledSeq || 0) > 0")
    page.wait_for_timeout(500)
    changes(page, mode, 3)  # warm-up
    page.evaluate("performance.clearResourceTimings()")
    return page


def trace_cpu(browser: Any, base: str, mode: str, n: int) -> None:
    """Renderer main thread CPU per change, by kind of work, from a Chrome trace."""
    page = open_page(browser, base, mode)
    path = Path(tempfile.mkstemp(suffix=".json")[1])
    browser.start_tracing(page=page, path=str(path), categories=[
        "devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "cc"])
    lat = changes(page, mode, n)
    browser.stop_tracing()
    res = page.evaluate(RESOURCES)
    page.context.close()
    raw = json.loads(path.read_text())
    path.unlink()
    events = raw["traceEvents"] if isinstance(raw, dict) else raw
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
               if e.get("name") == "thread_name"}
    cpu: collections.Counter[str] = collections.Counter()
    for e in events:
        if e.get("ph") != "X" or threads.get((e["pid"], e["tid"])) != "CrRendererMain":
            continue
        if e["name"] in ("ThreadControllerImpl::RunTask", "RunTask"):
            cpu["(all tasks)"] += e.get("tdur", 0)
        elif e["name"] in KINDS:
            cpu[e["name"]] += e.get("tdur", 0)
    print(f"{mode}: {n} changes, latency to new paths complete p50 "
          f"{statistics.median(x[1] for x in lat):.1f} ms (under tracing)")
    print("  renderer main thread CPU per change (ms; kinds nest, e.g. Paint in BeginMainFrame):")
    for name, us in cpu.most_common():
        print(f"    {us / 1000 / n:7.1f}  {name}")
    by: dict[str, list[list[float]]] = collections.defaultdict(list)
    for name, ttfb, total in res:
        by[name].append([ttfb, total])
    for name, rows in by.items():
        print(f"  /api/{name}: {len(rows)} requests, first byte p50 "
              f"{statistics.median(r[0] for r in rows):.1f} ms, complete p50 "
              f"{statistics.median(r[1] for r in rows):.1f} ms")


def profile_js(browser: Any, base: str, mode: str, n: int) -> None:
    """The page's own functions by inclusive time per change, from V8's sampling profiler."""
    page = open_page(browser, base, mode)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    cdp.send("Profiler.start")
    changes(page, mode, n)
    prof = cdp.send("Profiler.stop")["profile"]
    page.context.close()
    nodes = {node["id"]: node for node in prof["nodes"]}
    parent = {c: node["id"] for node in prof["nodes"] for c in node.get("children", [])}
    spent: collections.Counter[int] = collections.Counter()
    for sample, dt in zip(prof["samples"], prof["timeDeltas"], strict=False):
        spent[sample] += dt
    inclusive: collections.Counter[str] = collections.Counter()
    for nid, us in spent.items():
        seen: set[str] = set()
        at: int | None = nid
        while at is not None:
            frame = nodes[at]["callFrame"]
            key = (f"{frame['functionName'] or '(anonymous)'} "
                   f"{frame['url'].rsplit('/', 1)[-1]}:{frame['lineNumber'] + 1}")
            if key not in seen and key.split(" ")[-1].split(":")[0] in OWN:
                inclusive[key] += us
                seen.add(key)
            at = parent.get(at)
    print("  the page's functions, inclusive ms per change (sampled):")
    for key, us in inclusive.most_common(20):
        print(f"    {us / 1000 / n:7.2f}  {key}")


def main() -> int:
    """Profile the changes and print both breakdowns."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=("slider", "drag"), default="drag")
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--url", default=None, help="use a running server instead")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with serving(args.url) as base:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            trace_cpu(browser, base, args.mode, args.changes)
            profile_js(browser, base, args.mode, args.changes)
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
