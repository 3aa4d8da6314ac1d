"""The members' site works in a real browser under the gateway's
Content-Security-Policy: Material's inline scripts run (allowed by the hashes
found at build time), its search worker answers, and nothing is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from servers import running

from leadingtrusts.gateway.accounts import AccountStore
from leadingtrusts.gateway.app import create_app
from leadingtrusts.gateway.settings import GatewaySettings
from leadingtrusts.gateway.storage import open_storage
from leadingtrusts.pipeline.csp import SCRIPT_HASHES_FILE

PIECE = "thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for/"
SEARCH_WORD = "governance"
EMAIL, PASSWORD = "csp@trust.example", "correct horse battery staple"

# Every refusal the page sees, from any script or element, with what was refused.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", e => window.__violations.push(
  `${e.violatedDirective} ${e.blockedURI} ${e.sample || ""}`));
"""


@pytest.fixture
def gateway(built, tmp_path: Path):
    storage = open_storage(f"sqlite://{tmp_path / 'gateway.sqlite3'}")
    accounts = AccountStore(storage, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024))
    accounts.add(EMAIL, PASSWORD)
    settings = GatewaySettings(site_dir=built.path("site/members"),
                               database_url=f"sqlite://{tmp_path / 'gateway.sqlite3'}",
                               session_key="k" * 48, production=False)
    with running(create_app(settings, accounts=accounts)) as base:
        yield base
    storage.close()


@pytest.fixture
def watched(browser):
    """A page that records CSP refusals and console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    yield page
    context.close()


def refusals(page) -> list[str]:
    refused = page.evaluate("window.__violations")
    return refused + [e for e in page.console_errors if "Content Security Policy" in e]


def test_only_the_members_build_carries_script_hashes(built):
    assert (built.path("site/members") / SCRIPT_HASHES_FILE).is_file()
    assert not (built.path("site/public") / SCRIPT_HASHES_FILE).exists()


def test_members_pages_run_under_the_policy(gateway, watched):
    page = watched
    page.goto(f"{gateway}/{PIECE}")
    assert refusals(page) == []  # the sign-in page: no script at all
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{gateway}/{PIECE}")
    assert "script-src 'self' 'sha256-" in page.evaluate(
        "fetch(location.href).then(r => r.headers.get('content-security-policy'))")
    assert page.locator('script[type="application/ld+json"]').count() >= 1

    # The search worker loads and answers from the members' index.
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(SEARCH_WORD, delay=30)
    page.wait_for_function(
        "() => { const m = document.querySelector('.md-search-result__meta');"
        " return m && /\\d+ matching document/.test(m.textContent); }", timeout=15000)
    assert page.locator(".md-search-result__item").count() > 0
    page.keyboard.press("Escape")

    # The palette: chosen once, applied by the inline script on the next page.
    page.locator('label[title="Switch to dark mode"]').first.click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    page.goto(f"{gateway}/")
    assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
    assert refusals(page) == []


def test_gateway_pages_need_no_exceptions(gateway, watched):
    for url in ("/login", "/forgot", "/_gateway/no-such-page"):
        response = watched.goto(f"{gateway}{url}")
        assert response.status in (200, 404), url
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert refusals(watched) == [], url
