"""The same attacks against a real uvicorn, which (unlike httpx) sends the
request line exactly as written."""

from __future__ import annotations

import http.client
from dataclasses import replace

import pytest
from servers import running

from leadingtrusts.gateway import create_app

from .helpers import MEMBER, OUTSIDE_SECRET, SECRET_SENTENCE, assert_no_members_bytes


@pytest.fixture
def server(settings, accounts):
    with running(create_app(replace(settings), accounts=accounts)) as base:
        yield int(base.rsplit(":", 1)[1])


def fetch(port: int, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    # skip_host so the Host header is ours; putrequest sends `path` verbatim.
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", "members.example")
    if cookie:
        conn.putheader("Cookie", f"lt_session={cookie}")
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


ATTACKS = [
    "/../outside/secret.txt",
    "/../../secret",
    "/thinkpieces/../../outside/secret.txt",
    "/%2e%2e/outside/secret.txt",
    "/..%2fsecret",
    "/%5c..%5csecret",
    "/%252e%252e/outside/secret.txt",
    "/index.html%00",
    "/escape.txt",
    "/escape-dir/secret.txt",
]


def test_real_server_withholds_everything_without_a_session(server):
    for path in ATTACKS + ["/", "/thinkpieces/x/", "/404.html", "/search/search_index.json"]:
        status, body = fetch(server, path)
        assert status in (303, 400, 404), path
        assert_no_members_bytes(body)


def test_real_server_traversal_with_a_session(server, accounts):
    cookie = accounts.storage.create_session(MEMBER, "127.0.0.1", max_age=3600)
    status, body = fetch(server, "/thinkpieces/x/", cookie)
    assert status == 200 and SECRET_SENTENCE.encode() in body
    for path in ATTACKS:
        status, body = fetch(server, path, cookie)
        assert status in (400, 404), path
        assert OUTSIDE_SECRET.encode() not in body
