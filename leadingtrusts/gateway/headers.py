"""Headers on every response the gateway sends: security (CSP, HSTS, ...),
caching, and the Host allow-list in front of everything."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..pipeline.csp import SCRIPT_HASHES_FILE
from .addresses import client_address, request_scheme

logger = logging.getLogger("leadingtrusts.gateway")

# For pages the gateway renders itself (sign-in, sign-out, errors) and any
# other response that does not come from the members' build. They use no
# scripts at all, only our own stylesheet and images.
GATEWAY_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

# For the members' build: Material's own scripts and its inline ones, allowed by
# hash (see pipeline/csp.py), never 'unsafe-inline'. Material's icons are data:
# SVGs in its CSS; its search runs in a same-origin worker. Inline styles stay
# allowed: editors may give an image a style="..." through attr_list, as on the
# public site, and CSS runs no code.
MEMBERS_CSP = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'self'"
)

# Browsers then refuse plain http to this host for a year (the minimum the
# preload lists accept). Sent only over https, where it counts.
HSTS = "max-age=31536000"

GATEWAY_STATIC_PREFIX = "/_gateway/static/"
# Material names its bundles after their content (main.57a0d79d.min.css), so a
# new build means new addresses: browsers and shared caches may keep them for
# good. They are the theme's code, the same as on the public site, so "public"
# reveals nothing. The gateway's own files get versioned addresses (pages.py).
_FINGERPRINTED = re.compile(r"/assets/(?:javascripts|stylesheets)/(?:[^/]+/)*[^/]+\.[0-9a-f]{8,}\.min\.(?:js|css)")
LONG_CACHE = "public, max-age=31536000, immutable"
# Everything else: members' pages must not linger in shared or browser caches
# once the member signs out (no-cache alone still lets the back button show a
# stored page on a shared computer).
NO_STORE = "no-store"

_UNREAD = object()

_ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def cache_control(path: str, status: int) -> str:
    """Long caching for unchanging files that were found; none for anything else."""
    if status == 200 and (path.startswith(GATEWAY_STATIC_PREFIX) or _FINGERPRINTED.fullmatch(path)):
        return LONG_CACHE
    return NO_STORE


class SecurityHeadersMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so file bodies stream untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = request_scheme(HTTPConnection(scope)) == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS.items():
                    headers[name] = value
                headers["cache-control"] = cache_control(scope["path"], message["status"])
                # The members' build sets its own policy (members_site.py).
                headers.setdefault("content-security-policy", GATEWAY_CSP)
                if https:
                    headers["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class MembersPolicy:
    """The CSP for files of the members' build, with the hashes written into it
    at build time. Re-read when the build is replaced, so a gateway left running
    through `make build` follows it; one stat() per request."""

    def __init__(self, site_dir: Path) -> None:
        self.path = site_dir / SCRIPT_HASHES_FILE
        self._seen: object = _UNREAD
        self._policy = ""
        self.current()

    def current(self) -> str:
        try:
            stat = os.stat(self.path)
            seen: object = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            seen = None
        if seen != self._seen:
            self._seen = seen
            self._policy = MEMBERS_CSP.format(hashes="".join(f" {h}" for h in self._read_hashes()))
        return self._policy

    def _read_hashes(self) -> list[str]:
        try:
            hashes = json.loads(self.path.read_text(encoding="utf-8"))["script-src"]
            if not all(isinstance(h, str) and h.startswith("'sha256-") for h in hashes):
                raise ValueError("it holds something other than hashes")
            return hashes
        except (OSError, ValueError, KeyError, TypeError) as error:
            # Fail safe: no inline script runs, so the pages lose their palette
            # and search until the build is made properly.
            logger.warning(
                "cannot read %s (%s): members' pages get the strictest policy, so "
                "Material's inline scripts will not run; rebuild with `make build`",
                self.path, "missing" if isinstance(error, FileNotFoundError) else error)
            return []


class HostAllowListMiddleware:
    """Starlette's TrustedHostMiddleware, with a log line and an audit event
    for each refusal: a foreign Host gets a plain 400, never a redirect that
    repeats it."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allowed_hosts = tuple(allowed_hosts)
        self.check = TrustedHostMiddleware(self._allowed, allowed_hosts=self.allowed_hosts,
                                           www_redirect=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        await self.check(scope, receive, send)
        if not scope.get("lt.host_allowed"):
            self._refused(scope)

    async def _allowed(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["lt.host_allowed"] = True
        await self.app(scope, receive, send)

    def _refused(self, scope: Scope) -> None:
        connection = HTTPConnection(scope)
        address = client_address(connection)
        logger.warning("refused Host %r from %s (allowed: %s; see LT_ALLOWED_HOSTS)",
                       connection.headers.get("host"), address, ", ".join(self.allowed_hosts))
        audit = getattr(getattr(scope.get("app"), "state", None), "audit", None)
        if audit is not None:
            audit.record("host_refused", address=address)
