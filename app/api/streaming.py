"""Streaming NDJSON off the event loop, stopping the work when the client leaves."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import anyio.to_thread
import numpy as np
import orjson
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from fastapi import Request
from fastapi.responses import StreamingResponse

NDJSON = "application/x-ndjson"


_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE


def check_finite(record: Any) -> None:
    """Raise ValueError at the first NaN or infinity in ``record`` (dicts, lists, floats and
    NumPy arrays): orjson would silently write them as null, and the API never sends either."""
    stack = [record]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is float:
            if not math.isfinite(node):
                raise ValueError(f"{node} is not valid JSON (numbers must be finite)")
        elif kind is dict:
            stack.extend(node.values())
        elif kind is list or kind is tuple:
            stack.extend(node)
        elif isinstance(node, np.ndarray | np.floating):
            if node.dtype.kind in "fc" and not np.isfinite(node).all():
                raise ValueError("an array holds NaN or infinity (numbers must be finite)")


def dumps(record: Mapping[str, Any]) -> bytes:
    """One NDJSON line: compact standard JSON (never NaN or Infinity) by orjson, ~10x faster
    than json.dumps; floats in their shortest round-trip form, NumPy arrays written directly
    (they must be C-contiguous)."""
    check_finite(record)
    return orjson.dumps(record, option=_OPTIONS)


def _pull(chunks: Iterator[bytes], budget: float) -> tuple[list[bytes], bool]:
    """At least one chunk of a producer, more while ``budget`` seconds last; and whether the
    producer is done (runs in a worker thread). Not joined: that would copy every byte once
    more."""
    deadline = time.perf_counter() + budget
    out: list[bytes] = []
    for chunk in chunks:
        out.append(chunk)
        if time.perf_counter() >= deadline:
            return out, False
    return out, True


_LIMITERS: RunVar[dict[tuple[str, int], CapacityLimiter]] = RunVar("optviz_compute_limiters")


def compute_limiter(lane: str, threads: int) -> CapacityLimiter:
    """The event loop's limiter of threads computing ``lane``'s streams at once (one per loop,
    as anyio keeps its own default limiter)."""
    try:
        limiters = _LIMITERS.get()
    except LookupError:
        limiters = {}
        _LIMITERS.set(limiters)
    key = (lane, threads)
    if key not in limiters:
        limiters[key] = CapacityLimiter(threads)
    return limiters[key]


class ClosingStreamingResponse(StreamingResponse):
    """A StreamingResponse that always closes its body iterator when it ends.

    When the client leaves, Starlette cancels the sending task; if that lands while the body
    generator is suspended at a ``yield``, the generator is never resumed and its ``finally``
    (stop the work, count the stream as ended) would wait for garbage collection.
    """

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()


async def stream_chunks(request: Request, first: bytes, chunks: Iterator[bytes],
                        stats: Any = None, lane: str = "") -> AsyncIterator[bytes]:
    """``first`` at once, then the chunks of ``chunks`` computed in a worker thread, until the
    producer is done or the client has gone; then the producer is closed (its work stops).
    ``stats`` (a StreamStats) counts the stream as active while it lasts.

    The first pull returns one chunk (the first block) at once, queueing behind no other
    stream. Later pulls keep computing for the settings' ``pull_ms`` before handing over, so a
    stream costs a few thread hops, not one per block, and at most ``compute_threads`` of them
    run at once per ``lane`` (FIFO, so the lane's streams take turns): more threads would only
    contend for the GIL.
    """
    settings = request.app.state.settings
    limiter = compute_limiter(lane, settings.compute_threads)
    if stats is not None:
        stats.active += 1
    try:
        yield first
        budget, done = 0.0, False
        lane_limiter: CapacityLimiter | None = None  # the first pull: anyio's own threads
        while not done and not await request.is_disconnected():
            pulled, done = await anyio.to_thread.run_sync(_pull, chunks, budget,
                                                          limiter=lane_limiter)
            budget, lane_limiter = settings.pull_ms / 1000, limiter
            for chunk in pulled:
                yield chunk
    finally:
        if stats is not None:
            stats.active -= 1
        try:
            chunks.close()  # type: ignore[attr-defined]
        except ValueError:  # still running in an abandoned thread; it stops after its chunk
            pass
