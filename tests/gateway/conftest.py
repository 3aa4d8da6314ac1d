"""Shared fixtures: a fake members' build, an accounts file, a gateway."""

from __future__ import annotations

import sys
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

from .helpers import FAKE_BUILD, HTTPS_BASE, MEMBER, OUTSIDE_SECRET, PASSWORD, SESSION_KEY, Site  # noqa: E402


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


@pytest.fixture
def accounts(tmp_path: Path, fast_hasher: PasswordHasher) -> AccountStore:
    store = AccountStore(tmp_path / "private" / "members.json", hasher=fast_hasher)
    store.add(MEMBER, PASSWORD)
    return store


@pytest.fixture
def settings(site: Site, accounts: AccountStore) -> GatewaySettings:
    return GatewaySettings(
        site_dir=site.root,
        members_file=accounts.path,
        session_key=SESSION_KEY,
        production=True,
    )


@pytest.fixture
def make_client(settings: GatewaySettings, accounts: AccountStore, fast_hasher: PasswordHasher):
    """make_client(base_url=..., **settings overrides) -> TestClient."""
    clients: list[TestClient] = []

    def make(base_url: str = HTTPS_BASE, **overrides) -> TestClient:
        app = create_app(replace(settings, **overrides),
                         accounts=AccountStore(accounts.path, hasher=fast_hasher))
        client = TestClient(app, base_url=base_url, follow_redirects=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


