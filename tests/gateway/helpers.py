"""Constants and helpers shared by the gateway tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import anyio
from starlette.testclient import TestClient

MEMBER = "ada@example.org"
PASSWORD = "correct horse battery staple"
OTHER_MEMBER = "grace@example.org"
OTHER_PASSWORD = "another long password"
SESSION_KEY = "k" * 48
SECRET_SENTENCE = "The secret of thriving trusts is shared purpose."
OUTSIDE_SECRET = "OUTSIDE-SECRET: this file is not part of the members' build."
HTTPS_BASE = "https://members.example"
LOCAL_BASE = "http://localhost"

# Each file of the fake build carries a marker, so a test can tell whether
# any byte of it leaked.
FAKE_BUILD = {
    "index.html": "<html><body>MEMBERS-INDEX members' home</body></html>",
    "thinkpieces/x/index.html": f"<html><body>MEMBERS-PIECE {SECRET_SENTENCE}</body></html>",
    "assets/stylesheets/main.css": "/* MEMBERS-CSS */ body { color: teal; }",
    "search/search_index.json": '{"docs": [{"text": "MEMBERS-SEARCH thriving"}]}',
    "404.html": "<html><body>MEMBERS-404 not found</body></html>",
}
MARKERS = ["MEMBERS-INDEX", "MEMBERS-PIECE", "MEMBERS-CSS", "MEMBERS-SEARCH", "MEMBERS-404", SECRET_SENTENCE]


@dataclass
class Site:
    root: Path
    files: dict[str, str]
    outside_secret: Path


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: TestClient, email: str = MEMBER, password: str = PASSWORD,
          next_path: str | None = None, **post_kwargs):
    """Sign in the way a browser does: fetch the form, post it back."""
    page = client.get("/login", params={"next": next_path} if next_path else None)
    data = {"csrf_token": csrf_token(page.text), "email": email, "password": password}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data, **post_kwargs)


def signed_in_client(make_client, **kwargs) -> TestClient:
    client = make_client(**kwargs)
    response = login(client)
    assert response.status_code == 303, response.text
    return client


def raw_get(app, raw_path: bytes, cookies: dict[str, str] | None = None,
            host: str = "members.example", method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Call the app as uvicorn would for a request line with this exact path.

    httpx (under TestClient) removes "." and ".." segments before sending,
    so traversal attempts must bypass it.
    """
    path_part, _, query = raw_path.partition(b"?")
    headers = [(b"host", host.encode())]
    if cookies:
        headers.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": method, "scheme": "https",
        "path": unquote(path_part.decode("ascii")), "raw_path": path_part,
        "query_string": query, "root_path": "", "headers": headers,
        "client": ("203.0.113.9", 50000), "server": (host, 443),
    }
    messages: list[dict] = []

    async def run() -> None:
        done = anyio.Event()
        requested = False

        async def receive():
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            # Like a real server: nothing more until the response is complete.
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await app(scope, receive, send)

    anyio.run(run)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def assert_no_members_bytes(body: bytes | str) -> None:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    for marker in MARKERS + [OUTSIDE_SECRET]:
        assert marker not in text
