"""HSTS, caching, compression, the way back to the public site, and 404 pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from leadingtrusts.gateway.addresses import parse_trusted_proxies

from .helpers import HTTPS_BASE, LOCAL_BASE, assert_no_members_bytes, raw_get, signed_in_client

BUNDLE = "/assets/javascripts/bundle.a5f9d56c.min.js"
PUBLIC_SITE = "https://www.leadingtrusts.example/"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # Headers do not depend on the database: SQLite alone keeps these quick.
    return f"sqlite://{tmp_path / 'private' / 'gateway.sqlite3'}"


@pytest.fixture
def site(site):
    # What a real build adds: Material's fingerprinted bundle, a page worth compressing.
    (site.root / BUNDLE.lstrip("/")).parent.mkdir(parents=True)
    (site.root / BUNDLE.lstrip("/")).write_text("/* MEMBERS-CSS bundle */ " + "let a = 1;\n" * 200)
    (site.root / "long" / "index.html").parent.mkdir()
    (site.root / "long" / "index.html").write_text("<p>MEMBERS-PIECE a long page</p>\n" * 400)
    return site


def test_hsts_over_https(make_client):
    response = make_client(HTTPS_BASE).get("/login")
    max_age = re.fullmatch(r"max-age=(\d+).*", response.headers["strict-transport-security"])
    assert max_age and int(max_age.group(1)) >= 365 * 24 * 3600


def test_no_hsts_over_plain_http(make_client):
    assert "strict-transport-security" not in make_client(LOCAL_BASE).get("/login").headers


def test_forwarded_proto_counts_only_from_a_trusted_proxy(make_client):
    https = {"x-forwarded-proto": "https"}
    stranger = make_client(LOCAL_BASE, peer="203.0.113.9")
    assert "strict-transport-security" not in stranger.get("/login", headers=https).headers
    proxy = make_client(LOCAL_BASE, peer="10.0.0.2", trusted_proxies=parse_trusted_proxies("10.0.0.0/8"))
    assert "strict-transport-security" in proxy.get("/login", headers=https).headers


def test_fingerprinted_theme_files_are_cached_for_good(make_client):
    response = signed_in_client(make_client).get(BUNDLE)
    assert response.status_code == 200
    cache = {part.strip() for part in response.headers["cache-control"].split(",")}
    assert {"public", "immutable"} <= cache
    assert any(part.startswith("max-age=") and int(part[8:]) >= 365 * 24 * 3600 for part in cache)


def test_nothing_is_cached_without_a_session(client):
    # The redirect to the sign-in page must not be stored in place of the file.
    response = client.get(BUNDLE)
    assert response.status_code == 303
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("url", ["/", "/thinkpieces/x/", "/assets/stylesheets/main.css",
                                 "/search/search_index.json", "/no-such-page"])
def test_members_pages_and_unfingerprinted_files_are_not_stored(make_client, url):
    response = signed_in_client(make_client).get(url)
    assert response.headers["cache-control"] == "no-store"


def test_gateway_files_have_addresses_that_change_with_them(client):
    page = client.get("/login").text
    stylesheet = re.search(r'href="(/_gateway/static/gateway\.css\?v=[0-9a-f]+)"', page)
    assert stylesheet, "the stylesheet's address carries its version"
    response = client.get(stylesheet.group(1))
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    missing = client.get("/_gateway/static/no-such.css")
    assert missing.status_code == 404
    assert missing.headers["cache-control"] == "no-store"


def test_pages_are_compressed_for_browsers_that_accept_it(make_client):
    client = signed_in_client(make_client)
    response = client.get("/long/", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < 2000
    assert "MEMBERS-PIECE" in response.text  # httpx decompressed it
    plain = client.get("/long/", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == response.content


def test_back_to_the_public_site_leaves_the_gateway(make_client):
    client = make_client(public_site_url=PUBLIC_SITE)
    for url in ("/login", "/logout", "/_gateway/nothing"):
        links = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>Back to the public', client.get(url).text)
        assert links == [PUBLIC_SITE], url


def test_back_link_defaults_to_the_deployments_public_site(settings):
    # Not "/": on the gateway that is the members' home, which loops to sign-in.
    assert settings.public_site_url == "https://leadingtrusts.example/"


def test_signed_in_member_gets_a_way_back_from_a_missing_page(make_client, site):
    (site.root / "404.html").unlink()  # else the build's own 404 page is served
    response = signed_in_client(make_client).get("/no/such/page/")
    assert response.status_code == 404
    page = response.text
    assert "Page not found" in page
    assert 'action="/"' in page and 'name="q"' in page  # Material searches ?q=
    assert 'href="/thinkpieces/"' in page and 'href="/"' in page


def test_signed_in_member_gets_the_builds_own_404_page(make_client):
    response = signed_in_client(make_client).get("/no/such/page/")
    assert response.status_code == 404
    assert "MEMBERS-404" in response.text


def test_anonymous_missing_page_reveals_nothing(client):
    # A member-only path that exists and one that does not get the same answer.
    for url in ("/thinkpieces/x/", "/no/such/page/"):
        response = client.get(url)
        assert (response.status_code, response.headers["location"][:6]) == (303, "/login")
    response = client.get("/_gateway/no-such-page")
    assert response.status_code == 404
    assert 'href="/login"' in response.text
    assert_no_members_bytes(response.content)


def test_the_builds_gateway_folder_is_never_served(make_client, site):
    secret = site.root / "_gateway" / "script-hashes.json"
    secret.parent.mkdir()
    secret.write_text('{"script-src": []} MEMBERS-INDEX')
    client = signed_in_client(make_client)
    cookies = dict(client.cookies)
    for raw in (b"/_gateway/script-hashes.json", b"//_gateway/script-hashes.json",
                b"/%5Fgateway/script-hashes.json", b"/_GATEWAY/script-hashes.json"):
        status, _, body = raw_get(client.app, raw, cookies)
        assert status == 404, raw
        assert_no_members_bytes(body)


def test_an_unexpected_fault_gets_a_plain_page_and_no_file(make_client):
    client = signed_in_client(make_client)
    client.app.state.sessions.check = lambda cookie: 1 / 0  # a bug, not the database
    faulty = TestClient(client.app, base_url=HTTPS_BASE, raise_server_exceptions=False)
    faulty.cookies = client.cookies
    response = faulty.get("/thinkpieces/x/")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert_no_members_bytes(response.content)
