"""A local demonstration of the members' area: a throwaway account in a
SQLite database under .local/, and a gateway in development mode, for
`make members`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher

from . import logs
from .accounts import AccountStore
from .storage import open_storage
from .deployment import load_deployment
from .settings import GatewayConfigError, GatewaySettings

DEMO_EMAIL = "demo@leadingtrusts.example"
# Relative to the working directory; .local/ is gitignored.
DEMO_DATABASE = Path(".local/members.sqlite3")
DEMO_AUDIT_LOG = Path(".local/audit.jsonl")


def demo_database_url(database: Path = DEMO_DATABASE) -> str:
    return f"sqlite://{database.resolve()}"


def prepare_demo_account(
    database: Path = DEMO_DATABASE, hasher: PasswordHasher | None = None
) -> tuple[AccountStore, str]:
    """Create the demo account, or give it a new password; return the password.

    A fresh random password each run means no shared demo password ever ends
    up in the repository, a wiki or a chat.
    """
    store = AccountStore(open_storage(demo_database_url(database)), hasher)
    password = secrets.token_urlsafe(15)
    if store.get(DEMO_EMAIL):
        store.reset_password(DEMO_EMAIL, password)
    else:
        store.add(DEMO_EMAIL, password, name="Demo Member")
    return store, password


def run_demo(site_dir: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    import uvicorn

    from .addresses import UVICORN_OPTIONS
    from .app import create_app

    logs.basic_config()
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise GatewayConfigError(f"members' build not found at {site_dir}: build the site first")
    store, password = prepare_demo_account()
    settings = GatewaySettings(
        site_dir=site_dir,
        database_url=demo_database_url(),
        audit_log=DEMO_AUDIT_LOG.resolve(),
        # A new key each run: every demo session ends when the demo stops.
        session_key=secrets.token_urlsafe(48),
        production=False,
        # The public site the build links to; never "/", the members' home here.
        public_site_url=os.environ.get("LT_PUBLIC_SITE_URL", "").strip()
        or load_deployment(os.environ).site_url,
    )
    app = create_app(settings, accounts=store)

    shown_host = "localhost" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    lines = [
        "LeadingTrusts members' area (demo, development mode)",
        f"  Open:     http://{shown_host}:{port}/",
        f"  Email:    {DEMO_EMAIL}",
        f"  Password: {password}",
        f"  (a new password each run; database {DEMO_DATABASE}, audit log {DEMO_AUDIT_LOG})",
    ]
    if shown_host not in ("localhost", "127.0.0.1", "[::1]"):
        # Cookies are Secure away from localhost, and this demo is plain http.
        lines.append("  Note: over plain http, sign-in works only at localhost or 127.0.0.1.")
    width = max(len(line) for line in lines)
    print("=" * width, *lines, "=" * width, sep="\n", flush=True)
    uvicorn.run(app, host=host, port=port, **UVICORN_OPTIONS)
