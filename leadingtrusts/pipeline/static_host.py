"""A built site served on 127.0.0.1 as a static host serves it, for `make bench` and `make audit`.

Page weight and Lighthouse's numbers depend on how files are served, so this
does what a host such as GitHub Pages does: content types from the file
names, gzip for text (not for images, already compressed), directory
addresses answered by their index.html and missing ones by 404.html, and
cache headers: a year for Material's fingerprinted assets (their names change
with their content), ten minutes (GitHub Pages' own setting) for the rest.
It can keep a ledger of what it sent: each response's path and the bytes of
its body as sent (compressed, when gzipped), which is what page weight counts.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FINGERPRINTED = re.compile(r"\.[0-9a-f]{8}\.min\.(?:js|css)$")  # e.g. bundle.a5f9d56c.min.js
CACHE_FINGERPRINTED = "public, max-age=31536000, immutable"
CACHE_OTHER = "public, max-age=600"
GZIP_LEVEL = 6  # zlib's default, a common host setting (Starlette's own is 9)
NOT_GZIPPED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf")  # compressed already


class CacheHeaders:
    """ASGI middleware: the Cache-Control header a host would send for each path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = CACHE_FINGERPRINTED if FINGERPRINTED.search(scope.get("path", "")) else CACHE_OTHER

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = policy
            await send(message)

        await self.app(scope, receive, with_policy)


@dataclass(frozen=True)
class Sent:
    """One response: the path asked for, its status and the bytes of its body as sent."""

    path: str
    status: int
    size: int


class Ledger:
    """ASGI middleware: appends a Sent to `sent` for every response, once its body is out."""

    def __init__(self, app: ASGIApp, sent: list[Sent]) -> None:
        self.app, self.sent = app, sent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, size = 0, 0

        async def counted(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                if not message.get("more_body"):
                    self.sent.append(Sent(scope.get("path", ""), status, size))
            await send(message)

        await self.app(scope, receive, counted)


def static_host(site_dir: Path, sent: list[Sent] | None = None) -> ASGIApp:
    """The ASGI app serving `site_dir` like a static host (recording into `sent`, if given)."""
    files = StaticFiles(directory=site_dir, html=True)
    app = GZipMiddleware(CacheHeaders(files), minimum_size=256, compresslevel=GZIP_LEVEL,
                         exclude_content_types=NOT_GZIPPED)
    return app if sent is None else Ledger(app, sent)


@contextmanager
def serving(site_dir: Path, sent: list[Sent] | None = None) -> Iterator[str]:
    """Serve `site_dir` on a free port of 127.0.0.1 while the block runs; yields its base
    URL. Each response is recorded in `sent`, if given."""
    import uvicorn

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(static_host(site_dir, sent), log_level="warning", access_log=False,
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"could not serve {site_dir} on 127.0.0.1")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        listener.close()
