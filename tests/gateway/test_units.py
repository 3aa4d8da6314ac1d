"""Small pieces on their own: path checks (the throttle: test_storage.py)."""

from __future__ import annotations

import pytest

from leadingtrusts.gateway.paths import is_suspicious_path, safe_next


@pytest.mark.parametrize("target", ["/", "/thinkpieces/x/", "/search/?q=a%20b", "/a#frag", "/%2F%2Fx"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, 42, "", "x", "//evil.example", "/\\evil.example", "https://evil.example/",
    "/\t/evil.example", "/\r\n/evil.example", "/\x00", "/login", "/login/", "/logout", "/" + "a" * 3000,
])
def test_safe_next_refuses_everything_else(target):
    assert safe_next(target) == "/"


@pytest.mark.parametrize("path,raw", [
    ("/../x", b"/../x"),
    ("/a/../../x", b"/a/../../x"),
    ("/../x", b"/%2e%2e/x"),
    ("/%2e%2e/x", b"/%252e%252e/x"),
    ("/%252e%252e/x", b"/%25252e%25252e/x"),
    ("/a\\..\\x", b"/a%5c..%5cx"),
    ("/a\x00.html", b"/a%00.html"),
    ("/%00", b"/%2500"),
    ("/%5c", b"/%255c"),
])
def test_suspicious_paths(path, raw):
    assert is_suspicious_path(path, raw)


@pytest.mark.parametrize("path", ["/", "/thinkpieces/x/", "/a..b/", "/..a/", "/.well-known/x", "/a%20b"])
def test_ordinary_paths(path):
    assert not is_suspicious_path(path, path.encode())
