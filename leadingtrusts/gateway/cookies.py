"""Setting and clearing the gateway's two cookies with consistent flags."""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from . import csrf, sessions

# Hosts where a developer runs the gateway over plain http. Anywhere else the
# cookies are Secure, even if the gateway itself sees http behind a TLS proxy.
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def is_local(request: Request) -> bool:
    return (request.url.hostname or "").lower() in _LOCAL_HOSTS


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
        secure=not is_local(request),
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
        sessions.COOKIE_NAME, path="/", secure=not is_local(request), httponly=True, samesite="lax"
    )


def set_csrf(response: Response, request: Request, value: str) -> None:
    # Strict: only ever needed by our own forms, posted from our own pages.
    _set(response, request, csrf.COOKIE_NAME, value, "strict")
