"""GET /api/catalog: every optimizer, schedule and surface, so the page holds no copy of them."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request, Response

from app import __version__
from app.address.codec import encode
from app.address.table import page_table, rows
from app.api.deps import etag_of, not_modified, validate_request
from app.api.rounding import PAGE_DIGITS
from app.api.schemas import Catalog
from app.api.static_files import ANY_CODING, whole_body, whole_response
from app.config import Settings
from app.engine import expression, maps
from app.engine.optimizers import FAMILIES, OPTIMIZERS
from app.engine.quantities import QUANTITIES
from app.engine.schedules import SCHEDULES
from app.engine.surfaces import SURFACES
from app.lessons import FIRST_SCREEN, lesson_catalog
from app.palette import palette_catalog

router = APIRouter(prefix="/api", tags=["catalog"])


def build_catalog(settings: Settings) -> dict[str, Any]:
    """The catalog as a JSON-ready dict (registries in their declared order)."""
    default = validate_request({}, settings)
    return {
        "version": __version__,
        "texts": "all",
        "optimizers": [spec.to_catalog() for spec in OPTIMIZERS.values()],
        "families": [f.to_catalog() for f in FAMILIES.values()],
        "schedules": [spec.to_catalog() for spec in SCHEDULES.values()],
        "surfaces": [spec.to_catalog() for spec in SURFACES.values()],
        "settings": {k.field: k.param.to_catalog()  # the address table's top-level Params
                     for k in rows("config") if k.param is not None},
        "quantities": [q.to_catalog() for q in QUANTITIES],
        "palette": palette_catalog(),
        "limits": {
            "max_runs": settings.max_runs, "max_steps": settings.max_steps,
            "max_run_steps": settings.max_run_steps, "max_grid": settings.max_grid,
            "default_grid": settings.default_grid,
            "max_expression_chars": settings.max_expression_chars,
            "max_body_bytes": settings.max_body_bytes,
            "max_map_cells": settings.max_map_cells,
            "max_basin_cells": settings.max_basin_cells,
            "max_map_steps": settings.max_map_steps,
            "page_digits": PAGE_DIGITS,
        },
        "maps": {"metrics": list(maps.METRICS), "basin_colors": list(maps.BASIN_COLORS),
                 "scales": list(maps.SCALES)},
        "lessons": lesson_catalog(),
        "first_screen": FIRST_SCREEN,
        "address": page_table(),
        "default_config": default,
        "default_query": encode(default),
        "expression": {
            "surface_variables": ["x", "y"], "schedule_variables": ["k"],
            "functions": list(expression.FUNCTIONS), "constants": list(expression.CONSTANTS),
            "operators": ["+", "-", "*", "/", "**"],
            "max_length": min(expression.MAX_LENGTH, settings.max_expression_chars),
        },
    }


def without_translations(value: Any) -> Any:
    """``value`` with every ``i18n`` member (the texts in other languages than English) left
    out."""
    if isinstance(value, dict):
        return {k: without_translations(v) for k, v in value.items() if k != "i18n"}
    if isinstance(value, list):
        return [without_translations(v) for v in value]
    return value


def catalog_bytes(app: FastAPI, part: str = "all") -> tuple[bytes, str]:
    """The catalog serialised once per app, with its ETag: whole (``all``), without its lessons
    (``page``: what a page needs to open), that in English only (``page-en``) or its lessons
    alone (``lessons``)."""
    state = app.state
    cache = getattr(state, "catalog_parts", None)
    if cache is None:
        cache = state.catalog_parts = {}
    if part not in cache:
        whole = build_catalog(state.settings)
        page = {k: v for k, v in whole.items() if k != "lessons"}
        value = {"all": whole, "lessons": {"lessons": whole["lessons"]}, "page": page,
                 "page-en": {**without_translations(page), "texts": "en"},
                 "all-en": {**without_translations(whole), "texts": "en"}}[part]
        # UTF-8 as is (JSON's encoding): the Chinese texts' \uXXXX escapes would cost the
        # first load ~1.5 kB more after brotli.
        body = json.dumps(value, allow_nan=False, separators=(",", ":"),
                          ensure_ascii=False).encode()
        cache[part] = (body, etag_of(body.decode()))
    return cache[part]


def compress_parts(app: FastAPI) -> None:
    """Compress the parts a page asks for at their best before anyone asks: a page opened in
    English asks for the translations (``page``) when its language changes, and would otherwise
    wait a second of brotli's best quality on that click."""
    for part in ("page-en", "page", "lessons"):
        body, etag = catalog_bytes(app, part)
        for coding in ANY_CODING:
            whole_body(etag, body, coding)


async def answer(request: Request, part: str) -> Response:
    """A catalog part, revalidated by its ETag."""
    body, etag = catalog_bytes(request.app, part)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return await whole_response(request, body, etag, headers)


TEXTS_QUERY = Query(description="`all` (default): every text with its translations (`i18n`); "
                                "`en`: English only, 16 kB less (with `lessons=0`: the page in "
                                "English asks so, and for the translations when its language "
                                "changes)")


@router.get("/catalog", response_model=Catalog)
async def get_catalog(request: Request, lessons: bool = True,
                      texts: Annotated[Literal["all", "en"], TEXTS_QUERY] = "all") -> Response:
    """Everything the page builds its controls from: optimizers, schedules, surfaces, limits;
    ``lessons=0`` leaves the lessons out (the page loads them from /api/lessons when asked),
    ``texts=en`` the translations."""
    if lessons:
        return await answer(request, "all" if texts == "all" else "all-en")
    return await answer(request, "page" if texts == "all" else "page-en")


@router.get("/lessons")
async def get_lessons(request: Request) -> Response:
    """The catalog's lessons alone (``{"lessons": [...]}``), as in GET /api/catalog."""
    return await answer(request, "lessons")
