"""A visitor meets the preview; a member signs in, reads, searches and signs out."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from servers import running

from leadingtrusts.gateway.accounts import AccountStore
from leadingtrusts.gateway.app import create_app
from leadingtrusts.gateway.settings import GatewaySettings
from leadingtrusts.gateway.storage import open_storage

PIECE = "thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for/"
MEMBERS_SENTENCE = "Boards that set a target number of schools tend to find the schools to match it."
# A section heading of the member-only part: thinkpieces are searched by title,
# summary and headings (pipeline/search_index.py), on both sites.
SEARCH_WORD = "Four questions"
SEARCH_HEADING = "Four questions before any school joins"
EMAIL, PASSWORD = "reader@trust.example", "correct horse battery staple"


@pytest.fixture
def gateway(built, tmp_path: Path):
    database_url = f"sqlite://{tmp_path / 'gateway.sqlite3'}"
    accounts = AccountStore(open_storage(database_url),
                            hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024))
    accounts.add(EMAIL, PASSWORD)
    settings = GatewaySettings(site_dir=built.path("site/members"), database_url=database_url,
                               audit_log=tmp_path / "audit.jsonl",
                               session_key="k" * 48, production=False)
    with running(create_app(settings, accounts=accounts)) as base:
        yield base
    accounts.storage.close()


def _search(page, words: str) -> str:
    """Type into Material's search box and return the results as text."""
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(words, delay=30)  # Material listens to key presses
    meta = page.locator(".md-search-result")
    page.wait_for_function(
        "() => { const m = document.querySelector('.md-search-result__meta');"
        " return m && !/Initializing|Type to start/i.test(m.textContent); }", timeout=15000)
    return meta.inner_text()


def test_visitor_sees_preview_and_cannot_find_member_text(built, browser, serve_dir):
    base = serve_dir(built.path("site/public"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/{PIECE}")
    article = page.locator("article").first
    assert "Trusts are often described by their size." in article.inner_text()
    assert MEMBERS_SENTENCE not in page.content()
    assert page.get_by_role("link", name="Sign in to read on").is_visible()
    results = _search(page, SEARCH_WORD)
    assert "matching document" in results and SEARCH_HEADING not in results
    context.close()


def test_member_logs_in_reads_searches_and_logs_out(browser, gateway):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{gateway}/{PIECE}")
    assert "/login" in page.url
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{gateway}/{PIECE}")
    assert MEMBERS_SENTENCE in page.locator("article").first.inner_text()

    results = _search(page, SEARCH_WORD)
    assert SEARCH_HEADING in results and "Growth that lasts" in results
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/login**")
    page.goto(f"{gateway}/{PIECE}")
    assert "/login" in page.url
    assert MEMBERS_SENTENCE not in page.content()
    context.close()
