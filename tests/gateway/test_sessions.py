"""Sessions end when they should: removal, reset, tampering, expiry."""

from __future__ import annotations

import time

import itsdangerous.timed
import pytest

from leadingtrusts.gateway import AccountStore
from leadingtrusts.gateway.sessions import SessionCodec

from .helpers import MEMBER, SECRET_SENTENCE, SESSION_KEY, assert_no_members_bytes, signed_in_client


def _locked_out(client) -> None:
    response = client.get("/thinkpieces/x/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert_no_members_bytes(response.content)


def test_removed_member_is_locked_out_on_the_next_request(make_client, accounts, fast_hasher):
    client = signed_in_client(make_client)
    assert SECRET_SENTENCE in client.get("/thinkpieces/x/").text
    # A separate store, as the `members remove` command would use.
    AccountStore(accounts.path, hasher=fast_hasher).remove(MEMBER)
    _locked_out(client)


def test_password_reset_ends_existing_sessions(make_client, accounts, fast_hasher):
    client = signed_in_client(make_client)
    other_browser = signed_in_client(make_client)
    AccountStore(accounts.path, hasher=fast_hasher).reset_password(MEMBER, "a brand new password")
    _locked_out(client)
    _locked_out(other_browser)


def test_removed_then_readded_member_needs_to_sign_in_again(make_client, accounts, fast_hasher):
    client = signed_in_client(make_client)
    store = AccountStore(accounts.path, hasher=fast_hasher)
    store.remove(MEMBER)
    store.add(MEMBER, "a brand new password")
    _locked_out(client)


def test_other_members_are_unaffected_by_a_removal(make_client, accounts, fast_hasher):
    from .helpers import OTHER_MEMBER, OTHER_PASSWORD, login

    accounts.add(OTHER_MEMBER, OTHER_PASSWORD)
    client = make_client()
    assert login(client, email=OTHER_MEMBER, password=OTHER_PASSWORD).status_code == 303
    AccountStore(accounts.path, hasher=fast_hasher).remove(MEMBER)
    assert SECRET_SENTENCE in client.get("/thinkpieces/x/").text


def _flip(value: str, index: int) -> str:
    ch = value[index]
    return value[:index] + ("A" if ch != "A" else "B") + value[index + 1:]


@pytest.mark.parametrize("index", [0, 5, -1, -10])
def test_tampered_cookie_is_not_served(make_client, index):
    client = signed_in_client(make_client)
    cookie = client.cookies["lt_session"]
    client.cookies.set("lt_session", _flip(cookie, index), domain="members.example")
    _locked_out(client)


def test_forged_cookie_for_another_email_is_not_served(make_client, accounts):
    client = make_client()
    forged = SessionCodec("not-the-real-key" * 4, 3600).issue(MEMBER, accounts.current_epoch(MEMBER))
    client.cookies.set("lt_session", forged, domain="members.example")
    _locked_out(client)


def test_cookie_minted_with_the_real_key_but_a_stale_epoch_is_not_served(make_client):
    client = make_client()
    client.cookies.set("lt_session", SessionCodec(SESSION_KEY, 3600).issue(MEMBER, "old-epoch"),
                       domain="members.example")
    _locked_out(client)


def test_bad_cookie_is_cleared(make_client):
    client = make_client()
    client.cookies.set("lt_session", "garbage", domain="members.example")
    response = client.get("/thinkpieces/x/")
    assert any(h.startswith("lt_session=") and "max-age=0" in h.lower()
               for h in response.headers.get_list("set-cookie"))


def test_expired_session_is_not_served(make_client, monkeypatch):
    client = signed_in_client(make_client, session_max_age=60)
    assert SECRET_SENTENCE in client.get("/thinkpieces/x/").text
    later = int(time.time()) + 61
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)
    _locked_out(client)


def test_session_cookie_max_age_matches_the_setting(make_client):
    from .helpers import login

    response = login(make_client(session_max_age=1234))
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith("lt_session="))
    assert "max-age=1234" in header.lower()


def test_sessions_work_across_gateway_processes_sharing_key_and_file(make_client):
    first = signed_in_client(make_client)
    second = make_client()  # another process: nothing shared but key and file
    second.cookies.set("lt_session", first.cookies["lt_session"], domain="members.example")
    assert SECRET_SENTENCE in second.get("/thinkpieces/x/").text


def test_sessions_from_a_gateway_with_another_key_are_refused(make_client):
    first = signed_in_client(make_client)
    second = make_client(session_key="another-secret-key-that-is-long-enough")
    second.cookies.set("lt_session", first.cookies["lt_session"], domain="members.example")
    _locked_out(second)
