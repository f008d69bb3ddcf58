"""Exception handlers: every bad input becomes a 4xx JSON answer naming the field; never a 500.

All error bodies share one shape, ``{"detail": [{"loc", "field", "msg", "type"}]}``: the engine's
ConfigError (fields like ``runs[0].params.lr``), query errors (``r0.lr``), FastAPI's own request
validation, malformed JSON (NaN and Infinity included) and oversize bodies (413).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.address.codec import QueryError, path_tokens
from app.engine.errors import ConfigError

log = logging.getLogger("app.api")


class ApiError(Exception):
    """A refused request with its HTTP status, the field at fault and what is allowed."""

    def __init__(self, status: int, field: str, msg: str, *, loc: list[str | int] | None = None,
                 kind: str = "value_error", headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{field}: {msg}")
        self.status = status
        self.field = field
        self.msg = msg
        self.loc = loc if loc is not None else [field]
        self.kind = kind
        self.headers = headers


def error_response(status: int, items: list[dict[str, Any]],
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """The common error body (standard JSON only)."""
    return JSONResponse({"detail": items}, status_code=status, headers=headers)


MSG_HEAD, MSG_TAIL = 200, 300  # a longer message keeps its start (what) and end (what is allowed)


def clip_message(msg: str) -> str:
    """``msg`` shortened in the middle when it quotes a long input (a 5000-letter optimizer
    name is named, not echoed back)."""
    if len(msg) <= MSG_HEAD + MSG_TAIL + 5:
        return msg
    return f"{msg[:MSG_HEAD]} ... {msg[-MSG_TAIL:]}"


def config_error_item(error: ConfigError) -> dict[str, Any]:
    """One error item for a ConfigError raised on a JSON body or a query string."""
    msg = clip_message(error.message)
    if isinstance(error, QueryError):
        item: dict[str, Any] = {"loc": ["query", error.field], "field": error.field,
                                "msg": msg, "type": "value_error"}
        if error.config_field:
            item["config_field"] = error.config_field
        return item
    return {"loc": ["body", *path_tokens(error.field)], "field": error.field, "msg": msg,
            "type": "value_error"}


async def _config_error(request: Request, exc: Exception) -> JSONResponse:
    """ConfigError / QueryError -> 422."""
    assert isinstance(exc, ConfigError)
    return error_response(422, [config_error_item(exc)])


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    """ApiError -> its own status (413 for an oversize body, 422 for malformed JSON, 429 / 503
    with Retry-After when the stream slots are taken)."""
    assert isinstance(exc, ApiError)
    return error_response(exc.status, [{"loc": exc.loc, "field": exc.field, "msg": exc.msg,
                                        "type": exc.kind}], headers=exc.headers)


def _plain(value: Any) -> Any:
    """Make a pydantic error context JSON-safe (it may hold exceptions or NaN)."""
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return str(value)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own parameter validation -> the common shape (422)."""
    assert isinstance(exc, RequestValidationError)
    items = []
    for err in exc.errors():
        loc = [_plain(p) for p in err.get("loc", ())]
        field = ".".join(str(p) for p in loc[1:]) or (str(loc[0]) if loc else "")
        item = {"loc": loc, "field": field, "msg": str(err.get("msg", "invalid value")),
                "type": str(err.get("type", "value_error"))}
        items.append(item)
    return error_response(422, items)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """404, 405 and friends keep Starlette's status but use JSON."""
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


CLIENT_CLOSED = 499
"""The status logged (never seen by anyone) when the client left before its request was read."""


async def _client_disconnect(request: Request, exc: Exception) -> Response:
    """An aborted upload is the client's doing, not a bug: one quiet line, no traceback."""
    log.warning("client closed the connection during the request: %s %s (%d)", request.method,
             request.url.path, CLIENT_CLOSED)
    return Response(status_code=CLIENT_CLOSED)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Last resort: log the bug and answer a generic 500 (tests assert this never happens)."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, [{"loc": [], "field": "", "msg": "internal server error",
                                 "type": "server_error"}])


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler on the app."""
    app.add_exception_handler(ConfigError, _config_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ClientDisconnect, _client_disconnect)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
