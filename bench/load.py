"""Load on loopback (not a test): many clients streaming trajectories from two workers, some
leaving mid-stream, then a check that the server goes back to idle.

    python bench/load.py [--clients 64] [--seconds 30] [--workers 2] [--json]

Starts ``python -m app --workers 2`` on a free loopback port. Each client is a closed loop (its
next request follows the end of the previous answer) until ``--seconds`` have passed or
``--max-requests`` were sent, whichever comes first. Requests: 4 runs x 500 steps on Rosenbrock
with a fresh lr each time (POST, or one in four as the page's GET query); about one in eight
asks for 8 runs x 10 000 steps instead (seconds of work) and disconnects after the first block
of steps, so the server must stop computing for a client that left.

Reports requests, errors (a non-200 answer, a transport error, a stream that does not end every
run), p50 / p99 latency of complete answers, the workers' CPU and RSS (summed, from /proc)
while loaded and in the 5 s after. Verdict of issue #6: no errors, CPU back under 5 % of a core
and RSS not growing once the load stops (no work left running for clients that left).

``--hostile 8`` (issue #12) runs the load twice on the same server: first the well-behaved
clients alone, then with 8 hostile clients added, each looping one of the attacks of issue #12
(a ChainedScheduler of 31 LambdaLR of 999 characters on 1 and on 8 runs, a 459-character
nested ``min`` formula on 8 runs x 10 000 steps, GET /api/config's lenient-repair attack).
Every client has its own loopback address (127.0.0.x), as students have theirs, so the
per-client stream limit applies to each. Prints the well-behaved p99 with the hostile clients
over the p99 without (target within 2x), their errors (target 0), what the hostile requests
were answered, and the workers' CPU, RSS and open files before, after and at idle.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import ssl
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Server, cpu_seconds, emit, figure, pct, rss_bytes, start_server  # noqa: E402
from tests.bad_inputs import MIN_459, amplified_schedule, repair_attack_query  # noqa: E402

ISSUE = 6
HOSTILE_ISSUE = 12
P99_RATIO_TARGET = 2.0
LEAVE_SHARE = 1 / 8
IDLE_CPU_TARGET = 5.0  # % of one core, summed over the workers, in the 5 s after the load
RSS_GROWTH_TARGET_MB = 1.0  # allowed RSS change over those 5 s (allocator noise)
AFTER_S = 5.0
SAMPLE_S = 0.5
RUNS = '{{"optimizer": "adam", "params": {{"lr": {lr}}}}}, ' \
       '{{"optimizer": "sgd", "params": {{"lr": 0.001, "momentum": 0.9}}}}, ' \
       '{{"optimizer": "rmsprop", "params": {{"lr": 0.005}}}}, ' \
       '{{"optimizer": "lookahead", "inner": {{"optimizer": "adam", "params": {{"lr": 0.02}}}}}}'
NORMAL = '{{"surface": {{"name": "rosenbrock"}}, "start": [-1.5, 2.0], "steps": 500, ' \
         '"runs": [' + RUNS + ']}}'
# The canonical spelling (sgd's default lr left out): any other is answered 308 to this one.
NORMAL_QUERY = "surface=rosenbrock&start=-1.5,2&steps=500&r0=adam,lr={lr}" \
               "&r1=sgd,momentum=0.9&r2=rmsprop,lr=0.005&r3=lookahead&r3.inner=adam,lr=0.02"
LONG = '{{"surface": {{"name": "rosenbrock"}}, "steps": 10000, "runs": [' + \
       ", ".join(['{{"optimizer": "adam", "params": {{"lr": {lr}}}}}'] * 8) + "]}}"


@dataclass
class Tally:
    """What the clients saw."""

    sent: int = 0
    completed: int = 0
    left: int = 0
    latencies: list[float] = field(default_factory=list)
    firsts: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Samples:
    """The workers' CPU (% of one core) and RSS (bytes) every SAMPLE_S seconds."""

    cpu: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)


def pick_request(rng: random.Random, leave: bool) -> tuple[str, str, bytes | None, int]:
    """(method, url, body, runs) of the next request; a fresh lr so nothing is cached."""
    lr = repr(round(rng.uniform(1e-3, 5e-2), 6))
    if leave:
        return "POST", "/api/trajectory", LONG.format(lr=lr).encode(), 8
    if rng.random() < 0.25:
        return "GET", "/api/trajectory?" + NORMAL_QUERY.format(lr=lr), None, 4
    return "POST", "/api/trajectory", NORMAL.format(lr=lr).encode(), 4


