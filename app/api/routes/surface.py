"""GET /api/surface: the loss on a grid for the contour and 3D views, with the minima.

The grid is computed in a worker thread (a sync route) and cached per process, since a class
opening the same link asks for the same grid; the answer is deterministic, hence ETag and
Cache-Control.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote

import numpy as np
from fastapi import APIRouter, Query, Request, Response

from app import __version__
from app.address.codec import (
    QueryError,
    decode,
    default_surface_name,
    path_tokens,
    query_field,
    typed_value,
)
from app.address.table import match, row
from app.api.deps import doubles_only, etag_of, not_modified, read_query, settings_of
from app.api.errors import ApiError
from app.api.schemas import ErrorResponse, SurfaceGrid
from app.api.static_files import WHOLE_BEST_MAX, whole_response_sync
from app.config import Settings
from app.engine.config import validate_surface
from app.engine.cost import grid_cost
from app.engine.errors import ConfigError
from app.engine.grid import surface_grid
from app.engine.surfaces import SURFACES

router = APIRouter(prefix="/api", tags=["surface"])
CACHE_SIZE = 16
# the grid's own keys; the rest are surface parameters
GRID_KEYS = ("name", "expression", "view", "resolution", "log", "digits", "surface", "expr")


def _grid_field(config_field: str) -> str:
    """``surface.params.angle`` -> ``angle``; ``surface.view[0]`` -> ``view``."""
    t = path_tokens(config_field)
    if len(t) >= 3 and t[1] == "params":
        return str(t[2])
    if len(t) >= 2 and t[1] in ("expression", "view", "name"):
        return str(t[1])
    return "name"


def _numbers(text: str, field: str) -> list[float]:
    """A comma list of finite numbers, or a 422 naming ``field``."""
    try:
        values = [float(t) for t in text.split(",")]
    except ValueError:
        raise QueryError(field, f"must be comma-separated numbers, got {text[:60]!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise QueryError(field, "numbers must be finite")
    return values


def grid_body(surface: dict[str, Any], n: int, log: bool, digits: int | None = None
              ) -> dict[str, Any]:
    """The engine's grid of a validated surface as the JSON answer (null where not finite), z
    rounded to ``digits`` significant digits when asked."""
    g = surface_grid(surface, n, log)
    z = g.z
    ok = np.isfinite(z)
    if digits is not None:
        z = np.array([float(f"{v:.{digits}g}") if f else v
                      for v, f in zip(z.ravel().tolist(), ok.ravel().tolist(), strict=True)],
                     dtype=float).reshape(z.shape)
    if ok.all():
        z_list = z.tolist()
    else:
        boxed = z.astype(object)
        boxed[~ok] = None
        z_list = boxed.tolist()
    return {
        "name": surface.get("name"), "expression": surface.get("expression"),
        "params": surface.get("params", {}),
        "label": g.label, "latex": g.latex, "view": list(surface["view"]),
        "x": g.x.tolist(), "y": g.y.tolist(), "z": z_list, "log": g.log,
        "zmin": g.zmin, "zmax": g.zmax,
        "fmin": g.fmin, "fmax": g.fmax, "log_delta": g.log_delta, "minima": g.minima,
    }


class GridCache:
    """A small thread-safe LRU of serialised grids (shared by the apps of this process)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], dict[str, Any]]) -> bytes:
        """The cached body for ``key``, computing and storing it when missing."""
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
                return body
        body = json.dumps(compute(), allow_nan=False, separators=(",", ":")).encode()
        with self._lock:
            self._items[key] = body
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return body


GRIDS = GridCache(CACHE_SIZE)


