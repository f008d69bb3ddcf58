"""POST and GET /api/map/hyper and /api/map/basin: many runs of a configuration, streamed.

The same validation and limits as /api/trajectory, then the engine's map generator pulled block
by block in a worker thread: a start record (grid values), progress records, rows of cells, an
end record. A client that leaves stops the computation. GET takes the page's query (with its
``hmap.*`` / ``basin.*`` keys) and is cacheable like GET /api/trajectory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from app import __version__
from app.address.codec import decode, encode
from app.address.maps import as_map_query_error, decode_map, encode_map
from app.address.table import openapi_parameters, rows
from app.api.canonical import canonical_redirect
from app.api.deps import (
    QueryConfig,
    SettingsDep,
    StreamStats,
    cache_control,
    check_cost,
    etag_of,
    not_modified,
    off_loop,
    parse_json,
    read_body,
    settings_of,
    stats_of,
    validate_request,
)
from app.api.errors import ApiError
from app.api.schemas import ErrorResponse
from app.api.streaming import NDJSON, dumps, open_stream
from app.config import Settings
from app.engine import maps
from app.engine.config import build_objective
from app.engine.cost import Estimate, map_block, map_cost
from app.engine.errors import ConfigError

router = APIRouter(prefix="/api/map", tags=["maps"])
KINDS = ("hyper", "basin")
MAP_BLOCK_FACTOR = 4  # a map's streamed chunk may take this many times block_ms
# What the page draws; the end points (end_x, end_y) stay in the Python API, halving a basin
# map's stream (a cell's minimum is in the basins list).
STREAMED = ("final_loss", "reach", "diverged", "basin")


def _responses() -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "NDJSON: a start record (the grid's values), progress records, "
                             "rows of cells as they are computed, an end record",
              "content": {NDJSON: {"schema": {"$ref": "#/components/schemas/MapRecord"}}}},
        413: {"description": "the body is too large", "model": ErrorResponse},
        422: {"description": "an invalid value, named with its allowed range",
              "model": ErrorResponse},
    }


def _body_doc(model: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model}"}}}}}


def _query_doc(kind: str) -> dict[str, Any]:
    """The GET route's query keys: the configuration's and the map's (rows of the table)."""
    return openapi_parameters(rows("config", "run", kind),  # type: ignore[arg-type]
                              required=("hmap.x", "hmap.y") if kind == "hyper" else ())


def check_map_limits(kind: str, config: Mapping[str, Any], spec: Mapping[str, Any],
                     settings: Settings) -> None:
    """Refuse a validated map whose work exceeds this server's settings."""
    if config["steps"] > settings.max_map_steps:
        raise ConfigError("steps", f"a map runs at most {settings.max_map_steps} steps per cell "
                                   f"on this server, got {config['steps']}")
    if kind == "hyper":
        for name in ("x", "y"):
            if spec[name]["cells"] > settings.max_map_cells:
                raise ConfigError(f"map.{name}.cells", f"must be an integer in [2, "
                                                       f"{settings.max_map_cells}] on this "
                                                       f"server, got {spec[name]['cells']}")
    else:
        for i, n in enumerate(spec["cells"]):
            if n > settings.max_basin_cells:
                raise ConfigError(f"map.cells[{i}]", f"must be an integer in [2, "
                                                     f"{settings.max_basin_cells}] on this "
                                                     f"server, got {n}")
    check_cost(map_estimate(kind, config, spec, settings), settings)


def validate_map(kind: str, raw: Any, config: Mapping[str, Any], settings: Settings
                 ) -> dict[str, Any]:
    """The engine's map validation, then this server's limits."""
    validate = maps.validate_hyper_map if kind == "hyper" else maps.validate_basin_map
    spec = validate(raw, config)
    check_map_limits(kind, config, spec, settings)
    return spec


def map_query(kind: str, config: Mapping[str, Any], spec: Mapping[str, Any]) -> str:
    """The page's query for the configuration and this map."""
    if kind == "hyper":
        default = maps.default_threshold(build_objective(config["surface"]))
        keys = encode_map(kind, spec, default_threshold=default)
    else:
        keys = encode_map(kind, spec, surface_view=config["surface"]["view"])
    base = encode(config)
    return f"{base}&{keys}" if base else keys


