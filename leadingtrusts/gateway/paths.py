"""Checks on paths that come from the request: where to go after signing in,
and which URLs are too odd to hand to the file server at all."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

# Our own pages: sending someone "back" to them after sign-in makes no sense.
_GATEWAY_PAGES = ("/login", "/logout")
# Addresses that belong to the gateway itself, never to the members' build.
GATEWAY_PREFIX = "/_gateway"


def safe_next(target: object, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default`.

    Only a relative reference starting with exactly one "/" passes. Refused:
    "//evil.example" and "/\\evil.example" (browsers read both as another
    host), absolute URLs, and any whitespace or control character (browsers
    drop tabs and newlines, so "/\\t/evil.example" would become "//evil...").
    """
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return default
    if target.startswith("//") or "\\" in target:
        return default
    if any(ch.isspace() or not ch.isprintable() for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    if parts.path.rstrip("/") in _GATEWAY_PAGES:
        return default
    return target


def is_gateway_path(path: str) -> bool:
    """True for the gateway's own addresses, however the slashes are doubled."""
    segments = [segment for segment in path.split("/") if segment]
    return bool(segments) and segments[0].lower() == GATEWAY_PREFIX.strip("/")


def is_suspicious_path(path: str, raw_path: bytes | None = None) -> bool:
    """True for a request path with "..", NUL or backslash in any decoding.

    Starlette's StaticFiles already keeps requests inside the served directory;
    this is a second, independent check. Paths are decoded repeatedly so
    double-encoded forms such as %252e%252e are caught too.
    """
    candidates = [path]
    if raw_path is not None:
        candidates.append(raw_path.decode("latin-1"))
    for text in candidates:
        for _ in range(4):
            if "\x00" in text or "\\" in text or ".." in text.split("/"):
                return True
            decoded = unquote(text)
            if decoded == text:
                break
            text = decoded
        else:
            # Still changing after several rounds: nobody links like that.
            return True
    return False
