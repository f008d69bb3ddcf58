"""POST bodies must say they are JSON: anything else is a 415 before the body is read.

A web page on another site can make a visitor's browser send a "simple" cross-origin POST
(``text/plain``, a form, no content type) without asking first; every computation here is
expensive, so such requests are refused before any parsing. ``application/json`` needs a CORS
preflight, which this server never grants.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.errors import error_response

JSON_TYPE = "application/json"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def media_type(header: str) -> str:
    """``text/plain; charset=utf-8`` -> ``text/plain`` (lower case, parameters dropped)."""
    return header.split(";", 1)[0].strip().lower()


class JsonBodiesOnly:
    """Pure ASGI middleware answering 415 to a body-carrying request that is not JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse at once, or pass the request on untouched."""
        if scope["type"] == "http" and scope["method"] in BODY_METHODS:
            raw = next((value for name, value in scope["headers"] if name == b"content-type"),
                       b"").decode("latin-1")
            if media_type(raw) != JSON_TYPE:
                got = f"got {raw[:100]!r}" if raw else "got no Content-Type"
                response = error_response(415, [{
                    "loc": ["header", "content-type"], "field": "content-type",
                    "msg": f"{scope['method']} bodies must be sent as {JSON_TYPE}; {got}",
                    "type": "unsupported_media_type"}])
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_json_only(app: FastAPI) -> None:
    """Refuse non-JSON bodies on every route of ``app`` (add before the security headers, so
    the 415 carries them)."""
    app.add_middleware(JsonBodiesOnly)
