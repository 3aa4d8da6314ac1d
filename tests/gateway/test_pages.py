"""The gateway's own pages: content, accessibility hooks, look."""

from __future__ import annotations

import re

from .helpers import login


def test_login_page_form_fields(client):
    html = client.get("/login").text
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert re.search(r'<label for="email">', html) and 'id="email"' in html
    assert re.search(r'<label for="password">', html) and 'id="password"' in html
    assert 'method="post"' in html and 'action="/login"' in html
    assert 'name="viewport"' in html
    assert "LeadingTrusts" in html


def test_login_page_uses_only_local_assets(client):
    html = client.get("/login").text
    assert re.search(r'href="/_gateway/static/gateway\.css\?v=[0-9a-f]+"', html)
    assert "<script" not in html
    # Links may lead to the public site; everything the page loads is local.
    for url in re.findall(r'<(?:link|img|script)[^>]* (?:href|src)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url
    css = client.get("/_gateway/static/gateway.css").text
    assert "@import" not in css and "url(" not in css
    assert "#0b5563" in css and "#e0a100" in css and "-apple-system" in css
    assert ":focus-visible" in css


def test_error_is_announced(client):
    html = login(client, password="wrong password!").text
    assert re.search(r'role="alert"[^>]*>That email and password do not match an account\.<', html)


def test_link_back_to_the_public_site(make_client):
    html = make_client(public_site_url="https://leadingtrusts.example/").get("/login").text
    assert 'href="https://leadingtrusts.example/"' in html
    # Not "/": on the gateway that is the members' home, which loops back here.
    html = make_client().get("/login").text
    assert 'href="/"' not in html


def test_signed_out_notice(client):
    html = client.get("/login?signed_out=1").text
    assert "You have signed out" in html
    assert 'role="status"' in html
