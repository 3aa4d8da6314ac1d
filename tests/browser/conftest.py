"""Headless Chromium for browser tests: Debian's chromium driven by Playwright.

Playwright never downloads a browser here; it drives /usr/bin/chromium (which
`make test` installs with apt when it is missing).
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from projects import Project

CHROMIUM = os.environ.get("LT_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google's
# hosts at start-up, which this network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    yield page
    context.close()


class _StaticHost(http.server.SimpleHTTPRequestHandler):
    """A quiet static host that answers a missing address as GitHub Pages does:
    status 404 with the folder's root 404.html, when there is one."""

    def log_message(self, *args) -> None:
        pass

    def send_error(self, code, message=None, explain=None) -> None:
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            return super().send_error(code, message, explain)
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture
def serve_dir() -> Iterator[Callable[[Path], str]]:
    """Serve a folder on 127.0.0.1 at a free port, as a static host would; returns its base URL."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_StaticHost, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# When the published tree below is built: mid-way through cohort 2's year, with
# cohort 3 the latest.
PUBLISHED_AT = "2027-01-15T12:00:00"


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory, make_git_project) -> Path:
    """The gh-pages tree of one fresh publish of every cohort, checked out into a
    folder to serve as GitHub Pages would. Tests only read it."""
    project = Project(make_git_project(tmp_path_factory.mktemp("published") / "project"))
    with pytest.MonkeyPatch.context() as patch:
        for name in ("SOURCE_DATE_EPOCH", "MIKE_DOCS_VERSION", "LT_COHORT"):
            patch.delenv(name, raising=False)
        # Publishing refuses placeholder addresses: real-looking ones, as in production.
        result = project.run("publish", now=PUBLISHED_AT, env={
            "LT_SITE_URL": "https://leadingtrusts.org.uk/",
            "LT_MEMBERS_URL": "https://members.leadingtrusts.org.uk/",
            "LT_CONTACT_EMAIL": "programme@leadingtrusts.org.uk"})
    assert result.code == 0, result.output
    archive = subprocess.run(["git", "archive", "--format=tar", "gh-pages"], cwd=project.root,
                             capture_output=True, check=True).stdout
    served = project.root.parent / "gh-pages"
    served.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        # The archive is git's own output; the "data" filter exists from 3.11.4 on.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(served, **safe)
    return served
