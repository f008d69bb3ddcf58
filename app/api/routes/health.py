"""GET /healthz: liveness, with this worker's stream counters."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app import __version__
from app.api.deps import stats_of
from app.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def get_health(request: Request) -> Health:
    """``{"status": "ok"}`` plus the streams running now and the steps computed so far."""
    stats = stats_of(request)
    return Health(status="ok", version=__version__, active_streams=stats.active,
                  steps_computed=stats.steps_computed)
