"""Bounded cost and fair service against a real uvicorn (loopback): amplified requests refused
before any work, /healthz answered while hostile and heavy requests run, a compute deadline per
stream, a hang-up stopping compute, stream slots answered 429 / 503, and error streams never
cacheable. Bounded in time and count; no timing is asserted beyond generous hang guards (the
figures measured are printed, see -s)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.api.deps import cache_control
from app.config import Settings
from tests.api_helpers import health, records_of, strict_json, wait_idle
from tests.bad_inputs import MIN_459, amplified_schedule, repair_attack_query
from tests.conftest import start_server, stop_server

HEALTHZ_P95_GUARD_S = 2.0


@pytest.fixture(scope="module")
def limited() -> Iterator[str]:
    """A server with small limits: a 1 s deadline, 2 streams per client, 3 in all."""
    url, proc = start_server(env={"OPTVIZ_DEADLINE_S": "1", "OPTVIZ_MAX_CLIENT_STREAMS": "2",
                                  "OPTVIZ_MAX_STREAMS": "3", "OPTVIZ_RETRY_AFTER_S": "7"})
    try:
        yield url
    finally:
        stop_server(proc)




def _heavy(runs: int = 8) -> dict[str, Any]:
    """Allowed, and several seconds of compute: Adam on Ackley (NumPy functions), 10 000 steps
    of each run, with four LambdaLR of 499 nodes each (within the tree's formula-node cap)."""
    return {"surface": {"name": "ackley"}, "steps": 10_000,
            "runs": [{"optimizer": "adam", "params": {"lr": 0.001 * (i + 1)},
                      "schedule": amplified_schedule(4)} for i in range(runs)]}


@pytest.mark.parametrize("body,field", [
    ({"steps": 10_000, "runs": [{"optimizer": "adam", "schedule": amplified_schedule()}]},
     "runs[0].schedule"),
    ({"steps": 10_000, "runs": [{"optimizer": "adam", "schedule": amplified_schedule()}] * 8},
     "runs[0].schedule"),
    ({"steps": 10_000, "surface": {"expression": MIN_459}, "runs": [{"optimizer": "adam"}] * 8},
     "runs[0]"),
], ids=["31 lambdas x 1 run", "31 lambdas x 8 runs", "459-char formula x 8 runs"])
def test_amplified_requests_are_refused_before_any_work(live: httpx.Client, body: dict[str, Any],
                                                        field: str) -> None:
    before = live.get("/healthz").json()["steps_computed"]
    t0 = time.perf_counter()
    response = live.post("/api/trajectory", json=body)
    elapsed = time.perf_counter() - t0
    print(f"\nrefused in {1000 * elapsed:.0f} ms")
    assert response.status_code == 422
    item = strict_json(response.content)["detail"][0]
    assert item["field"] == field
    assert "of compute per step" in item["msg"] and "steps would fit" in item["msg"]
    assert live.get("/healthz").json()["steps_computed"] == before, "nothing was computed"


def test_healthz_answers_while_repair_attacks_and_maximum_streams_run() -> None:
    """Four lenient-repair attacks on GET /api/config (in a loop) and four of the heaviest
    allowed streams at once; /healthz is polled all along. One worker."""
    url, proc = start_server()
    stop = threading.Event()
    statuses: list[int] = []
    ended: list[str] = []
    query = repair_attack_query()

    def attack() -> None:
        with httpx.Client(base_url=url, timeout=60.0) as client:
            for _ in range(20):  # bounded
                if stop.is_set():
                    return
                statuses.append(client.get(f"/api/config?{query}").status_code)

    def stream() -> None:
        config = {"surface": {"name": "logistic_regression"}, "batch_size": 8, "steps": 10_000,
                  "runs": [{"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}}]
                  * 8}
        with httpx.Client(base_url=url, timeout=60.0) as client, \
                client.stream("POST", "/api/trajectory", json=config) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                ended.append(strict_json(line)["type"])
                if stop.is_set():
                    return

    threads = [threading.Thread(target=attack) for _ in range(4)]
    threads += [threading.Thread(target=stream) for _ in range(4)]
    latencies: list[float] = []
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        with httpx.Client(base_url=url, timeout=30.0) as client:
            until = time.monotonic() + 4.0
            while time.monotonic() < until:
                t0 = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                latencies.append(time.perf_counter() - t0)
                time.sleep(0.02)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        stop.set()
        stop_server(proc)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"\n/healthz: {len(latencies)} answers, p50 {1000 * latencies[len(latencies) // 2]:.1f}"
          f" ms, p95 {1000 * p95:.1f} ms, max {1000 * latencies[-1]:.1f} ms; attacks "
          f"answered {sorted(set(statuses))}")
    assert statuses and set(statuses) == {422}
    assert "steps" in ended, "the streams made progress"
    # Generous: before the fix one repair attack held the event loop for 9-14 s; on an idle
    # 2-core machine p95 is tens of ms, on a shared one it follows the machine's load.
    assert p95 < HEALTHZ_P95_GUARD_S, f"/healthz p95 {p95:.3f} s"


def test_a_stream_past_its_deadline_ends_with_an_error_record(limited: str) -> None:
    wait_idle(limited)
    with httpx.Client(base_url=limited, timeout=60.0) as client:
        response = client.post("/api/trajectory", json=_heavy(1))
    assert response.status_code == 200
    records = records_of(response.content)
    last = records[-1]
    assert last["type"] == "error" and last["reason"] == "deadline"
    assert "1 s of compute" in last["msg"]
    assert not any(r["type"] == "end" for r in records), "the run did not finish"
    assert wait_idle(limited)["active_streams"] == 0


def test_a_hang_up_stops_an_expensive_stream_at_once(limited: str) -> None:
    """Each block of a costly run is sized to ~20 ms: after the client leaves, at most a block
    or so per run is computed."""
    before = wait_idle(limited)["steps_computed"]
    with httpx.Client(base_url=limited, timeout=60.0) as client, \
            client.stream("POST", "/api/trajectory", json=_heavy(1)) as response:
        lines = response.iter_lines()
        assert strict_json(next(lines))["type"] == "start"
        first = strict_json(next(lines))
        assert first["type"] == "steps" and len(first["x"]) < 50, "a costly run's block is small"
    after = wait_idle(limited, timeout=5.0)
    assert after["active_streams"] == 0
    done = after["steps_computed"] - before
    time.sleep(0.3)
    assert health(limited)["steps_computed"] - before == done, "work went on"
    print(f"\n{done} steps computed in all for a client that left after the first block")
    assert done < 2000


def test_stream_slots_per_client_and_in_all(limited: str) -> None:
    wait_idle(limited)
    local = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=limited, timeout=60.0) as a, \
            httpx.Client(base_url=limited, timeout=60.0, transport=local) as b:
        with a.stream("POST", "/api/trajectory", json=_heavy(1)) as s1, \
                a.stream("POST", "/api/trajectory", json=_heavy(1)) as s2:
            assert s1.status_code == s2.status_code == 200
            third = a.post("/api/trajectory", json=_heavy(1))
            assert third.status_code == 429 and third.headers["retry-after"] == "7"
            assert "at most 2" in strict_json(third.content)["detail"][0]["msg"]
            with b.stream("POST", "/api/trajectory", json=_heavy(1)) as s3:
                assert s3.status_code == 200  # another address still has its slots
                fourth = b.post("/api/trajectory", json=_heavy(1))
                assert fourth.status_code == 503 and fourth.headers["retry-after"] == "7"
    assert wait_idle(limited)["active_streams"] == 0
    with httpx.Client(base_url=limited, timeout=60.0) as client:  # the slots are free again
        ok = client.post("/api/trajectory", json={"steps": 20, "runs": [{"optimizer": "sgd"}]})
        assert ok.status_code == 200 and records_of(ok.content)[-1]["type"] == "end"


def test_a_stream_that_fails_at_once_is_a_json_500_never_cached(
        make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import app.api.routes.trajectory as trajectory

    def broken(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise ZeroDivisionError("a bug")
        yield  # pragma: no cover

    monkeypatch.setattr(trajectory, "iter_config", broken)
    client = make_client()
    response = client.get("/api/trajectory?r0=sgd")
    assert response.status_code == 500
    assert response.headers["cache-control"] == "no-store"
    assert strict_json(response.content)["detail"][0]["type"] == "server_error"
    assert client.get("/healthz").json()["active_streams"] == 0


def test_a_later_failure_ends_the_stream_with_an_error_record(
        make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import app.api.routes.trajectory as trajectory
    real = trajectory.iter_config

    def breaks_later(*args: Any, **kwargs: Any) -> Iterator[Any]:
        items = real(*args, **kwargs)
        yield next(items)
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(trajectory, "iter_config", breaks_later)
    response = make_client().post("/api/trajectory", json={"steps": 200,
                                                           "runs": [{"optimizer": "sgd"}]})
    records = records_of(response.content)
    assert [r["type"] for r in records] == ["start", "steps", "error"]


def test_only_streams_far_from_their_deadline_are_cacheable(client: Any) -> None:
    settings = Settings()
    assert cache_control(settings, 1.0).startswith("public")
    assert cache_control(settings, settings.deadline_s) == "no-store"
    light = client.get("/api/trajectory?r0=sgd", headers={"if-none-match": "*"})
    assert light.status_code == 304 and light.headers["cache-control"].startswith("public")
    heavy = "surface=logistic_regression&batch_size=8&steps=10000" + "".join(
        f"&r{i}=lbfgs,line_search_fn=strong_wolfe" for i in range(8))
    answer = client.get(f"/api/trajectory?{heavy}", headers={"if-none-match": "*"})
    assert answer.status_code == 304 and answer.headers["cache-control"] == "no-store"


def test_long_inputs_and_formulas_are_validated_off_the_event_loop() -> None:
    from app.api.deps import heavy

    assert not heavy("r0=adam,lr=0.01&steps=300")
    assert not heavy(b'{"runs": [{"optimizer": "sgd"}]}')
    assert heavy("expr=x**2%2By**2&r0=sgd") and heavy("r0.schedule=LambdaLR,lr_lambda=0.9**k")
    assert heavy(b'{"surface": {"expression": "x*y"}}')
    assert heavy(b"[" + b"1," * 2000 + b"1]")
