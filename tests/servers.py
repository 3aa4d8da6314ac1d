"""An app under a real uvicorn on 127.0.0.1, for tests that need real HTTP (browsers,
raw requests, proxy headers): one way to start it, wait for it and stop it.

Test modules import from here (`from servers import ...`), as from `projects`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from leadingtrusts.gateway.addresses import UVICORN_OPTIONS


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (for an address needed before the app exists)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(app, *, port: int = 0) -> Iterator[str]:
    """`app` served by uvicorn with the options the gateway's commands use, on
    127.0.0.1 (at `port`, or a free one); yields its base URL."""
    sock = socket.create_server(("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", **UVICORN_OPTIONS))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