async def one_request(client: httpx.AsyncClient, rng: random.Random, tally: Tally) -> None:
    """Send one request and read its stream to the end, or leave after the first block."""
    leave = rng.random() < LEAVE_SHARE
    method, url, body, runs = pick_request(rng, leave)
    t0 = time.perf_counter()
    headers = {"content-type": "application/json"} if body else {}
    async with client.stream(method, url, content=body, headers=headers) as response:
        if response.status_code != 200:
            tally.errors.append(f"{method} {url[:60]}: {response.status_code} "
                                f"{(await response.aread())[:200]!r}")
            return
        data = bytearray()
        async for chunk in response.aiter_bytes():  # decoded: the server may compress
            if not data and chunk:
                tally.firsts.append(time.perf_counter() - t0)
            data += chunk
            if leave and data.count(b"\n") >= 2:
                tally.left += 1
                return  # closing the stream unread drops the connection mid-answer
    elapsed = time.perf_counter() - t0
    if not data.endswith(b"}\n") or data.count(b'"type":"end"') != runs \
            or b'"type":"error"' in data:
        tally.errors.append(f"{method} {url[:60]}: incomplete stream of {len(data)} bytes")
        return
    tally.completed += 1
    tally.latencies.append(elapsed)


def loopback(index: int) -> str:
    """The client's own loopback address (Linux routes all of 127/8 to lo)."""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


def hostile_requests() -> list[tuple[str, str, bytes | None]]:
    """(method, url, body) of the attacks of issue #12, each refused before any work."""
    def body(config: dict[str, object]) -> bytes:
        return json.dumps(config).encode()

    return [
        ("POST", "/api/trajectory", body({"steps": 10_000, "runs": [
            {"optimizer": "adam", "schedule": amplified_schedule()}]})),
        ("POST", "/api/trajectory", body({"steps": 10_000, "runs": [
            {"optimizer": "adam", "schedule": amplified_schedule()}] * 8})),
        ("POST", "/api/trajectory", body({"steps": 10_000, "surface": {"expression": MIN_459},
                                          "runs": [{"optimizer": "adam"}] * 8})),
        ("GET", "/api/config?" + repair_attack_query(), None),
    ]


async def hostile_loop(url: str, index: int, stop_at: float, limit: int,
                       answers: dict[int | str, int], tls: ssl.SSLContext) -> None:
    """One hostile client looping its attack until the deadline (or ``limit`` requests)."""
    method, path, body = hostile_requests()[index % 4]
    transport = httpx.AsyncHTTPTransport(local_address=loopback(200 + index), verify=tls)
    headers = {"content-type": "application/json"} if body else {}
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(120.0, connect=10.0),
                                 transport=transport) as client:
        for _ in range(limit):
            if time.perf_counter() >= stop_at:
                return
            try:
                response = await client.request(method, path, content=body, headers=headers)
                answers[response.status_code] = answers.get(response.status_code, 0) + 1
            except httpx.HTTPError as error:
                key = type(error).__name__
                answers[key] = answers.get(key, 0) + 1


async def client_loop(url: str, seed: int, stop_at: float, limit: int, tally: Tally,
                      tls: ssl.SSLContext) -> None:
    """One closed-loop client (its own connection and loopback address, like a browser) until
    the deadline or the request budget. One pool per client: a shared pool of 64 spends a core
    managing itself. ``tls`` is shared only so 64 clients do not each load the CA store
    (loopback is plain HTTP)."""
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timeout = httpx.Timeout(120.0, connect=10.0)
    transport = httpx.AsyncHTTPTransport(local_address=loopback(seed), verify=tls,
                                         limits=limits)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport) as client:
        while time.perf_counter() < stop_at and tally.sent < limit:
            tally.sent += 1
            try:
                await one_request(client, rng, tally)
            except httpx.HTTPError as error:
                tally.errors.append(f"{type(error).__name__}: {error}")


async def sample(server: Server, samples: Samples, stop: asyncio.Event) -> None:
    """Read the workers' CPU and RSS every SAMPLE_S seconds until ``stop`` is set."""
    pids = server.serving_pids()
    last_cpu, last_t = cpu_seconds(pids), time.perf_counter()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), SAMPLE_S)
        except TimeoutError:
            pass
        cpu, now = cpu_seconds(pids), time.perf_counter()
        samples.cpu.append(100 * (cpu - last_cpu) / (now - last_t))
        samples.rss.append(rss_bytes(pids))
        last_cpu, last_t = cpu, now


