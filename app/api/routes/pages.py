"""The page (GET /); its static files and plotly.js are served by app/api/static_files.py."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import TemplateNotFound

from app import __version__
from app.address.table import page_table
from app.api.deps import settings_of
from app.api.static_files import PLOTLY_JS, plotly_url, static_url
from app.lessons import lesson_address

router = APIRouter(tags=["pages"])
__all__ = ["PLOTLY_JS", "router"]


def templates_of(request: Request) -> Jinja2Templates:
    """The app's Jinja2 templates (created once per app, from the settings' directory)."""
    state = request.app.state
    if getattr(state, "templates", None) is None:
        state.templates = Jinja2Templates(directory=str(settings_of(request).templates_dir))
    return state.templates


@router.get("/", response_class=HTMLResponse,
            responses={307: {"description": "a short lesson link, sent to its scene"},
                       503: {"description": "no template"}})
async def get_page(request: Request) -> Response:
    """The visualizer page (templates/index.html); shared links carry their state in the query.

    A link naming a lesson and nothing else (``?p.lesson=momentum``) is sent on to the lesson's
    scene, so its text never sits above another configuration (app.lessons.lesson_address).
    """
    headers = {"Cache-Control": "no-cache"}
    scene = lesson_address(request.url.query)
    if scene is not None:
        return RedirectResponse(f"?{scene}", status_code=307, headers=headers)
    context = {
        "version": __version__,
        "plotly_url": plotly_url(),
        "static_url": await run_in_threadpool(static_url, request),
        "address_keys": page_table(),  # the p.* rows static/js/urlstate.js parses with (a meta)
    }
    try:
        return templates_of(request).TemplateResponse(request, "index.html", context,
                                                      headers=headers)
    except TemplateNotFound:
        return HTMLResponse("<!doctype html><title>Optimizer trajectories</title>"
                            "<p>The page is not built yet (templates/index.html is missing).",
                            status_code=503, headers=headers)
