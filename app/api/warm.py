"""Answers prepared before anyone asks, kept compressed at their best.

The catalog's parts are compressed when the server starts (app/api/routes/catalog.py). Every
visitor of the page with no query asks for the same trajectory (the catalog's first screen,
as the page asks for it). A stream is compressed as it goes, at a quality quick enough for any
answer (brotli 1); this one answer is made once per server, in a thread at startup, at brotli's
best quality instead (about 30 % fewer bytes on the first load) and served whole. Decompressed,
its bytes are the stream's bytes: a client cannot tell them apart but by their size.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from app.api.static_files import ANY_CODING, whole_body, whole_response

log = logging.getLogger("app.api")

Prepare = Callable[[], tuple[str, bytes] | None]
"""Makes one answer: its ETag and its bytes (None: nothing to prepare on this server)."""


def prepare(app: FastAPI, make: Prepare) -> None:
    """Make an answer, compress it in each coding at its best (the cache of answers compressed
    once per ETag, as for the catalog) and keep it, by ETag, with ``app`` (a failure only logs:
    the route still answers, at its usual size)."""
    try:
        made = make()
        if made is None:
            return
        etag, body = made
        for coding in ANY_CODING:
            whole_body(etag, body, coding)
    except Exception:
        log.exception("an answer could not be prepared")
        return
    app.state.warm_answers = {**getattr(app.state, "warm_answers", {}), etag: body}


def install_warm_up(app: FastAPI, jobs: list[Callable[[], None]]) -> None:
    """Run ``jobs`` in a thread when ``app`` starts (a second or two of one core); a job that
    fails only logs."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(target: FastAPI) -> AsyncIterator[object]:
        def work() -> None:
            for job in jobs:
                try:
                    job()
                except Exception:
                    log.exception("a warm-up job failed")

        threading.Thread(target=work, name="warm-answers", daemon=True).start()
        async with inner(target) as state:
            yield state

    app.router.lifespan_context = lifespan


async def warm_response(request: Request, etag: str, headers: dict[str, str], media_type: str
                        ) -> Response | None:
    """The prepared answer of ``etag`` in the best coding the client takes (compressed again
    should the cache have let it go), or None."""
    answers: dict[str, bytes] = getattr(request.app.state, "warm_answers", {})
    body = answers.get(etag)
    if body is None:
        return None
    return await whole_response(request, body, etag, headers, media_type)
