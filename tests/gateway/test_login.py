"""Signing in and out through the forms, as a browser (or an attacker) would."""

from __future__ import annotations

import re

import pytest

from leadingtrusts.gateway.addresses import parse_trusted_proxies

from .helpers import (
    HTTPS_BASE,
    LOCAL_BASE,
    MEMBER,
    PASSWORD,
    SECRET_SENTENCE,
    assert_no_members_bytes,
    csrf_token,
    login,
    signed_in_client,
)

FAILED = "That email and password do not match an account."


def test_login_page_is_served_with_a_csrf_token_and_cookie(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert csrf_token(response.text)
    assert "lt_csrf" in response.cookies


def test_correct_login_serves_the_secret_page(client):
    response = login(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    page = client.get("/thinkpieces/x/")
    assert page.status_code == 200
    assert SECRET_SENTENCE in page.text


def test_email_is_case_and_space_insensitive(client):
    assert login(client, email="  Ada@Example.ORG ").status_code == 303


def test_full_round_trip_from_a_deep_link(client):
    first = client.get("/thinkpieces/x/")
    assert first.status_code == 303
    form = client.get(first.headers["location"])
    assert 'name="next" value="/thinkpieces/x/"' in form.text
    response = client.post("/login", data={
        "csrf_token": csrf_token(form.text), "email": MEMBER, "password": PASSWORD,
        "next": "/thinkpieces/x/",
    })
    assert response.status_code == 303
    assert response.headers["location"] == "/thinkpieces/x/"
    assert SECRET_SENTENCE in client.get(response.headers["location"]).text


def test_next_keeps_its_query_string(client):
    response = login(client, next_path="/search/?q=trust%20boards")
    assert response.headers["location"] == "/search/?q=trust%20boards"


@pytest.mark.parametrize("target", [
    "//evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
    "/login",
    "/logout",
])
def test_off_site_or_odd_next_falls_back_to_home(client, target):
    response = login(client, next_path=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_off_site_next_in_the_login_url_is_not_put_in_the_form(client):
    page = client.get("/login", params={"next": "//evil.example/"})
    assert "evil.example" not in page.text


def test_next_is_escaped_in_the_form(client):
    page = client.get("/login", params={"next": '/x"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;" in page.text or "&#34;&gt;" in page.text


def test_signed_in_visit_to_login_goes_straight_on(make_client):
    client = signed_in_client(make_client)
    response = client.get("/login", params={"next": "/thinkpieces/x/"})
    assert response.status_code == 303
    assert response.headers["location"] == "/thinkpieces/x/"


# -- failures -------------------------------------------------------------------


def _normalised(text: str, email: str) -> str:
    return text.replace(email, "EMAIL")


def test_wrong_password_and_unknown_account_look_identical(client):
    wrong = login(client, password="not the right password")
    unknown = login(client, email="nobody@example.org", password=PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert FAILED in wrong.text and FAILED in unknown.text
    assert _normalised(wrong.text, MEMBER) == _normalised(unknown.text, "nobody@example.org")
    assert set(wrong.headers) == set(unknown.headers)
    assert 'role="alert"' in wrong.text
    assert "lt_session" not in client.cookies
    assert client.get("/thinkpieces/x/").status_code == 303


def test_failed_login_escapes_the_email_it_echoes(client):
    response = login(client, email='"><script>alert(1)</script>@x')
    assert "<script>alert(1)" not in response.text


def test_missing_csrf_token_is_rejected(client):
    client.get("/login")
    response = client.post("/login", data={"email": MEMBER, "password": PASSWORD})
    assert response.status_code == 403
    assert "lt_session" not in response.cookies
    assert client.get("/thinkpieces/x/").status_code == 303


def test_wrong_csrf_token_is_rejected(client):
    client.get("/login")
    response = client.post("/login", data={"csrf_token": "forged", "email": MEMBER, "password": PASSWORD})
    assert response.status_code == 403
    assert "lt_session" not in response.cookies


def test_csrf_token_without_its_cookie_is_rejected(client, make_client):
    token = csrf_token(client.get("/login").text)
    stranger = make_client()  # a browser that never loaded the form
    response = stranger.post("/login", data={"csrf_token": token, "email": MEMBER, "password": PASSWORD})
    assert response.status_code == 403
    assert "lt_session" not in response.cookies


def test_csrf_cookie_signed_with_another_key_is_rejected(client, make_client):
    other = make_client(session_key="z" * 48)
    other_page = other.get("/login")
    token = csrf_token(other_page.text)
    client.cookies.set("lt_csrf", other.cookies["lt_csrf"], domain="members.example")
    response = client.post("/login", data={"csrf_token": token, "email": MEMBER, "password": PASSWORD})
    assert response.status_code == 403


def test_expired_form_page_offers_a_fresh_form(client):
    client.get("/login")
    response = client.post("/login", data={"csrf_token": "stale", "email": MEMBER, "password": PASSWORD})
    assert 'role="alert"' in response.text
    retry = client.post("/login", data={"csrf_token": csrf_token(response.text),
                                        "email": MEMBER, "password": PASSWORD})
    assert retry.status_code == 303


@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example"},
    {"origin": "null"},
    {"origin": "http://members.example.evil.example"},
    {"sec-fetch-site": "cross-site"},
])
def test_cross_origin_post_is_rejected_even_with_a_valid_token(client, headers):
    response = login(client, headers=headers)
    assert response.status_code == 403
    assert "lt_session" not in response.cookies
    assert client.get("/thinkpieces/x/").status_code == 303


def test_same_origin_header_is_accepted(client):
    response = login(client, headers={"origin": HTTPS_BASE, "sec-fetch-site": "same-origin"})
    assert response.status_code == 303


def test_oversized_form_is_refused(client):
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "email": MEMBER,
                                           "password": "x" * 20_000})
    assert response.status_code == 413


# -- throttling -------------------------------------------------------------------


def test_throttle_after_repeated_failures_blocks_even_the_right_password(client):
    for _ in range(5):
        assert login(client, password="wrong password!").status_code == 401
    blocked = login(client)
    assert blocked.status_code == 429
    retry_after = int(blocked.headers["retry-after"])
    assert 0 < retry_after <= 15 * 60
    assert "too many" in blocked.text.lower()
    assert "lt_session" not in client.cookies
    assert client.get("/thinkpieces/x/").status_code == 303


def test_throttle_is_per_account_and_lifts_after_the_window(client, accounts, clock):
    from .helpers import OTHER_MEMBER, OTHER_PASSWORD

    accounts.add(OTHER_MEMBER, OTHER_PASSWORD)
    for _ in range(5):
        login(client, password="wrong password!")
    assert login(client).status_code == 429
    # Another member at the same address is not blocked by ada's failures.
    assert login(client, email=OTHER_MEMBER, password=OTHER_PASSWORD).status_code == 303
    client.cookies.delete("lt_session")
    clock.advance(2 * 15 * 60)
    assert login(client).status_code == 303


def _guess(client, clock, email=MEMBER):
    """One wrong password from `client`, waiting out any delay first."""
    response = login(client, email=email, password="wrong password!")
    while response.status_code == 429:
        clock.advance(int(response.headers["retry-after"]))
        response = login(client, email=email, password="wrong password!")
    assert response.status_code == 401


def test_someone_guessing_from_elsewhere_cannot_lock_the_member_out(make_client, clock):
    attacker = make_client(peer="198.51.100.7")
    member = make_client(peer="203.0.113.20")
    for _ in range(20):
        _guess(attacker, clock)
    # The guesser is now made to wait...
    blocked = login(attacker)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 60
    # ...while the member, from their own network, signs in at once.
    assert login(member).status_code == 303
    assert SECRET_SENTENCE in member.get("/thinkpieces/x/").text


def test_delays_grow_with_each_failure(make_client, clock):
    attacker = make_client(peer="198.51.100.7")
    failures, waits = 0, []
    while len(waits) < 5:
        response = login(attacker, password="wrong password!")
        if response.status_code == 401:
            failures += 1
        else:
            assert response.status_code == 429
            waits.append(int(response.headers["retry-after"]))
            clock.advance(waits[-1])
    assert failures == 5 + 4  # five free tries, then one after each wait
    assert waits == sorted(waits) and waits[-1] >= 8 * waits[0] > 0


def test_throttle_is_shared_by_gateway_processes(make_client, database_url, clock):
    from leadingtrusts.gateway.storage import open_storage

    first = make_client(peer="198.51.100.7")
    # A second "process": its own connection to the same database.
    other_storage = open_storage(database_url, clock=clock)
    try:
        second = make_client(peer="198.51.100.7")
        second.app.state.throttle.storage = other_storage
        for _ in range(5):
            assert login(first, password="wrong password!").status_code == 401
        assert login(second).status_code == 429
    finally:
        other_storage.close()


def test_unknown_accounts_are_throttled_the_same_way(client):
    for _ in range(5):
        assert login(client, email="nobody@example.org", password="guess guess guess").status_code == 401
    assert login(client, email="nobody@example.org", password="guess guess guess").status_code == 429


def test_successful_login_clears_the_account_counter(client):
    for _ in range(4):
        login(client, password="wrong password!")
    assert login(client).status_code == 303
    client.cookies.delete("lt_session")
    for _ in range(4):
        assert login(client, password="wrong password!").status_code == 401
    assert login(client).status_code == 303


def test_per_ip_throttle_stops_spraying_many_accounts(client):
    for n in range(20):
        assert login(client, email=f"guess{n}@example.org", password="Password123!").status_code == 401
    blocked = login(client)
    assert blocked.status_code == 429
    assert "retry-after" in blocked.headers


# -- cookies ----------------------------------------------------------------------


def _set_cookie_headers(response, name):
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]


def test_session_cookie_flags_on_a_public_host(make_client):
    client = make_client(HTTPS_BASE)
    response = login(client)
    (header,) = _set_cookie_headers(response, "lt_session")
    flags = {part.strip().lower() for part in header.split(";")[1:]}
    assert "httponly" in flags
    assert "secure" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags
    assert any(f.startswith("max-age=") for f in flags)


def test_session_cookie_is_not_secure_on_localhost_in_development(make_client):
    client = make_client(LOCAL_BASE, production=False)
    response = login(client)
    (header,) = _set_cookie_headers(response, "lt_session")
    flags = {part.strip().lower() for part in header.split(";")[1:]}
    assert "secure" not in flags
    assert "httponly" in flags
    assert SECRET_SENTENCE in client.get("/thinkpieces/x/").text


@pytest.mark.parametrize("base", ["http://127.0.0.1:8001", "http://[::1]:8001"])
def test_loopback_addresses_count_as_local(make_client, base):
    response = make_client(base, production=False).get("/login")
    (header,) = _set_cookie_headers(response, "lt_csrf")
    assert "secure" not in header.lower()


def test_cookies_are_secure_on_localhost_in_production(make_client):
    # A production gateway seeing http at a loopback Host is behind a proxy
    # that did not pass the Host on; its cookies must not travel in the clear.
    response = make_client(LOCAL_BASE).get("/login")
    (header,) = _set_cookie_headers(response, "lt_csrf")
    assert "secure" in header.lower()


def test_cookies_are_secure_behind_a_trusted_proxy_that_ended_tls(make_client):
    # nginx on the same host: proxy_pass http://127.0.0.1:8001, X-Forwarded-Proto https.
    proxy = make_client("http://127.0.0.1:8001", peer="127.0.0.1", production=False,
                        trusted_proxies=parse_trusted_proxies("127.0.0.1"))
    https = {"x-forwarded-proto": "https"}
    page = proxy.get("/login", headers=https)
    (csrf_header,) = _set_cookie_headers(page, "lt_csrf")
    assert "secure" in csrf_header.lower()
    # The browser sends the Secure cookie back over https; httpx, seeing http, would not.
    csrf_cookie = csrf_header.split(";")[0]
    response = proxy.post("/login", headers={**https, "cookie": csrf_cookie}, data={
        "csrf_token": csrf_token(page.text), "email": MEMBER, "password": PASSWORD})
    assert response.status_code == 303
    (session_header,) = _set_cookie_headers(response, "lt_session")
    assert "secure" in session_header.lower()


def test_forwarded_proto_from_a_stranger_does_not_change_the_cookies(make_client):
    stranger = make_client("http://127.0.0.1:8001", peer="203.0.113.9", production=False,
                           trusted_proxies=parse_trusted_proxies("127.0.0.1"))
    response = stranger.get("/login", headers={"x-forwarded-proto": "https"})
    (header,) = _set_cookie_headers(response, "lt_csrf")
    assert "secure" not in header.lower()


def test_csrf_cookie_flags(make_client):
    response = make_client(HTTPS_BASE).get("/login")
    (header,) = _set_cookie_headers(response, "lt_csrf")
    flags = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags


def test_secure_is_set_even_when_tls_ends_at_a_proxy(make_client):
    # The gateway sees plain http from the proxy, but the host is public.
    response = make_client("http://members.example").get("/login")
    (header,) = _set_cookie_headers(response, "lt_csrf")
    assert "secure" in header.lower()


def test_session_cookie_holds_no_password(client):
    login(client)
    assert PASSWORD not in client.cookies["lt_session"]


# -- logout -------------------------------------------------------------------------


def test_logout_page_offers_a_post_button(make_client):
    client = signed_in_client(make_client)
    page = client.get("/logout")
    assert page.status_code == 200
    assert re.search(r'<form[^>]*method="post"[^>]*action="/logout"', page.text)
    assert MEMBER in page.text


def test_logout_page_without_a_session_offers_sign_in_not_a_sign_out_button(client):
    page = client.get("/logout")
    assert page.status_code == 200
    assert "You are not signed in" in page.text
    assert "<button" not in page.text and 'action="/logout"' not in page.text
    assert re.search(r'<a href="/login">Sign in</a>', page.text)


def test_get_logout_does_not_sign_out(make_client):
    client = signed_in_client(make_client)
    client.get("/logout")
    assert client.get("/thinkpieces/x/").status_code == 200


def test_logout_clears_the_session(make_client):
    client = signed_in_client(make_client)
    token = csrf_token(client.get("/logout").text)
    old_cookie = client.cookies["lt_session"]
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?signed_out=1"
    assert "lt_session" not in client.cookies
    after = client.get("/thinkpieces/x/")
    assert after.status_code == 303
    assert_no_members_bytes(after.content)
    notice = client.get(response.headers["location"])
    assert "You have signed out" in notice.text
    assert old_cookie


def test_logout_needs_the_csrf_token(make_client):
    client = signed_in_client(make_client)
    client.get("/logout")
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/thinkpieces/x/").status_code == 200


def test_cross_origin_logout_is_refused(make_client):
    client = signed_in_client(make_client)
    token = csrf_token(client.get("/logout").text)
    response = client.post("/logout", data={"csrf_token": token},
                           headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert client.get("/thinkpieces/x/").status_code == 200
