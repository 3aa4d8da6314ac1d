"""Sessions end when they should: sign-out (here or everywhere), removal,
reset, inactivity, age, the end of a membership, tampering."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadingtrusts.gateway import AccountStore
from leadingtrusts.gateway.accounts import programme_today
from leadingtrusts.gateway.storage import open_storage

from .helpers import (
    MEMBER,
    OTHER_MEMBER,
    OTHER_PASSWORD,
    SECRET_SENTENCE,
    assert_no_members_bytes,
    csrf_token,
    login,
    signed_in_client,
)


def _locked_out(client) -> None:
    response = client.get("/thinkpieces/x/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert_no_members_bytes(response.content)


def _reads(client) -> bool:
    return SECRET_SENTENCE in client.get("/thinkpieces/x/").text


def _copy_session(source, make_client):
    """A second browser holding a copy of source's session cookie."""
    thief = make_client(peer="198.51.100.66")
    thief.cookies.set("lt_session", source.cookies["lt_session"], domain="members.example")
    return thief


def _sign_out(client, everywhere: bool = False):
    data = {"csrf_token": csrf_token(client.get("/logout").text)}
    if everywhere:
        data["everywhere"] = "1"
    return client.post("/logout", data=data)


@pytest.fixture
def command_line(database_url, fast_hasher, clock):
    """The accounts as the `members` command sees them: its own connection."""
    storage = open_storage(database_url, clock=clock)
    yield AccountStore(storage, hasher=fast_hasher)
    storage.close()


# -- signing out --------------------------------------------------------------------


def test_signing_out_ends_the_session_even_for_a_copied_cookie(make_client):
    member = signed_in_client(make_client)
    thief = _copy_session(member, make_client)
    assert _reads(thief)
    response = _sign_out(member)
    assert response.status_code == 303
    _locked_out(member)
    # The copy stopped working the moment its owner signed out.
    _locked_out(thief)


def test_signing_out_leaves_the_members_other_devices_signed_in(make_client):
    laptop = signed_in_client(make_client)
    phone = signed_in_client(make_client)
    _sign_out(laptop)
    _locked_out(laptop)
    assert _reads(phone)


def test_sign_out_of_all_devices(make_client, accounts):
    accounts.add(OTHER_MEMBER, OTHER_PASSWORD)
    laptop = signed_in_client(make_client)
    phone = signed_in_client(make_client)
    colleague = make_client()
    assert login(colleague, email=OTHER_MEMBER, password=OTHER_PASSWORD).status_code == 303
    page = laptop.get("/logout")
    assert "Sign out of all devices" in page.text
    response = _sign_out(laptop, everywhere=True)
    assert response.status_code == 303
    assert "on all your devices" in laptop.get(response.headers["location"]).text
    _locked_out(laptop)
    _locked_out(phone)
    assert _reads(colleague)


def test_sign_out_everywhere_is_not_offered_when_signed_out(client):
    assert "Sign out of all devices" not in client.get("/logout").text


def test_sign_outs_are_in_the_audit_log(make_client, audit):
    client = signed_in_client(make_client)
    _sign_out(client)
    client = signed_in_client(make_client)
    _sign_out(client, everywhere=True)
    events = [(e["event"], e["account"]) for e in audit.read()]
    assert events == [("sign_in", MEMBER), ("sign_out", MEMBER),
                      ("sign_in", MEMBER), ("sign_out_everywhere", MEMBER)]
    assert all(e["address"] == "testclient" for e in audit.read())


# -- the programme team ends sessions -----------------------------------------------


def test_removed_member_is_locked_out_on_the_next_request(make_client, command_line):
    client = signed_in_client(make_client)
    assert _reads(client)
    command_line.remove(MEMBER)
    _locked_out(client)


def test_password_reset_ends_existing_sessions(make_client, command_line):
    client = signed_in_client(make_client)
    other_browser = signed_in_client(make_client)
    command_line.reset_password(MEMBER, "a brand new password")
    _locked_out(client)
    _locked_out(other_browser)


def test_removed_then_readded_member_needs_to_sign_in_again(make_client, command_line):
    client = signed_in_client(make_client)
    command_line.remove(MEMBER)
    command_line.add(MEMBER, "a brand new password")
    _locked_out(client)


def test_other_members_are_unaffected_by_a_removal(make_client, accounts, command_line):
    accounts.add(OTHER_MEMBER, OTHER_PASSWORD)
    client = make_client()
    assert login(client, email=OTHER_MEMBER, password=OTHER_PASSWORD).status_code == 303
    command_line.remove(MEMBER)
    assert _reads(client)


# -- time limits ----------------------------------------------------------------------


