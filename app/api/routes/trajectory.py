"""POST and GET /api/trajectory: validate a configuration, run it, stream NDJSON records.

The engine's generator is pulled one block at a time in a worker thread, so the event loop keeps
serving other requests; between blocks the client is checked and, once it has gone, nothing more
is pulled (the work stops). Both methods produce the same bytes for the same configuration.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from app import __version__
from app.address.codec import decode, encode
from app.address.table import openapi_parameters, rows
from app.api.canonical import canonical_redirect
from app.api.deps import (
    BodyConfig,
    QueryConfig,
    SettingsDep,
    StreamStats,
    cache_control,
    etag_of,
    not_modified,
    stats_of,
    validate_request,
)
from app.api.rounding import DIGITS_MAX, DIGITS_MIN, PAGE_DIGITS, significant
from app.api.schemas import ErrorResponse
from app.api.streaming import NDJSON, dumps, open_stream
from app.api.warm import warm_response
from app.config import Settings
from app.engine.cost import block_steps, trajectory_cost
from app.engine.errors import ConfigError
from app.engine.optimizers import companion_names
from app.engine.runner import StepBlock, iter_config
from app.lessons import FIRST_SCREEN

router = APIRouter(prefix="/api", tags=["trajectory"])
_SCHEMA = {"$ref": "#/components/schemas/TrajectoryRecord"}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "NDJSON, one record per line: a start record, then for each run blocks "
                       "of steps (runs may interleave) and its end record",
        "content": {NDJSON: {"schema": _SCHEMA}},
    },
    422: {"description": "an invalid value, named with its allowed range",
          "model": ErrorResponse},
}
CONFIG_BODY: dict[str, Any] = {"requestBody": {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TrajectoryConfig"}}},
}}
"""The JSON configuration that POST routes read themselves (documented, not parsed by FastAPI)."""


QUERY_PARAMETERS: dict[str, Any] = openapi_parameters(rows("config", "run"))
"""The configuration's query keys (rows of app/address/table.py), documented for /docs and for
fuzzing; the route reads the raw query string itself."""


def _steps_record(block: StepBlock, companions: tuple[str, ...] = (),
                  digits: int | None = None) -> dict[str, Any]:
    """A block of steps as a record of NumPy rows that ``dumps`` writes whole: every series is
    copied into one C-contiguous table (the engine's columns are strided views). With
    ``digits``, every series but the paths (x, y and the ``companions``) is rounded to that many
    significant digits."""
    names = list(block.state)
    factors = list(block.factors)
    table = np.stack([block.x, block.y, block.loss, block.lr, block.grad_x, block.grad_y,
                      *(block.state[name][:, c] for name in names for c in (0, 1)),
                      *(block.factors[name] for name in factors)]
                     ).astype(float, copy=False)
    if digits is not None:
        read = [k for k in range(2, len(table))
                if not (6 <= k < 6 + 2 * len(names) and names[(k - 6) // 2] in companions)]
        table[read] = significant(table[read], digits)
    x, y, loss, lr, grad_x, grad_y = table[:6]
    first = 6 + 2 * len(names)
    return {
        "type": "steps", "run": block.run, "first": block.first,
        "x": x, "y": y, "loss": loss, "lr": lr, "grad_x": grad_x, "grad_y": grad_y,
        "state": {name: {"x": table[6 + 2 * j], "y": table[7 + 2 * j]}
                  for j, name in enumerate(names)},
        "factors": {name: table[first + j] for j, name in enumerate(factors)},
    }


def _points_record(block: StepBlock, companions: tuple[str, ...]) -> dict[str, Any]:
    """A block of steps as its points only (``fields=points``): what the contour draws, the
    run's path and its companion paths (``companions``: the names the block has)."""
    names = [name for name in companions if name in block.state]
    table = np.stack([block.x, block.y, *(block.state[name][:, c] for name in names
                                          for c in (0, 1))]).astype(float, copy=False)
    return {"type": "points", "run": block.run, "first": block.first, "x": table[0], "y": table[1],
            "state": {name: {"x": table[2 + 2 * j], "y": table[3 + 2 * j]}
                      for j, name in enumerate(names)}}


Fields = Literal["all", "points"]
DIGITS_QUERY = Query(ge=DIGITS_MIN, le=DIGITS_MAX, description=(
    "round every series but the paths (loss, lr, gradient, state quantities, factors; not x, y "
    "nor a companion path) to this many significant digits: a smaller answer for a client that "
    "only shows them (the page asks for 9 and shows 4); absent: exact, shortest round-trip "
    "floats"))
FIELDS_QUERY = Query(description="`all` (default): steps records with every series; `points`: "
                                 "points records (x and y of each step and of the run's companion "
                                 "paths) instead, about a fifth of the "
                                 "bytes, for a client that draws only the paths (the page while "
                                 "a start is dragged or a slider held)")


def start_record(config: Mapping[str, Any], query: str) -> bytes:
    """The first line: the configuration with every default filled, and its query string."""
    return dumps({"type": "start", "config": config, "query": query, "version": __version__,
                   "runs": len(config["runs"]), "steps": config["steps"]})


def stream_sizes(config: Mapping[str, Any], settings: Settings) -> list[tuple[int, int]]:
    """Each run's (first block, block) in steps: the settings' sizes, smaller for a run whose
    estimated cost per step would make a block take more than ``block_ms``."""
    estimate = trajectory_cost(config)
    return [block_steps(per_step, settings.block_ms / 1000, settings.block_size,
                        settings.first_block) for per_step in estimate.run_step]


def produce(config: Mapping[str, Any], sizes: list[tuple[int, int]], stats: StreamStats,
            fields: Fields = "all", digits: int | None = None) -> Iterator[bytes]:
    """Lines after the start record, one per record (a pull of the stream takes as many as its
    time budget allows; errors and the deadline are the caller's, app.api.streaming.Guarded)."""
    companions = [companion_names(run) for run in config["runs"]]
    for item in iter_config(config, sizes=sizes):
        if isinstance(item, StepBlock):
            stats.add_steps(len(item))
            yield dumps(_points_record(item, companions[item.run]) if fields == "points"
                        else _steps_record(item, companions[item.run], digits))
        else:
            yield dumps({"type": "end", "run": item.run, "status": item.status,
                         "steps": item.steps})


def trajectory_etag(config: Mapping[str, Any], sizes: list[tuple[int, int]],
                    fields: Fields = "all", digits: int | None = None) -> str:
    """The stream's ETag: the canonical configuration, the version, the block sizes (and the
    fields asked, when not all, and the digits, when rounded)."""
    tagged: list[Any] = [config, __version__, sizes] + ([fields] if fields != "all" else []) \
        + ([{"digits": digits}] if digits is not None else [])
    return etag_of(json.dumps(tagged, sort_keys=True, separators=(",", ":"), allow_nan=False))


def whole_s(config: Mapping[str, Any], settings: Settings, fields: Fields = "all") -> float:
    """How long the stream's first pull may compute before its first piece goes out: a cheap
    configuration (estimated at most ``whole_ms``, or ``points_whole_ms`` for an answer of
    points only) whole, so a page draws its paths once; else 0, its first block only (the
    first paths come early)."""
    limit = settings.points_whole_ms if fields == "points" else settings.whole_ms
    if trajectory_cost(config).seconds * 1000 <= limit:
        return 4 * limit / 1000
    return 0.0


async def _stream(request: Request, config: dict[str, Any], sizes: list[tuple[int, int]],
                  headers: dict[str, str], settings: Settings, fields: Fields = "all",
                  digits: int | None = None) -> Response:
    """The streaming response shared by GET and POST (its first block computed before the
    headers; a cheap stream sent whole in one piece)."""
    return await open_stream(request, start_record(config, encode(config)),
                             produce(config, sizes, stats_of(request), fields, digits),
                             "trajectory", "trajectory", headers,
                             whole_s=whole_s(config, settings, fields))


@router.post(
    "/trajectory",
    response_class=StreamingResponse,
    responses={**_RESPONSES, 413: {"description": "the body is too large",
                                   "model": ErrorResponse}},
    openapi_extra=CONFIG_BODY,
)
async def post_trajectory(request: Request, config: BodyConfig, settings: SettingsDep,
                          fields: Annotated[Fields, FIELDS_QUERY] = "all",
                          digits: Annotated[int | None, DIGITS_QUERY] = None) -> Response:
    """Run the JSON configuration in the body and stream its records as NDJSON (with
    ``fields=points``, each block as its points only; with ``digits``, the series but the paths
    rounded)."""
    sizes = stream_sizes(config, settings)
    headers = {"ETag": trajectory_etag(config, sizes, fields, digits)}
    warm = await warm_response(request, headers["ETag"], headers, NDJSON)
    if warm is not None:  # the first screen's, prepared at startup
        return warm
    return await _stream(request, config, sizes, headers, settings, fields, digits)


def first_screen_answer(settings: Settings) -> tuple[str, bytes] | None:
    """The answer to the page's first request with no query (the catalog's first screen, every
    series, rounded to the page's digits): its ETag and its bytes, those of the stream (None on
    a server whose limits refuse it: the page then meets the same 422)."""
    try:
        config = validate_request(decode(FIRST_SCREEN), settings)
    except ConfigError:
        return None
    sizes = stream_sizes(config, settings)
    body = start_record(config, encode(config)) + b"".join(
        produce(config, sizes, StreamStats(), "all", PAGE_DIGITS))
    return trajectory_etag(config, sizes, "all", PAGE_DIGITS), body


@router.get("/trajectory", response_class=StreamingResponse, responses={
    **_RESPONSES, 304: {"description": "If-None-Match matched: the cached stream is current"},
    308: {"description": "the query is not canonical: Location is the canonical query of the "
                         "same configuration (one URL per answer for caches)"},
}, openapi_extra=QUERY_PARAMETERS)
async def get_trajectory(request: Request, queried: QueryConfig, settings: SettingsDep
                         ) -> Response:
    """The same stream for the page's query string, cacheable (ETag, Cache-Control) unless it
    is heavy enough to meet its deadline; any other spelling of the configuration is redirected
    (308) to its canonical query (its formulas are parsed once: the check reuses the memo)."""
    _, config = queried
    redirect = canonical_redirect(
        request, encode(config), lambda q: encode(validate_request(decode(q), settings)))
    if redirect is not None:
        return redirect
    sizes = stream_sizes(config, settings)
    etag = trajectory_etag(config, sizes)
    headers = {"ETag": etag,
               "Cache-Control": cache_control(settings, trajectory_cost(config).seconds)}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return await _stream(request, config, sizes, headers, settings)
