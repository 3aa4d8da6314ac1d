"""The gateway ASGI app: sign-in and sign-out pages, and the members' build
behind them."""

from __future__ import annotations

import logging
from datetime import date
from typing import NoReturn
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import cookies, logs
from .accounts import AccountsFileError, AccountStore, access_ended, import_accounts_file, normalise_email
from .addresses import client_address
from .audit import AuditLog
from .csrf import FIELD_NAME, CsrfTokens, is_cross_origin
from .headers import HostAllowListMiddleware, SecurityHeadersMiddleware
from .members_site import MembersSite
from .pages import STATIC_DIR, Pages
from .password_pages import PasswordPages
from .paths import safe_next
from .sessions import COOKIE_NAME, MembershipEnded, Sessions
from .settings import GatewayConfigError, GatewaySettings
from .storage import StorageError, StorageUnavailable, open_storage, redact
from .storage.sqlite import parse_sqlite_url
from .throttle import LoginThrottle

logger = logging.getLogger("leadingtrusts.gateway")

# The same words for an unknown account and a wrong password, so the page
# never confirms whether an email address belongs to a member.
LOGIN_FAILED = "That email and password do not match an account."
FORM_EXPIRED = "That form had expired, so it was not accepted. Please try again."
# Our forms are a few hundred bytes; refuse to buffer anything much larger.
MAX_FORM_BYTES = 16 * 1024
# Uvicorn's own exit status for an app it cannot load.
STARTUP_FAILURE = 3


def create_app(
    settings: GatewaySettings | None = None, *, accounts: AccountStore | None = None,
    audit: AuditLog | None = None,
) -> Starlette:
    """Build the gateway. `accounts` lets tests supply a store (and so its
    database) with cheap argon2 parameters; by default it is an AccountStore
    on the database at settings.database_url, migrated, with any old
    accounts file (settings.members_file) imported."""
    logs.install_redaction()
    logs.ensure_handler()
    settings = settings or GatewaySettings.from_env()
    if not settings.site_dir.is_dir():
        raise GatewayConfigError(
            f"members' build not found at {settings.site_dir}: build the site first "
            "or set LT_MEMBERS_SITE"
        )
    _refuse_files_inside_build(settings)
    if audit is None:
        audit = AuditLog(settings.audit_log)
    if accounts is None:
        accounts = open_accounts(settings, audit)

    gateway = _Gateway(settings, accounts, audit)
    passwords = PasswordPages(settings, accounts, audit, gateway.pages, gateway.csrf,
                              read_form=gateway._read_form, form_page=gateway._form_page)
    routes = [
        Route("/login", gateway.login_page, methods=["GET"]),
        Route("/login", gateway.login, methods=["POST"]),
        Route("/logout", gateway.logout_page, methods=["GET"]),
        Route("/logout", gateway.logout, methods=["POST"]),
        # Reached from the sign-in page and from links in emails (password_pages.py).
        Route("/forgot", passwords.forgot_page, methods=["GET"]),
        Route("/forgot", passwords.forgot, methods=["POST"]),
        Route("/set-password", passwords.set_password_page, methods=["GET"]),
        Route("/set-password", passwords.set_password, methods=["POST"]),
        Route("/_gateway/health", health, methods=["GET"]),
        Mount("/_gateway/static", app=StaticFiles(directory=STATIC_DIR)),
        # Everything else: the members' build, behind the session check.
        Mount("/", app=MembersSite(settings.site_dir, gateway.pages, gateway.identify)),
    ]

    async def storage_unavailable(request: Request, exc: Exception) -> Response:
        # Fail closed: with the database unreachable or locked nobody can be
        # checked, so nobody is let in, and the operator finds the reason in
        # the log. The next request tries the database afresh.
        logger.error("%s", exc)
        return gateway.pages.message(
            "Temporarily unavailable",
            "The members' area cannot check sign-ins at the moment. Please try again in a few minutes.",
            503,
            headers={"retry-after": "30", "cache-control": "no-store"},
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        # Only the gateway's own files get here; MembersSite answers for the rest.
        return gateway.pages.not_found(signed_in=False)

    async def server_error(request: Request, exc: Exception) -> Response:
        # Outside the other middleware, so this page carries its own headers.
        return gateway.pages.message(
            "Something went wrong",
            "The members' area could not answer that request. Please try again in a few minutes.",
            500,
            headers={"cache-control": "no-store"},
        )

    app = Starlette(
        routes=routes,
        # Outermost first: every response gets the security headers, refusals included.
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(HostAllowListMiddleware, allowed_hosts=settings.host_allow_list),
            # Level 6, zlib's usual: level 9 costs several times the CPU for a
            # file barely smaller.
            Middleware(GZipMiddleware, compresslevel=6),
        ],
        exception_handlers={StorageUnavailable: storage_unavailable, 404: not_found,
                            500: server_error},
    )
    app.state.settings = settings
    app.state.accounts = accounts
    app.state.storage = accounts.storage
    app.state.audit = audit
    app.state.sessions = gateway.sessions
    app.state.throttle = gateway.throttle
    return app


