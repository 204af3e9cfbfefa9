"""With billing on, a publication can never read or change another's billing, tiers, waiting
list or readers' paid status (the tenant walk covers every new route; these are the rest)."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from sqlalchemy import select

from saas.billing.models import ReaderSubscription
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)
from tests.conftest import post_form
from tests.core import test_tenant_isolation as isolation

two_tenants = isolation.two_tenants

SECRET = "Only paying readers of Alpha see this."


def test_walk_with_billing_on_finds_nothing_of_alpha(app, client, two_tenants, billing):
    pub_a, _, _, _ = two_tenants
    billing.connect(pub_a)
    assert isolation.walk_every_route_as_another_tenant(app, client, two_tenants) >= 20


def test_another_publication_cannot_touch_alphas_billing(
    app,
    client,
    factories,
    billing,
    two_tenants,
):
    pub_a, pub_b, _, _ = two_tenants
    account_a = billing.connect(pub_a)
    tier_a = billing.tier(pub_a, "Alpha tier")
    billing.connect(pub_b)
    tier_b = billing.tier(pub_b, "Bravo tier")
    issue_a = factories.issue(
        pub_a,
        title="Alpha paid",
        body_markdown=f"Open.\n\n<!-- paywall -->\n\n{SECRET}",
        audience="paid",
        publish=True,
    )

    # Bob (Bravo's owner, signed in) cannot release Alpha's waiting readers or see its tiers.
    assert post_form(client, f"/billing/waiting/{pub_a.id}", {}, "/billing/").status_code == 404
    page = client.get(f"/dashboard/{pub_b.slug}/paid").get_data(as_text=True)
    assert "Bravo tier" in page and "Alpha tier" not in page and account_a not in page
    assert client.get(f"/dashboard/{pub_b.slug}/paid/tiers/{tier_a.id}").status_code == 404

    # A paying reader of Alpha, signed in on this browser for Alpha.
    reader = app.test_client()
    response = reader.post(
        "/p/alpha/paid/upgrade", data={"email": "ann@example.org", "choice": f"{tier_a.id}:month"}
    )
    session_a = response.headers["Location"].rsplit("/", 1)[1]
    billing.deliver(reader, billing.stripe.complete_checkout(session_a, account_a))
    # Alpha's Checkout session does not sign anyone in at Bravo.
    assert reader.get(f"/p/bravo/paid/welcome?session_id={session_a}").status_code == 404
    assert reader.get(f"/p/alpha/paid/welcome?session_id={session_a}").status_code == 302
    assert SECRET in reader.get(f"/p/alpha/issues/{issue_a.slug}").get_data(as_text=True)

    # Bravo's tier cannot buy Alpha's issues, and Alpha's tier cannot be bought at Bravo.
    response = reader.post(
        "/p/alpha/paid/upgrade", data={"email": "eve@example.org", "choice": f"{tier_b.id}:month"}
    )
    assert response.status_code == 302 and "/checkout/" not in response.headers["Location"]
    response = reader.post(
        "/p/bravo/paid/upgrade", data={"email": "eve@example.org", "choice": f"{tier_a.id}:month"}
    )
    assert response.status_code == 302 and "/checkout/" not in response.headers["Location"]

    # Bravo sees none of Alpha's paying readers; Alpha's rows stay Alpha's.
    with app.app_context(), bound_to(pub_b.id):
        assert db.session.scalars(select(ReaderSubscription)).all() == []
    with app.app_context(), bound_to(pub_a.id):
        assert len(db.session.scalars(select(ReaderSubscription)).all()) == 1
    assert "ann@example.org" not in client.get(f"/dashboard/{pub_b.slug}/paid").get_data(
        as_text=True
    )