def _cells(values: np.ndarray) -> list[list[Any]]:
    """Rows of cells as JSON: NaN (floats) and -1 (steps) become null."""
    if values.dtype.kind == "f":
        return [[None if v != v else v for v in row] for row in values.tolist()]
    if values.dtype.kind in "iu":
        return [[None if v < 0 else v for v in row] for row in values.tolist()]
    return values.tolist()


def _rows_record(item: maps.MapRows) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "rows", "first": item.first, "count": item.count}
    for name, values in item.values.items():
        if name in STREAMED:
            record[name] = values.tolist() if name == "basin" else _cells(values)
    if "basin" in item.values:
        record["basins"] = item.basins
    return record


def produce(kind: str, config: Mapping[str, Any], spec: Mapping[str, Any],
            settings: Settings, stats: StreamStats) -> Iterator[bytes]:
    """The records after the start, one chunk per progress step or block of rows (the
    cell-steps computed are counted in the worker's stream statistics; errors and the deadline
    are the caller's, app.api.streaming.Guarded)."""
    make = maps.iter_hyper_map if kind == "hyper" else maps.iter_basin_map
    counted = 0
    for item in make(config, spec, block_cells=block_of(config, spec, settings)):
        if isinstance(item, maps.MapProgress):
            stats.add_steps(item.done - counted)
            counted = item.done
            yield dumps({"type": "progress", "done": item.done, "total": item.total})
        else:
            yield dumps(_rows_record(item))
    yield dumps({"type": "end", "status": "completed"})


def block_of(config: Mapping[str, Any], spec: Mapping[str, Any], settings: Settings) -> int:
    """Cells stepped together: ``map_block_cells``, fewer on a costly surface so a streamed
    chunk is about MAP_BLOCK_FACTOR x ``block_ms`` of compute (a hang-up or the deadline stops
    it as soon; maps have their own lane, and need large blocks to vectorise)."""
    return map_block(config, spec["run"], MAP_BLOCK_FACTOR * settings.block_ms / 1000,
                     settings.map_block_cells, maps.PROGRESS_RECORDS)


def map_estimate(kind: str, config: Mapping[str, Any], spec: Mapping[str, Any],
                 settings: Settings) -> Estimate:
    """The cost estimate of a validated map."""
    cells = spec["x"]["cells"] * spec["y"]["cells"] if kind == "hyper" \
        else spec["cells"][0] * spec["cells"][1]
    return map_cost(config, spec["run"], cells, settings.map_block_cells)


def start_record(kind: str, config: Mapping[str, Any], spec: Mapping[str, Any]) -> bytes:
    """The first line: configuration and map with defaults filled, the grid, the query."""
    xs, ys = maps.map_grid(kind, spec)
    return dumps({"type": "start", "kind": kind, "config": config, "map": spec,
                  "query": map_query(kind, config, spec), "x": xs.tolist(), "y": ys.tolist(),
                  "steps": config["steps"], "total": len(xs) * len(ys) * config["steps"],
                  "version": __version__})


async def _stream(request: Request, kind: str, config: dict[str, Any], spec: dict[str, Any],
                  headers: dict[str, str]) -> Response:
    settings = settings_of(request)
    return await open_stream(request, start_record(kind, config, spec),
                             produce(kind, config, spec, settings, stats_of(request)),
                             f"{kind} map", "map", headers)


def _etag(kind: str, config: Mapping[str, Any], spec: Mapping[str, Any],
          settings: Settings) -> str:
    return etag_of(json.dumps([kind, config, spec, __version__, block_of(config, spec, settings)],
                              sort_keys=True, separators=(",", ":"), allow_nan=False))


async def map_body(request: Request, settings: SettingsDep) -> bytes:
    """Dependency: the body of a map request, read within the size limit."""
    return await read_body(request, settings.max_body_bytes)


MapBody = Annotated[bytes, Depends(map_body)]


