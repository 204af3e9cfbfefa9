"""A custom domain is a paid-plan feature: served on Pro, sent to the platform address after a
downgrade (the settings page says why), served again after an upgrade."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import pytest

from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)
from tests.conftest import login, post_form
from tests.custom_domain_helpers import mark_domain_verified

DOMAIN = "quiet.example.net"
SETTINGS = {
    "name": "Quiet Letters",
    "accent_color": "#2f6f5e",
    "timezone": "UTC",
    "max_send_rate": "20",
    "custom_domain": DOMAIN,
}


@pytest.fixture()
def domains(app):
    """The custom-domain lookup cache, empty at the start and end of the test."""
    cache = app.extensions["custom_domains"]
    cache.forget()
    yield cache
    cache.forget()


def _home_link(app, pub) -> str:
    """Where mail and feeds send readers for the publication's home."""
    from saas.core.extensions import db
    from saas.core.links import publication_base_url
    from saas.core.tenancy import bound_to
    from saas.publishing.models import Publication

    with app.app_context(), bound_to(pub.id):
        return publication_base_url(db.session.get(Publication, pub.id))


def _on_domain(client, path: str):
    return client.get(path, headers={"Host": DOMAIN})


def test_custom_domain_stops_after_a_downgrade_and_returns_with_an_upgrade(
    app, client, factories, billing, domains
):
    owner = factories.user(email="maya@example.com")
    pub = factories.publication(owner=owner, slug="quiet", name="Quiet Letters")
    issue = factories.issue(pub, title="Slow mornings", publish=True)
    login(client, "maya@example.com")
    subscription_id = billing.subscribe(client)
    settings = f"/dashboard/{pub.slug}/settings"
    assert post_form(client, settings, SETTINGS, settings).status_code == 302
    mark_domain_verified(app, pub.id)

    # On Pro the (verified) domain serves the publication.
    page = _on_domain(client, f"/issues/{issue.slug}")
    assert page.status_code == 200 and "Slow mornings" in page.get_data(as_text=True)
    assert "is not being served" not in client.get(settings).get_data(as_text=True)
    assert _home_link(app, pub) == f"http://{DOMAIN}"
    assert client.get(f"/tls/ask?domain={DOMAIN}").status_code == 200

    # The plan is cancelled: Free has no custom domains.
    billing.deliver(client, billing.stripe.change_subscription(subscription_id, cancel_now=True))
    domains.forget()
    # Nor does the proxy get a certificate for the domain any more.
    assert client.get(f"/tls/ask?domain={DOMAIN}").status_code == 404
    for path, target in [
        (f"/issues/{issue.slug}?ref=mail", f"/p/quiet/issues/{issue.slug}?ref=mail"),
        ("/", "/p/quiet/"),
        ("/feed.xml", "/p/quiet/feed.xml"),
    ]:
        response = _on_domain(client, path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "http://localhost" + target
        assert response.headers["Cache-Control"] == "no-store", "an upgrade brings it back"
    # Whatever the path holds, it cannot break out of the Location header.
    response = _on_domain(client, "/issues/a%20b%0D%0ASet-Cookie:%20x=1")
    assert response.headers["Location"] == (
        "http://localhost/p/quiet/issues/a%20b%0D%0ASet-Cookie:%20x=1"
    )
    assert "Set-Cookie" not in response.headers
    # Links in mail and feeds go to the platform address while the domain is not served.
    assert _home_link(app, pub) == "http://localhost/p/quiet"
    # The platform address still serves it.
    page = client.get(f"/p/quiet/issues/{issue.slug}")
    assert page.status_code == 200 and "Slow mornings" in page.get_data(as_text=True)

    # The settings page says why, keeps the domain, and saving it again is allowed.
    html = client.get(settings).get_data(as_text=True)
    assert (
        f"{DOMAIN} is not being served: custom domains are not part of the Free plan, so its "
        "visitors are sent to http://localhost/p/quiet/. Upgrade to Pro to serve it again."
    ) in html
    assert f'value="{DOMAIN}"' in html and 'href="/billing/"' in html
    assert post_form(client, settings, SETTINGS, settings).status_code == 302
    assert _on_domain(client, "/").status_code == 302

    # Upgrading again serves the domain again.
    billing.subscribe(client)
    page = _on_domain(client, f"/issues/{issue.slug}")
    assert page.status_code == 200 and "Slow mornings" in page.get_data(as_text=True)
    assert _home_link(app, pub) == f"http://{DOMAIN}"
    assert "is not being served" not in client.get(settings).get_data(as_text=True)


def test_a_lapsed_grace_period_stops_the_domain_too(app, client, factories, billing, domains):
    from saas.billing.models import PlanSubscription
    from tests.billing_helpers import age_payment_failures

    owner = factories.user(email="maya@example.com")
    pub = factories.publication(owner=owner, slug="quiet", name="Quiet Letters")
    login(client, "maya@example.com")
    subscription_id = billing.subscribe(client)
    settings = f"/dashboard/{pub.slug}/settings"
    assert post_form(client, settings, SETTINGS, settings).status_code == 302
    mark_domain_verified(app, pub.id)

    billing.deliver(client, billing.stripe.fail_renewal(subscription_id))
    domains.forget()
    assert _on_domain(client, "/").status_code == 200, "kept during the grace period"
    # The grace period runs out with no webhook at all: the plan is Free from then on.
    age_payment_failures(app, PlanSubscription, days=8)
    domains.forget()  # (or wait out the 30-second lookup cache)
    response = _on_domain(client, "/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/quiet/")


def test_with_billing_off_a_custom_domain_is_always_served(app, client, factories, domains):
    pub = factories.publication(slug="quiet", name="Quiet Letters", custom_domain=DOMAIN)
    mark_domain_verified(app, pub.id)
    assert app.config["STRIPE_SECRET_KEY"] == ""
    page = _on_domain(client, "/")
    assert page.status_code == 200 and "Quiet Letters" in page.get_data(as_text=True)
    login_page = client.get(f"/p/{pub.slug}/")
    assert login_page.status_code == 200
