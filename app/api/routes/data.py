"""GET /api/data: the data set behind a data surface and each step's mini-batch, for the page's
data view (the model at the current step drawn over its data)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from app import __version__
from app.api.deps import (
    QueryConfig,
    SettingsDep,
    compute_limiter,
    etag_of,
    not_modified,
)
from app.api.errors import ApiError
from app.api.routes.trajectory import QUERY_PARAMETERS
from app.api.streaming import dumps
from app.engine.minibatches import data_view

router = APIRouter(prefix="/api", tags=["surface"])


@router.get("/data", response_class=Response, openapi_extra=QUERY_PARAMETERS, responses={
    200: {"description": "samples x, y; batch_size, per_epoch and the epochs' permutations "
                         "(step t uses epochs[(t-1)//per_epoch][j*b:(j+1)*b], j=(t-1)%per_epoch) "
                         "up to covers_steps", "content": {"application/json": {}}},
    422: {"description": "an invalid value, or a surface without data (field surface)"}})
async def get_data(request: Request, queried: QueryConfig, settings: SettingsDep) -> Response:
    """The samples of the query's data surface (linear or logistic regression) and its batches."""
    query, config = queried
    # Replaying the batches is light (no gradients, at most MAX_INDICES numbers) but not free:
    # it runs in a validation thread, never on the event loop.
    view: dict[str, Any] | None = await anyio.to_thread.run_sync(
        data_view, config, limiter=compute_limiter("validation", settings.validation_threads))
    if view is None:
        raise ApiError(422, "surface", "has no data set: only linear_regression and "
                       "logistic_regression have one", loc=["query", "surface"])
    body = dumps(view)
    etag = etag_of(f"data\n{query}\n{__version__}")
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={settings.cache_max_age}"}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
