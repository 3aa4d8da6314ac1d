"""Page weight (issue 10): what a visitor's first view of a page, then first search, download.

The page is opened in Debian's headless Chromium (Playwright drives it and
never downloads a browser) as a phone with an empty cache, from the built
site served as a static host serves it (static_host.py); the bytes are the
server's own count of what it sent, compressed where a host compresses.

- first view: every request the page makes until the network is quiet;
- first search: what tapping the search button then adds, until the search
  is ready to answer (Material's status line leaves "Initializing search").
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .static_host import Sent, serving

CHROMIUM = os.environ.get("LT_CHROMIUM", "/usr/bin/chromium")
# The flags of the browser tests (tests/browser/conftest.py): without the
# background-networking ones Chromium tries to reach Google's hosts at start-up.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
SEARCH_BUTTON = "label.md-header__button[for=__search]"  # the magnifier in a phone's header
SEARCH_STATUS = ".md-search-result__meta"  # "Initializing search", then what was found
_STATUS_CHANGED = ("([selector, before]) => "
                   "document.querySelector(selector).textContent !== before")


@dataclass(frozen=True)
class PageWeight:
    """The responses of a page's first view, and those its first search added."""

    first_view: list[Sent]
    first_search: list[Sent]

    @property
    def first_view_bytes(self) -> int:
        return sum(sent.size for sent in self.first_view)

    @property
    def first_search_bytes(self) -> int:
        return sum(sent.size for sent in self.first_search)


@contextmanager
def chromium() -> Iterator:
    """Debian's headless Chromium, through Playwright."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: `make chromium` installs Debian's")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def page_weight(site_dir: Path, address: str = "") -> PageWeight:
    """Open `address` (e.g. "" for the home page) of the built `site_dir` on a phone, then
    start a search: what each downloaded."""
    sent: list[Sent] = []
    with serving(site_dir, sent) as base, chromium() as browser:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.goto(f"{base}/{address}", wait_until="networkidle")
        first_view = list(sent)
        if page.locator(SEARCH_BUTTON).count():
            before = page.locator(SEARCH_STATUS).text_content()
            page.locator(SEARCH_BUTTON).click()
            page.wait_for_function(_STATUS_CHANGED, arg=[SEARCH_STATUS, before])
        first_search = sent[len(first_view):]
        context.close()
    return PageWeight(first_view, first_search)