async def run_load(server: Server, clients: int, seconds: float, limit: int,
                   hostile: int = 0, answers: dict[int | str, int] | None = None
                   ) -> tuple[Tally, Samples, float]:
    """The load itself (with ``hostile`` attacking clients, their answers counted in
    ``answers``); returns what the well-behaved clients saw, the server samples and the
    duration."""
    tally, samples, stop = Tally(), Samples(), asyncio.Event()
    sampler = asyncio.create_task(sample(server, samples, stop))
    started = time.perf_counter()
    tls = ssl.create_default_context()
    attacks = [hostile_loop(server.url, i, started + seconds, limit, answers
                            if answers is not None else {}, tls) for i in range(hostile)]
    await asyncio.gather(*(client_loop(server.url, i, started + seconds, limit, tally, tls)
                           for i in range(clients)), *attacks)
    elapsed = time.perf_counter() - started
    stop.set()
    await sampler
    return tally, samples, elapsed


def settle(server: Server, seconds: float) -> tuple[float, list[int], int]:
    """CPU % over ``seconds`` of quiet, RSS sampled along, and the active streams afterwards
    (the most any worker reports over a few /healthz calls)."""
    pids = server.serving_pids()
    rss = [rss_bytes(pids)]
    cpu0, t0 = cpu_seconds(pids), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        time.sleep(SAMPLE_S)
        rss.append(rss_bytes(pids))
    cpu = 100 * (cpu_seconds(pids) - cpu0) / (time.perf_counter() - t0)
    active = max(httpx.get(f"{server.url}/healthz", timeout=5).json()["active_streams"]
                 for _ in range(8))
    return cpu, rss, active


def open_files(pids: list[int]) -> int:
    """Open file descriptors of the processes (sockets included), from /proc."""
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return total


def warm_up(server: Server) -> None:
    """A few answers from each worker, so imports and first-call costs are not load."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for i in range(8):
            client.post("/api/trajectory", content=NORMAL.format(lr=0.01 + i / 1000),
                        headers={"content-type": "application/json"}).raise_for_status()


def main() -> None:
    """Run the load, print the report, and the figures as JSON with --json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=100_000,
                        help="stop sending after this many requests in all")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    parser.add_argument("--hostile", type=int, default=0,
                        help="hostile clients (issue #12): run without, then with them")
    args = parser.parse_args()
    if args.hostile:
        hostile_main(args)
        return

    server = start_server(args.workers)
    try:
        warm_up(server)
        idle_cpu, idle_rss, _ = settle(server, 2.0)
        tally, samples, elapsed = asyncio.run(
            run_load(server, args.clients, args.seconds, args.max_requests))
        after_cpu, after_rss, active = settle(server, AFTER_S)
    finally:
        server.stop()

    mb = 2**20
    growth = (after_rss[-1] - after_rss[0]) / mb
    lat = [1000 * t for t in tally.latencies] or [float("nan")]
    first = [1000 * t for t in tally.firsts] or [float("nan")]
    print(f"{args.clients} clients for {elapsed:.1f} s against {args.workers} workers "
          f"(about 1 in {round(1 / LEAVE_SHARE)} leaves mid-stream)")
    print(f"  requests {tally.sent}: {tally.completed} complete, {tally.left} left mid-stream, "
          f"{len(tally.errors)} errors; {tally.completed / elapsed:.1f} complete answers/s")
    for error in tally.errors[:5]:
        print(f"    error: {error}")
    print(f"  latency of complete answers: p50 {pct(lat, 0.5):.0f} ms, "
          f"p99 {pct(lat, 0.99):.0f} ms, max {max(lat):.0f} ms; "
          f"first bytes p50 {pct(first, 0.5):.0f} ms")
    print(f"  workers idle before: CPU {idle_cpu:.1f} %, RSS {idle_rss[-1] / mb:.0f} MB")
    print(f"  under load: CPU mean {statistics.fmean(samples.cpu or [0]):.0f} % "
          f"(of one core, summed), RSS max {max(samples.rss or [0]) / mb:.0f} MB")
    print(f"  {AFTER_S:g} s after: CPU {after_cpu:.1f} % (target < {IDLE_CPU_TARGET:g}), RSS "
          f"{after_rss[0] / mb:.0f} -> {after_rss[-1] / mb:.0f} MB ({growth:+.1f} MB, target "
          f"<= {RSS_GROWTH_TARGET_MB:g}); active streams {active}")
    verdict = not tally.errors and after_cpu < IDLE_CPU_TARGET \
        and growth <= RSS_GROWTH_TARGET_MB and active == 0
    print(f"  verdict: {'met' if verdict else 'NOT met'} (no errors, back to idle, no growth)")

    name = f"load {args.clients} clients x {args.seconds:g} s, {args.workers} workers"
    emit([
        figure(ISSUE, f"{name}: errors", len(tally.errors), "", 0, "lower"),
        figure(ISSUE, f"{name}: complete answers", tally.completed, "", None, "higher"),
        figure(ISSUE, f"{name}: latency p50", round(pct(lat, 0.5)), "ms", None, "lower"),
        figure(ISSUE, f"{name}: latency p99", round(pct(lat, 0.99)), "ms", None, "lower"),
        figure(ISSUE, f"{name}: CPU in the {AFTER_S:g} s after", round(after_cpu, 2), "%",
               IDLE_CPU_TARGET, "lower"),
        figure(ISSUE, f"{name}: RSS change in the {AFTER_S:g} s after", round(growth, 2), "MB",
               RSS_GROWTH_TARGET_MB, "lower"),
        figure(ISSUE, f"{name}: RSS under load, max", round(max(samples.rss or [0]) / mb),
               "MB", None, "lower"),
    ], args.json)


