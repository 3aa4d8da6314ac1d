"""Security headers added to every response the gateway sends."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# For pages the gateway renders itself (sign-in, sign-out, errors). They use
# no scripts at all, only our own stylesheet and images. Not applied to the
# members' build: Material's pages need inline scripts of their own.
GATEWAY_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

GATEWAY_STATIC_PREFIX = "/_gateway/static/"

_ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class SecurityHeadersMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so file bodies stream untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Members' pages must not linger in shared or browser caches once the
        # member signs out; the gateway's own CSS and logo may be cached.
        cacheable = scope["path"].startswith(GATEWAY_STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS.items():
                    headers[name] = value
                if cacheable:
                    headers.setdefault("cache-control", "no-cache")
                    headers.setdefault("content-security-policy", GATEWAY_CSP)
                else:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
