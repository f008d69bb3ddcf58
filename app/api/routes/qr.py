"""GET /api/qr: a QR code of a link as SVG, made locally (segno), so a class scans the projector."""

from __future__ import annotations

import io
from typing import Annotated

import segno
from fastapi import APIRouter, Query, Request, Response

from app.api.deps import etag_of, not_modified, settings_of
from app.api.errors import ApiError

router = APIRouter(prefix="/api", tags=["share"])
MAX_QR_CHARS = 2000  # a version-40 code at level M holds 2331 bytes; keep a margin


@router.get("/qr", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}, "description": "the QR code"}})
def get_qr(
    request: Request,
    text: Annotated[str, Query(max_length=MAX_QR_CHARS,
                               description="the link to encode (at most 2000 characters)")],
) -> Response:
    """A QR code (SVG, error correction M) of ``text``: what the share dialog shows."""
    if not text or len(text) > MAX_QR_CHARS:
        raise ApiError(422, "text", f"must be 1 to {MAX_QR_CHARS} characters, got {len(text)}",
                       loc=["query", "text"])
    etag = etag_of("qr:" + text)
    max_age = settings_of(request).cache_max_age
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out, kind="svg", scale=4, border=4, xmldecl=False, svgns=True, title="QR code",
        dark="#000", light="#fff")
    return Response(out.getvalue(), media_type="image/svg+xml", headers=headers)
