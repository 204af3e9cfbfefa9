"""Sending domains in tests: publish a domain's records on the DNS stand-in; verify DKIM
signatures with dkimpy, asking that same DNS server for the keys."""

from __future__ import annotations

import dkim
import dns.resolver
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import domain_checks, sending_domains
from saas.delivery.models import DkimKey, SendingDomain
from saas.mail.dkim import record_name, record_value
from tests.dns_standin import DnsStandIn


def publish(
    app, dns_server: DnsStandIn, publication_id: int, *, return_path=True, dmarc=True
) -> SendingDomain:
    """Publish every record Settings > Sending asks for (each key's, the CNAME, DMARC)."""
    with app.app_context(), bound_to(publication_id):
        domain = db.session.scalar(select(SendingDomain))
        for key in db.session.scalars(select(DkimKey)):
            dns_server.set_txt(
                record_name(key.selector, domain.domain), record_value(key.public_key)
            )
        if return_path:
            dns_server.set_cname(
                domain_checks.return_path_name(domain.domain), domain_checks.return_path_host()
            )
        if dmarc:
            dns_server.set_txt(f"_dmarc.{domain.domain}", "v=DMARC1; p=none;")
        db.session.expunge(domain)
        return domain


def verify(raw: bytes, dns_server: DnsStandIn) -> bool:
    """Whether dkimpy finds the message's (first) DKIM signature valid, keys from `dns_server`."""
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = dns_server.port
    resolver.timeout = resolver.lifetime = 2.0

    def txt(name: bytes, timeout: int = 5) -> bytes:
        try:
            answer = resolver.resolve(name.decode("ascii"), "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return b""
        return b"".join(b"".join(rdata.strings) for rdata in answer)

    return dkim.verify(raw, dnsfunc=txt)


def signature_tags(raw: bytes) -> dict[str, str]:
    """The tags of the message's DKIM-Signature header (whitespace removed)."""
    from dkim.util import parse_tag_value

    headers = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ")
    line = next(h for h in headers.split(b"\r\n") if h.lower().startswith(b"dkim-signature:"))
    tags = parse_tag_value(line.split(b":", 1)[1])
    return {k.decode(): b"".join(v.split()).decode() for k, v in tags.items()}


def set_up(app, publication_id: int, from_address: str) -> SendingDomain:
    """Set up a sending domain through the service (as the settings page does)."""
    from saas.publishing.models import Publication

    with app.app_context(), bound_to(publication_id):
        domain = sending_domains.set_up(db.session.get(Publication, publication_id), from_address)
        db.session.expunge(domain)
        return domain
