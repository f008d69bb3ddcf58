"""Against a real uvicorn on a loopback port: the first record comes before the work is done, a
disconnect stops the work, and long streams neither block each other nor the event loop."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from tests.api_helpers import health, records_of, strict_json, wait_idle
from tests.conftest import start_server, stop_server


def long_config(runs: int, steps: int) -> dict[str, Any]:
    """A configuration that takes a while: ``runs`` Adam runs of ``steps`` steps on Ackley
    (whose exp and cos make a step several times costlier than on Rosenbrock)."""
    return {"surface": {"name": "ackley"}, "steps": steps,
            "runs": [{"optimizer": "adam", "params": {"lr": 0.001 * (i + 1)}}
                     for i in range(runs)]}


def timed_stream(url: str, config: dict[str, Any], out: list[tuple[float, dict[str, Any]]],
                 stop_after: int | None = None) -> None:
    """POST ``config`` and note (time, record) for each line; hang up after ``stop_after``."""
    with httpx.Client(base_url=url, timeout=60.0) as client, \
            client.stream("POST", "/api/trajectory", json=config) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            out.append((time.monotonic(), strict_json(line)))
            if stop_after is not None and len(out) >= stop_after:
                return  # leaving the block closes the connection mid-stream




def test_first_record_arrives_before_the_rest_is_computed(server_url: str) -> None:
    wait_idle(server_url)
    records: list[tuple[float, dict[str, Any]]] = []
    sent = time.monotonic()
    timed_stream(server_url, long_config(8, 10000), records)
    first, first_steps, last = records[0][0], records[1][0], records[-1][0]
    assert records[0][1]["type"] == "start" and records[1][1]["type"] == "steps"
    total = last - sent
    assert total > 0.3, "the configuration should take a while to compute"
    assert first - sent < 0.2 * total
    assert first_steps - sent < 0.25 * total
    assert records[-1][1]["type"] == "end"


def test_a_disconnect_stops_the_computation(server_url: str) -> None:
    before = wait_idle(server_url)["steps_computed"]
    total = 8 * 10000  # several seconds of work if nothing stopped it
    records: list[tuple[float, dict[str, Any]]] = []
    timed_stream(server_url, long_config(8, 10000), records, stop_after=3)
    assert [r["type"] for _, r in records] == ["start", "steps", "steps"]
    after = wait_idle(server_url, timeout=5.0)
    assert after["active_streams"] == 0, "the stream should end soon after the hang-up"
    done = after["steps_computed"] - before
    time.sleep(0.3)
    assert health(server_url)["steps_computed"] - before == done, "work went on"
    assert done < total // 4, f"{done} of {total} steps computed after the hang-up"


def test_two_long_streams_both_progress_and_the_loop_stays_free(server_url: str) -> None:
    wait_idle(server_url)
    streams: list[list[tuple[float, dict[str, Any]]]] = [[], []]
    threads = [threading.Thread(target=timed_stream,
                                args=(server_url, long_config(4, 5000), streams[k]))
               for k in range(2)]
    for thread in threads:
        thread.start()
    latencies = []
    while any(t.is_alive() for t in threads):
        t0 = time.monotonic()
        assert health(server_url)["status"] == "ok"
        latencies.append(time.monotonic() - t0)
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    a, b = streams
    assert a[-1][1]["type"] == "end" and b[-1][1]["type"] == "end"
    start_a = next(t for t, r in a if r["type"] == "steps")
    start_b = next(t for t, r in b if r["type"] == "steps")
    end_a, end_b = a[-1][0], b[-1][0]
    assert start_a < end_b and start_b < end_a, "one stream waited for the other"
    steps_a = [t for t, r in a if r["type"] == "steps"]
    steps_b = [t for t, r in b if r["type"] == "steps"]
    mid_a = steps_a[len(steps_a) // 2]
    assert steps_b[0] < mid_a < steps_b[-1], "the streams did not interleave"
    # The loop stays free: /healthz kept answering while both streams ran, each answer in a small
    # part of the streams' time (a relative bound: the machine's speed scales both sides alike).
    assert len(latencies) >= 3
    both = min(end_a, end_b) - max(start_a, start_b)
    assert max(latencies) < both / 3, f"/healthz waited {max(latencies):.3f} s of {both:.3f} s"


def test_two_workers_serve_the_same_answers() -> None:
    url, proc = start_server(workers=2)
    try:
        with httpx.Client(base_url=url, timeout=30.0) as client:
            config = long_config(2, 100)
            posted = client.post("/api/trajectory", json=config)
            assert posted.status_code == 200 and records_of(posted.content)[-1]["type"] == "end"
            query = records_of(posted.content)[0]["query"]
            assert client.get(f"/api/trajectory?{query}").content == posted.content
            for _ in range(5):  # a kept-alive connection keeps answering
                assert client.get("/healthz").status_code == 200
    finally:
        stop_server(proc)


def test_the_server_protocol_switches_nagle_off_on_every_connection() -> None:
    """A small answer after another must not wait for the client's delayed ACK (40 ms each):
    the accepted socket has TCP_NODELAY set by the server's protocol."""
    import asyncio
    import socket

    import uvicorn
    from uvicorn.server import ServerState

    from app.main import app
    from app.server import NoDelayHTTPProtocol

    async def accepted_nodelay() -> int:
        config = uvicorn.Config(app, http=NoDelayHTTPProtocol, log_level="warning")
        config.load()
        state = ServerState()
        seen: list[int] = []

        def factory() -> NoDelayHTTPProtocol:
            proto = NoDelayHTTPProtocol(config=config, server_state=state, app_state={})
            made = proto.connection_made

            def connection_made(transport: asyncio.BaseTransport) -> None:
                made(transport)
                sock = transport.get_extra_info("socket")
                seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            proto.connection_made = connection_made  # type: ignore[method-assign]
            return proto

        server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(3000):  # the accept callback runs on this loop: wait until it has
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        return seen[0]

    # On its own thread: a test before this one may leave an event loop running on this one.
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(accepted_nodelay())))
    thread.start()
    thread.join(timeout=60)
    assert result and result[0] != 0
