"""Benchmark of POST /api/trajectory (4 runs x 500 steps) against a real uvicorn on loopback.

Prints, for one worker and for two: the time to the first record (the start line) and to the
first block of steps, the whole response's p50 / p95 latency one request at a time on an idle
server, and requests per second with p50 / p95 latency under a closed-loop load of 16 concurrent
clients (each sends its next request when the previous answer has been read to the end). The
engine's own time for the same configuration, in this process, is printed for reference: the
server cannot be faster than the engine, so the ratios show what the server adds; so does the
server's CPU time per request under load (user + system, from /proc), minus the engine's.

Targets on an idle machine: first record within 10 ms, whole response within 30 ms at p50, at
least 100 requests per second per worker.  Run: ``python bench/server.py [--seconds 8] [--json]``
(``--json``: the figures as the last line, for ``python -m bench``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.engine.config import validate_config  # noqa: E402
from app.engine.runner import iter_config  # noqa: E402
from bench.common import cpu_seconds, emit, figure, pct, start_server  # noqa: E402

CONFIG: dict[str, Any] = {
    "surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 500,
    "runs": [
        {"optimizer": "adam", "params": {"lr": 0.01},
         "schedule": {"name": "CosineAnnealingLR", "params": {"T_max": 500}}},
        {"optimizer": "sgd", "params": {"lr": 0.001, "momentum": 0.9, "nesterov": True}},
        {"optimizer": "rmsprop", "params": {"lr": 0.005}},
        {"optimizer": "lookahead", "inner": {"optimizer": "adam", "params": {"lr": 0.02}}},
    ],
}
BODY = json.dumps(CONFIG).encode()
CLIENTS = 16
TARGETS = {"first_ms": 10.0, "p50_ms": 30.0, "rps_per_worker": 100.0}
ISSUE = 3  # the HTTP API's issue


def one_request(conn: http.client.HTTPConnection) -> tuple[float, float, float, int]:
    """POST the configuration; (first line, first steps line, whole response) in s, bytes."""
    t0 = time.perf_counter()
    conn.request("POST", "/api/trajectory", body=BODY,
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"{response.status}: {response.read()[:300]!r}")
    data = bytearray()
    t_first = t_steps = 0.0
    while True:
        chunk = response.read1(65536)
        if not chunk:
            break
        data += chunk
        if not t_steps:  # (counting lines on to the end would cost the client O(n^2))
            lines = data.count(b"\n")
            if not t_first and lines >= 1:
                t_first = time.perf_counter() - t0
            if lines >= 2:
                t_steps = time.perf_counter() - t0
    total = time.perf_counter() - t0
    if not data.endswith(b'"steps":500}\n'):
        raise RuntimeError("incomplete stream")
    return t_first, t_steps, total, len(data)


def pct_ms(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values`` (seconds), in milliseconds."""
    return 1000 * pct(values, q)


