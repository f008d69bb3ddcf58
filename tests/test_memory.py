"""A worker whose last stream ended hands freed memory back (glibc's malloc_trim)."""

from __future__ import annotations

import time

from app.api import memory
from app.api.deps import StreamStats
from app.config import Settings


def test_the_last_stream_ending_trims_once_quiet(monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(memory, "_TRIM", lambda pad: calls.append(pad) or 1)
    monkeypatch.setattr(memory, "QUIET_S", 0.05)
    stats = StreamStats()
    settings = Settings()
    first = stats.acquire("a", settings)
    second = stats.acquire("b", settings)
    first()
    time.sleep(0.15)
    assert calls == []  # a stream still runs: nothing to hand back yet
    second()
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [0] and stats.trimmer.trims == 1


def test_a_stream_starting_before_the_timer_keeps_the_memory(monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(memory, "_TRIM", lambda pad: calls.append(pad) or 1)
    monkeypatch.setattr(memory, "QUIET_S", 0.1)
    stats = StreamStats()
    stats.acquire("a", Settings())()
    stats.acquire("a", Settings())  # a new burst begins before the quiet second is over
    time.sleep(0.3)
    assert calls == []