async def _post(request: Request, kind: str, body: bytes, settings: Settings) -> Response:
    raw = parse_json(body)
    if not isinstance(raw, Mapping):
        raise ApiError(422, "body", "must be a JSON object {\"config\": ..., \"map\": ...}",
                       loc=["body"])
    unknown = set(raw) - {"config", "map"}
    if unknown:
        name = sorted(unknown)[0]
        raise ApiError(422, name, "unknown field; allowed: config, map", loc=["body", name])
    try:
        config = await off_loop(request, body, validate_request, raw.get("config", {}),
                                settings)
    except ConfigError as error:
        field = f"config.{error.field}" if error.field else "config"
        raise ConfigError(field, error.message) from None
    if kind == "hyper" and raw.get("map") is None:
        raise ConfigError("map", "a hyperparameter map needs its axes: {\"x\": {\"param\": "
                                 "\"lr\"}, \"y\": {\"param\": \"beta1\"}}")
    try:
        spec = await off_loop(request, body, validate_map, kind, raw.get("map", {}),
                              config, settings)
    except ConfigError as error:
        if error.field.startswith("map"):
            raise
        raise ConfigError(f"config.{error.field}", error.message) from None
    return await _stream(request, kind, config, spec,
                         {"ETag": _etag(kind, config, spec, settings)})


def map_of_query(kind: str, query: str, config: Mapping[str, Any], settings: Settings,
                 required: bool) -> dict[str, Any] | None:
    """The validated map the query's ``hmap.*`` / ``basin.*`` keys spell (None when it has
    none and none is required); errors name the query key (``hmap.x``)."""
    try:
        raw = decode_map(query, kind)
        if raw is None:
            if not required:
                return None
            if kind == "hyper":
                raise ConfigError("map", "give the axes: hmap.x=<param>,<min>,<max>,<scale>,"
                                         "<cells> and hmap.y=...")
            raw = {}
        return validate_map(kind, raw, config, settings)
    except ConfigError as error:
        raise as_map_query_error(kind, error) from None


_REDIRECT = {"description": "the query is not canonical: Location is the canonical query of the "
                            "same configuration and map (one URL per answer for caches)"}


def _canonical_again(kind: str, query: str, settings: Settings) -> str:
    """The canonical query of what ``query`` spells (for the redirect's fixed-point check)."""
    config = validate_request(decode(query), settings)
    spec = map_of_query(kind, query, config, settings, required=True)
    assert spec is not None
    return map_query(kind, config, spec)


async def _get(request: Request, kind: str, queried: tuple[str, dict[str, Any]],
               settings: Settings) -> Response:
    query, config = queried
    spec = await off_loop(request, query, map_of_query, kind, query, config, settings, True)
    assert spec is not None
    redirect = canonical_redirect(request, map_query(kind, config, spec),
                                  lambda q: _canonical_again(kind, q, settings))
    if redirect is not None:
        return redirect
    etag = _etag(kind, config, spec, settings)
    seconds = map_estimate(kind, config, spec, settings).seconds
    headers = {"ETag": etag, "Cache-Control": cache_control(settings, seconds)}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return await _stream(request, kind, config, spec, headers)


@router.post("/hyper", response_class=StreamingResponse, responses=_responses(),
             openapi_extra=_body_doc("HyperMapRequest"))
async def post_hyper_map(request: Request, body: MapBody, settings: SettingsDep) -> Response:
    """A hyperparameter map of one run: two hyperparameters over a grid (up to 128 x 128
    cells), every cell run to the end; streamed row block by row block with progress."""
    return await _post(request, "hyper", body, settings)


@router.get("/hyper", response_class=StreamingResponse, responses={
    **_responses(), 304: {"description": "If-None-Match matched"}, 308: _REDIRECT},
    openapi_extra=_query_doc("hyper"))
async def get_hyper_map(request: Request, queried: QueryConfig, settings: SettingsDep
                        ) -> Response:
    """The same stream for the page's query (configuration keys plus ``hmap.*``)."""
    return await _get(request, "hyper", queried, settings)


@router.post("/basin", response_class=StreamingResponse, responses=_responses(),
             openapi_extra=_body_doc("BasinMapRequest"))
async def post_basin_map(request: Request, body: MapBody, settings: SettingsDep) -> Response:
    """A basin-of-attraction map: one run started from every cell of a grid over the view (up
    to 256 x 256), each cell coloured by the minimum it reaches; streamed with progress."""
    return await _post(request, "basin", body, settings)


@router.get("/basin", response_class=StreamingResponse, responses={
    **_responses(), 304: {"description": "If-None-Match matched"}, 308: _REDIRECT},
    openapi_extra=_query_doc("basin"))
async def get_basin_map(request: Request, queried: QueryConfig, settings: SettingsDep
                        ) -> Response:
    """The same stream for the page's query (configuration keys plus ``basin.*``)."""
    return await _get(request, "basin", queried, settings)
