"""/docs (Swagger UI) served from this origin under the site's CSP; /redoc leads there.

FastAPI's own pages load their scripts from a CDN and start them with an inline script, both
refused by the Content-Security-Policy (script-src 'self'): they were blank. Here the assets come
from the installed ``fastapi-offline`` package (its Swagger UI 5 build, mounted at /docs-assets)
and the page starts the UI from a static file (static/docs/swagger-init.js). ReDoc would need
blob: workers and a remote logo under the same policy, so /redoc redirects to /docs instead.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from app.api.deps import settings_of

router = APIRouter(include_in_schema=False)
ASSETS = Path(str(files("fastapi_offline") / "static"))
ASSETS_URL = "/docs-assets"


def _page(title: str, head: str, body: str) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title>"
            f"<link rel=\"icon\" href=\"{ASSETS_URL}/favicon.png\">{head}</head>"
            f"<body>{body}</body></html>")


def _headers(request: Request) -> dict[str, str]:
    max_age = settings_of(request).cache_max_age
    return {"Cache-Control": f"public, max-age={min(max_age, 3600)}"}


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json, every script from this origin."""
    title = f"{request.app.title} - API"
    head = f"<link rel=\"stylesheet\" href=\"{ASSETS_URL}/swagger-ui.css\">"
    body = ("<div id=\"swagger-ui\"></div>"
            f"<script src=\"{ASSETS_URL}/swagger-ui-bundle.js\"></script>"
            "<script src=\"/static/docs/swagger-init.js\"></script>")
    return HTMLResponse(_page(title, head, body), headers=_headers(request))


@router.get("/redoc")
async def redoc() -> RedirectResponse:
    """The API reference lives at /docs (FastAPI's ReDoc page, blank under the CSP, is off)."""
    return RedirectResponse("/docs", status_code=308)


def install_docs(app: FastAPI) -> None:
    """/docs, /redoc and the docs' assets (the app must be created with docs_url=None and
    redoc_url=None)."""
    app.include_router(router)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS, check_dir=False), name="docs-assets")
