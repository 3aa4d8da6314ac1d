"""Small pieces on their own: path checks and the failure throttle."""

from __future__ import annotations

import pytest

from leadingtrusts.gateway.paths import is_suspicious_path, safe_next
from leadingtrusts.gateway.throttle import FailureThrottle


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


def test_throttle_sliding_window():
    now = [0.0]
    throttle = FailureThrottle(limit=3, window=100, clock=lambda: now[0])
    for t in (0, 10, 20):
        now[0] = t
        assert throttle.retry_after("k") == 0
        throttle.record_failure("k")
    assert throttle.retry_after("k") == 80  # the failure at t=0 slides out at t=100
    assert throttle.retry_after("other") == 0
    now[0] = 100
    assert throttle.retry_after("k") == 0
    throttle.record_failure("k")
    assert throttle.retry_after("k") == 10  # now 10, 20, 100: the one at 10 leaves at 110


def test_throttle_clear_and_forgive():
    throttle = FailureThrottle(limit=2, window=100, clock=lambda: 0.0)
    throttle.record_failure("k")
    throttle.record_failure("k")
    assert throttle.retry_after("k") > 0
    throttle.forgive_one("k")
    assert throttle.retry_after("k") == 0
    throttle.record_failure("k")
    throttle.clear("k")
    assert throttle.retry_after("k") == 0


def test_throttle_memory_is_bounded(monkeypatch):
    from leadingtrusts.gateway import throttle as module

    monkeypatch.setattr(module, "MAX_KEYS", 10)
    throttle = FailureThrottle(limit=1, window=100, clock=lambda: 0.0)
    for n in range(50):
        throttle.record_failure(f"k{n}")
    assert len(throttle._failures) == 10
    assert throttle.retry_after("k49") > 0
