"""Sending from one's own domain is a Pro feature: Free sends as the platform; a downgrade
falls back to the platform's address and an upgrade brings the domain back."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import html
import re

from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery.models import SendingDomain
from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)
from tests.conftest import drain_jobs, login, post_form
from tests.custom_domain_helpers import dns_server  # noqa: F401  (fixture)
from tests.sending_domain_helpers import publish, verify

ADDRESS = "maya@letters.attunement.com"


def _text(response) -> str:
    markup = response.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def _domain_count(app, pub) -> int:
    with app.app_context(), bound_to(pub.id):
        return len(db.session.scalars(select(SendingDomain)).all())


def _send(app, pub, issue):
    from saas.delivery import sending
    from saas.publishing.models import Issue, Publication

    with app.app_context(), bound_to(pub.id):
        sending.send_now(db.session.get(Publication, pub.id), db.session.get(Issue, issue.id))
    drain_jobs(app)


def test_free_sends_as_the_platform_and_pro_from_its_own_domain(
    app, client, factories, billing, dns_server, smtp_sink
):
    owner = factories.user(email="maya@example.com", name="Maya Lin")
    pub = factories.publication(owner=owner, slug="quiet", name="Quiet Letters")
    factories.subscriber(pub, email="ada@example.org")
    login(client, "maya@example.com")
    sending = f"/dashboard/{pub.slug}/settings/sending"

    # Free: the page says so up front, and the form is refused with the plan's words.
    assert "not part of the Free plan" in _text(client.get(sending))
    response = post_form(client, sending, {"from_address": ADDRESS}, sending)
    assert response.status_code == 422
    assert "Sending from your own domain is not part of the Free plan" in _text(response)
    assert "Upgrade to Pro" in _text(response)
    assert _domain_count(app, pub) == 0

    # Pro: set up, published, checked, used.
    subscription_id = billing.subscribe(client)
    assert post_form(client, sending, {"from_address": ADDRESS}, sending).status_code == 303
    publish(app, dns_server, pub.id)
    post_form(client, sending + "/check", {}, sending)
    first = factories.issue(pub, title="First light")
    _send(app, pub, first)
    [raw] = smtp_sink.raw
    assert b"<maya@letters.attunement.com>" in raw and verify(raw, dns_server)

    # Cancelled: back to Free; the domain is kept, unused, and the page says why.
    billing.deliver(client, billing.stripe.change_subscription(subscription_id, cancel_now=True))
    page = _text(client.get(sending))
    assert "not part of the Free plan, so issues go out from Tend's address" in page
    smtp_sink.clear()
    second = factories.issue(pub, title="Second light")
    _send(app, pub, second)
    [raw] = smtp_sink.raw
    assert b"<hello@tend.localhost>" in raw and b"letters.attunement.com" not in raw
    assert _domain_count(app, pub) == 1

    # Pro again: the domain is used again, without setting it up anew.
    billing.subscribe(client)
    smtp_sink.clear()
    third = factories.issue(pub, title="Third light")
    _send(app, pub, third)
    [raw] = smtp_sink.raw
    assert b"<maya@letters.attunement.com>" in raw and verify(raw, dns_server)
