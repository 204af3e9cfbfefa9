"""Billing test fixtures: the Stripe stand-in, an app with billing on, and the customer's part.

`billing` switches billing on for one test (keys, webhook secrets, plan prices on the
stand-in) and restores the embedded default afterwards. Its helpers play what happens on
Stripe's side (paying, cancelling, a failed renewal) and deliver the resulting events to
`POST /billing/webhook`, signed with the real scheme, then drain the job queues.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy import select

from saas.billing.models import ConnectedAccount, PaidTier
from saas.billing.paid import tiers as paid_tiers
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.conftest import drain_jobs
from tests.stripe_standin import StripeStandIn, new_id, sign

WEBHOOK_SECRET = "whsec_test_platform_secret"
CONNECT_SECRET = "whsec_test_connect_secret"
CONFIG_KEYS = (
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_CONNECT_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "BILLING_PLANS",
    "PLATFORM_FEE_PERCENT",
    "BILLING_GRACE_DAYS",
)


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[StripeStandIn]:
    server = StripeStandIn()
    server.start()
    yield server
    server.stop()


@dataclass
class Billing:
    """Billing switched on against the stand-in, with the platform's plan prices."""

    app: Flask
    stripe: StripeStandIn
    prices: dict[str, str] = field(default_factory=dict)

    def platform_price(self, name: str, amount: int, interval: str) -> str:
        product = self.stripe.put({"id": new_id("prod"), "object": "product", "name": name})
        price = {
            "id": new_id("price"),
            "object": "price",
            "product": product["id"],
            "currency": "usd",
            "unit_amount": amount,
            "recurring": {"interval": interval, "interval_count": 1},
            "active": True,
        }
        return self.stripe.put(price)["id"]

    def subscribe(self, client, plan: str = "pro", interval: str = "month") -> str:
        """The signed-in practitioner checks out `plan` and pays; returns the subscription id."""
        from tests.conftest import post_form

        response = post_form(
            client, "/billing/checkout", {"plan": plan, "interval": interval}, "/billing/"
        )
        session_id = response.headers["Location"].rsplit("/", 1)[1]
        self.deliver(client, self.stripe.complete_checkout(session_id))
        return self.stripe.get(session_id)["subscription"]

    def deliver(self, client, events: list[dict], secret: str | None = None, timestamp=None):
        """POST each event as Stripe would; drain the queues; return the responses."""
        responses = []
        for event in events:
            payload = json.dumps(event)
            chosen = secret or (CONNECT_SECRET if event.get("account") else WEBHOOK_SECRET)
            responses.append(
                client.post(
                    "/billing/webhook",
                    data=payload,
                    content_type="application/json",
                    headers={"Stripe-Signature": sign(payload, chosen, timestamp)},
                )
            )
        drain_jobs(self.app)
        return responses

    def connect(self, publication: Publication, ready: bool = True) -> str:
        """Give the publication a connected account on the stand-in (onboarding done)."""
        account = self.stripe.put(
            {
                "id": new_id("acct"),
                "object": "account",
                "charges_enabled": ready,
                "payouts_enabled": ready,
                "details_submitted": ready,
                "default_currency": "usd",
                "requirements": {"currently_due": [], "disabled_reason": None},
            }
        )
        self.share(publication, account["id"])
        return account["id"]

    def share(self, publication: Publication, account_id: str) -> None:
        """Connect the publication to an existing stand-in account."""
        ready = bool(self.stripe.get(account_id)["charges_enabled"])
        with self.app.app_context(), bound_to(publication.id):
            db.session.add(
                ConnectedAccount(
                    publication_id=publication.id,
                    stripe_account_id=account_id,
                    charges_enabled=ready,
                    payouts_enabled=ready,
                    details_submitted=ready,
                )
            )
            db.session.commit()

    def tier(
        self, publication: Publication, name: str = "Supporter", monthly=500, yearly=5000
    ) -> PaidTier:
        """A paid tier made through the service (product and prices on the stand-in)."""
        with self.app.app_context(), bound_to(publication.id):
            pub = db.session.get(Publication, publication.id)
            tier = paid_tiers.create_tier(pub, name, f"{name} access", "usd", monthly, yearly)
            db.session.refresh(tier)
            db.session.expunge(tier)
            return tier


@pytest.fixture()
def billing(app: Flask, stripe_server: StripeStandIn) -> Iterator[Billing]:
    stripe_server.reset()
    saved = {key: app.config[key] for key in CONFIG_KEYS}
    setup = Billing(app, stripe_server)
    setup.prices = {
        "pro": setup.platform_price("Tend Pro", 1200, "month"),
        "pro_yearly": setup.platform_price("Tend Pro", 12000, "year"),
        "studio": setup.platform_price("Tend Studio", 4900, "month"),
    }
    plans = [dict(plan) for plan in saved["BILLING_PLANS"]]
    plans[1] = {
        **plans[1],
        "prices": {"month": setup.prices["pro"], "year": setup.prices["pro_yearly"]},
    }
    plans[2] = {**plans[2], "prices": {"month": setup.prices["studio"]}}
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_tend",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_CONNECT_WEBHOOK_SECRET=CONNECT_SECRET,
        STRIPE_API_BASE=stripe_server.base,
        BILLING_PLANS=plans,
        PLATFORM_FEE_PERCENT=0.0,
        BILLING_GRACE_DAYS=7,
    )
    from saas.billing import plan_billing

    plan_billing._price_labels.clear()
    yield setup
    app.config.update(saved)


def connected_account(app: Flask, publication: Publication) -> ConnectedAccount | None:
    """The publication's connection row, read back."""
    with app.app_context(), bound_to(publication.id):
        row = db.session.scalar(select(ConnectedAccount))
        if row is not None:
            db.session.expunge(row)
        return row


def age_payment_failures(app: Flask, model, days: int, publication_id: int | None = None) -> None:
    """Pretend the first failed renewal of every `model` row happened `days` ago."""
    from datetime import timedelta

    from saas.core.model_base import utcnow
    from saas.core.tenancy import cross_tenant

    with app.app_context(), cross_tenant():
        for row in db.session.scalars(select(model).where(model.payment_failed_at.is_not(None))):
            row.payment_failed_at = utcnow() - timedelta(days=days)
        db.session.commit()
