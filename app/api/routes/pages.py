"""The page (GET /) and plotly.js from the installed plotly package: no CDN, no internet."""

from __future__ import annotations

from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import TemplateNotFound

from app import __version__
from app.api.deps import settings_of

router = APIRouter(tags=["pages"])
PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))
PLOTLY_VERSION = version("plotly")


def templates_of(request: Request) -> Jinja2Templates:
    """The app's Jinja2 templates (created once per app, from the settings' directory)."""
    state = request.app.state
    if getattr(state, "templates", None) is None:
        state.templates = Jinja2Templates(directory=str(settings_of(request).templates_dir))
    return state.templates


@router.get("/", response_class=HTMLResponse, responses={503: {"description": "no template"}})
async def get_page(request: Request) -> Response:
    """The visualizer page (templates/index.html); shared links carry their state in the query."""
    headers = {"Cache-Control": "no-cache"}
    context = {
        "version": __version__,
        "plotly_url": f"/vendor/plotly.min.js?v={PLOTLY_VERSION}",
    }
    try:
        return templates_of(request).TemplateResponse(request, "index.html", context,
                                                      headers=headers)
    except TemplateNotFound:
        return HTMLResponse("<!doctype html><title>Optimizer trajectories</title>"
                            "<p>The page is not built yet (templates/index.html is missing).",
                            status_code=503, headers=headers)


@router.get("/vendor/plotly.min.js", response_class=FileResponse)
async def get_plotly(request: Request) -> Response:
    """plotly.js from the installed Python package (the page works offline)."""
    max_age = settings_of(request).cache_max_age
    return FileResponse(PLOTLY_JS, media_type="text/javascript",
                        headers={"Cache-Control": f"public, max-age={max_age}"})
