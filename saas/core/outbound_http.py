"""Requests Tend makes to addresses people typed (webhooks, image imports): SSRF-safe.

Only http and https; no user name or password in the address. The host is resolved once
(saas.core.dns_lookup: the DNS_RESOLVER setting), every address it resolves to must be a
public internet address (no private, loopback, link-local, multicast, reserved or
unspecified ones, in IPv4 or IPv6, including IPv4 wrapped in IPv6), and the connection goes
to a vetted address while the Host header and TLS name (SNI, certificate check) stay the
name typed: a DNS answer that changes between the check and the connection (rebinding)
cannot move the request. Redirects are never followed (the 3xx comes back as the
response), the whole exchange has a deadline, and the body read is capped.

Tests allow loopback with OUTBOUND_ALLOW_LOOPBACK (not an environment setting) so a real
server on 127.0.0.1 can stand in for a receiver; private ranges stay refused even then.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app

from saas.core import dns_lookup

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CONTROL = {chr(c) for c in range(33)} | {"\x7f"}


class OutboundError(Exception):
    """A request that did not get an answer; the message is written for people."""


class Refused(OutboundError):
    """The address is not one Tend contacts (scheme, credentials, a non-public address)."""


class Failed(OutboundError):
    """The request could not be made or answered (DNS, connection, TLS, timeout)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to ask for."""

    scheme: str
    host: str  # lower-case, ASCII (IDNA), no brackets
    port: int
    path: str  # path and query, at least "/"
    literal: IPAddress | None = None  # the host when it is an address


@dataclass(frozen=True)
class Response:
    """What the server answered (a redirect included: it is not followed)."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    truncated: bool
    seconds: float
    address: str

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300

    @property
    def is_redirect(self) -> bool:
        """A 3xx answer (never followed)."""
        return 300 <= self.status < 400


@dataclass
class Limits:
    """Timeouts (seconds) and the largest body read; defaults from the app's config."""

    connect_timeout: float = field(default_factory=lambda: _config("OUTBOUND_CONNECT_TIMEOUT"))
    total_timeout: float = field(default_factory=lambda: _config("OUTBOUND_TIMEOUT"))
    max_body: int = field(default_factory=lambda: int(_config("OUTBOUND_MAX_BODY")))


def _config(name: str) -> float:
    return float(current_app.config[name])