def test_session_ends_after_its_absolute_age(make_client, clock):
    client = signed_in_client(make_client, session_max_age=3600, session_idle_timeout=3600)
    for _ in range(5):  # in use all the while
        clock.advance(11 * 60)
        assert _reads(client)
    clock.advance(11 * 60)
    _locked_out(client)


def test_session_ends_after_inactivity(make_client, clock):
    client = signed_in_client(make_client, session_idle_timeout=2 * 3600)
    clock.advance(2 * 3600 + 1)
    _locked_out(client)


def test_activity_keeps_a_session_alive_past_the_idle_timeout(make_client, clock):
    client = signed_in_client(make_client, session_idle_timeout=2 * 3600)
    for _ in range(4):  # six hours in all, never two hours idle
        clock.advance(90 * 60)
        assert _reads(client)


def test_session_cookie_max_age_matches_the_setting(make_client):
    response = login(make_client(session_max_age=1234))
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith("lt_session="))
    assert "max-age=1234" in header.lower()


# -- membership end dates ---------------------------------------------------------------


def test_membership_ends_on_its_date_without_anyone_acting(make_client, accounts, clock):
    accounts.set_access_ends(MEMBER, programme_today() + timedelta(days=1))
    client = signed_in_client(make_client)
    assert _reads(client)
    # The end date arrives; no command is run.
    accounts.set_access_ends(MEMBER, programme_today())
    response = client.get("/thinkpieces/x/")
    assert response.status_code == 303
    assert_no_members_bytes(response.content)
    page = client.get(response.headers["location"])
    assert "Your membership ended on" in page.text
    assert "mailto:programme@leadingtrusts.example" in page.text
    # The session is over, not just refused today.
    accounts.set_access_ends(MEMBER, None)
    _locked_out(client)


def test_ended_membership_cannot_sign_in_and_is_told_why(make_client, accounts, audit):
    accounts.set_access_ends(MEMBER, programme_today() - timedelta(days=3))
    client = make_client()
    response = login(client)
    assert response.status_code == 403
    ended = programme_today() - timedelta(days=3)
    assert f"Your membership ended on {ended.day} {ended:%B %Y}" in response.text
    assert "programme@leadingtrusts.example" in response.text
    assert "lt_session" not in client.cookies
    _locked_out(client)
    assert audit.read()[-1]["event"] == "sign_in_membership_ended"


def test_ended_membership_is_not_revealed_without_the_password(make_client, accounts):
    accounts.set_access_ends(MEMBER, programme_today() - timedelta(days=3))
    response = login(make_client(), password="wrong password!")
    assert response.status_code == 401
    assert "membership" not in response.text.lower()


def test_membership_ending_tomorrow_still_works_today(make_client, accounts):
    accounts.set_access_ends(MEMBER, programme_today() + timedelta(days=1))
    assert _reads(signed_in_client(make_client))


# -- cookies that are not sessions ------------------------------------------------------


def _flip(value: str, index: int) -> str:
    ch = value[index]
    return value[:index] + ("A" if ch != "A" else "B") + value[index + 1:]


@pytest.mark.parametrize("index", [0, 5, -1, -10])
def test_tampered_cookie_is_not_served(make_client, index):
    client = signed_in_client(make_client)
    cookie = client.cookies["lt_session"]
    client.cookies.set("lt_session", _flip(cookie, index), domain="members.example")
    _locked_out(client)


def test_bad_cookie_is_cleared(make_client):
    client = make_client()
    client.cookies.set("lt_session", "garbage", domain="members.example")
    response = client.get("/thinkpieces/x/")
    assert any(h.startswith("lt_session=") and "max-age=0" in h.lower()
               for h in response.headers.get_list("set-cookie"))


def test_the_database_holds_no_usable_session_id(make_client, accounts):
    client = signed_in_client(make_client)
    cookie = client.cookies["lt_session"]
    (record,) = accounts.storage.list_sessions(MEMBER)
    with accounts.storage._read() as cur:
        stored = [row[0] for row in cur.execute("SELECT id_hash FROM sessions").fetchall()]
    assert cookie not in stored and record.id not in cookie
    # Pasting what the database holds into a cookie opens nothing.
    client.cookies.set("lt_session", stored[0], domain="members.example")
    _locked_out(client)


def test_sessions_work_across_gateway_processes(make_client, command_line):
    first = signed_in_client(make_client)
    # Another process: its own connection to the same database.
    second = make_client()
    second.app.state.sessions.storage = command_line.storage
    second.cookies.set("lt_session", first.cookies["lt_session"], domain="members.example")
    assert _reads(second)
    _sign_out(first)
    _locked_out(second)
