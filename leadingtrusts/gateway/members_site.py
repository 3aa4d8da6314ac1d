"""The members' build, served only to a signed-in member."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote, urlencode

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from . import cookies
from .headers import MembersPolicy
from .pages import Pages
from .paths import is_gateway_path, is_suspicious_path
from .sessions import COOKIE_NAME

# Who is asking: the signed-in member's email, None for nobody, or a response
# the gateway gives instead (membership ended, database unavailable, ...).
Identify = Callable[[Request], Awaitable["str | Response | None"]]


class MembersSite:
    """ASGI app: check the path, then the session, then hand over to StaticFiles.

    The session check comes before StaticFiles sees the request, so without a
    valid session not one byte of the build is read, 404.html included.
    """

    def __init__(self, site_dir: Path, pages: Pages, identify: Identify) -> None:
        # follow_symlink=False: StaticFiles resolves symlinks and refuses any
        # whose target lies outside site_dir.
        self.files = StaticFiles(directory=site_dir, html=True, follow_symlink=False)
        self.policy = MembersPolicy(site_dir)
        self.pages = pages
        self.identify = identify

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
        else:
            member = await self.identify(request)
            if isinstance(member, Response):
                response = member
            elif is_gateway_path(scope["path"]):
                # The gateway's own addresses, and the build's _gateway/ folder
                # of facts for the gateway: never served from the build.
                response = self.pages.not_found(signed_in=member is not None)
            elif member is None:
                response = self._challenge(request)
            else:
                found = await self._serve(scope, receive, send)
                if found is None:
                    return
                response = found
        await response(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> Response | None:
        """Send the file (None), or the gateway's page when the build has no 404.html."""
        policy = self.policy.current()

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["content-security-policy"] = policy
            await send(message)

        try:
            await self.files(scope, receive, send_with_policy)
        except HTTPException as error:
            if error.status_code != 404:
                raise
            return self.pages.not_found(signed_in=True)
        return None

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