def app_from_environment() -> Starlette:
    """The gateway as uvicorn's command line makes it, settings from LT_* variables:

        uvicorn --factory leadingtrusts.gateway.app:app_from_environment ...

    A setting that stops it starting is one log line and exit status 3, not
    a traceback through uvicorn's internals."""
    logs.ensure_handler()  # before the settings are read: they may warn
    try:
        settings = GatewaySettings.from_env()
    except GatewayConfigError as error:
        _cannot_start(str(error))
    try:
        return create_app(settings)
    except GatewayConfigError as error:
        _cannot_start(str(error))
    except StorageError as error:
        _cannot_start(f"cannot open the database {redact(settings.database_url)}: {error}")


def _cannot_start(reason: str) -> NoReturn:
    logger.error("cannot start the gateway: %s", reason)
    raise SystemExit(STARTUP_FAILURE)


def open_accounts(settings: GatewaySettings, audit: AuditLog | None = None) -> AccountStore:
    """The accounts in settings.database_url (migrated), with any old
    accounts file imported first (and recorded in `audit`)."""
    storage = open_storage(settings.database_url)
    if settings.members_file is not None:
        try:
            import_accounts_file(storage, settings.members_file, audit.record if audit else None)
        except AccountsFileError as exc:
            storage.close()
            raise GatewayConfigError(str(exc)) from None
    return AccountStore(storage)


def _refuse_files_inside_build(settings: GatewaySettings) -> None:
    """Anything in the build is downloadable by every member: the database
    and the audit log must live elsewhere."""
    site = settings.site_dir.resolve()
    files = {"the audit log": settings.audit_log, "the accounts file": settings.members_file}
    if settings.database_url.startswith("sqlite:"):
        files["the database"] = parse_sqlite_url(settings.database_url)[0]
    for what, path in files.items():
        if path is not None and path.resolve().is_relative_to(site):
            raise GatewayConfigError(
                f"{what} {path} is inside the members' build {settings.site_dir}; "
                "keep it outside, where it cannot be served"
            )


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


