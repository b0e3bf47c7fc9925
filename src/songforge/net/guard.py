"""Which URLs songforge may fetch: http(s) only, and only public addresses unless the operator allows more.

Upload-by-URL and webhooks make the server open connections that a client chose. Without this guard a
client could make songforge read its own admin port, a database on the LAN or a cloud metadata service
(169.254.169.254) and hand the answer back as an "upload". The check runs on every resolved address of the
host, and fetch.py then connects to exactly the address that was checked, so a DNS answer that changes
between the check and the connection (rebinding) cannot slip through.
"""

import ipaddress
import socket
import threading
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
ALLOWED_SCHEMES = ("http", "https")
_ALLOW_HINT = "songforge only fetches public addresses unless SONGFORGE_ALLOW_PRIVATE_URLS is set"

# IPv6 ranges that carry an IPv4 address in their last 32 bits (NAT64); the embedded address decides.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"),)


class UrlRefused(ValueError):
    """The URL is not one songforge will fetch (bad scheme, bad syntax, or a non-public address)."""


class FetchFailed(Exception):
    """The URL was acceptable but fetching it did not work (HTTP error, too big, too slow, no answer)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect, and what name to present (Host header, TLS SNI)."""

    url: httpx.URL
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    addresses: tuple[IPAddress, ...]  # empty when private addresses are allowed (connect by name)


def validate_url_syntax(url: str) -> str:
    """Check a URL without touching the network; returns it stripped. Raises UrlRefused.

    Used at submit time so that a client gets a 400 at once instead of a FAILURE task later.
    """
    if not isinstance(url, str) or not url.strip():
        raise UrlRefused("the URL is empty; give an http or https URL")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"the URL is {len(url)} characters long; at most {MAX_URL_LENGTH} are accepted")
    if any(ord(ch) < 0x20 or ch == "\x7f" or ch.isspace() for ch in url):
        raise UrlRefused("the URL contains spaces or control characters; encode them first")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise UrlRefused(f"the URL could not be parsed ({exc})") from None
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise UrlRefused("only http and https URLs are accepted")
    if not parsed.host:
        raise UrlRefused("the URL has no host name; give a full URL such as https://example.com/song.mp3")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise UrlRefused(f"the URL's port {parsed.port} is not a valid port number (1-65535)")
    return url


def address_problem(address: IPAddress) -> str | None:
    """Why an address is not public ("a loopback address", …), or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and any(address in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(embedded)
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:  # e.g. 100.64.0.0/10 (carrier-grade NAT, some cloud metadata services)
        return "a non-public address"
    return None


def is_public_address(address: IPAddress) -> bool:
    return address_problem(address) is None


def resolve(host: str, port: int, timeout_s: float) -> tuple[IPAddress, ...]:
    """All addresses a host resolves to, in the resolver's order. Raises FetchFailed.

    getaddrinfo has no timeout of its own; it runs in a daemon thread so that a slow resolver cannot hold
    the caller past its deadline (the thread finishes on its own later).
    """
    literal = _ip_literal(host)
    if literal is not None:
        return (literal,)
    outcome: list[object] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=lookup, name=f"resolve {host}", daemon=True).start()
    if not done.wait(max(timeout_s, 0.001)):
        raise FetchFailed(f"looking up the host {host} timed out after {timeout_s:g} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise FetchFailed(f"the host {host} could not be found ({_reason(result)})")
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in result:  # type: ignore[attr-defined]
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchFailed(f"the host {host} has no IPv4 or IPv6 address")
    return tuple(addresses)


def resolve_target(url: str, allow_private: bool, timeout_s: float = 10.0) -> Target:
    """Check a URL's syntax and every address its host resolves to. Raises UrlRefused or FetchFailed."""
    parsed = httpx.URL(validate_url_syntax(url))
    host = parsed.raw_host.decode("ascii")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if allow_private:
        return Target(url=parsed, host=host, port=port, addresses=())
    addresses = resolve(host, port, timeout_s)
    for address in addresses:
        problem = address_problem(address)
        if problem is None:
            continue
        if _ip_literal(host) is not None:
            raise UrlRefused(f"the URL points to {problem} ({address}); {_ALLOW_HINT}")
        raise UrlRefused(f"the URL's host {host} resolves to {problem} ({address}); {_ALLOW_HINT}")
    return Target(url=parsed, host=host, port=port, addresses=addresses)


def check_target(url: str, allow_private: bool) -> None:
    """Refuse the URL (UrlRefused) when ANY address its host resolves to is not public.

    A host that cannot be resolved raises FetchFailed: that is a network problem, not a refusal.
    """
    resolve_target(url, allow_private)


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
