"""Gateway configuration, read once from the environment at start-up."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .addresses import Network, TrustedProxiesError, parse_trusted_proxies
from .deployment import DeploymentError, is_stand_in, load_deployment
from .mail import MailConfigError, SmtpSettings

logger = logging.getLogger("leadingtrusts.gateway")

# Shorter keys are guessable enough to forge sessions offline; 32 characters
# of token_urlsafe output carry well over 128 bits.
MIN_SESSION_KEY_LENGTH = 32
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*", re.I)


class GatewayConfigError(Exception):
    """The gateway cannot start as configured; str() is a one-line reason."""


@dataclass(frozen=True)
class GatewaySettings:
    site_dir: Path
    session_key: str
    production: bool = True
    # -- storage, sessions, throttling, audit (storage/, sessions.py, throttle.py)
    # LT_DATABASE_URL: sqlite:///abs/path.sqlite3 (one host) or postgresql://...
    database_url: str = field(default_factory=lambda: default_database_url())
    # LT_MEMBERS_FILE: an accounts file of the old JSON format, imported into
    # the database on first start and then renamed (*.imported).
    members_file: Path | None = None
    # LT_AUDIT_LOG: JSON lines of sign-ins, sign-outs, resets...; None: none kept.
    audit_log: Path | None = None
    # A working day: long enough to read, short enough that a cookie left on a
    # shared computer does not outlive the day.
    session_max_age: int = 8 * 60 * 60
    # A session unused this long ends (LT_SESSION_IDLE_MINUTES): a tab left
    # open on a shared computer over lunch.
    session_idle_timeout: int = 2 * 60 * 60
    # Failed sign-ins allowed before each further attempt must wait, with the
    # wait doubling per failure up to max_failure_delay. Counted per
    # account-and-address pair (someone guessing a member's password from
    # elsewhere never delays the member) and per address (spraying many
    # accounts); a run of failures is forgotten after failure_window quiet seconds.
    pair_failure_limit: int = 5
    ip_failure_limit: int = 20
    max_failure_delay: int = 15 * 60
    failure_window: int = 15 * 60
    # Where "back to the public site" points (LT_PUBLIC_SITE_URL, else the
    # deployment's site_url). Never "/": on the gateway that is the members' home,
    # which sends a signed-out visitor back to the sign-in page.
    public_site_url: str = "https://leadingtrusts.example/"
    # Host headers answered (LT_ALLOWED_HOSTS; "*.example.org" allowed); empty
    # means members_url's host. Loopback names are always allowed (health checks,
    # local use): they point at the client's own machine, so reflecting them
    # misleads nobody. Any other Host is refused, never reflected into a redirect.
    allowed_hosts: tuple[str, ...] = ()
    # Proxies whose X-Forwarded-For/-Proto count (LT_TRUSTED_PROXIES); see addresses.py.
    trusted_proxies: tuple[Network, ...] = ()
    # -- emailed links: invitations and password resets (mail.py) -------------
    # The gateway's own external address, which links in emails point at
    # (LT_MEMBERS_URL, else content/deployment.yml's members_url).
    members_url: str = "http://127.0.0.1:8001/"
    # Whom members write to (LT_CONTACT_EMAIL, else content/deployment.yml).
    contact_email: str = "programme@leadingtrusts.example"
    # How long an emailed link works: a week to get round to an invitation
    # (LT_INVITATION_HOURS), an hour for a reset just asked for (LT_RESET_MINUTES).
    invitation_ttl: timedelta = timedelta(days=7)
    reset_ttl: timedelta = timedelta(hours=1)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    # Per hour: reset emails to one address (nobody can flood a member's
    # inbox) and "forgot password" requests from one client address.
    reset_emails_per_account: int = 3
    forgot_requests_per_address: int = 10

    def __post_init__(self) -> None:
        # Checked here as well as in from_env so settings built in code (tests,
        # the demo) cannot slip past the rules.
        if self.production and not self.session_key:
            raise GatewayConfigError(
                "LT_SESSION_KEY is not set; production mode needs a secret of at least "
                f"{MIN_SESSION_KEY_LENGTH} characters (e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        if self.production and len(self.session_key) < MIN_SESSION_KEY_LENGTH:
            raise GatewayConfigError(
                f"LT_SESSION_KEY is too short ({len(self.session_key)} characters); "
                f"production mode needs at least {MIN_SESSION_KEY_LENGTH}"
            )
        if not self.session_key:
            raise GatewayConfigError("session_key must not be empty")
        if self.session_max_age <= 0:
            raise GatewayConfigError("session_max_age must be a positive number of seconds")
        if self.session_idle_timeout <= 0:
            raise GatewayConfigError("session_idle_timeout must be a positive number of seconds")
        if not _is_safe_public_url(self.public_site_url):
            raise GatewayConfigError(
                "LT_PUBLIC_SITE_URL must be an http(s) URL or a path starting with /"
            )
        for pattern in self.allowed_hosts:
            _check_host_pattern(pattern)

    @property
    def host_allow_list(self) -> tuple[str, ...]:
        """Every Host the gateway answers: allowed_hosts (or members_url's host) and loopback."""
        hosts = self.allowed_hosts or (urlsplit(self.members_url).hostname or "",)
        return tuple(dict.fromkeys(_host_pattern(h) for h in (*hosts, *LOOPBACK_HOSTS) if h))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GatewaySettings:
        env = os.environ if environ is None else environ

        mode = env.get("LT_GATEWAY_MODE", "production").strip().lower() or "production"
        if mode not in ("production", "development"):
            raise GatewayConfigError(
                f"LT_GATEWAY_MODE must be 'production' or 'development', not {mode!r}"
            )
        production = mode == "production"

        members_file = env.get("LT_MEMBERS_FILE", "").strip()
        database_url = env.get("LT_DATABASE_URL", "").strip() or default_database_url(env)
        audit_log = env.get("LT_AUDIT_LOG", "").strip()

        session_key = env.get("LT_SESSION_KEY", "")
        if not session_key and not production:
            session_key = secrets.token_urlsafe(48)
            logger.warning(
                "LT_SESSION_KEY is not set: using a random key, so every session "
                "ends when the gateway restarts (development mode only)"
            )
        elif session_key and not production and len(session_key) < MIN_SESSION_KEY_LENGTH:
            logger.warning("LT_SESSION_KEY is shorter than %d characters", MIN_SESSION_KEY_LENGTH)

        return cls(
            site_dir=Path(env.get("LT_MEMBERS_SITE", "").strip() or "site/members"),
            session_key=session_key,
            production=production,
            database_url=database_url,
            members_file=Path(members_file).expanduser() if members_file else None,
            audit_log=Path(audit_log).expanduser() if audit_log else default_audit_log(database_url, env),
            session_idle_timeout=60 * _positive_int(env, "LT_SESSION_IDLE_MINUTES", 2 * 60),
            public_site_url=env.get("LT_PUBLIC_SITE_URL", "").strip() or _public_site(env),
            allowed_hosts=tuple(h.strip() for h in env.get("LT_ALLOWED_HOSTS", "").split(",") if h.strip()),
            trusted_proxies=_trusted_proxies(env),
            **mail_settings_from_env(env, production),
        )


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the gateway keeps its files by default: outside any checkout."""
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME", "").strip() or str(Path("~/.local/state").expanduser())
    return Path(base) / "leadingtrusts"


def default_database_url(env: Mapping[str, str] | None = None) -> str:
    return f"sqlite://{state_dir(env) / 'gateway.sqlite3'}"


def default_audit_log(database_url: str, env: Mapping[str, str] | None = None) -> Path:
    """Next to a SQLite database; in the state directory for PostgreSQL."""
    if database_url.startswith("sqlite:///"):
        return Path("/" + unquote(urlsplit(database_url).path).lstrip("/")).parent / "audit.jsonl"
    return state_dir(env) / "audit.jsonl"


def _public_site(env: Mapping[str, str]) -> str:
    try:
        return load_deployment(env).site_url
    except DeploymentError as error:
        raise GatewayConfigError(str(error)) from None


def _check_host_pattern(pattern: str) -> None:
    # Starlette's TrustedHostMiddleware asserts its rules; say them as a message instead.
    name = pattern[2:] if pattern.startswith("*.") else pattern
    if not _HOST_NAME.fullmatch(name) and not _is_ip_literal(name):
        raise GatewayConfigError(
            f"LT_ALLOWED_HOSTS: {pattern!r} is not a host name (e.g. members.example.org "
            "or *.example.org; no scheme, port or lone '*')"
        )


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def _host_pattern(name: str) -> str:
    """A host as Starlette compares it: lower case, IPv6 addresses in brackets."""
    name = name.lower()
    if ":" in name and not name.startswith("["):
        return f"[{name}]"
    return name


def _trusted_proxies(env: Mapping[str, str]) -> tuple[Network, ...]:
    try:
        return parse_trusted_proxies(env.get("LT_TRUSTED_PROXIES", ""))
    except TrustedProxiesError as error:
        raise GatewayConfigError(str(error)) from None


def mail_settings_from_env(env: Mapping[str, str], production: bool) -> dict[str, object]:
    """The emailed-link fields of GatewaySettings (also read by `members invite`)."""
    try:
        deployment = load_deployment(env)
        smtp = SmtpSettings.from_env(env)
    except (DeploymentError, MailConfigError) as error:
        raise GatewayConfigError(str(error)) from None
    if production and is_stand_in(deployment, "members_url"):
        logger.warning("LT_MEMBERS_URL is not set: links in emails point at %s", deployment.members_url)
    return {
        "members_url": deployment.members_url,
        "contact_email": deployment.contact_email,
        "invitation_ttl": timedelta(hours=_positive_int(env, "LT_INVITATION_HOURS", 7 * 24)),
        "reset_ttl": timedelta(minutes=_positive_int(env, "LT_RESET_MINUTES", 60)),
        "smtp": smtp,
    }


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) == 0:
        raise GatewayConfigError(f"{name} must be a whole number above 0, not {text!r}")
    return int(text)


def _is_safe_public_url(url: str) -> bool:
    # The value lands in an href; refuse javascript: and friends.
    if url.startswith("/") and not url.startswith("//"):
        return True
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
