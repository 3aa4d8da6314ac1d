"""A new member's whole journey through the emails a local SMTP server receives:
invited with `members invite`, chooses a password, signs in and out, forgets
the password, resets it from the emailed link and signs in with the new one."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from gateway.smtp_server import LocalSmtpServer, link_in, parts
from servers import free_port, running

from leadingtrusts.gateway import cli
from leadingtrusts.gateway.accounts import AccountStore
from leadingtrusts.gateway.app import create_app
from leadingtrusts.gateway.settings import GatewaySettings
from leadingtrusts.gateway.storage import open_storage

PIECE = "thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for/"
MEMBERS_SENTENCE = "Boards that set a target number of schools tend to find the schools to match it."
EMAIL, NAME = "newcomer@trust.example", "Nadia Newcomer"
FIRST_PASSWORD, SECOND_PASSWORD = "my first long password", "a second long password"


@pytest.fixture
def smtp():
    server = LocalSmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(built, tmp_path: Path, smtp, monkeypatch):
    """The gateway on 127.0.0.1, and `members invite` set up to use its database."""
    port = free_port()  # the gateway's address goes into its settings and the emails
    base = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{tmp_path / 'private' / 'gateway.sqlite3'}"
    for name, value in {
        "LT_DATABASE_URL": database_url, "LT_AUDIT_LOG": str(tmp_path / "private" / "audit.jsonl"),
        "LT_MEMBERS_URL": base + "/", "LT_SMTP_HOST": "127.0.0.1", "LT_SMTP_PORT": str(smtp.port),
        "LT_SMTP_TLS": "none", "LT_MAIL_FROM": "team@leadingtrusts.test",
    }.items():
        monkeypatch.setenv(name, value)
    storage = open_storage(database_url)
    accounts = AccountStore(storage, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024))
    settings = GatewaySettings(site_dir=built.path("site/members"), database_url=database_url,
                               session_key="k" * 48, production=False, members_url=base + "/",
                               smtp=smtp.settings)
    with running(create_app(settings, accounts=accounts), port=port):
        yield base
    storage.close()


def _sign_in(page, password: str) -> None:
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _choose(page, password: str, button: str) -> None:
    page.get_by_label("New password").fill(password)
    page.get_by_label("Type it again").fill(password)
    page.get_by_role("button", name=button).click()
    page.get_by_role("heading", name="Password saved").wait_for()


def test_invite_set_password_sign_in_out_forget_reset_and_sign_in_again(browser, gateway, smtp):
    assert cli.main(["members", "invite", EMAIL, "--name", NAME, "--cohort", "cohort-3"]) == 0
    invitation = smtp.wait_for(EMAIL)
    assert f"Dear {NAME}," in parts(invitation)[0]

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(link_in(invitation))
    assert page.get_by_role("heading", name="Choose your password").is_visible()
    _choose(page, FIRST_PASSWORD, "Save my password")

    page.get_by_role("link", name="Sign in").click()
    _sign_in(page, FIRST_PASSWORD)
    page.wait_for_url(f"{gateway}/")
    page.goto(f"{gateway}/{PIECE}")
    assert MEMBERS_SENTENCE in page.locator("article").first.inner_text()

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/login**")

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Email me a link").click()
    assert "we have emailed it a link" in page.get_by_role("status").inner_text()

    reset = smtp.wait_for(EMAIL, count=2)
    assert "Did you not ask for this?" in parts(reset)[0]
    page.goto(link_in(reset))
    assert page.get_by_role("heading", name="Choose a new password").is_visible()
    _choose(page, SECOND_PASSWORD, "Save my new password")

    page.get_by_role("link", name="Sign in").click()
    _sign_in(page, FIRST_PASSWORD)
    assert page.get_by_role("alert").is_visible()  # the old password no longer works
    _sign_in(page, SECOND_PASSWORD)
    page.wait_for_url(f"{gateway}/")
    page.goto(f"{gateway}/{PIECE}")
    assert MEMBERS_SENTENCE in page.locator("article").first.inner_text()

    page.goto(link_in(reset))  # a used link says so
    assert page.get_by_role("heading", name="This link no longer works").is_visible()
    context.close()