def hostile_main(args: argparse.Namespace) -> None:
    """The well-behaved load alone, then with ``args.hostile`` attackers, on one server."""
    server = start_server(args.workers)
    answers: dict[int | str, int] = {}
    try:
        warm_up(server)
        pids = server.serving_pids()
        idle_cpu, idle_rss, _ = settle(server, 2.0)
        idle_files = open_files(pids)
        alone, _, t_alone = asyncio.run(
            run_load(server, args.clients, args.seconds, args.max_requests))
        settle(server, AFTER_S)
        mixed, samples, t_mixed = asyncio.run(
            run_load(server, args.clients, args.seconds, args.max_requests, args.hostile,
                     answers))
        after_cpu, after_rss, active = settle(server, AFTER_S)
        after_files = open_files(pids)
    finally:
        server.stop()
    mb = 2**20
    p99 = [pct([1000 * t for t in tally.latencies] or [float("nan")], 0.99)
           for tally in (alone, mixed)]
    ratio = p99[1] / p99[0]
    print(f"{args.clients} well-behaved clients for {args.seconds:g} s against {args.workers} "
          f"workers, alone and then with {args.hostile} hostile clients")
    for name, tally, elapsed, p in (("alone", alone, t_alone, p99[0]),
                                    ("with hostile", mixed, t_mixed, p99[1])):
        print(f"  {name:13s}: {tally.completed} complete ({tally.completed / elapsed:.1f}/s), "
              f"{len(tally.errors)} errors, p50 "
              f"{pct([1000 * t for t in tally.latencies] or [0], 0.5):.0f} ms, p99 {p:.0f} ms")
        for error in tally.errors[:3]:
            print(f"    error: {error}")
    answered = dict(sorted(answers.items(), key=str))
    print(f"  p99 with / without the hostile clients: x{ratio:.2f} (target <= "
          f"{P99_RATIO_TARGET:g}); hostile requests answered {answered}")
    print(f"  workers: idle CPU {idle_cpu:.1f} %, RSS {idle_rss[-1] / mb:.0f} MB, open files "
          f"{idle_files}; under attack CPU mean {statistics.fmean(samples.cpu or [0]):.0f} %, "
          f"RSS max {max(samples.rss or [0]) / mb:.0f} MB; {AFTER_S:g} s after: CPU "
          f"{after_cpu:.1f} %, RSS {after_rss[-1] / mb:.0f} MB, open files {after_files}, "
          f"active streams {active}")
    verdict = ratio <= P99_RATIO_TARGET and not mixed.errors and after_cpu < IDLE_CPU_TARGET \
        and active == 0
    print(f"  verdict: {'met' if verdict else 'NOT met'}")
    name = (f"load {args.clients} + {args.hostile} hostile x {args.seconds:g} s, "
            f"{args.workers} workers")
    emit([
        figure(HOSTILE_ISSUE, f"{name}: well-behaved p99 ratio", round(ratio, 2), "x",
               P99_RATIO_TARGET, "lower"),
        figure(HOSTILE_ISSUE, f"{name}: well-behaved errors", len(mixed.errors), "", 0, "lower"),
        figure(HOSTILE_ISSUE, f"{name}: CPU in the {AFTER_S:g} s after", round(after_cpu, 2),
               "%", IDLE_CPU_TARGET, "lower"),
        figure(HOSTILE_ISSUE, f"{name}: open files after - idle", after_files - idle_files, "",
               None, "lower"),
    ], args.json)


if __name__ == "__main__":
    main()
