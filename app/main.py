"""The FastAPI app: routers, static files, error handlers and an OpenAPI schema that documents
the request configuration and the stream records (``uvicorn app.main:app``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from app import __version__
from app.api.content_type import install_json_only
from app.api.deps import StreamStats
from app.api.errors import install_error_handlers
from app.api.map_schemas import BasinMapRequest, HyperMapRequest, MapRecord
from app.api.routes import (
    catalog,
    config,
    data,
    health,
    maps,
    pages,
    qr,
    snippet,
    surface,
    trajectory,
)
from app.api.routes.docs import install_docs
from app.api.schemas import ErrorResponse, TrajectoryConfig, TrajectoryRecord
from app.api.security import install_security_headers
from app.api.static_files import install_static_files
from app.api.warm import install_warm_up, prepare
from app.config import Settings, get_settings
from app.logs import install_rate_limit

DESCRIPTION = (
    "Watch optimizers and learning-rate schedules walk across 2D loss surfaces. "
    "`GET /api/catalog` lists what can be configured; `POST /api/trajectory` (JSON) or "
    "`GET /api/trajectory?<page query>` streams the run as NDJSON records."
)
_DOC_SCHEMAS: dict[str, Any] = {
    "TrajectoryConfig": TrajectoryConfig,
    "TrajectoryRecord": TrajectoryRecord,
    "ErrorResponse": ErrorResponse,
    "HyperMapRequest": HyperMapRequest,
    "BasinMapRequest": BasinMapRequest,
    "MapRecord": MapRecord,
}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the models the raw-body and streaming routes refer to."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for operations in schema.get("paths", {}).values():
        if "post" in operations:
            operations["post"].setdefault("responses", {})["415"] = {
                "description": "the body is not sent as application/json",
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    for name, model in _DOC_SCHEMAS.items():
        doc = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in doc.pop("$defs", {}).items():
            components.setdefault(def_name, definition)
        components[name] = doc
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app for ``settings`` (read from the environment when not given)."""
    settings = settings or get_settings()
    app = FastAPI(title="Optimizer-trajectory visualizer", version=__version__,
                  description=DESCRIPTION, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.stats = StreamStats()
    install_rate_limit(settings.log_interval)
    install_error_handlers(app)
    install_json_only(app)
    install_security_headers(app, settings.frame_ancestors)
    for module in (catalog, surface, data, trajectory, snippet, maps, config, health, qr, pages):
        app.include_router(module.router)
    install_docs(app)
    install_static_files(app)
    install_warm_up(app, [lambda: prepare(app, lambda: trajectory.first_screen_answer(settings)),
                          lambda: catalog.compress_parts(app)])
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app


app = create_app()
