"""Shared fixtures: a fake members' build, a database, a gateway.

Every test using the database runs twice: on SQLite and on a real PostgreSQL
server the tests start themselves (postgres_server.py).
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

# The repository root, so `leadingtrusts` imports without being installed.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from leadingtrusts.gateway import AccountStore, GatewaySettings, create_app  # noqa: E402
from leadingtrusts.gateway.audit import AuditLog  # noqa: E402
from leadingtrusts.gateway.storage import Storage, open_storage  # noqa: E402

from .helpers import FAKE_BUILD, HTTPS_BASE, MEMBER, OUTSIDE_SECRET, PASSWORD, SESSION_KEY, Site  # noqa: E402
from .postgres_server import PostgresServer  # noqa: E402

BACKENDS = ["sqlite", "postgresql"]
# A database with every migration applied, copied for each PostgreSQL test.
PG_TEMPLATE = "lt_template"


class MovableClock:
    """The real time, plus however far a test has moved it on."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture(autouse=True)
def _no_real_state_dir(tmp_path_factory, monkeypatch) -> None:
    """Defaults (database, audit log) land in a temporary directory, never in
    the developer's ~/.local/state."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="session")
def fast_hasher() -> PasswordHasher:
    # Cheap parameters keep the suite quick; production uses the defaults.
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    root = tmp_path / "members"
    for rel, text in FAKE_BUILD.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    outside = tmp_path / "outside" / "secret.txt"
    outside.parent.mkdir()
    outside.write_text(OUTSIDE_SECRET, encoding="utf-8")
    (tmp_path / "secret").write_text(OUTSIDE_SECRET, encoding="utf-8")
    # A symlink inside the build pointing out of it.
    (root / "escape.txt").symlink_to(outside)
    (root / "escape-dir").symlink_to(outside.parent, target_is_directory=True)
    return Site(root=root, files=dict(FAKE_BUILD), outside_secret=outside)


@pytest.fixture(scope="session")
def postgres_server():
    """One server for the whole run, started only if a PostgreSQL test runs."""
    server = PostgresServer()
    try:
        server.start()
        template_url = server.url(PG_TEMPLATE)
        import psycopg

        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{PG_TEMPLATE}"')
        open_storage(template_url).close()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'private' / 'gateway.sqlite3'}"
    return request.getfixturevalue("postgres_server").create_database(template=PG_TEMPLATE)


@pytest.fixture
def storage(database_url: str, clock: MovableClock) -> Storage:
    opened = open_storage(database_url, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def accounts(storage: Storage, fast_hasher: PasswordHasher) -> AccountStore:
    store = AccountStore(storage, hasher=fast_hasher)
    store.add(MEMBER, PASSWORD)
    return store


@pytest.fixture
def audit_path(tmp_path: Path) -> Path:
    return tmp_path / "private" / "audit.jsonl"


@pytest.fixture
def audit(audit_path: Path) -> AuditLog:
    """The gateway's audit log, to read back what it recorded."""
    return AuditLog(audit_path)


@pytest.fixture
def settings(site: Site, database_url: str, audit_path: Path) -> GatewaySettings:
    return GatewaySettings(
        site_dir=site.root,
        database_url=database_url,
        audit_log=audit_path,
        session_key=SESSION_KEY,
        production=True,
        # The gateway's address: the only Host it answers besides loopback.
        members_url=HTTPS_BASE + "/",
    )


@pytest.fixture
def make_client(settings: GatewaySettings, accounts: AccountStore):
    """make_client(base_url=..., **settings overrides) -> TestClient.

    Every client shares the test's database, like gateway processes sharing
    one; settings.database_url is not opened again."""
    clients: list[TestClient] = []

    def make(base_url: str = HTTPS_BASE, *, peer: str = "testclient", **overrides) -> TestClient:
        # peer: the client address the gateway sees (e.g. to sign in from two networks).
        app = create_app(replace(settings, **overrides), accounts=accounts)
        client = TestClient(app, base_url=base_url, follow_redirects=False, client=(peer, 50000))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


