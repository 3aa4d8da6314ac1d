"""The gateway ASGI app: sign-in and sign-out pages, and the members' build
behind them."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import cookies
from .accounts import AccountsFileError, AccountStore, normalise_email
from .csrf import FIELD_NAME, CsrfTokens, is_cross_origin
from .headers import SecurityHeadersMiddleware
from .members_site import MembersSite
from .pages import STATIC_DIR, Pages
from .paths import safe_next
from .sessions import COOKIE_NAME, SessionCodec, signed_in_email
from .settings import GatewayConfigError, GatewaySettings
from .throttle import FailureThrottle

logger = logging.getLogger("leadingtrusts.gateway")

# The same words for an unknown account and a wrong password, so the page
# never confirms whether an email address belongs to a member.
LOGIN_FAILED = "That email and password do not match an account."
FORM_EXPIRED = "That form had expired, so it was not accepted. Please try again."
# Our forms are a few hundred bytes; refuse to buffer anything much larger.
MAX_FORM_BYTES = 16 * 1024


def create_app(
    settings: GatewaySettings | None = None, *, accounts: AccountStore | None = None
) -> Starlette:
    """Build the gateway. `accounts` lets tests supply a store with cheap
    argon2 parameters; by default it is AccountStore(settings.members_file)."""
    settings = settings or GatewaySettings.from_env()
    if not settings.site_dir.is_dir():
        raise GatewayConfigError(
            f"members' build not found at {settings.site_dir}: build the site first "
            "or set LT_MEMBERS_SITE"
        )
    if settings.members_file.resolve().is_relative_to(settings.site_dir.resolve()):
        # Anything in the build is downloadable by every member.
        raise GatewayConfigError(
            f"the accounts file {settings.members_file} is inside the members' build "
            f"{settings.site_dir}; keep it outside, where it cannot be served"
        )
    if accounts is None:
        accounts = AccountStore(settings.members_file)
    if not accounts.path.exists():
        logger.warning("accounts file %s does not exist yet: nobody can sign in", accounts.path)

    gateway = _Gateway(settings, accounts)
    routes = [
        Route("/login", gateway.login_page, methods=["GET"]),
        Route("/login", gateway.login, methods=["POST"]),
        Route("/logout", gateway.logout_page, methods=["GET"]),
        Route("/logout", gateway.logout, methods=["POST"]),
        Route("/_gateway/health", health, methods=["GET"]),
        Mount("/_gateway/static", app=StaticFiles(directory=STATIC_DIR)),
        # Everything else: the members' build, behind the session check.
        Mount("/", app=MembersSite(settings.site_dir, gateway.codec, accounts, gateway.pages)),
    ]

    async def accounts_unreadable(request: Request, exc: Exception) -> Response:
        # Fail closed: with the file unreadable nobody can be checked, so
        # nobody is let in, and the operator finds the reason in the log.
        logger.error("%s", exc)
        return gateway.pages.message(
            "Temporarily unavailable",
            "The members' area cannot check sign-ins at the moment. Please try again later.",
            503,
        )

    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeadersMiddleware)],
        exception_handlers={AccountsFileError: accounts_unreadable},
    )
    app.state.settings = settings
    app.state.accounts = accounts
    app.state.account_throttle = gateway.account_throttle
    app.state.ip_throttle = gateway.ip_throttle
    return app


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


class _Gateway:
    """Request handlers sharing one configuration."""

    def __init__(self, settings: GatewaySettings, accounts: AccountStore) -> None:
        self.settings = settings
        self.accounts = accounts
        self.codec = SessionCodec(settings.session_key, settings.session_max_age)
        self.csrf = CsrfTokens(settings.session_key)
        self.pages = Pages(settings.public_site_url)
        self.account_throttle = FailureThrottle(settings.account_failure_limit, settings.failure_window)
        self.ip_throttle = FailureThrottle(settings.ip_failure_limit, settings.failure_window)

    def _member(self, request: Request) -> str | None:
        return signed_in_email(request.cookies.get(COOKIE_NAME), self.codec, self.accounts)

    def _form_page(self, request: Request, template: str, status_code: int = 200, **context: object) -> Response:
        token, new_cookie = self.csrf.for_form(request)
        response = self.pages.render(template, status_code, csrf_token=token, **context)
        if new_cookie:
            cookies.set_csrf(response, request, new_cookie)
        return response

    def _login_form(self, request: Request, next_path: str, status_code: int = 200, *,
                    error: str | None = None, notice: str | None = None, email: str = "") -> Response:
        return self._form_page(request, "login.html", status_code,
                               next=next_path, error=error, notice=notice, email=email)

    async def _read_form(self, request: Request) -> FormData | Response:
        """The posted form, or a refusal if it is cross-site or oversized."""
        if is_cross_origin(request):
            logger.warning("refused cross-origin POST %s (Origin: %s)",
                           request.url.path, request.headers.get("origin"))
            return self.pages.message(
                "Request refused",
                "That form was sent from another website, so it was refused. "
                "Please use the form on this site.",
                403,
            )
        length = request.headers.get("content-length", "")
        if not length.isdigit():
            return self.pages.message("Request refused", "That form arrived without a length.", 411)
        if int(length) > MAX_FORM_BYTES:
            return self.pages.message("Request refused", "That form was too large.", 413)
        return await request.form(max_files=0, max_fields=10)

    # -- sign in ----------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        next_path = safe_next(request.query_params.get("next"))
        if self._member(request):
            return RedirectResponse(next_path, status_code=303)
        notice = "You have signed out." if "signed_out" in request.query_params else None
        return self._login_form(request, next_path, notice=notice)

    async def login(self, request: Request) -> Response:
        form = await self._read_form(request)
        if isinstance(form, Response):
            return form
        next_path = safe_next(form.get("next"))
        if not self.csrf.matches(request, form.get(FIELD_NAME)):
            return self._login_form(request, next_path, 403, error=FORM_EXPIRED)

        email = normalise_email(_text(form.get("email")))
        password = _text(form.get("password"))
        ip = request.client.host if request.client else "unknown"

        wait = max(self.account_throttle.retry_after(email), self.ip_throttle.retry_after(ip))
        if wait:
            logger.warning("sign-in throttled for %r from %s", email, ip)
            minutes = max(1, round(wait / 60))
            return self.pages.message(
                "Too many attempts",
                "There have been too many unsuccessful attempts to sign in. For the "
                f"account's safety, please wait about {minutes} minute{'s' if minutes > 1 else ''} "
                "and try again, or ask the programme team to reset your password.",
                429,
                headers={"retry-after": str(wait)},
            )
        # Counted as failures before checking, with no await in between, so
        # parallel guesses cannot all slip in under the limit; undone on success.
        self.account_throttle.record_failure(email)
        self.ip_throttle.record_failure(ip)

        # argon2 takes tens of milliseconds; keep it off the event loop.
        if not await run_in_threadpool(self.accounts.verify, email, password):
            logger.info("failed sign-in for %r from %s", email, ip)
            return self._login_form(request, next_path, 401, error=LOGIN_FAILED, email=email)

        epoch = self.accounts.current_epoch(email)
        if epoch is None:  # removed in the instant since verify()
            return self._login_form(request, next_path, 401, error=LOGIN_FAILED, email=email)
        self.account_throttle.clear(email)
        self.ip_throttle.forgive_one(ip)
        logger.info("signed in: %s from %s", email, ip)
        response = RedirectResponse(next_path, status_code=303)
        cookies.set_session(response, request, self.codec.issue(email, epoch), self.settings.session_max_age)
        return response

    # -- sign out ---------------------------------------------------------------

    async def logout_page(self, request: Request) -> Response:
        return self._form_page(request, "logout.html", email=self._member(request), error=None)

    async def logout(self, request: Request) -> Response:
        form = await self._read_form(request)
        if isinstance(form, Response):
            return form
        if not self.csrf.matches(request, form.get(FIELD_NAME)):
            return self._form_page(request, "logout.html", 403,
                                   email=self._member(request), error=FORM_EXPIRED)
        response = RedirectResponse("/login?signed_out=1", status_code=303)
        cookies.clear_session(response, request)
        return response


def _text(value: object) -> str:
    # An uploaded file where text belongs is treated as empty.
    return value if isinstance(value, str) else ""
