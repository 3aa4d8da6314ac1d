"""Choosing a password from an emailed link, and "Forgot your password?",
through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import pytest
from servers import running

from leadingtrusts.gateway import create_app
from leadingtrusts.gateway.invitations import invitee, send_invitations
from leadingtrusts.gateway.mail import Mailer, SmtpSettings

from .helpers import HTTPS_BASE, MEMBER, PASSWORD, csrf_token, login
from .smtp_server import closed_port, link_in, parts, smtp_server_fixture  # noqa: F401

NEWCOMER = "nadia@example.org"
NEW_PASSWORD = "a brand new long password"
UNKNOWN = "nobody@example.org"


@pytest.fixture
def client(make_client, smtp_server):
    return make_client(smtp=smtp_server.settings)


def invite(storage, smtp_server, email: str = NEWCOMER) -> str:
    """Invite someone as `members invite` does; the link from their email."""
    send_invitations(storage, Mailer(smtp_server.settings),
                     [invitee(email, name="Nadia Newcomer", cohort="cohort-3")],
                     members_url=HTTPS_BASE + "/", contact_email="team@example.org",
                     ttl=dt.timedelta(days=7))
    return link_in(smtp_server.wait_for(email))


def choose_password(client, link: str, password: str = NEW_PASSWORD, again: str | None = None):
    page = client.get(link)
    assert page.status_code == 200, page.text
    token = dict(p.split("=", 1) for p in urlsplit(link).query.split("&"))["token"]
    return client.post("/set-password", data={
        "csrf_token": csrf_token(page.text), "token": token,
        "password": password, "password_again": password if again is None else again,
    })


def ask_for_reset(client, email: str):
    page = client.get("/forgot")
    assert page.status_code == 200
    return client.post("/forgot", data={"csrf_token": csrf_token(page.text), "email": email})


def test_login_page_links_to_forgot_password(client):
    page = client.get("/login")
    assert 'href="/forgot">Forgot your password?' in page.text


def test_invited_member_chooses_a_password_from_the_email_and_signs_in(client, storage, smtp_server, audit):
    link = invite(storage, smtp_server)
    assert link.startswith(HTTPS_BASE + "/set-password?token=")
    page = client.get(link)
    assert page.status_code == 200
    assert "Choose your password" in page.text and NEWCOMER in page.text

    mismatch = choose_password(client, link, again="something else entirely")
    assert mismatch.status_code == 400 and "not the same" in mismatch.text
    too_short = choose_password(client, link, password="short")
    assert too_short.status_code == 400 and "at least 12 characters" in too_short.text

    saved = choose_password(client, link)  # the mistakes above did not spend the link
    assert saved.status_code == 200 and "Password saved" in saved.text
    # A first password: there was no browser signed in to sign out.
    assert "signed out" not in saved.text
    assert login(client, NEWCOMER, NEW_PASSWORD).status_code == 303
    assert client.get("/thinkpieces/x/").status_code == 200

    again = client.get(link)
    assert again.status_code == 410 and "This link no longer works" in again.text
    assert 'href="/forgot"' in again.text
    events = [(e["event"], e["account"]) for e in audit.read()]
    assert ("password_set", NEWCOMER) in events and ("sign_in", NEWCOMER) in events
    token = urlsplit(link).query.partition("token=")[2]
    assert token not in audit.path.read_text()


def test_a_link_works_once_even_if_its_form_is_posted_twice(client, storage, smtp_server):
    link = invite(storage, smtp_server)
    page = client.get(link)
    data = {"csrf_token": csrf_token(page.text), "token": link.partition("token=")[2],
            "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    assert client.post("/set-password", data=data).status_code == 200
    second = client.post("/set-password", data={**data, "password": "x" * 20, "password_again": "x" * 20})
    assert second.status_code == 410
    assert login(client, NEWCOMER, "x" * 20).status_code == 401
    assert login(client, NEWCOMER, NEW_PASSWORD).status_code == 303


def test_a_form_without_its_csrf_cookie_is_refused_and_the_link_still_works(make_client, client, storage,
                                                                            smtp_server):
    link = invite(storage, smtp_server)
    page = client.get(link)
    stranger = make_client()  # has no CSRF cookie
    refused = stranger.post("/set-password", data={
        "csrf_token": csrf_token(page.text), "token": link.partition("token=")[2],
        "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert refused.status_code == 403
    assert choose_password(client, link).status_code == 200


def test_forgot_password_answers_the_same_for_a_member_and_a_stranger(client, smtp_server):
    stranger = ask_for_reset(client, UNKNOWN)
    member = ask_for_reset(client, MEMBER)
    assert member.status_code == stranger.status_code == 200
    assert member.text.replace(MEMBER, "ADDRESS") == stranger.text.replace(UNKNOWN, "ADDRESS")
    assert "we have emailed it a link" in member.text and "1 hour" in member.text

    smtp_server.wait_for(MEMBER)
    assert smtp_server.recipients == [MEMBER]


def test_reset_link_sets_a_new_password_and_ends_existing_sessions(make_client, client, smtp_server, audit):
    elsewhere = make_client()
    assert login(elsewhere, MEMBER, PASSWORD).status_code == 303
    assert elsewhere.get("/thinkpieces/x/").status_code == 200

    ask_for_reset(client, MEMBER)
    message = smtp_server.wait_for(MEMBER)
    text, _ = parts(message)
    assert "Did you not ask for this?" in text
    page = client.get(link_in(message))
    assert "Choose a new password" in page.text
    saved = choose_password(client, link_in(message))
    assert saved.status_code == 200 and "has been signed out" in saved.text

    assert elsewhere.get("/thinkpieces/x/").status_code == 303  # signed out
    assert login(client, MEMBER, PASSWORD).status_code == 401
    assert login(client, MEMBER, NEW_PASSWORD).status_code == 303
    events = [e["event"] for e in audit.read() if e["account"] == MEMBER]
    assert "password_reset_requested" in events and "password_reset" in events


def test_choosing_a_password_ends_the_other_links_in_the_inbox(client, storage, smtp_server):
    invitation = invite(storage, smtp_server)
    ask_for_reset(client, NEWCOMER)  # invited, then asked for a link as well
    reset = link_in(smtp_server.wait_for(NEWCOMER, count=2))
    assert choose_password(client, reset).status_code == 200
    # Whoever finds the invitation later cannot choose another password with it.
    assert client.get(invitation).status_code == 410
    assert login(client, NEWCOMER, NEW_PASSWORD).status_code == 303


def test_an_expired_link_says_so_and_how_to_get_another(client, smtp_server, clock):
    ask_for_reset(client, MEMBER)
    link = link_in(smtp_server.wait_for(MEMBER))
    clock.advance(60 * 60 + 1)  # a reset link works for an hour
    page = client.get(link)
    assert page.status_code == 410
    assert "expired" in page.text and 'href="/forgot"' in page.text


def test_smtp_down_changes_nothing_in_the_answer_and_is_logged_as_not_sent(make_client, audit):
    down = make_client(smtp=SmtpSettings(host="127.0.0.1", port=closed_port(), tls="none"))
    member, stranger = ask_for_reset(down, MEMBER), ask_for_reset(down, UNKNOWN)
    assert member.status_code == stranger.status_code == 200
    assert member.text.replace(MEMBER, "ADDRESS") == stranger.text.replace(UNKNOWN, "ADDRESS")
    assert ("reset_not_sent", MEMBER) in [(e["event"], e["account"]) for e in audit.read()]


def test_a_reset_email_that_failed_to_send_does_not_use_up_the_hourly_limit(make_client, smtp_server):
    down = make_client(smtp=SmtpSettings(host="127.0.0.1", port=closed_port(), tls="none"),
                       reset_emails_per_account=1)
    first = ask_for_reset(down, MEMBER)
    second = ask_for_reset(down, MEMBER)
    assert first.text == second.text  # the same answer as ever: nothing is revealed
    # The server is back: the member's next request still gets its email.
    ask_for_reset(make_client(smtp=smtp_server.settings, reset_emails_per_account=1), MEMBER)
    smtp_server.wait_for(MEMBER)


def test_no_reset_email_once_membership_has_ended(client, storage, smtp_server):
    storage.set_access_ends(MEMBER, dt.date(2020, 1, 1))
    assert ask_for_reset(client, MEMBER).status_code == 200
    storage.add_invited_member(NEWCOMER, name="Nadia", cohort="cohort-3", access_ends=None)
    ask_for_reset(client, NEWCOMER)  # asked after, so it arrives after any to MEMBER
    smtp_server.wait_for(NEWCOMER)
    assert smtp_server.recipients == [NEWCOMER]


def test_one_address_cannot_flood_the_form_and_one_inbox_cannot_be_flooded(make_client, smtp_server):
    limited = dict(smtp=smtp_server.settings, forgot_requests_per_address=3, reset_emails_per_account=2)
    first = make_client(peer="198.51.100.1", **limited)
    for _ in range(3):
        assert ask_for_reset(first, UNKNOWN).status_code == 200
    throttled = ask_for_reset(first, MEMBER)
    assert throttled.status_code == 429 and "retry-after" in throttled.headers

    for peer in ("198.51.100.2", "198.51.100.3", "198.51.100.4"):
        assert ask_for_reset(make_client(peer=peer, **limited), MEMBER).status_code == 200
    smtp_server.wait_for(MEMBER, count=2)
    assert len(smtp_server.messages) == 2


def test_a_badly_typed_address_is_asked_for_again(client, smtp_server):
    response = ask_for_reset(client, "ada at example")
    assert response.status_code == 400 and "whole email address" in response.text
    assert 'value="ada at example"' in response.text


# -- the answer does not wait for the email ------------------------------------------


class StalledSmtpServer:
    """Accepts connections and says nothing until released, like a hung relay."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connected = threading.Event()
        self.release = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        self.connected.set()
        self.release.wait(30)
        conn.close()
        self.sock.close()


@pytest.fixture
def stalled_gateway(settings, accounts):
    stalled = StalledSmtpServer()
    # Plain http at 127.0.0.1: development mode, so the CSRF cookie is not Secure.
    app = create_app(replace(settings, smtp=SmtpSettings(host="127.0.0.1", port=stalled.port, tls="none"),
                             production=False), accounts=accounts)
    with running(app) as base:
        yield base, stalled
        stalled.release.set()


def test_the_answer_comes_before_the_email_is_handed_over(stalled_gateway):
    base, stalled = stalled_gateway
    with httpx.Client(base_url=base, timeout=10) as http:
        page = http.get("/forgot")
        answer = http.post("/forgot", data={"csrf_token": csrf_token(page.text), "email": MEMBER})
        assert answer.status_code == 200 and "we have emailed it a link" in answer.text
        # The member's reset email is under way, and the SMTP server has not yet answered.
        assert stalled.connected.wait(10)
        assert not stalled.release.is_set()