class _Gateway:
    """Request handlers sharing one configuration."""

    def __init__(self, settings: GatewaySettings, accounts: AccountStore, audit: AuditLog) -> None:
        self.settings = settings
        self.accounts = accounts
        self.storage = accounts.storage
        self.audit = audit
        self.sessions = Sessions(accounts.storage, max_age=settings.session_max_age,
                                 idle_timeout=settings.session_idle_timeout)
        self.throttle = LoginThrottle(
            accounts.storage, pair_limit=settings.pair_failure_limit,
            address_limit=settings.ip_failure_limit, max_delay=settings.max_failure_delay,
            window=settings.failure_window,
        )
        self.csrf = CsrfTokens(settings.session_key)
        self.pages = Pages(settings.public_site_url)

    async def _member(self, request: Request) -> str | None:
        return await run_in_threadpool(self.sessions.member, request.cookies.get(COOKIE_NAME))

    async def identify(self, request: Request) -> str | Response | None:
        """For MembersSite: the signed-in member, None, or the sign-in page
        explaining that their membership has ended.

        A database fault raises StorageUnavailable here, before any file is
        read: the app answers 503, never the file."""
        session = await run_in_threadpool(self.sessions.check, request.cookies.get(COOKIE_NAME))
        if not isinstance(session, MembershipEnded):
            return session.email if session else None
        self.audit.record("membership_ended", account=session.email, address=client_address(request))
        if request.method in ("GET", "HEAD"):
            query = urlencode({"membership_ended": session.ended_on.isoformat()})
            response: Response = RedirectResponse(f"/login?{query}", status_code=303)
        else:
            response = self.pages.message(
                "Membership ended",
                f"Your membership ended on {_long_date(session.ended_on)}. To renew it, please "
                f"write to the programme team at {self.settings.contact_email}.",
                403,
            )
        cookies.clear_session(response, request)
        return response

    def _form_page(self, request: Request, template: str, status_code: int = 200, **context: object) -> Response:
        token, new_cookie = self.csrf.for_form(request)
        response = self.pages.render(template, status_code, csrf_token=token, **context)
        if new_cookie:
            cookies.set_csrf(response, request, new_cookie)
        return response

    def _login_form(self, request: Request, next_path: str, status_code: int = 200, *,
                    error: str | None = None, notice: str | None = None, email: str = "",
                    ended_on: date | None = None) -> Response:
        return self._form_page(request, "login.html", status_code,
                               next=next_path, error=error, notice=notice, email=email,
                               ended_on=_long_date(ended_on) if ended_on else None,
                               contact_email=self.settings.contact_email)

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
        if await self._member(request):
            return RedirectResponse(next_path, status_code=303)
        notice = SIGNED_OUT_NOTICES.get(request.query_params.get("signed_out", ""))
        # Set by MembersSite when a signed-in member's access ends; only a
        # date is accepted, so a crafted link can say nothing else.
        ended_on = _parse_date(request.query_params.get("membership_ended", ""))
        return self._login_form(request, next_path, notice=notice, ended_on=ended_on)

    async def login(self, request: Request) -> Response:
        form = await self._read_form(request)
        if isinstance(form, Response):
            return form
        next_path = safe_next(form.get("next"))
        if not self.csrf.matches(request, form.get(FIELD_NAME)):
            return self._login_form(request, next_path, 403, error=FORM_EXPIRED)

        email = normalise_email(_text(form.get("email")))
        password = _text(form.get("password"))
        address = client_address(request)

        # Counted as a failure before the password is checked, in the same
        # transaction as the check, so parallel guesses cannot slip in under
        # the limit; withdrawn on success.
        wait = await run_in_threadpool(self.throttle.begin, email, address)
        if wait:
            logger.warning("sign-in throttled for %r from %s", email, address)
            self.audit.record("sign_in_throttled", account=email, address=address)
            return self.pages.message(
                "Too many attempts",
                "There have been too many unsuccessful attempts to sign in from your "
                f"network. Please wait {_duration(wait)} and try again, or use "
                "“Forgot your password?” on the sign-in page.",
                429,
                headers={"retry-after": str(wait)},
            )

        # argon2 takes tens of milliseconds; keep it off the event loop.
        member = await run_in_threadpool(self.accounts.verify, email, password)
        if member is None:
            logger.info("failed sign-in for %r from %s", email, address)
            self.audit.record("sign_in_failed", account=email, address=address)
            return self._login_form(request, next_path, 401, error=LOGIN_FAILED, email=email)
        await run_in_threadpool(self.throttle.succeeded, email, address)
        if access_ended(member.access_ends):
            # Said only after the right password, so it reveals nothing to others.
            self.audit.record("sign_in_membership_ended", account=email, address=address)
            return self._login_form(request, next_path, 403, email=email, ended_on=member.access_ends)

        session_id = await run_in_threadpool(self.sessions.start, email, address)
        logger.info("signed in: %s from %s", email, address)
        self.audit.record("sign_in", account=email, address=address)
        response = RedirectResponse(next_path, status_code=303)
        cookies.set_session(response, request, session_id, self.settings.session_max_age)
        return response

    # -- sign out ---------------------------------------------------------------

    async def logout_page(self, request: Request) -> Response:
        return self._form_page(request, "logout.html", email=await self._member(request), error=None)

    async def logout(self, request: Request) -> Response:
        form = await self._read_form(request)
        if isinstance(form, Response):
            return form
        if not self.csrf.matches(request, form.get(FIELD_NAME)):
            return self._form_page(request, "logout.html", 403,
                                   email=await self._member(request), error=FORM_EXPIRED)
        cookie = request.cookies.get(COOKIE_NAME)
        address = client_address(request)
        everywhere = bool(form.get("everywhere"))
        if everywhere:
            email = await self._member(request)
            if email:
                ended = await run_in_threadpool(self.sessions.end_all, email)
                logger.info("signed out of %d sessions: %s from %s", ended, email, address)
                self.audit.record("sign_out_everywhere", account=email, address=address)
        else:
            email = await run_in_threadpool(self.sessions.end, cookie)
            if email:
                self.audit.record("sign_out", account=email, address=address)
        target = "/login?" + urlencode({"signed_out": "everywhere" if everywhere and email else "1"})
        response = RedirectResponse(target, status_code=303)
        cookies.clear_session(response, request)
        return response


SIGNED_OUT_NOTICES = {
    "1": "You have signed out.",
    "everywhere": "You have signed out on all your devices.",
}


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _long_date(day: date) -> str:
    """'31 July 2026'."""
    return f"{day.day} {day:%B %Y}"


def _duration(seconds: int) -> str:
    """'about 4 minutes', '30 seconds'."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"about {minutes} minute{'s' if minutes != 1 else ''}"


def _text(value: object) -> str:
    # An uploaded file where text belongs is treated as empty.
    return value if isinstance(value, str) else ""
