"""/api/config: open a shared link leniently (GET), or validate a configuration (POST)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.address.codec import decode_lenient, encode
from app.api.deps import (
    BodyConfig,
    RawQuery,
    SettingsDep,
    off_loop,
    validate_request,
)
from app.api.routes.trajectory import CONFIG_BODY, QUERY_PARAMETERS
from app.api.schemas import ConfigResponse, ErrorResponse
from app.config import Settings

router = APIRouter(prefix="/api", tags=["config"])


@router.get("/config", response_model=ConfigResponse, responses={422: {"model": ErrorResponse}},
            openapi_extra=QUERY_PARAMETERS)
async def get_config(request: Request, query: RawQuery, settings: SettingsDep
                     ) -> ConfigResponse:
    """The valid configuration of a page query, every invalid value dropped back to its
    default with one warning each, and the canonical query string."""
    return await off_loop(request, query, _repaired, query, settings)


def _repaired(query: str, settings: Settings) -> ConfigResponse:
    """The lenient decoding and its answer (in a validation thread when the query is long):
    at most ``max_repairs`` validations, then a 422 naming the query."""
    config, warnings = decode_lenient(query, lambda raw: validate_request(raw, settings),
                                      settings.max_repairs)
    return ConfigResponse.model_validate(
        {"config": config, "query": encode(config), "warnings": warnings}
    )


@router.post("/config", response_model=ConfigResponse,
             responses={413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
             openapi_extra=CONFIG_BODY)
async def post_config(config: BodyConfig) -> ConfigResponse:
    """Validate a JSON configuration without running it: the configuration with every default
    filled in and its canonical query string (invalid values are a 422 naming the field)."""
    return ConfigResponse.model_validate({"config": config, "query": encode(config),
                                          "warnings": []})
