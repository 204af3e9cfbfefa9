"""Custom domains in tests: a DNS stand-in wired into the app, and a shortcut to "verified"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dns_standin import DnsStandIn


@pytest.fixture()
def dns_server(app, monkeypatch) -> Iterator[DnsStandIn]:
    """A loopback DNS server the app asks for TXT records, with a short lookup timeout."""
    server = DnsStandIn().start()
    monkeypatch.setitem(app.config, "DNS_RESOLVER", server.address)
    monkeypatch.setitem(app.config, "DNS_TIMEOUT", 0.5)
    app.extensions["custom_domains"].forget()
    yield server
    server.stop()
    app.extensions["custom_domains"].forget()


def mark_domain_verified(app, publication_id: int) -> None:
    """Record the publication's custom domain as verified, as a successful DNS check would.

    For tests about what a verified domain does (serving, links, billing); the check itself is
    exercised against a real DNS server in test_custom_domain_verification.
    """
    from saas.core.extensions import db
    from saas.core.model_base import utcnow
    from saas.publishing.models import Publication

    with app.app_context():
        publication = db.session.get(Publication, publication_id)
        assert publication.custom_domain, "set a custom domain first"
        publication.custom_domain_verified_at = utcnow()
        db.session.commit()
    app.extensions["custom_domains"].forget()
