"""Setting and clearing the gateway's two cookies with consistent flags."""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from . import csrf, sessions
from .addresses import request_scheme

# Hosts where a developer runs the gateway over plain http.
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def is_local(request: Request) -> bool:
    return (request.url.hostname or "").lower() in _LOCAL_HOSTS


def is_secure(request: Request) -> bool:
    """Whether the cookies get the Secure flag: always, except over plain http
    at a loopback address in development mode (`make members`).

    In production they are Secure even where the gateway sees http: behind a
    proxy that ended TLS, which may also pass on a loopback Host (proxy_pass
    http://127.0.0.1:8001 without `proxy_set_header Host`)."""
    if request_scheme(request) == "https":
        return True
    return _production(request) or not is_local(request)


def _production(request: Request) -> bool:
    # scope["app"] is the outer Starlette app, also inside mounted apps; a
    # request with no settings behind it is treated as production.
    settings = getattr(getattr(request.scope.get("app"), "state", None), "settings", None)
    return getattr(settings, "production", True)


def _set(
    response: Response,
    request: Request,
    name: str,
    value: str,
    samesite: Literal["lax", "strict"],
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=is_secure(request),
        httponly=True,
        samesite=samesite,
    )


def set_session(response: Response, request: Request, value: str, max_age: int) -> None:
    # Lax, not Strict: a member following a link to a thinkpiece from an email
    # or the public site should arrive signed in. Lax still withholds the
    # cookie from cross-site POSTs.
    _set(response, request, sessions.COOKIE_NAME, value, "lax", max_age)


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        sessions.COOKIE_NAME, path="/", secure=is_secure(request), httponly=True, samesite="lax"
    )


def set_csrf(response: Response, request: Request, value: str) -> None:
    # Strict: only ever needed by our own forms, posted from our own pages.
    _set(response, request, csrf.COOKIE_NAME, value, "strict")
