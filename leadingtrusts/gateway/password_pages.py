"""The pages behind emailed links: "Forgot your password?" and choosing a
password from an invitation or a reset link.

/forgot answers every request the same way, in the same time, whether or not
the address has an account: the lookup, the token and the email all happen
in a background task after the response has gone. /set-password spends its
token only when a good password is posted, so a mistyped password does not
waste the link.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from .accounts import MIN_PASSWORD_LENGTH, AccountError, AccountStore, access_ended, validate_email
from .addresses import client_address
from .audit import AuditLog
from .csrf import FIELD_NAME, CsrfTokens
from .invitations import set_password_link
from .mail import Mailer, MailNotSent
from .pages import Pages
from .settings import GatewaySettings
from .storage import StorageError, StorageUnavailable, TokenPurpose

logger = logging.getLogger("leadingtrusts.gateway")

FORM_EXPIRED = "That form had expired, so it was not accepted. Please try again."
PASSWORDS_DIFFER = "The two passwords are not the same. Please type them again."
NOT_AN_EMAIL = "Please type a whole email address, such as name@example.org."
# Which kind of link a token came from; tried in this order.
PURPOSES: tuple[TokenPurpose, ...] = ("invite", "reset")
# A run of "forgot" requests is forgotten after an hour without one.
FORGOT_WINDOW_SECONDS = 60 * 60

FormReader = Callable[[Request], Awaitable[FormData | Response]]
FormPage = Callable[..., Response]


class PasswordPages:
    """Handlers for GET/POST /forgot and GET/POST /set-password."""

    def __init__(self, settings: GatewaySettings, accounts: AccountStore, audit: AuditLog,
                 pages: Pages, csrf: CsrfTokens, *, read_form: FormReader, form_page: FormPage,
                 mailer: Mailer | None = None) -> None:
        self.settings = settings
        self.accounts = accounts
        self.storage = accounts.storage
        self.audit = audit
        self.pages = pages
        self.csrf = csrf
        self.read_form = read_form
        self.form_page = form_page
        self.mailer = mailer or Mailer(settings.smtp)

    # -- forgot password ----------------------------------------------------------

    def _forgot_form(self, request: Request, status_code: int = 200, *, email: str = "",
                     error: str | None = None) -> Response:
        return self.form_page(request, "forgot.html", status_code, requested=False,
                              email=email, error=error)

    async def forgot_page(self, request: Request) -> Response:
        return self._forgot_form(request)

    async def forgot(self, request: Request) -> Response:
        form = await self.read_form(request)
        if isinstance(form, Response):
            return form
        typed = _text(form.get("email")).strip()
        if not self.csrf.matches(request, form.get(FIELD_NAME)):
            return self._forgot_form(request, 403, email=typed, error=FORM_EXPIRED)
        try:
            email = validate_email(typed)
        except AccountError:
            return self._forgot_form(request, 400, email=typed, error=NOT_AN_EMAIL)

        address = client_address(request)
        # Per client address, on the request path: it says nothing about accounts.
        wait = await run_in_threadpool(self._count_request, f"forgot-address:{address}",
                                       self.settings.forgot_requests_per_address)
        if wait:
            minutes = max(1, round(wait / 60))
            return self.pages.message(
                "Too many requests",
                "There have been many password reset requests from your network. Please wait "
                f"about {minutes} minute{'s' if minutes > 1 else ''} and try again.",
                429, headers={"retry-after": str(int(wait) + 1)},
            )
        self.audit.record("password_reset_requested", account=email, address=address)
        response = self.pages.render(
            "forgot.html", requested=True, email=email,
            valid_for=_duration(self.settings.reset_ttl), contact_email=self.settings.contact_email,
        )
        # Everything that depends on whether the account exists happens here,
        # after the response has been sent.
        response.background = BackgroundTask(self._send_reset_link, email, address)
        return response

    def _send_reset_link(self, email: str, address: str) -> None:
        """Email a reset link if `email` is a member with access; otherwise nothing."""
        try:
            member = self.storage.get_member(email)
            if member is None or access_ended(member.access_ends):
                return
            # Per account, so nobody can flood a member's inbox from many addresses.
            if self._count_request(f"forgot-account:{email}", self.settings.reset_emails_per_account):
                logger.warning("reset link for %s not sent: too many requests this hour", email)
                return
            token = self.storage.create_token(email, "reset", self.settings.reset_ttl)
            self.mailer.send(
                "password_reset", to=email, name=member.name,
                link=set_password_link(self.settings.members_url, token),
                expires=dt.datetime.now(dt.UTC) + self.settings.reset_ttl,
                login_url=_login_url(self.settings.members_url),
                contact_email=self.settings.contact_email,
            )
        except MailNotSent as error:
            logger.error("password reset link for %s not sent: %s", email, error)
            self.audit.record("reset_not_sent", account=email, address=address)
            self._uncount_request(f"forgot-account:{email}")
        except Exception:  # noqa: BLE001 - nobody is waiting for this task to report to
            logger.exception("password reset link for %s not sent", email)
            self.audit.record("reset_not_sent", account=email, address=address)
        else:
            logger.info("password reset link sent to %s", email)

    def _count_request(self, key: str, limit: int) -> float:
        """Count one request against `key`; the seconds to wait if over `limit` this hour.

        The sign-in throttle's table, shared by every gateway process: up to
        `limit` requests go through, then one an hour until an hour passes quietly."""
        return self.storage.begin_attempt(
            [key], lambda _key, requests: 0.0 if requests < limit else float(FORGOT_WINDOW_SECONDS),
            quiet=FORGOT_WINDOW_SECONDS, keep_for=2 * FORGOT_WINDOW_SECONDS,
        )

    def _uncount_request(self, key: str) -> None:
        """Give back a request counted against `key`: an email that never left
        must not use up the member's allowance for when the server is back."""
        try:
            self.storage.forgive_failure(key)
        except StorageError:
            logger.exception("could not give back the reset request counted for %s", key)

    # -- choosing a password -------------------------------------------------------

    async def _token(self, token: str) -> tuple[str, TokenPurpose] | None:
        """(email, purpose) of a usable token, without spending it."""
        for purpose in PURPOSES:
            email = await run_in_threadpool(self.storage.peek_token, token, purpose)
            if email:
                return email, purpose
        return None

    def _link_expired(self) -> Response:
        return self.pages.render("link_expired.html", 410, contact_email=self.settings.contact_email)

    def _password_form(self, request: Request, token: str, email: str, purpose: str,
                       status_code: int = 200, error: str | None = None) -> Response:
        return self.form_page(request, "set_password.html", status_code, token=token, email=email,
                              purpose=purpose, min_length=MIN_PASSWORD_LENGTH, error=error)

    async def set_password_page(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        found = await self._token(token)
        if found is None:
            return self._link_expired()
        email, purpose = found
        return self._password_form(request, token, email, purpose)

    async def set_password(self, request: Request) -> Response:
        form = await self.read_form(request)
        if isinstance(form, Response):
            return form
        token = _text(form.get("token"))
        found = await self._token(token)
        if found is None:
            return self._link_expired()
        email, purpose = found
        if not self.csrf.matches(request, form.get(FIELD_NAME)):
            return self._password_form(request, token, email, purpose, 403, FORM_EXPIRED)
        password = _text(form.get("password"))
        if password != _text(form.get("password_again")):
            return self._password_form(request, token, email, purpose, 400, PASSWORDS_DIFFER)
        try:
            # argon2 takes tens of milliseconds; keep it off the event loop.
            password_hash = await run_in_threadpool(self.accounts.hash_password, password)
        except AccountError as error:
            return self._password_form(request, token, email, purpose, 400, _sentence(str(error)))
        # Spent only now, once: a second use of the link, or a race, finds it gone.
        if await run_in_threadpool(self.storage.consume_token, token, purpose) != email:
            return self._link_expired()
        try:
            await run_in_threadpool(self.storage.set_password, email, password_hash)
        except StorageUnavailable:
            raise
        except StorageError:  # the member was removed a moment ago
            return self._link_expired()
        self.audit.record("password_set" if purpose == "invite" else "password_reset",
                          account=email, address=client_address(request))
        logger.info("%s for %s", "password chosen" if purpose == "invite" else "password reset", email)
        return self.pages.render("password_saved.html", email=email, purpose=purpose)


def _login_url(members_url: str) -> str:
    return f"{members_url.rstrip('/')}/login"


def _duration(delta: dt.timedelta) -> str:
    """'1 hour', '30 minutes', '7 days'."""
    minutes = round(delta.total_seconds() / 60)
    for unit, size in (("day", 24 * 60), ("hour", 60), ("minute", 1)):
        if minutes % size == 0 or unit == "minute":
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _text(value: object) -> str:
    # An uploaded file where text belongs is treated as empty.
    return value if isinstance(value, str) else ""
