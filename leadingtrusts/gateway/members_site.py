"""The members' build, served only to a signed-in member."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose

from . import cookies
from .accounts import AccountStore
from .pages import Pages
from .paths import is_suspicious_path
from .sessions import COOKIE_NAME, SessionCodec, signed_in_email


class MembersSite:
    """ASGI app: check the path, then the session, then hand over to StaticFiles.

    The session check comes before StaticFiles sees the request, so without a
    valid session not one byte of the build is read, 404.html included.
    """

    def __init__(self, site_dir: Path, codec: SessionCodec, accounts: AccountStore, pages: Pages) -> None:
        # follow_symlink=False: StaticFiles resolves symlinks and refuses any
        # whose target lies outside site_dir.
        self.files = StaticFiles(directory=site_dir, html=True, follow_symlink=False)
        self.codec = codec
        self.accounts = accounts
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await WebSocketClose()(scope, receive, send)
            return
        request = Request(scope, receive)
        response: Response
        if is_suspicious_path(scope["path"], scope.get("raw_path")):
            # Same answer signed in or not; it is about the URL, not the visitor.
            response = self.pages.message(
                "Bad request", "That address is not a page on this site.", 400
            )
        elif signed_in_email(request.cookies.get(COOKIE_NAME), self.codec, self.accounts) is None:
            response = self._challenge(request)
        else:
            await self.files(scope, receive, send)
            return
        await response(scope, receive, send)

    def _challenge(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD"):
            raw = request.scope.get("raw_path") or quote(request.url.path).encode()
            target = raw.decode("latin-1")
            if request.url.query:
                target += "?" + request.url.query
            location = "/login" if target == "/" else "/login?" + urlencode({"next": target})
            response: Response = RedirectResponse(location, status_code=303)
        else:
            # A form post or script call cannot follow a redirect to a login
            # page usefully; say plainly that a session is needed.
            response = self.pages.message(
                "Please sign in",
                "You need to sign in as a member to do that.",
                401,
            )
        if COOKIE_NAME in request.cookies:
            # Forged, expired or revoked: drop it so the browser stops sending it.
            cookies.clear_session(response, request)
        return response
