"""Gateway configuration, read once from the environment at start-up."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

logger = logging.getLogger("leadingtrusts.gateway")

# Shorter keys are guessable enough to forge sessions offline; 32 characters
# of token_urlsafe output carry well over 128 bits.
MIN_SESSION_KEY_LENGTH = 32


class GatewayConfigError(Exception):
    """The gateway cannot start as configured; str() is a one-line reason."""


@dataclass(frozen=True)
class GatewaySettings:
    site_dir: Path
    members_file: Path
    session_key: str
    production: bool = True
    # A working day: long enough to read, short enough that a cookie left on a
    # shared computer does not outlive the day.
    session_max_age: int = 8 * 60 * 60
    # Failed sign-ins allowed per window before answering 429. Per account
    # slows guessing one member's password; per IP slows spraying many accounts.
    account_failure_limit: int = 5
    ip_failure_limit: int = 20
    failure_window: int = 15 * 60
    # Where "back to the public site" points.
    public_site_url: str = "/"

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
        if not _is_safe_public_url(self.public_site_url):
            raise GatewayConfigError(
                "LT_PUBLIC_SITE_URL must be an http(s) URL or a path starting with /"
            )

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
        if not members_file:
            raise GatewayConfigError(
                "LT_MEMBERS_FILE is not set; point it at the members' accounts file "
                "(kept outside the repository)"
            )

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
            members_file=Path(members_file).expanduser(),
            session_key=session_key,
            production=production,
            public_site_url=env.get("LT_PUBLIC_SITE_URL", "").strip() or "/",
        )


def _is_safe_public_url(url: str) -> bool:
    # The value lands in an href; refuse javascript: and friends.
    if url.startswith("/") and not url.startswith("//"):
        return True
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
