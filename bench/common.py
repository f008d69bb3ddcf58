"""What the benchmarks share: a server on a loopback port, percentiles, /proc readings and the
figures protocol of the benchmark runner (``python -m bench``).

Protocol: every bench script takes ``--json`` and then prints, as its last line of stdout, a JSON
list of figures ``{"issue", "name", "value", "unit", "target", "better"}``; ``target`` may be
null (a figure shown for reference) and a figure that could not be measured (no torch, no
Chromium) has ``"value": null`` and ``"skipped": "<why>"``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
Better = Literal["higher", "lower"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def figure(issue: int, name: str, value: float | None, unit: str, target: float | None,
           better: Better, skipped: str = "") -> dict[str, Any]:
    """One figure of the protocol (``skipped`` says why ``value`` is None)."""
    out: dict[str, Any] = {"issue": issue, "name": name, "value": value, "unit": unit,
                           "target": target, "better": better}
    if skipped:
        out["skipped"] = skipped
    return out


def emit(figures: list[dict[str, Any]], as_json: bool) -> None:
    """Print the figures as the last stdout line when the runner asked for them."""
    if as_json:
        print(json.dumps(figures), flush=True)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values`` (nearest rank; the values' own unit)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A ``python -m app`` process on a loopback port, with its log file."""

    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"

    def serving_pids(self) -> list[int]:
        """The processes that serve requests: the workers, or the server itself if alone."""
        return worker_pids(self.proc.pid) or [self.proc.pid]

    def stop(self) -> None:
        """Terminate it (kill if it lingers) and remove its log."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.unlink(missing_ok=True)


def start_server(workers: int = 1, env: dict[str, str] | None = None,
                 timeout: float = 30.0) -> Server:
    """``python -m app`` with ``workers`` workers on a free port, once every worker can answer
    (/healthz has answered; with several workers we wait until they are all up)."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="optviz-bench-", suffix=".log")[1])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--log-level", "warning"],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    server = Server(port, proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as answer:
                if answer.status == 200 and (workers == 1 or
                                             len(worker_pids(proc.pid)) >= workers):
                    return server
        except OSError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server did not start within {timeout} s")


def worker_pids(pid: int) -> list[int]:
    """uvicorn's worker processes under supervisor ``pid``: its children that run
    multiprocessing's spawn_main (not the resource tracker); empty with one worker."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    workers = []
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(int(child))
        except OSError:
            continue
    return workers


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def rss_bytes(pids: list[int]) -> int:
    """Resident memory of these processes, summed (from /proc/<pid>/statm)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            continue
    return total


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """The fastest of several timings (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
