"""A foreign Host header is refused, never reflected into a redirect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadingtrusts.gateway import GatewayConfigError, GatewaySettings

from .helpers import assert_no_members_bytes, signed_in_client

FOREIGN = "evil.example"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # Hosts do not depend on the database: SQLite alone keeps these quick.
    return f"sqlite://{tmp_path / 'private' / 'gateway.sqlite3'}"


def _mentions(response, text: str) -> bool:
    return any(text in value for value in response.headers.values()) or text in response.text


@pytest.mark.parametrize("url", ["/", "/login", "/thinkpieces/x", "/thinkpieces/x/", "/_gateway/health"])
def test_foreign_host_is_refused(make_client, url):
    client = signed_in_client(make_client)
    response = client.get(url, headers={"host": FOREIGN})
    assert response.status_code == 400
    assert "location" not in response.headers
    assert not _mentions(response, FOREIGN)
    assert_no_members_bytes(response.content)


def test_a_directory_redirect_names_only_the_gateways_own_host(make_client):
    # StaticFiles completes "/thinkpieces/x" to an absolute URL built from Host.
    client = signed_in_client(make_client)
    response = client.get("/thinkpieces/x", headers={"host": "members.example:443"})
    assert response.status_code in (307, 308)
    assert response.headers["location"].startswith("https://members.example")


@pytest.mark.parametrize("host", ["members.example", "MEMBERS.example:8443", "localhost:8001",
                                  "127.0.0.1", "[::1]:8001"])
def test_own_and_loopback_hosts_are_answered(client, host):
    assert client.get("/login", headers={"host": host}).status_code == 200


def test_refusals_are_logged_and_audited(make_client, audit_path, caplog):
    client = make_client(peer="203.0.113.9")
    client.get("/login", headers={"host": FOREIGN})
    assert FOREIGN in caplog.text and "LT_ALLOWED_HOSTS" in caplog.text
    events = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert {"event": "host_refused", "address": "203.0.113.9"}.items() <= events[-1].items()


def test_allowed_hosts_from_the_environment(make_client):
    settings = GatewaySettings.from_env({"LT_SESSION_KEY": "s" * 40,
                                         "LT_ALLOWED_HOSTS": "members.example.org, *.trust.example"})
    client = make_client(allowed_hosts=settings.allowed_hosts)
    for host, status in [("members.example.org", 200), ("a.trust.example", 200),
                         ("members.example", 400), ("trust.example.evil.example", 400)]:
        assert client.get("/login", headers={"host": host}).status_code == status, host


def test_members_url_gives_the_default(make_client):
    client = make_client(members_url="https://members.leadingtrusts.example/")
    assert client.get("/login", headers={"host": "members.leadingtrusts.example"}).status_code == 200
    assert client.get("/login", headers={"host": "members.example"}).status_code == 400


@pytest.mark.parametrize("value", ["*", "https://members.example", "members.example:443", "a*.example"])
def test_a_mistyped_allowed_host_is_refused_at_start_up(value):
    with pytest.raises(GatewayConfigError, match="LT_ALLOWED_HOSTS") as info:
        GatewaySettings.from_env({"LT_SESSION_KEY": "s" * 40, "LT_ALLOWED_HOSTS": f"ok.example, {value}"})
    assert "\n" not in str(info.value)
