"""Streaming NDJSON off the event loop, stopping the work when the client leaves."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

import anyio.to_thread
import numpy as np
import orjson
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

NDJSON = "application/x-ndjson"
log = logging.getLogger("app.api")


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


class StreamFailed(Exception):
    """The producer failed before its first chunk: the answer can still be a JSON error."""


class Guarded:
    """A producer's chunks, with the compute it took (CPU time of the threads that pulled it):
    an exception becomes an error record (or StreamFailed before the first chunk, while the
    headers can still say so), and past ``deadline`` seconds of compute the stream ends with an
    error record saying so and the producer is closed (nothing more is computed)."""

    def __init__(self, chunks: Iterator[bytes], deadline: float, what: str) -> None:
        self.chunks = chunks
        self.deadline = deadline
        self.what = what
        self.cpu = 0.0
        self.started = False
        self.done = False

    def __iter__(self) -> Guarded:
        return self

    def __next__(self) -> bytes:
        if self.done:
            raise StopIteration
        if self.cpu > self.deadline:
            self.done = True
            self.close()
            log.warning("%s stream stopped at its deadline (%.1f s of compute)", self.what,
                        self.cpu)
            return dumps({"type": "error", "reason": "deadline",
                          "msg": f"stopped after {self.deadline:g} s of compute, this "
                                 "server's limit for one request: ask for fewer steps or "
                                 "runs"})
        t0 = time.thread_time()
        try:
            chunk = next(self.chunks)
        except StopIteration:
            self.done = True
            raise
        except Exception as error:  # the headers are gone: end with a record, not a cut
            self.done = True
            if not self.started:
                raise StreamFailed(self.what) from error
            log.exception("%s stream failed", self.what)
            return dumps({"type": "error", "msg": "internal error while computing"})
        finally:
            self.cpu += time.thread_time() - t0
        self.started = True
        return chunk

    def close(self) -> None:
        """Close the producer (its work stops; a ValueError if it is running right now)."""
        self.chunks.close()  # type: ignore[attr-defined]


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

    on_close: Callable[[], None] | None = None  # run once the body is closed, however it ends

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                aclose = getattr(self.body_iterator, "aclose", None)
                if aclose is not None:
                    await aclose()
            finally:
                if self.on_close is not None:
                    self.on_close()


async def stream_chunks(request: Request, first: list[bytes], chunks: Guarded,
                        release: Callable[[], None], lane: str, done: bool, whole_s: float = 0.0
                        ) -> AsyncIterator[bytes]:
    """``first`` (the start record and the first block, computed before the headers) at once,
    then the chunks of ``chunks`` computed in a worker thread, until the producer is done or
    the client has gone; then the producer is closed (its work stops) and the stream's slot
    freed (``release``, which runs once). With ``whole_s`` (a cheap stream) the first piece
    waits for a first pull of up to that long, so the client gets it whole in one piece.

    Pulls keep computing for the settings' ``pull_ms`` before handing over, so a stream costs
    a few thread hops, not one per block, and at most ``compute_threads`` of them run at once
    per ``lane`` (FIFO, so the lane's streams take turns): more threads would only contend for
    the GIL. Blocks are sized by the cost estimate (``block_ms``), so a pull holds the lane for
    at most about ``pull_ms + block_ms``, and a client that leaves stops compute as soon.
    """
    settings = request.app.state.settings
    limiter = compute_limiter(lane, settings.compute_threads)
    try:
        if whole_s > 0 and not done:
            async with limiter:
                if await request.is_disconnected():
                    return
                more, done = await anyio.to_thread.run_sync(_pull, chunks, whole_s)
            first = [*first, *more]
        # The first piece in one write (a cheap stream arrives whole, which the page draws
        # once); later pulls send each record as its own piece.
        yield b"".join(first)
        while not done:
            async with limiter:  # the lane's turn (FIFO); a client gone meanwhile is skipped
                if await request.is_disconnected():
                    break
                pulled, done = await anyio.to_thread.run_sync(_pull, chunks,
                                                              settings.pull_ms / 1000)
            for chunk in pulled:
                yield chunk
    finally:
        release()
        try:
            chunks.close()
        except ValueError:  # still running in an abandoned thread; it stops after its chunk
            pass


def client_of(request: Request) -> str:
    """The client's address (the proxy's view when uvicorn trusts its forwarded headers)."""
    return request.client.host if request.client else ""


async def open_stream(request: Request, start: bytes, producer: Iterator[bytes], what: str,
                      lane: str, headers: dict[str, str], whole_s: float = 0.0) -> Response:
    """The NDJSON response of ``producer`` after ``start``, its first chunk computed before
    the headers are sent: a stream that fails at once is a JSON 500 (``no-store``), not a 200
    ending in an error record. With ``whole_s``, the first piece sent holds what a pull of up
    to that long computes (a cheap stream whole, see stream_chunks). Takes one of the client's
    stream slots (429 / 503 beyond them) until the stream ends, however it ends.
    """
    settings = request.app.state.settings
    release = request.app.state.stats.acquire(client_of(request), settings)
    chunks = Guarded(producer, settings.deadline_s, what)
    try:
        pulled, done = await anyio.to_thread.run_sync(_pull, chunks, 0.0)
    except StreamFailed:
        release()
        log.exception("%s stream failed before its first block", what)
        return JSONResponse({"detail": [{"loc": [], "field": "", "type": "server_error",
                                         "msg": "internal error while computing"}]},
                            status_code=500, headers={"Cache-Control": "no-store"})
    except BaseException:
        release()
        chunks.close()
        raise
    response = ClosingStreamingResponse(
        stream_chunks(request, [start, *pulled], chunks, release, lane, done, whole_s),
        media_type=NDJSON, headers={**headers, "X-Accel-Buffering": "no"})
    response.on_close = release
    return response
