"""Cross-site request forgery defence for the gateway's own forms.

Double submit: a random token sits in a signed, HttpOnly, SameSite=Strict
cookie and in a hidden form field; a POST is accepted only when the two
agree. On top of that, a POST whose Origin (or Sec-Fetch-Site) says it came
from another site is refused outright.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request

COOKIE_NAME = "lt_csrf"
FIELD_NAME = "csrf_token"
_SALT = "leadingtrusts.gateway.csrf"
# A sign-in form left open longer than this asks the member to try again.
MAX_AGE = 12 * 60 * 60


class CsrfTokens:
    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)

    def from_cookie(self, request: Request) -> str | None:
        value = request.cookies.get(COOKIE_NAME)
        if not value:
            return None
        try:
            token = self._serializer.loads(value, max_age=MAX_AGE)
        except BadSignature:
            return None
        return token if isinstance(token, str) else None

    def for_form(self, request: Request) -> tuple[str, str | None]:
        """(token for the form, cookie value to set or None).

        An existing good cookie is reused so two open tabs do not invalidate
        each other's forms.
        """
        token = self.from_cookie(request)
        if token:
            return token, None
        token = secrets.token_urlsafe(32)
        return token, self._serializer.dumps(token)

    def matches(self, request: Request, submitted: object) -> bool:
        expected = self.from_cookie(request)
        return (
            expected is not None
            and isinstance(submitted, str)
            and hmac.compare_digest(expected.encode(), submitted.encode())
        )


def is_cross_origin(request: Request) -> bool:
    """True if the browser tells us this request came from another site.

    Compares the Origin's host[:port] with the Host header rather than whole
    origins, because behind a TLS-terminating proxy the gateway itself sees
    plain http. A reverse proxy must therefore pass the original Host header.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    scheme, sep, netloc = origin.partition("://")
    host = request.headers.get("host", "")
    return not sep or scheme not in ("http", "https") or netloc.lower() != host.lower()
