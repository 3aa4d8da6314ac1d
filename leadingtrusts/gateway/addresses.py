"""Who is asking, and over what: the client's address and scheme, taking
`X-Forwarded-For` / `X-Forwarded-Proto` only from configured proxies.

Uvicorn's own proxy-header handling is switched off wherever the gateway is
served (it trusts 127.0.0.1 by default, so anything behind a local proxy could
rotate `X-Forwarded-For` and never meet a per-address limit). These functions
are the one place the headers are read; everyone uses them instead of
`request.client.host` and `request.url.scheme`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# request.client is None for some transports (and "testclient" in tests).
UNKNOWN_ADDRESS = "unknown"

# How uvicorn runs the gateway (`members serve`, `make members`, the benchmark):
# its own X-Forwarded-* handling off, so request.client is the real peer; and no
# Server header advertising the version.
UVICORN_OPTIONS = {"proxy_headers": False, "server_header": False}


class TrustedProxiesError(ValueError):
    """A malformed LT_TRUSTED_PROXIES entry; str() names it."""


def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR blocks, e.g. "10.0.0.0/8, ::1"."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise TrustedProxiesError(
                f"LT_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR block "
                "(e.g. 127.0.0.1 or 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def client_address(request: HTTPConnection, trusted: Iterable[Network] | None = None) -> str:
    """The peer address, or, when the peer is a trusted proxy, the right-most
    `X-Forwarded-For` entry that is not itself a trusted proxy.

    Entries further left were written by the client and prove nothing. By
    default `trusted` is `settings.trusted_proxies` of the running app.
    """
    proxies = tuple(_trusted(request) if trusted is None else trusted)
    peer = request.client.host if request.client else UNKNOWN_ADDRESS
    peer_ip = _parse_ip(peer)
    if peer_ip is None or not _is_trusted(peer_ip, proxies):
        return peer if peer_ip is None else str(peer_ip)
    nearest = peer_ip
    for entry in reversed(_header_values(request, "x-forwarded-for")):
        hop = _parse_ip(entry)
        if hop is None:
            # A trusted proxy passed on something unreadable: the last address
            # we can vouch for is the proxy that did so.
            break
        nearest = hop
        if not _is_trusted(hop, proxies):
            break
    return str(nearest)


def request_scheme(request: HTTPConnection, trusted: Iterable[Network] | None = None) -> str:
    """ "https" or "http" as the browser used it: `X-Forwarded-Proto` counts
    only when the peer is a trusted proxy (which terminated TLS)."""
    proxies = tuple(_trusted(request) if trusted is None else trusted)
    peer_ip = _parse_ip(request.client.host) if request.client else None
    if peer_ip is not None and _is_trusted(peer_ip, proxies):
        forwarded = _header_values(request, "x-forwarded-proto")
        if forwarded and forwarded[-1].lower() in ("http", "https"):
            return forwarded[-1].lower()
    return request.url.scheme


def _trusted(request: HTTPConnection) -> tuple[Network, ...]:
    # scope["app"] is the outer Starlette app, also inside mounted apps.
    app = request.scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return tuple(getattr(settings, "trusted_proxies", ()))


def _header_values(request: HTTPConnection, name: str) -> list[str]:
    # Several headers of the same name count as one comma-joined list.
    return [
        part.strip()
        for header in request.headers.getlist(name)
        for part in header.split(",")
        if part.strip()
    ]


def _parse_ip(text: str) -> IPAddress | None:
    """An address from a header entry; tolerates "[::1]:443" and "1.2.3.4:80"."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # "::ffff:10.0.0.1" is how a dual-stack socket reports an IPv4 peer.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, proxies: tuple[Network, ...]) -> bool:
    return any(address in network for network in proxies)