def sequential(port: int, count: int) -> dict[str, float]:
    """One client, one request at a time, on an otherwise idle server."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    one_request(conn)  # warm-up
    firsts, steps, totals = [], [], []
    size = 0
    for _ in range(count):
        f, s, t, size = one_request(conn)
        firsts.append(f)
        steps.append(s)
        totals.append(t)
    conn.close()
    return {"first_p50": pct_ms(firsts, 0.5), "steps_p50": pct_ms(steps, 0.5),
            "total_p50": pct_ms(totals, 0.5), "total_p95": pct_ms(totals, 0.95), "bytes": size}


def loaded(port: int, seconds: float) -> dict[str, float]:
    """CLIENTS closed-loop clients for ``seconds``: throughput and latency under load."""
    totals: list[float] = []
    firsts: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    errors: list[str] = []

    def client(index: int) -> None:
        # Each client on its own loopback address, as each student has one: the server's
        # per-address stream limit (OPTVIZ_MAX_CLIENT_STREAMS) applies to each.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120,
                                          source_address=(f"127.0.0.{2 + index}", 0))
        try:
            while time.perf_counter() < stop_at:
                f, _, t, _ = one_request(conn)
                with lock:
                    firsts.append(f)
                    totals.append(t)
        except Exception as error:  # report, do not hide
            errors.append(repr(error))
        finally:
            conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(errors[0])
    return {"rps": len(totals) / elapsed, "p50": pct_ms(totals, 0.5), "p95": pct_ms(totals, 0.95),
            "first_p50": pct_ms(firsts, 0.5), "requests": len(totals)}


def engine_time(count: int = 20) -> float:
    """Median time (ms) of the engine alone on the same configuration, in this process."""
    config = validate_config(CONFIG)
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        for _ in iter_config(config, 500, 50):
            pass
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    """Run the benchmark and print its figures with their ratios to the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each load run")
    parser.add_argument("--requests", type=int, default=30, help="sequential requests")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    args = parser.parse_args()
    figures: list[dict[str, Any]] = []
    engine_ms = engine_time()
    steps = CONFIG["steps"] * len(CONFIG["runs"])
    print(f"POST /api/trajectory, {len(CONFIG['runs'])} runs x {CONFIG['steps']} steps; "
          f"{os.cpu_count()} CPUs; load: {CLIENTS} closed-loop clients for {args.seconds:g} s")
    print(f"engine alone (this process): {engine_ms:.1f} ms per request "
          f"({1000 * engine_ms / steps:.1f} us per step) -> at most "
          f"{1000 / engine_ms:.0f} requests/s per worker")
    for workers in (1, 2):
        server = start_server(workers)
        try:
            seq = sequential(server.port, args.requests)
            pids = server.serving_pids()
            cpu_before = cpu_seconds(pids)
            load = loaded(server.port, args.seconds)
            cpu_ms = 1000 * (cpu_seconds(pids) - cpu_before) / load["requests"]
        finally:
            server.stop()
        print(f"\n{workers} worker{'s' if workers > 1 else ''}:")
        print(f"  idle, one at a time: first record {seq['first_p50']:.2f} ms "
              f"(target {TARGETS['first_ms']:g}, x{seq['first_p50'] / TARGETS['first_ms']:.2f}); "
              f"first steps {seq['steps_p50']:.2f} ms; whole response p50 "
              f"{seq['total_p50']:.1f} ms (target {TARGETS['p50_ms']:g}, "
              f"x{seq['total_p50'] / TARGETS['p50_ms']:.2f}), p95 {seq['total_p95']:.1f} ms; "
              f"{seq['bytes'] / 1024:.0f} kB; server overhead over the engine "
              f"x{seq['total_p50'] / engine_ms:.2f}")
        per_worker = load["rps"] / workers
        print(f"  {CLIENTS} clients: {load['rps']:.1f} requests/s ({per_worker:.1f} per worker, "
              f"target {TARGETS['rps_per_worker']:g}, "
              f"x{per_worker / TARGETS['rps_per_worker']:.2f}); latency p50 {load['p50']:.0f} ms, "
              f"p95 {load['p95']:.0f} ms; first record p50 {load['first_p50']:.1f} ms; "
              f"{load['requests']} requests")
        print(f"  server CPU per request under load: {cpu_ms:.1f} ms (the engine alone "
              f"{engine_ms:.1f} ms; serialisation, HTTP, threads and the kernel's sends "
              f"{cpu_ms - engine_ms:.1f} ms)")
        name = f"POST /api/trajectory 4x500, {workers} worker{'s' if workers > 1 else ''}"
        figures += [
            figure(ISSUE, f"{name}: first record, idle", round(seq["first_p50"], 2), "ms",
                   TARGETS["first_ms"], "lower"),
            figure(ISSUE, f"{name}: whole response p50, idle", round(seq["total_p50"], 1), "ms",
                   TARGETS["p50_ms"], "lower"),
            figure(ISSUE, f"{name}: requests/s per worker, {CLIENTS} clients",
                   round(per_worker, 1), "req/s", TARGETS["rps_per_worker"], "higher"),
        ]
    emit(figures, args.json)


if __name__ == "__main__":
    main()
