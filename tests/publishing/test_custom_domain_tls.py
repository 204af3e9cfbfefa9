"""Custom domains over HTTPS: the proxy's ask endpoint, and the daily re-check of where a
verified domain points (a real DNS server on loopback answers every lookup)."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from datetime import timedelta

import pytest

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.publishing.models import Publication
from tests.custom_domain_helpers import dns_server, mark_domain_verified  # noqa: F401

DOMAIN = "letters.example.com"
PLATFORM_ADDRESS = "203.0.113.10"


def _ask(client, domain: str):
    return client.get("/tls/ask", query_string={"domain": domain}, headers={"Host": "web:8000"})


@pytest.fixture()
def verified(app, factories):
    """A publication whose custom domain is verified, and one whose domain is pending."""
    owner = factories.user(email="maya@example.com", name="Maya Lin")
    pub = factories.publication(owner=owner, slug="calm", name="Calm", custom_domain=DOMAIN)
    factories.issue(pub, title="Breathing slowly", slug="breathing", publish=True)
    mark_domain_verified(app, pub.id)
    factories.publication(slug="pending", name="Pending", custom_domain="pending.example.org")
    return pub


def test_the_proxy_may_get_certificates_only_for_verified_served_domains(app, client, verified):
    assert _ask(client, DOMAIN).status_code == 200
    assert _ask(client, DOMAIN.upper() + ".").status_code == 200  # as a resolver may spell it
    assert _ask(client, "pending.example.org").status_code == 404  # claimed, never verified
    assert _ask(client, "unknown.example.net").status_code == 404
    assert _ask(client, "localhost").status_code == 404  # the platform's own name: not on demand


@pytest.mark.parametrize(
    "query",
    [{}, {"domain": ""}, {"domain": "x" * 254}, {"domain": "lettres.exämple.com"}],
    ids=["no domain", "empty", "too long", "not ascii"],
)
def test_the_ask_endpoint_refuses_unusable_names_with_400(app, client, verified, query):
    assert client.get("/tls/ask", query_string=query).status_code == 400


def test_the_ask_endpoint_is_rate_limited(app, client, verified):
    answers = [_ask(client, f"n{number}.example.net").status_code for number in range(61)]
    assert answers[:60] == [404] * 60
    assert answers[60] == 429


def _recheck(app, days_later: float = 0.0):
    from saas.publishing.custom_domain_checks import recheck_custom_domains

    with app.app_context():
        recheck_custom_domains(utcnow() + timedelta(days=days_later))
    app.extensions["custom_domains"].forget()


def _row(app, pub_id: int) -> Publication:
    with app.app_context():
        publication = db.session.get(Publication, pub_id)
        db.session.expunge(publication)
        return publication


def _served(client) -> bool:
    response = client.get("/issues/breathing", headers={"Host": DOMAIN})
    return response.status_code == 200


def test_a_domain_still_pointing_here_stays(app, client, verified, dns_server, mailbox):
    dns_server.set_cname(DOMAIN, "localhost")
    _recheck(app)
    row = _row(app, verified.id)
    assert row.custom_domain_checked_at is not None
    assert row.custom_domain_failing_since is None and row.custom_domain_verified
    assert _served(client) and _ask(client, DOMAIN).status_code == 200
    assert mailbox.messages("maya@example.com") == []


def test_an_apex_domain_is_compared_by_address(app, client, verified, dns_server):
    dns_server.set_a("localhost", PLATFORM_ADDRESS)
    dns_server.set_a(DOMAIN, PLATFORM_ADDRESS)
    _recheck(app)
    assert _row(app, verified.id).custom_domain_failing_since is None
    dns_server.set_a(DOMAIN, "198.51.100.7")
    _recheck(app)
    assert _row(app, verified.id).custom_domain_failing_since is not None


def test_a_domain_that_moved_away_is_served_for_the_grace_period_then_stops(
    app, client, verified, dns_server, mailbox
):
    dns_server.set_cname(DOMAIN, "hosting.elsewhere.example")
    _recheck(app)
    row = _row(app, verified.id)
    assert row.custom_domain_failing_since is not None and row.custom_domain_verified
    assert _served(client) and _ask(client, DOMAIN).status_code == 200
    [moved] = mailbox.messages("maya@example.com")
    assert moved["Subject"] == f"{DOMAIN} no longer points at Tend"
    assert "stops serving it on" in moved.get_body(("plain",)).get_content()

    _recheck(app, days_later=1)  # still within the grace period: no second notice
    assert _served(client) and len(mailbox.messages("maya@example.com")) == 1

    _recheck(app, days_later=3)
    row = _row(app, verified.id)
    assert not row.custom_domain_verified and row.custom_domain == DOMAIN  # pending again
    assert not _served(client) and _ask(client, DOMAIN).status_code == 404
    stopped = mailbox.messages("maya@example.com")[-1]
    assert stopped["Subject"] == f"Tend no longer serves {DOMAIN}"


def test_a_domain_pointed_back_within_the_grace_period_carries_on(
    app, client, verified, dns_server, mailbox
):
    dns_server.set_cname(DOMAIN, "hosting.elsewhere.example")
    _recheck(app)
    dns_server.set_cname(DOMAIN, "localhost")
    _recheck(app, days_later=2)
    _recheck(app, days_later=5)
    row = _row(app, verified.id)
    assert row.custom_domain_verified and row.custom_domain_failing_since is None
    assert _served(client)


def test_a_domain_that_no_longer_exists_has_moved_away(app, client, verified, dns_server):
    dns_server.set_a("localhost", PLATFORM_ADDRESS)  # nothing at all for DOMAIN
    _recheck(app)
    assert _row(app, verified.id).custom_domain_failing_since is not None


def test_dns_that_does_not_answer_decides_nothing(app, client, verified, dns_server, mailbox):
    dns_server.silent = True
    _recheck(app, days_later=10)
    row = _row(app, verified.id)
    assert row.custom_domain_verified and row.custom_domain_failing_since is None
    assert row.custom_domain_checked_at is None
    assert mailbox.messages("maya@example.com") == []
