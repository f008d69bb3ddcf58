"""Security headers on every response: a strict CSP (no inline script, no remote origin)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(frame_ancestors: str) -> str:
    """The policy: everything from this origin; inline styles only (Plotly injects them)."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


# Policies a browser applies to documents only: a script, style sheet or font ignores them, and
# on the page's ~40 static files they would add ~6 kB to every first load.
DOCUMENT_ONLY = frozenset({b"permissions-policy", b"cross-origin-opener-policy"})
ASSET_PREFIXES = ("/static/", "/vendor/")


class SecurityHeaders:
    """Pure ASGI middleware adding the headers to each response's start message, unless the
    response set them. (Starlette's BaseHTTPMiddleware would also do, but it relays every body
    chunk of a stream through a memory stream and an extra task.)"""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in headers.items()]
        self.asset_headers = [h for h in self.headers if h[0] not in DOCUMENT_ONLY]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the missing headers when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        is_asset = scope.get("path", "").startswith(ASSET_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                wanted = self.asset_headers if is_asset else self.headers
                headers += [item for item in wanted if item[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb"))
"""Powerful browser features the page never uses, switched off for it and anything it embeds
(clipboard writes, used by the copy-link button, stay allowed)."""


def security_headers(frame_ancestors: str) -> dict[str, str]:
    """The headers every answer carries, the server's own 400 / 503 included."""
    return {
        "Content-Security-Policy": content_security_policy(frame_ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def install_security_headers(app: FastAPI, frame_ancestors: str) -> None:
    """Add the security headers (CSP, nosniff, referrer, permissions and opener policies) to
    every response of ``app``."""
    app.add_middleware(SecurityHeaders, headers=security_headers(frame_ancestors))
