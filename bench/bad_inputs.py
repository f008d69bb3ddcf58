"""How fast bad input is refused (not a test): the table of tests/bad_inputs.py against a real
uvicorn on loopback.

    python bench/bad_inputs.py [--repeats 5] [--json]

Each case is sent once to warm up, then ``--repeats`` times; its time is the median, from the
request's first byte to the last byte of the answer. Prints every case (status, field, time),
then p50 and max over the cases against the target of issue #6: each refusal within 100 ms,
and the share refused as the tests expect (4xx naming the field). Known bugs (strict xfails in
the tests) are left out.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, figure, pct, start_server  # noqa: E402
from tests.bad_inputs import BAD_INPUTS, BadInput, request_args  # noqa: E402

ISSUE = 6
TARGET_MS = 100.0


def time_case(client: httpx.Client, case: BadInput, repeats: int) -> tuple[float, bool, str]:
    """Median milliseconds of ``repeats`` sends, whether each answer was the expected refusal,
    and the status and field seen."""
    times, ok, seen = [], True, ""
    for i in range(repeats + 1):
        args = request_args(case)
        t0 = time.perf_counter()
        response = client.request(**args)
        body = response.content
        elapsed = time.perf_counter() - t0
        if i:
            times.append(elapsed)
        field = ""
        if response.headers.get("content-type") == "application/json":
            detail = response.json().get("detail")
            field = detail[0].get("field", "") if isinstance(detail, list) and detail else ""
        seen = f"{response.status_code} {field or body[:40]!r}"
        ok = ok and response.status_code == case.status and field == case.field
    return 1000 * statistics.median(times), ok, seen


def main() -> None:
    """Send the table, print the per-case times and the summary against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed sends of each case")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    args = parser.parse_args()
    cases = [case for case in BAD_INPUTS if not case.known_bug]
    rows: list[tuple[BadInput, float, bool, str]] = []
    server = start_server(1)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for case in cases:
                rows.append((case, *time_case(client, case, args.repeats)))
            alive = client.get("/healthz").status_code == 200
    finally:
        server.stop()
    print(f"{'case':38s} {'method':6s} {'answer':44s} {'ms':>7s}")
    for case, ms, ok, seen in rows:
        flag = "" if ok else "  <- expected " + f"{case.status} {case.field!r}"
        print(f"{case.id[:38]:38s} {case.method:6s} {seen[:44]:44s} {ms:7.2f}{flag}")
    times = [ms for _, ms, _, _ in rows]
    refused = sum(ok for _, _, ok, _ in rows)
    slowest = max(rows, key=lambda row: row[1])
    print(f"\n{len(rows)} bad inputs x {args.repeats} (median each): p50 {pct(times, 0.5):.2f} ms, "
          f"max {slowest[1]:.2f} ms ({slowest[0].id}); target <= {TARGET_MS:g} ms each: "
          f"{'met' if slowest[1] <= TARGET_MS else 'NOT met'}")
    print(f"refused as expected (4xx naming the field): {refused}/{len(rows)}; "
          f"server still serving afterwards: {alive}")
    figures: list[dict[str, Any]] = [
        figure(ISSUE, f"bad input refused, p50 over {len(rows)} cases", round(pct(times, 0.5), 2),
               "ms", TARGET_MS, "lower"),
        figure(ISSUE, f"bad input refused, slowest case ({slowest[0].id})", round(slowest[1], 2),
               "ms", TARGET_MS, "lower"),
        figure(ISSUE, "bad inputs refused 4xx naming the field",
               round(100 * refused / len(rows), 1), "%", 100.0, "higher"),
    ]
    emit(figures, args.json)


if __name__ == "__main__":
    main()
