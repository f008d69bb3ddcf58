"""Streaming NDJSON off the event loop, stopping the work when the client leaves."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import anyio.to_thread
from fastapi import Request

NDJSON = "application/x-ndjson"


def dumps(record: Mapping[str, Any]) -> bytes:
    """One NDJSON line: compact standard JSON (never NaN or Infinity), floats as repr."""
    return json.dumps(record, allow_nan=False, separators=(",", ":")).encode() + b"\n"


def _pull(chunks: Iterator[bytes]) -> bytes | None:
    """One pull of a producer (runs in a worker thread)."""
    return next(chunks, None)


async def stream_chunks(request: Request, first: bytes, chunks: Iterator[bytes]
                        ) -> AsyncIterator[bytes]:
    """``first`` at once, then each chunk of ``chunks`` computed in a worker thread, until the
    producer is done or the client has gone; then the producer is closed (its work stops)."""
    try:
        yield first
        while not await request.is_disconnected():
            chunk = await anyio.to_thread.run_sync(_pull, chunks)
            if chunk is None:
                break
            yield chunk
    finally:
        try:
            chunks.close()  # type: ignore[attr-defined]
        except ValueError:  # still running in an abandoned thread; it stops after its chunk
            pass
