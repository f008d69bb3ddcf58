"""/api/config: open a shared link leniently (GET), or validate a configuration (POST)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.api.deps import parse_json, read_body, read_query, settings_of, validate_request
from app.api.query import decode_lenient, encode
from app.api.routes.trajectory import CONFIG_BODY, QUERY_PARAMETERS
from app.api.schemas import ConfigResponse, ErrorResponse

router = APIRouter(prefix="/api", tags=["config"])


@router.get("/config", response_model=ConfigResponse, responses={422: {"model": ErrorResponse}},
            openapi_extra=QUERY_PARAMETERS)
async def get_config(request: Request) -> ConfigResponse:
    """The valid configuration of a page query, every invalid value dropped back to its
    default with one warning each, and the canonical query string."""
    settings = settings_of(request)
    query = read_query(request, settings)
    config, warnings = decode_lenient(query, lambda raw: validate_request(raw, settings))
    return ConfigResponse.model_validate(
        {"config": config, "query": encode(config), "warnings": warnings}
    )


@router.post("/config", response_model=ConfigResponse,
             responses={413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
             openapi_extra=CONFIG_BODY)
async def post_config(request: Request) -> ConfigResponse:
    """Validate a JSON configuration without running it: the configuration with every default
    filled in and its canonical query string (invalid values are a 422 naming the field)."""
    settings = settings_of(request)
    config = validate_request(parse_json(await read_body(request, settings.max_body_bytes)),
                              settings)
    return ConfigResponse.model_validate({"config": config, "query": encode(config),
                                          "warnings": []})
