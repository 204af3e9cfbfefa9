"""DNS lookups for checks a practitioner asks for (custom domains, sending domains).

One resolver setting for all of them: DNS_RESOLVER names one nameserver (``ip:port``), else
the system resolver is used; every lookup gives up after DNS_TIMEOUT. Answers come back as
plain values; a name that does not exist or holds no record of the type asked for is
`NotFound` (the record is missing), anything else that kept DNS from answering is
`LookupFailed` (try again later: it says nothing about the record).
"""

from __future__ import annotations

import logging

import dns.exception
import dns.resolver
from flask import current_app

log = logging.getLogger(__name__)


class NotFound(LookupError):
    """No such name, or no record of the asked type at it."""


class LookupFailed(RuntimeError):
    """DNS did not answer (timeout, SERVFAIL, no usable resolver)."""


class TimedOut(LookupFailed):
    """No answer within DNS_TIMEOUT."""


def nameserver_address(configured: str) -> tuple[str, int]:
    """Split DNS_RESOLVER (``127.0.0.1:5353``, ``[::1]:53``, ``10.0.0.2``) into ip and port."""
    configured = configured.strip()
    if configured.startswith("["):
        host, _, rest = configured[1:].partition("]")
        port = rest.lstrip(":")
    elif configured.count(":") == 1:
        host, _, port = configured.partition(":")
    else:
        host, port = configured, ""
    return host, int(port) if port else 53


def resolver() -> dns.resolver.Resolver:
    """The system resolver, or the one nameserver DNS_RESOLVER names, with a short timeout."""
    configured = current_app.config.get("DNS_RESOLVER", "")
    if configured.strip():
        found = dns.resolver.Resolver(configure=False)
        host, port = nameserver_address(configured)
        found.nameservers = [host]
        found.port = port
    else:
        found = dns.resolver.Resolver()
    found.timeout = found.lifetime = float(current_app.config["DNS_TIMEOUT"])
    return found


def _resolve(name: str, rdtype: str):
    try:
        return resolver().resolve(name, rdtype, search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        raise NotFound(name) from None
    except dns.exception.Timeout:
        raise TimedOut(f"The DNS lookup of {name} timed out.") from None
    except (dns.exception.DNSException, OSError, ValueError) as exc:
        # SERVFAIL everywhere, no resolver configured, a malformed DNS_RESOLVER: the
        # operator's to see; the caller tells the practitioner to try again.
        log.warning("DNS %s lookup failed for %s: %r", rdtype, name, exc)
        raise LookupFailed(f"DNS could not be asked about {name}.") from None


def txt(name: str) -> list[str]:
    """The TXT record values at `name`, each one's strings joined."""
    return [
        b"".join(rdata.strings).decode("utf-8", "replace").strip()
        for rdata in _resolve(name, "TXT")
        if hasattr(rdata, "strings")
    ]


def cname(name: str) -> str:
    """Where the CNAME at `name` points (lower case, no trailing dot)."""
    answer = _resolve(name, "CNAME")
    return answer[0].target.to_text().rstrip(".").lower()


def addresses(name: str) -> set[str]:
    """The IPv4 and IPv6 addresses `name` resolves to (CNAMEs followed); NotFound if none."""
    found: set[str] = set()
    for rdtype in ("A", "AAAA"):
        try:
            found.update(rdata.to_text() for rdata in _resolve(name, rdtype))
        except NotFound:
            continue
    if not found:
        raise NotFound(name)
    return found
