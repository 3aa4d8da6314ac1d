"""With the database locked or down, the gateway answers 503 with a plain
page, lets nobody in, never serves a member-only file, and recovers by itself."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from leadingtrusts.gateway import AccountStore, GatewaySettings, create_app
from leadingtrusts.gateway.storage import open_storage
from leadingtrusts.gateway.storage.sqlite import parse_sqlite_url

from .helpers import (
    HTTPS_BASE,
    MEMBER,
    PASSWORD,
    SECRET_SENTENCE,
    SESSION_KEY,
    assert_no_members_bytes,
    csrf_token,
    login,
)
from .postgres_server import running_server


def _assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert_no_members_bytes(response.content)


def _every_kind_of_request(client, signed_in_cookie: str) -> list:
    """A member's page, an anonymous page, the sign-in form post."""
    client.cookies.set("lt_session", signed_in_cookie, domain="members.example")
    member_page = client.get("/thinkpieces/x/")
    not_found = client.get("/no-such-page/")
    client.cookies.delete("lt_session", domain="members.example")
    sign_in = client.post("/login", data={"csrf_token": csrf_token(client.get("/login").text),
                                          "email": MEMBER, "password": PASSWORD})
    return [member_page, not_found, sign_in]


@pytest.fixture
def settings(site, tmp_path):
    """Each test here brings its own database (not the shared fixture's two)."""
    return GatewaySettings(site_dir=site.root, session_key=SESSION_KEY, members_url=HTTPS_BASE + "/",
                           database_url="sqlite:///unused", audit_log=tmp_path / "audit.jsonl")


@pytest.fixture
def sqlite_gateway(site, settings, tmp_path, fast_hasher):
    # A short busy timeout so the test does not wait the production 5 s.
    url = f"sqlite://{tmp_path / 'private' / 'locked.sqlite3'}?timeout=0.2"
    storage = open_storage(url)
    accounts = AccountStore(storage, fast_hasher)
    accounts.add(MEMBER, PASSWORD)
    app = create_app(replace(settings, database_url=url), accounts=accounts)
    client = TestClient(app, base_url=HTTPS_BASE, follow_redirects=False)
    yield client, storage, parse_sqlite_url(url)[0]
    client.close()
    storage.close()


def test_sqlite_locked_by_another_process_gives_503_then_recovers(sqlite_gateway):
    client, storage, path = sqlite_gateway
    assert login(client).status_code == 303
    cookie = client.cookies["lt_session"]
    # Another process takes an exclusive lock (e.g. a backup or a migration
    # gone wrong); the gateway's connections are new ones, as after a restart.
    storage.close()
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("PRAGMA locking_mode = EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    locker.execute("UPDATE members SET name = name")
    try:
        for response in _every_kind_of_request(client, cookie):
            _assert_unavailable(response)
    finally:
        locker.execute("COMMIT")
        locker.close()
    client.cookies.set("lt_session", cookie, domain="members.example")
    assert SECRET_SENTENCE in client.get("/thinkpieces/x/").text


def test_sqlite_write_lock_held_elsewhere_refuses_sign_in_with_503(sqlite_gateway):
    client, _, path = sqlite_gateway
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        response = login(client)
        _assert_unavailable(response)
        assert "lt_session" not in client.cookies
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert login(client).status_code == 303


def test_postgresql_stopped_gives_503_and_restarted_recovers(site, settings, fast_hasher):
    with running_server() as server:
        url = server.create_database()
        storage = open_storage(url)
        try:
            accounts = AccountStore(storage, fast_hasher)
            accounts.add(MEMBER, PASSWORD)
            client = TestClient(create_app(replace(settings, database_url=url), accounts=accounts),
                                base_url=HTTPS_BASE, follow_redirects=False)
            assert login(client).status_code == 303
            cookie = client.cookies["lt_session"]
            assert SECRET_SENTENCE in client.get("/thinkpieces/x/").text

            server.stop()
            for response in _every_kind_of_request(client, cookie):
                _assert_unavailable(response)

            server.start()
            client.cookies.set("lt_session", cookie, domain="members.example")
            assert SECRET_SENTENCE in client.get("/thinkpieces/x/").text
            client.cookies.delete("lt_session", domain="members.example")
            assert login(client).status_code == 303
        finally:
            storage.close()


def test_the_503_page_is_logged_for_the_operator(sqlite_gateway, caplog):
    client, _, path = sqlite_gateway
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        login(client)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert "database unavailable: database is locked" in caplog.text
