"""A practitioner's own plan: upgrade through Checkout, change and cancel in the portal,
a failed renewal's grace period, and the embedded default without Stripe keys."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from sqlalchemy import select

from saas.billing import plans as billing_plans
from saas.billing.models import PlanSubscription
from saas.core.extensions import db
from saas.publishing.models import Membership
from tests.billing_helpers import (  # noqa: F401  (fixtures)
    age_payment_failures,
    billing,
    stripe_server,
)
from tests.conftest import csrf_token, login, post_form


def _plan(app, user) -> billing_plans.Standing:
    with app.app_context():
        standing = billing_plans.standing(user.id)
        db.session.expunge_all()
        return standing


def _upgrade(client, billing, plan="pro", interval="month"):
    """Press Upgrade, pay on the stand-in's Checkout, and let the webhooks arrive."""
    response = post_form(
        client, "/billing/checkout", {"plan": plan, "interval": interval}, "/billing/"
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    checkout_url = response.headers["Location"]
    assert checkout_url.startswith(billing.stripe.base + "/checkout/cs_")
    session_id = checkout_url.rsplit("/", 1)[1]
    events = billing.stripe.complete_checkout(session_id)
    assert [r.status_code for r in billing.deliver(client, events)] == [200] * len(events)
    return billing.stripe.get(session_id)["subscription"]


def test_practitioner_upgrades_switches_and_downgrades_their_plan(app, client, factories, billing):
    owner = factories.user(email="maya@example.com")
    factories.publication(owner=owner, slug="letters")
    login(client, "maya@example.com")
    page = client.get("/billing/").get_data(as_text=True)
    assert "Current plan" in page and "Free" in page and "$12 a month" in page

    subscription_id = _upgrade(client, billing)
    session = billing.stripe.calls("POST", "/v1/checkout/sessions")[-1]["params"]
    assert session["client_reference_id"] == str(owner.id)
    assert session["customer_email"] == "maya@example.com"
    assert session["subscription_data"]["metadata"]["tend_user_id"] == str(owner.id)
    assert _plan(app, owner).plan.key == "pro"
    page = client.get("/billing/").get_data(as_text=True)
    assert "Pro" in page and "Renews on" in page and "Manage billing" in page

    # Pro lifts the one-publication limit.
    response = post_form(
        client,
        "/dashboard/new",
        {"name": "Second"},
        "/dashboard/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]

    # Upgrade again in the portal: to Studio.
    response = post_form(client, "/billing/portal", {}, "/billing/")
    assert response.status_code == 303 and "/portal/bps_" in response.headers["Location"]
    billing.deliver(
        client, billing.stripe.change_subscription(subscription_id, price=billing.prices["studio"])
    )
    assert _plan(app, owner).plan.key == "studio"

    # Cancel at the end of the period: still Studio, with its end date shown.
    billing.deliver(
        client, billing.stripe.change_subscription(subscription_id, cancel_at_period_end=True)
    )
    standing = _plan(app, owner)
    assert standing.plan.key == "studio" and standing.ends_at is not None
    assert "Ends" in client.get("/billing/").get_data(as_text=True)

    # The period ends: Free again, and nothing is lost.
    billing.deliver(client, billing.stripe.change_subscription(subscription_id, cancel_now=True))
    assert _plan(app, owner).plan.key == "free"
    with app.app_context():
        owned = db.session.scalars(select(Membership).where(Membership.user_id == owner.id)).all()
        assert len(owned) == 2
    response = post_form(
        client,
        "/dashboard/new",
        {"name": "Third"},
        "/dashboard/new",
    )
    assert response.status_code == 403
    assert "Your Free plan includes 1 publication" in response.get_data(as_text=True)


def test_return_from_checkout_shows_the_new_plan_before_any_webhook(
    app, client, factories, billing
):
    owner = factories.user(email="ana@example.com")
    login(client, "ana@example.com")
    response = post_form(
        client, "/billing/checkout", {"plan": "pro", "interval": "year"}, "/billing/"
    )
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    billing.stripe.complete_checkout(session_id)  # events not delivered (yet)
    response = client.get(f"/billing/return?session_id={session_id}", follow_redirects=True)
    assert "You are on the Pro plan" in response.get_data(as_text=True)
    standing = _plan(app, owner)
    assert (
        standing.plan.key == "pro"
        and standing.subscription.price_id == billing.prices["pro_yearly"]
    )


def test_someone_elses_checkout_session_is_not_accepted(app, client, factories, billing):
    factories.user(email="first@example.com")
    thief = factories.user(email="second@example.com")
    first = app.test_client()
    login(first, "first@example.com")
    response = post_form(
        first, "/billing/checkout", {"plan": "pro", "interval": "month"}, "/billing/"
    )
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    billing.stripe.complete_checkout(session_id)
    login(client, "second@example.com")
    assert client.get(f"/billing/return?session_id={session_id}").status_code == 404
    assert _plan(app, thief).plan.key == "free"


def test_failed_renewal_keeps_the_plan_with_a_banner_then_falls_back_to_free(
    app,
    client,
    factories,
    billing,
    mailbox,
):
    owner = factories.user(email="kai@example.com")
    factories.publication(owner=owner, slug="kai")
    login(client, "kai@example.com")
    subscription_id = _upgrade(client, billing)

    billing.deliver(client, billing.stripe.fail_renewal(subscription_id))
    standing = _plan(app, owner)
    assert standing.plan.key == "pro" and standing.in_grace
    page = client.get("/dashboard/kai/issues").get_data(as_text=True)
    assert "Your last payment for the Pro plan failed" in page and "Update payment details" in page
    mails = [m for m in mailbox.messages("kai@example.com") if "didn’t go through" in m["Subject"]]
    assert len(mails) == 1

    # A second failed attempt does not mail again; the grace period runs from the first.
    billing.deliver(client, billing.stripe.fail_renewal(subscription_id))
    assert (
        len([m for m in mailbox.messages("kai@example.com") if "didn’t go through" in m["Subject"]])
        == 1
    )

    age_payment_failures(app, PlanSubscription, days=8)
    assert _plan(app, owner).plan.key == "free"
    assert "Your last payment" not in client.get("/dashboard/kai/issues").get_data(as_text=True)

    # The card is updated and a retry succeeds: Pro again.
    billing.deliver(client, billing.stripe.pay_renewal(subscription_id))
    standing = _plan(app, owner)
    assert standing.plan.key == "pro" and not standing.in_grace
    assert standing.subscription.payment_failed_at is None


def test_without_stripe_keys_billing_pages_say_so_plainly_and_nothing_is_limited(
    app, client, factories
):
    owner = factories.user(email="free@example.com")
    factories.publication(owner=owner, slug="free-one")
    login(client, "free@example.com")
    plan = client.get("/billing/").get_data(as_text=True)
    assert "Paid plans are not available on this Tend server yet" in plan
    assert "no plan limits apply" in plan
    paid = client.get("/dashboard/free-one/paid").get_data(as_text=True)
    assert "Paid subscriptions are not available on this Tend server yet" in paid
    for page in (plan, paid):  # the operator's settings stay in the ops console
        assert "STRIPE_" not in page and "/billing/webhook" not in page
        assert "README" not in page and "webhook" not in page.lower()
    assert post_form(client, "/billing/checkout", {"plan": "pro"}, "/billing/").status_code == 404
    assert client.post("/billing/webhook", data=b"{}").status_code == 400
    response = post_form(
        client,
        "/dashboard/new",
        {"name": "Two"},
        "/dashboard/new",
    )
    assert response.status_code == 302
    assert csrf_token(client, "/dashboard/new")