def parse_url(url: str) -> Target:
    """Check an address's form (not yet where it resolves); Refused says what is wrong."""
    url = (url or "").strip()
    if not url or any(ch in _CONTROL for ch in url):
        raise Refused("Enter a full address without spaces, starting with https://.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("That address is not valid.") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise Refused("Only http:// and https:// addresses can be used.")
    if parts.username is not None or parts.password is not None:
        raise Refused("Leave the user name and password out of the address.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("The address has no host name.")
    literal = _literal(host)
    if literal is None:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise Refused("The host name is not valid.") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port or SCHEMES[scheme], path, literal)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def blocked_reason(address: IPAddress, allow_loopback: bool = False) -> str | None:
    """Why Tend will not connect to `address` (None when it is a public address)."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        reason = blocked_reason(inner, allow_loopback)
        return f"{reason} (inside an IPv6 address)" if reason else None
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private network address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


def _allow_loopback() -> bool:
    return bool(current_app.config.get("OUTBOUND_ALLOW_LOOPBACK"))


def vetted_addresses(target: Target) -> list[IPAddress]:
    """Resolve the host once and check every address; Refused if any is not public."""
    if target.literal is not None:
        found: list[IPAddress] = [target.literal]
    else:
        try:
            names = dns_lookup.addresses(target.host)
        except dns_lookup.NotFound:
            raise Failed(f"{target.host} does not exist in DNS.") from None
        except dns_lookup.LookupFailed:
            raise Failed(f"DNS did not answer for {target.host}.") from None
        found = sorted((ipaddress.ip_address(a) for a in names), key=lambda a: (a.version, a))
    allow = _allow_loopback()
    for address in found:
        reason = blocked_reason(address, allow)
        if reason:
            shown = target.host if target.literal is None else "The address"
            raise Refused(
                f"{shown} points to {address}, {reason}: Tend only connects to public "
                "internet addresses."
            )
    return found


def check_url(url: str) -> Target:
    """Form and resolution both checked, as a request would check them (no connection)."""
    target = parse_url(url)
    vetted_addresses(target)
    return target


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to one vetted address; `host` stays the name for the Host header."""

    def __init__(self, target: Target, address: IPAddress, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self.address), self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(_PinnedHTTP):
    """HTTPS to one vetted address; SNI and the certificate check use the name."""

    default_port = 443

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> Response:
    """Make one request under the rules above; Refused or Failed when no answer came."""
    limits = limits or Limits()
    target = parse_url(url)
    addresses = vetted_addresses(target)
    started = time.monotonic()
    last_error: OutboundError = Failed(f"Could not connect to {target.host}.")
    for address in addresses:
        remaining = limits.total_timeout - (time.monotonic() - started)
        if remaining <= 0:
            break
        kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        connection = kind(target, address, min(limits.connect_timeout, remaining))
        try:
            connection.connect()
        except (OSError, ssl.SSLError) as exc:
            last_error = _connect_failure(target, exc)
            connection.close()
            continue
        return _exchange(connection, method, target, body, headers or {}, limits, started)
    raise last_error


def post(url: str, body: bytes, headers: dict[str, str], limits: Limits | None = None):
    """POST `body` to `url` (see `request`)."""
    return request("POST", url, body, headers, limits)


def _connect_failure(target: Target, exc: BaseException) -> Failed:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failed(f"The TLS certificate of {target.host} is not valid for it.")
    if isinstance(exc, ssl.SSLError):
        return Failed(f"The TLS handshake with {target.host} failed.")
    if isinstance(exc, TimeoutError):
        return Failed(f"{target.host} did not accept a connection in time.")
    if isinstance(exc, ConnectionRefusedError):
        return Failed(f"{target.host} refused the connection.")
    return Failed(f"Could not connect to {target.host}.")


def _exchange(connection, method, target, body, headers, limits, started) -> Response:
    """Send the request and read the answer before the deadline (a watchdog cuts it off)."""
    remaining = max(limits.total_timeout - (time.monotonic() - started), 0.001)
    connection.sock.settimeout(remaining)
    watchdog = _Watchdog(connection, remaining)
    try:
        connection.request(method, target.path, body=body, headers=headers)
        answer = connection.getresponse()
        data = _read_capped(answer, limits.max_body + 1)
        if watchdog.fired:
            raise TimeoutError
        return Response(
            status=answer.status,
            reason=answer.reason or "",
            headers={k.lower(): v for k, v in answer.getheaders()},
            body=data[: limits.max_body],
            truncated=len(data) > limits.max_body,
            seconds=time.monotonic() - started,
            address=str(connection.address),
        )
    except (OSError, http.client.HTTPException) as exc:
        if watchdog.fired or isinstance(exc, TimeoutError):
            raise Failed(
                f"{target.host} did not answer within {limits.total_timeout:g} s."
            ) from None
        raise Failed(f"{target.host} sent no valid answer ({type(exc).__name__}).") from None
    finally:
        watchdog.cancel()
        connection.close()


def _read_capped(answer: http.client.HTTPResponse, most: int) -> bytes:
    """Up to `most` bytes of the body; the rest is never read."""
    chunks: list[bytes] = []
    size = 0
    while size < most:
        chunk = answer.read(most - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class _Watchdog:
    """Shuts the connection's socket once the deadline passes, whatever the server trickles."""

    def __init__(self, connection, seconds: float) -> None:
        self.fired = False
        self._connection = connection
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        self.fired = True
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        """The exchange ended in time (or failed): stop the timer."""
        self._timer.cancel()
