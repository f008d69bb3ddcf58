"""GET /api/snippet: the Python script that reproduces a page's runs with the Python API.

The page's export menu downloads it; the script itself is written by :func:`app.snippet.snippet`
(one source of truth for the page and for notebooks).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from app import __version__
from app.address.page import page_options
from app.address.table import openapi_parameters, rows
from app.api.deps import (
    RawQuery,
    SettingsDep,
    etag_of,
    not_modified,
    query_config,
)
from app.api.routes.maps import map_of_query
from app.api.schemas import ErrorResponse
from app.snippet import snippet

router = APIRouter(prefix="/api", tags=["export"])
PYTHON = "text/x-python; charset=utf-8"
_EXAMPLE = ('"""Optimizer trajectories: 1 run of 300 steps on Rosenbrock. ..."""\n\n'
            "from app.engine.runner import run\nfrom app.notebook import figure\n\n"
            'config = {\n    "surface": {"name": "rosenbrock"},\n'
            '    "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}],\n}\n\n'
            "result = run(config)\n...\n")
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "a runnable Python script (UTF-8)",
          "content": {"text/x-python": {"schema": {"type": "string"}, "example": _EXAMPLE}}},
    304: {"description": "If-None-Match matched: the cached script is current"},
    422: {"description": "an invalid value, named as in the query (same as GET /api/trajectory)",
          "model": ErrorResponse},
}



_PARAMETERS = openapi_parameters(
    [*rows("config", "run"), *(k for k in rows("page") if k.notebook), *rows("hyper", "basin")])
"""The configuration's keys, the page keys the script honours (as figure() arguments) and the
maps' keys (the script computes the maps with hyper_map / basin_map)."""


@router.get("/snippet", response_class=Response, responses=_RESPONSES,
            openapi_extra=_PARAMETERS)
def get_snippet(request: Request, query: RawQuery, settings: SettingsDep) -> Response:
    """A Python script reproducing the runs of the page's query string with the Python API.

    The configuration in it is the canonical one with defaults left out, numbers exact; page
    keys (``p.log``, ``p.sel``, ...) become the matching arguments of ``app.notebook.figure``;
    map keys (``hmap.*``, ``basin.*``) add the maps, computed with ``hyper_map`` / ``basin_map``
    and drawn with ``map_figure``. Invalid values are refused as ``GET /api/trajectory`` and
    ``GET /api/map/<kind>`` refuse them.
    """
    config = query_config(query, settings)  # (a sync route: this runs in a worker thread)
    maps = {}
    for kind in ("hyper", "basin"):
        spec = map_of_query(kind, query, config, settings, required=False)
        if spec is not None:
            maps[kind] = spec
    page = page_options(query)
    text = snippet(config, page=page, maps=maps)
    etag = etag_of(f"{text}\n{__version__}")
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={settings.cache_max_age}"}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(text, media_type=PYTHON, headers=headers)
