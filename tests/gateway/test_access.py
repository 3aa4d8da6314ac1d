"""Who gets which bytes: the members' build only with a valid session."""

from __future__ import annotations

import pytest

from .helpers import (
    FAKE_BUILD,
    OUTSIDE_SECRET,
    SECRET_SENTENCE,
    assert_no_members_bytes,
    raw_get,
    signed_in_client,
)

# Every file of the fake build, and the directory URLs that serve index.html.
BUILD_URLS = ["/", "/thinkpieces/x/", "/thinkpieces/x", "/no-such-page"] + [
    "/" + rel for rel in FAKE_BUILD
]


@pytest.mark.parametrize("url", BUILD_URLS)
def test_anonymous_get_is_redirected_to_login_without_content(client, url):
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert_no_members_bytes(response.content)


def test_anonymous_redirect_carries_the_requested_path(client):
    response = client.get("/thinkpieces/x/?utm=1")
    assert response.headers["location"] == "/login?next=%2Fthinkpieces%2Fx%2F%3Futm%3D1"


def test_every_file_in_the_build_is_withheld_from_anonymous_visitors(client, site):
    paths = [p for p in site.root.rglob("*") if p.is_file()]
    assert len(paths) >= len(FAKE_BUILD)
    for path in paths:
        url = "/" + path.relative_to(site.root).as_posix()
        for method in ("GET", "HEAD"):
            response = client.request(method, url)
            assert response.status_code == 303, (method, url)
            assert response.headers["location"].startswith("/login?next=")
            assert_no_members_bytes(response.content)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_anonymous_other_methods_get_401(client, method):
    response = client.request(method, "/thinkpieces/x/")
    assert response.status_code == 401
    assert_no_members_bytes(response.content)


def test_signed_in_member_gets_the_build(make_client):
    client = signed_in_client(make_client)
    assert SECRET_SENTENCE in client.get("/thinkpieces/x/").text
    assert "MEMBERS-CSS" in client.get("/assets/stylesheets/main.css").text
    assert "MEMBERS-SEARCH" in client.get("/search/search_index.json").text
    assert "MEMBERS-INDEX" in client.get("/").text
    head = client.head("/thinkpieces/x/")
    assert head.status_code == 200 and head.content == b""


def test_signed_in_member_gets_the_builds_404_page(make_client):
    client = signed_in_client(make_client)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "MEMBERS-404" in response.text


def test_directory_without_slash_redirects_for_members(make_client):
    client = signed_in_client(make_client)
    response = client.get("/thinkpieces/x")
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["location"].endswith("/thinkpieces/x/")


# -- traversal and symlinks ---------------------------------------------------

TRAVERSALS = [
    b"/../outside/secret.txt",
    b"/../../outside/secret.txt",
    b"/%2e%2e/outside/secret.txt",
    b"/%2E%2E/%2E%2E/outside/secret.txt",
    b"/..%2fsecret",
    b"/..%2f..%2foutside%2fsecret.txt",
    b"/thinkpieces/../../outside/secret.txt",
    b"/%5c..%5csecret",
    b"/..%5c..%5coutside%5csecret.txt",
    b"/%252e%252e/outside/secret.txt",
    b"/%252e%252e%252fsecret",
    b"/%25252e%25252e/secret",
    b"/index.html%00.css",
    b"/escape.txt",
    b"/escape-dir/secret.txt",
]


@pytest.mark.parametrize("raw_path", TRAVERSALS, ids=lambda p: p.decode())
def test_traversal_never_reaches_outside_files_anonymously(client, raw_path):
    status, _, body = raw_get(client.app, raw_path)
    assert status in (303, 400, 404)
    assert_no_members_bytes(body)


@pytest.mark.parametrize("raw_path", TRAVERSALS, ids=lambda p: p.decode())
def test_traversal_never_reaches_outside_files_with_a_session(make_client, raw_path):
    client = signed_in_client(make_client)
    status, _, body = raw_get(client.app, raw_path, cookies=dict(client.cookies))
    assert OUTSIDE_SECRET.encode() not in body
    assert status in (400, 404)


@pytest.mark.parametrize("raw_path", [p for p in TRAVERSALS if not p.startswith(b"/escape")],
                         ids=lambda p: p.decode())
def test_dot_dot_nul_and_backslash_paths_are_refused_before_the_file_server(make_client, raw_path):
    client = signed_in_client(make_client)
    status, _, body = raw_get(client.app, raw_path, cookies=dict(client.cookies))
    assert status == 400
    assert b"MEMBERS-404" not in body  # the gateway's answer, not the build's 404 page


def test_symlink_out_of_the_build_is_not_followed(make_client):
    client = signed_in_client(make_client)
    for url in ("/escape.txt", "/escape-dir/secret.txt"):
        response = client.get(url)
        assert response.status_code == 404
        assert OUTSIDE_SECRET not in response.text


def test_traversal_through_httpx_is_also_harmless(make_client):
    # httpx normalises "..", but percent-encoded forms reach the app as sent.
    client = signed_in_client(make_client)
    for url in ("/%2e%2e/outside/secret.txt", "/..%2fsecret", "/%5c..%5csecret",
                "/%252e%252e/outside/secret.txt"):
        response = client.get(url)
        assert OUTSIDE_SECRET not in response.text
        assert response.status_code in (400, 404)


# -- the gateway's own resources ------------------------------------------------


def test_gateway_static_assets_need_no_session(client):
    css = client.get("/_gateway/static/gateway.css")
    assert css.status_code == 200
    assert "#0b5563" in css.text
    logo = client.get("/_gateway/static/logo.svg")
    assert logo.status_code == 200 and logo.headers["content-type"].startswith("image/svg+xml")


def test_gateway_static_cannot_be_used_to_reach_the_build(client, site):
    for raw in (b"/_gateway/static/../../members/index.html", b"/_gateway/static/%2e%2e/app.py"):
        status, _, body = raw_get(client.app, raw)
        assert status in (303, 400, 404)
        assert_no_members_bytes(body)
        assert b"create_app" not in body


def test_health_needs_no_session(client):
    response = client.get("/_gateway/health")
    assert response.status_code == 200
    assert response.text == "ok"


# -- headers ----------------------------------------------------------------------


def _assert_common_headers(response):
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_security_headers_on_members_content(make_client):
    client = signed_in_client(make_client)
    for url in ("/thinkpieces/x/", "/assets/stylesheets/main.css", "/search/search_index.json",
                "/no-such-page"):
        response = client.get(url)
        _assert_common_headers(response)
        assert response.headers["cache-control"] == "no-store"


def test_security_headers_on_gateway_pages(client):
    for url in ("/login", "/logout"):
        response = client.get(url)
        _assert_common_headers(response)
        assert response.headers["cache-control"] == "no-store"
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    for response in (client.get("/thinkpieces/x/"), client.post("/thinkpieces/x/"),
                     client.get("/_gateway/health"), client.get("/_gateway/static/gateway.css")):
        _assert_common_headers(response)


def test_websocket_to_the_build_is_closed(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/thinkpieces/x/"):
            pass
