"""Fixtures for the API tests: an in-process TestClient and a real uvicorn on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():  # starlette notes that a future TestClient wants httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

ROOT = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT = 30.0
_LOGS: dict[int, Path] = {}  # server pid -> its output file


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """Build TestClients over apps with overridden settings; server errors raise in the test."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(create_app(Settings(**overrides)), raise_server_exceptions=True)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A TestClient over an app with the default settings."""
    return make_client()


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /healthz until the server answers (or fail with its output)."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = log.read_text(errors="replace")
            raise RuntimeError(f"server exited with {proc.returncode}:\n{out}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not start within {SERVER_START_TIMEOUT} s")


def start_server(workers: int = 1, env: dict[str, str] | None = None,
                 preexec_fn: Callable[[], None] | None = None
                 ) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``python -m app`` on a free loopback port (``preexec_fn`` runs in the child before
    it starts, e.g. to lower its file limit); returns its base URL and process."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="optviz-server-", suffix=".log")[1])
    with log.open("wb") as out:  # a file, not a pipe: a chatty server never blocks on it
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--log-level", "warning"],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn,
        )
    _LOGS[proc.pid] = log
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
    except Exception:
        stop_server(proc)
        raise
    return url, proc


def server_log(proc: subprocess.Popen[bytes]) -> str:
    """What the server started by start_server has written so far."""
    log = _LOGS.get(proc.pid)
    return log.read_text(errors="replace") if log is not None else ""


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server (kill it if it does not stop in time)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    log = _LOGS.pop(proc.pid, None)
    if log is not None:
        log.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A real uvicorn (one worker, default settings) for the whole session."""
    url, proc = start_server()
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.fixture
def live(server_url: str) -> Iterator[httpx.Client]:
    """An HTTP client to the real server (following redirects, as the TestClient does)."""
    with httpx.Client(base_url=server_url, timeout=60.0, follow_redirects=True) as client:
        yield client


@pytest.fixture(params=["testclient", "uvicorn"])
def any_client(request: pytest.FixtureRequest) -> httpx.Client:
    """The same test against the in-process app and against the real server."""
    if request.param == "testclient":
        return request.getfixturevalue("client")
    return request.getfixturevalue("live")
