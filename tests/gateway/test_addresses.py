"""Whose address counts: X-Forwarded-For and -Proto only from configured proxies."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest
from starlette.requests import Request

from leadingtrusts.gateway import GatewayConfigError, GatewaySettings, create_app
from leadingtrusts.gateway.addresses import (
    client_address,
    parse_trusted_proxies,
    request_scheme,
)
from servers import running

from .helpers import csrf_token

PROXIES = parse_trusted_proxies("10.0.0.0/8, 192.0.2.1, ::1")


def request(peer: str | None, *headers: tuple[str, str], scheme: str = "http") -> Request:
    return Request({
        "type": "http", "method": "GET", "path": "/", "query_string": b"", "scheme": scheme,
        "headers": [(name.encode(), value.encode()) for name, value in headers],
        "client": (peer, 50000) if peer else None, "server": ("members.example", 443),
    })


@pytest.mark.parametrize("forwarded", ["198.51.100.1", "198.51.100.2", "203.0.113.5, 10.1.1.1"])
def test_forwarded_for_from_an_untrusted_peer_is_ignored(forwarded):
    assert client_address(request("203.0.113.9", ("x-forwarded-for", forwarded)), PROXIES) \
        == "203.0.113.9"


def test_loopback_is_not_trusted_unless_configured():
    # uvicorn trusts 127.0.0.1 by default; a client of a local proxy could then
    # rotate the header and never meet a per-address limit.
    addresses = {client_address(request("127.0.0.1", ("x-forwarded-for", f"198.51.100.{n}")), ())
                 for n in range(5)}
    assert addresses == {"127.0.0.1"}


def test_a_trusted_proxy_passes_on_the_client_it_saw():
    assert client_address(request("10.0.0.5", ("x-forwarded-for", "198.51.100.7")), PROXIES) \
        == "198.51.100.7"


def test_entries_the_client_wrote_itself_do_not_count():
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended what it saw.
    seen = request("10.0.0.5", ("x-forwarded-for", "1.2.3.4, 198.51.100.7"))
    assert client_address(seen, PROXIES) == "198.51.100.7"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    seen = request("::1", ("x-forwarded-for", "6.6.6.6, 198.51.100.7, 192.0.2.1"),
                   ("x-forwarded-for", "10.2.3.4"))
    assert client_address(seen, PROXIES) == "198.51.100.7"


def test_garbage_from_a_trusted_proxy_counts_as_the_proxy():
    seen = request("10.0.0.5", ("x-forwarded-for", "198.51.100.7, not-an-address"))
    assert client_address(seen, PROXIES) == "10.0.0.5"


def test_ports_and_mapped_addresses_are_read():
    assert client_address(request("10.0.0.5", ("x-forwarded-for", "198.51.100.7:5123")), PROXIES) \
        == "198.51.100.7"
    assert client_address(request("10.0.0.5", ("x-forwarded-for", "[2001:db8::1]:443")), PROXIES) \
        == "2001:db8::1"
    assert client_address(request("::ffff:10.0.0.5", ("x-forwarded-for", "198.51.100.7")), PROXIES) \
        == "198.51.100.7"


def test_no_peer_is_unknown():
    assert client_address(request(None, ("x-forwarded-for", "198.51.100.7")), PROXIES) == "unknown"


def test_forwarded_proto_only_from_a_trusted_proxy():
    assert request_scheme(request("10.0.0.5", ("x-forwarded-proto", "https")), PROXIES) == "https"
    assert request_scheme(request("203.0.113.9", ("x-forwarded-proto", "https")), PROXIES) == "http"
    assert request_scheme(request("203.0.113.9", ("x-forwarded-proto", "http")), PROXIES) == "http"
    assert request_scheme(request("203.0.113.9", scheme="https"), PROXIES) == "https"


def test_trusted_proxies_come_from_the_environment():
    settings = GatewaySettings.from_env({"LT_MEMBERS_FILE": "/m.json", "LT_SESSION_KEY": "s" * 40,
                                         "LT_TRUSTED_PROXIES": " 10.0.0.0/8 ,::1 "})
    assert client_address(request("10.9.9.9", ("x-forwarded-for", "198.51.100.7")),
                          settings.trusted_proxies) == "198.51.100.7"
    assert GatewaySettings.from_env({"LT_MEMBERS_FILE": "/m.json", "LT_SESSION_KEY": "s" * 40}
                                    ).trusted_proxies == ()


def test_a_mistyped_proxy_is_refused_at_start_up():
    with pytest.raises(GatewayConfigError, match="LT_TRUSTED_PROXIES: '10.0.0/33'"):
        GatewaySettings.from_env({"LT_MEMBERS_FILE": "/m.json", "LT_SESSION_KEY": "s" * 40,
                                  "LT_TRUSTED_PROXIES": "10.0.0.1, 10.0.0/33"})


# -- through a real server, started the way `members serve` and `make members` start it


@pytest.fixture
def database_url(tmp_path) -> str:
    # Addresses do not depend on the database: SQLite alone keeps these quick.
    return f"sqlite://{tmp_path / 'private' / 'gateway.sqlite3'}"


@pytest.fixture
def served(settings, accounts):
    """The gateway under uvicorn with the options the commands use; its base URL."""
    # Plain http at 127.0.0.1 as in `make members`: development mode, or the
    # cookies would be Secure and the client would not send them back.
    app = create_app(replace(settings, ip_failure_limit=3, production=False), accounts=accounts)
    with running(app) as base:
        yield base


def test_rotating_forwarded_for_behind_a_local_proxy_still_meets_the_limit(served, audit_path):
    statuses = []
    with httpx.Client(base_url=served) as browser:
        for n in range(10):
            token = csrf_token(browser.get("/login").text)
            response = browser.post("/login", headers={"x-forwarded-for": f"198.51.100.{n}"}, data={
                "csrf_token": token, "email": f"guess{n}@example.org", "password": "wrong"})
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
    assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429
    addresses = {json.loads(line)["address"] for line in audit_path.read_text().splitlines()}
    assert addresses == {"127.0.0.1"}