@router.get("/surface", response_model=SurfaceGrid, responses={422: {"model": ErrorResponse}})
def get_surface(
    request: Request,
    name: Annotated[str | None, Query(description="a surface of the catalog",
                                      json_schema_extra={"enum": list(SURFACES)})] = None,
    expression: Annotated[str | None, Query(description="or a formula in x and y")] = None,
    view: Annotated[str | None, Query(description="xmin,xmax,ymin,ymax (default: the "
                                                  "surface's view)")] = None,
    resolution: Annotated[int | None, Query(description="grid points per side (default and "
                                                        "maximum in the catalog's limits)")] = None,
    log: Annotated[bool, Query(description="z = log10(f - fmin + log_delta)")] = False,
    digits: Annotated[int | None, Query(ge=3, le=17, description=(
        "round z to this many significant digits (the page asks for 5: a contour needs no more, "
        "and the grid travels four times smaller); default: exact"))] = None,
    surface: Annotated[str | None, Query(description="or, as in a trajectory's query: "
                                                     + row("surface").help)] = None,
    expr: Annotated[str | None, Query(description="as in a trajectory's query: "
                                                  + row("expr").help)] = None,
) -> Response:
    """The loss on a resolution x resolution grid over the view, the minima and the formula.

    The surface is spelled as in a trajectory's query (``surface=ill_conditioned,
    condition_number=100``, ``expr=``, ``view=``; a whole page address may be given, its other
    keys are ignored), or with ``name`` / ``expression``, every other query key then being a
    parameter of the named surface (``condition_number=100``).
    """
    settings = settings_of(request)
    n = settings.default_grid if resolution is None else resolution
    if not 2 <= n <= settings.max_grid:
        raise ApiError(422, "resolution", f"must be an integer in [2, {settings.max_grid}], "
                                          f"got {n}", loc=["query", "resolution"])
    if surface is not None or expr is not None:
        raw = _address_surface(read_query(request, settings), name, expression)
    else:
        raw = _grid_surface(request, name, expression, view)
    text = raw.get("expression")
    if text is not None and len(text) > settings.max_expression_chars:
        raise QueryError("expression" if expression is not None else "expr",
                         f"formula of {len(text)} characters; at most "
                         f"{settings.max_expression_chars}")
    try:
        checked = validate_surface(doubles_only(raw))
    except ConfigError as error:
        name_of = _grid_field if surface is None and expr is None else query_field
        raise QueryError(name_of(error.field), error.message, config_field=error.field) \
            from None
    return _grid_response(request, settings, checked, n, log, digits)


def _address_surface(query: str, name: str | None, expression: str | None) -> dict[str, Any]:
    """The raw surface a trajectory's keys spell (surface=, expr=, view=); the address's other
    keys are ignored, the grid's own (resolution, log, digits) read by the route."""
    if name is not None or expression is not None:
        raise QueryError("name" if name is not None else "expression",
                         "give the surface either as surface= / expr= or as name= / "
                         "expression=, not both")
    parts = []
    for part in query.split("&"):
        key = unquote(part.partition("=")[0])
        hit = match(key, "config")
        if hit is not None and hit[0].field.startswith("surface"):
            parts.append(part)
    raw = decode("&".join(parts))
    return raw["surface"]


def _grid_surface(request: Request, name: str | None, expression: str | None,
                  view: str | None) -> dict[str, Any]:
    """The raw surface of the grid's own spelling: name= (its parameters as keys) or
    expression=, and view=."""
    extra = [(k, v) for k, v in request.query_params.multi_items() if k not in GRID_KEYS]
    raw: dict[str, Any] = {}
    if expression is not None:
        if name is not None:
            raise QueryError("expression", "give either name or expression, not both")
        raw["expression"] = expression
        if extra:
            raise QueryError(extra[0][0], "unknown query parameter (a formula has no parameters)")
    else:
        raw["name"] = name if name is not None else default_surface_name()
        spec = SURFACES.get(raw["name"])
        by_name = {p.name: p for p in spec.params} if spec else {}
        params: dict[str, Any] = {}
        for key, value in extra:
            if key in params:
                raise QueryError(key, "given more than once")
            params[key] = typed_value(value, by_name.get(key))
        if params:
            raw["params"] = params
    if view is not None:
        raw["view"] = _numbers(view, "view")
    return raw


def _grid_response(request: Request, settings: Settings, surface: dict[str, Any], n: int,
                   log: bool, digits: int | None) -> Response:
    """The grid of a validated surface, within the compute budget, cached and tagged."""
    seconds = grid_cost(surface, n * n)
    if seconds > settings.cost_budget_s:  # the same budget as every request's
        raise ApiError(422, "resolution", f"a {n} x {n} grid of this surface costs about "
                                          f"{seconds:.3g} s of compute, over this server's "
                                          f"budget of {settings.cost_budget_s:g} s",
                       loc=["query", "resolution"])
    key = json.dumps([surface, n, log, digits, __version__], sort_keys=True,
                     separators=(",", ":"))
    etag = etag_of(key)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={settings.cache_max_age}"}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    body = GRIDS.get(key, lambda: grid_body(surface, n, log, digits))
    return whole_response_sync(request, body, etag, headers, best_max=WHOLE_BEST_MAX)
