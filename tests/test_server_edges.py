"""Slow, stalled and surplus clients against a real uvicorn (app.server's protocol) on loopback:
read and write deadlines, the connection cap, uvicorn's own answers and a quiet log."""

from __future__ import annotations

import logging
import resource
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from app.address.codec import encode
from app.engine.config import validate_config
from app.logs import RateLimitFilter
from tests.conftest import server_log, start_server, stop_server

SHORT = {"OPTVIZ_HEADER_TIMEOUT": "1", "OPTVIZ_BODY_TIMEOUT": "1", "OPTVIZ_WRITE_TIMEOUT": "1",
         "OPTVIZ_MAX_CONNECTIONS": "24"}
FILE_LIMIT = 200  # the server's open-file limit in the flood test (soft and hard)


@pytest.fixture(scope="module")
def short_server() -> Iterator[tuple[str, object]]:
    """A server with 1 s deadlines and a cap of 24 connections."""
    url, proc = start_server(env=SHORT)
    try:
        yield url, proc
    finally:
        stop_server(proc)


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def _read_until_closed(sock: socket.socket, limit: float = 10.0) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    sock.settimeout(limit)
    t0 = time.monotonic()
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data, time.monotonic() - t0


def _wait_healthy(url: str, timeout: float = 10.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.get(f"{url}/healthz", timeout=2.0)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "/healthz did not answer"
        time.sleep(0.1)


def test_a_stalled_request_line_is_closed_after_the_header_deadline(short_server) -> None:
    url, _ = short_server
    with socket.create_connection(_address(url), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # no blank line: never ends
        data, _ = _read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 408"), data[:200]
    assert b"content-security-policy:" in data.lower()


def test_a_silent_connection_is_closed_after_the_header_deadline(short_server) -> None:
    url, _ = short_server
    with socket.create_connection(_address(url), timeout=5) as sock:
        data, took = _read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 408") or data == b""
    assert took < 9, "the connection stayed open"


def test_a_stalled_body_is_closed_and_logged_as_one_quiet_line(short_server) -> None:
    url, proc = short_server
    with socket.create_connection(_address(url), timeout=5) as sock:
        sock.sendall(b"POST /api/trajectory HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nContent-Length: 5000\r\n\r\n{\"steps\": ")
        data, took = _read_until_closed(sock)
    assert data == b"" and took < 9
    _wait_healthy(url)
    log = server_log(proc)  # type: ignore[arg-type]
    assert "client closed the connection during the request: POST /api/trajectory (499)" in log
    assert "Traceback" not in log and "unhandled error" not in log


def test_a_stalled_reader_is_dropped_after_the_write_deadline(short_server) -> None:
    url, _ = short_server
    query = encode(validate_config({  # canonical: not redirected
        "surface": {"name": "ackley"}, "steps": 10000,
        "runs": [{"optimizer": "adam", "params": {"lr": 0.002 * (i + 1)}} for i in range(8)]}))
    request = f"GET /api/trajectory?{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a reader that holds little
    try:
        sock.connect(_address(url))
        sock.sendall(request)
        deadline = time.monotonic() + 15
        seen_active = False
        while time.monotonic() < deadline:  # never read: the server must give up on us
            active = _wait_healthy(url)["active_streams"]
            seen_active = seen_active or active > 0
            if seen_active and active == 0:
                break
            time.sleep(0.2)
        assert seen_active, "the stream never started"
        assert active == 0, "the stalled stream is still open"
    finally:
        sock.close()


def test_uvicorns_own_400_carries_the_security_headers(short_server) -> None:
    url, _ = short_server
    with socket.create_connection(_address(url), timeout=5) as sock:
        sock.sendall(b"NOT A REQUEST\x01\r\n\r\n")
        data, _ = _read_until_closed(sock)
    head = data.split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 400")
    for name in (b"content-security-policy", b"x-content-type-options", b"permissions-policy",
                 b"cross-origin-opener-policy"):
        assert name + b":" in head, head
    assert b"server:" not in head


def test_no_server_header_and_the_new_policies_on_app_answers(short_server) -> None:
    url, _ = short_server
    response = httpx.get(f"{url}/healthz", timeout=5)
    assert "server" not in response.headers
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert "camera=()" in response.headers["permissions-policy"]


def test_connections_beyond_the_cap_are_refused_and_healthz_serves_after(short_server) -> None:
    url, _ = short_server
    socks = []
    try:
        for _ in range(60):
            socks.append(socket.create_connection(_address(url), timeout=5))
        refused = 0
        for sock in socks[30:]:  # the cap is 24: these got the fixed 503 at once
            sock.settimeout(5)
            if sock.recv(200).startswith(b"HTTP/1.1 503"):
                refused += 1
        assert refused == 30
    finally:
        for sock in socks:
            sock.close()
    assert _wait_healthy(url)["status"] == "ok"


def test_a_connection_flood_under_a_low_file_limit_leaves_a_short_log() -> None:
    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))

    url, proc = start_server(env={"OPTVIZ_HEADER_TIMEOUT": "2"}, preexec_fn=low_limit)
    socks = []
    try:
        for _ in range(2 * FILE_LIMIT):  # twice what the process could hold
            try:
                sock = socket.create_connection(_address(url), timeout=5)
                sock.sendall(b"GET / HTTP/1.1\r\n")  # and never finish
                socks.append(sock)
            except OSError:
                break
        assert len(socks) == 2 * FILE_LIMIT
        for sock in socks:
            sock.close()
        socks = []
        assert _wait_healthy(url)["status"] == "ok"
        log = server_log(proc)
        assert "Traceback" not in log, log[-3000:]
        assert len(log) < 4000, log[-2000:]
        # each kind said once per interval (10 s), not once per event
        assert log.count("Too many open files") <= 2 and log.count("connection refused") <= 2
    finally:
        for sock in socks:
            sock.close()
        stop_server(proc)


def test_the_rate_limit_says_each_kind_once_per_interval_without_emfile_tracebacks() -> None:
    now = [0.0]
    limiter = RateLimitFilter(10.0, clock=lambda: now[0])

    def record(msg: str, exc: BaseException | None = None) -> logging.LogRecord:
        info = (type(exc), exc, None) if exc else None
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, msg, None, info)

    emfile = OSError(24, "Too many open files")
    first = record("socket.accept() out of system resource\nsocket: fd=6", emfile)
    assert limiter.filter(first) and first.exc_info is None
    assert "Too many open files" in first.getMessage()
    assert not any(limiter.filter(record("socket.accept() out of system resource\nfd=6", emfile))
                   for _ in range(1000))
    assert limiter.filter(record("something else"))
    now[0] = 11.0
    again = record("socket.accept() out of system resource\nfd=6", emfile)
    assert limiter.filter(again) and "1000 more like this" in again.getMessage()
