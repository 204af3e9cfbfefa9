"""A practitioner's own plan on Stripe: upgrade through Checkout, manage in the Billing Portal.

Checkout runs on the platform account. Every subscription carries `tend_user_id` in its
metadata, so webhooks (and the return from Checkout) attach it to the right account.
`sync_plan_subscription` is the one writer of PlanSubscription rows: it reads the
subscription from Stripe under a lock (saas.billing.subscription_state) and then releases
readers waiting for room, or warns the practitioner about a failed renewal.
"""

from __future__ import annotations

import logging
import time

import stripe
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.accounts.models import User
from saas.billing import limits as billing_limits
from saas.billing import mail as billing_mail
from saas.billing import plans as billing_plans
from saas.billing import subscription_state
from saas.billing.models import PlanSubscription
from saas.billing.paid.tiers import price_label
from saas.billing.plans import Standing
from saas.billing.stripe_api import client, field, object_id, price_of
from saas.core.extensions import db
from saas.core.links import external_url

log = logging.getLogger(__name__)
CHECKOUT_RETURN = "{CHECKOUT_SESSION_ID}"
PRICE_LABEL_SECONDS = 600
_price_labels: dict[str, tuple[float, str]] = {}


class PlanUnavailable(ValueError):
    """That plan or billing interval cannot be bought here."""


class ManageInPortal(ValueError):
    """The account already has a live subscription: change it in the Billing Portal."""


def _customer_id(user_id: int) -> str:
    return (
        db.session.scalar(
            select(PlanSubscription.stripe_customer_id)
            .where(PlanSubscription.user_id == user_id)
            .order_by(PlanSubscription.id.desc())
            .limit(1)
        )
        or ""
    )


def start_checkout(user: User, plan_key: str, interval: str) -> str:
    """Create a Checkout Session for a plan and return its URL."""
    plan = billing_plans.get_plan(plan_key)
    price = plan.prices.get(interval)
    if plan.key != plan_key or not price:
        raise PlanUnavailable(plan_key)
    if billing_plans.standing(user.id).live:
        raise ManageInPortal(plan_key)
    params: dict = {
        "mode": "subscription",
        "line_items": [{"price": price, "quantity": 1}],
        "client_reference_id": str(user.id),
        "metadata": {"tend_user_id": str(user.id), "tend_plan": plan.key},
        "subscription_data": {"metadata": {"tend_user_id": str(user.id)}},
        "allow_promotion_codes": True,
        "success_url": external_url("billing.checkout_return") + f"?session_id={CHECKOUT_RETURN}",
        "cancel_url": external_url("billing.plan"),
    }
    customer = _customer_id(user.id)
    if customer:
        params["customer"] = customer
    else:
        params["customer_email"] = user.email
    return client().v1.checkout.sessions.create(params).url


def price_labels() -> dict[str, str]:
    """'$12 a month' per plan Price id, read from Stripe and kept for PRICE_LABEL_SECONDS."""
    labels: dict[str, str] = {}
    now = time.monotonic()
    for plan in billing_plans.plans():
        for interval, price_id in plan.prices.items():
            cached = _price_labels.get(price_id)
            if cached is None or now - cached[0] > PRICE_LABEL_SECONDS:
                try:
                    price = client().v1.prices.retrieve(price_id)
                except stripe.StripeError:
                    continue
                amount = price_label(int(field(price, "unit_amount", default=0)), price.currency)
                cached = (now, f"{amount} a {interval}")
                _price_labels[price_id] = cached
            labels[price_id] = cached[1]
    return labels


def portal_url(user: User) -> str:
    """A Billing Portal session for the account's Stripe customer."""
    customer = _customer_id(user.id)
    if not customer:
        raise PlanUnavailable("no billing account yet")
    params = {"customer": customer, "return_url": external_url("billing.plan")}
    return client().v1.billing_portal.sessions.create(params).url


def finish_checkout(user: User, session_id: str) -> Standing:
    """Back from Checkout: record the new subscription now rather than wait for its webhook."""
    session = client().v1.checkout.sessions.retrieve(session_id)
    if str(field(session, "client_reference_id", default="")) != str(user.id):
        raise LookupError("not this account's checkout")
    if field(session, "status") != "complete":
        raise LookupError("checkout not completed")
    subscription_id = object_id(field(session, "subscription"))
    if subscription_id:
        sync_plan_subscription(subscription_id, user_id=user.id)
    return billing_plans.standing(user.id)


def _forget_custom_domains() -> None:
    # A plan change can start or stop serving the account's custom domains.
    domains = current_app.extensions.get("custom_domains")
    if domains is not None:
        domains.forget()


def _owner(subscription, row: PlanSubscription | None, hint: int | None) -> int | None:
    if row is not None:
        return row.user_id
    claimed = str(field(subscription, "metadata", "tend_user_id", default="") or hint or "")
    if not claimed.isdigit() or (hint is not None and int(claimed) != hint):
        return None
    return int(claimed) if db.session.get(User, int(claimed)) is not None else None


def sync_plan_subscription(subscription_id: str, user_id: int | None = None) -> bool:
    """Bring the row for a platform subscription up to Stripe's state; False if not Tend's."""
    for attempt in range(3):
        try:
            return _sync(subscription_id, user_id)
        except IntegrityError:  # two first syncs raced to insert the row: read it again
            db.session.rollback()
            if attempt == 2:
                raise
    return False


def _sync(subscription_id: str, user_id: int | None) -> bool:
    subscription_state.lock(f"plan-subscription:{subscription_id}")
    subscription = client().v1.subscriptions.retrieve(subscription_id)
    row = db.session.scalar(
        select(PlanSubscription).where(PlanSubscription.stripe_subscription_id == subscription_id)
    )
    price_id = price_of(subscription)[0]
    plan = billing_plans.plan_for_price(price_id)
    owner = _owner(subscription, row, user_id)
    if owner is None or (plan is None and row is None):
        db.session.rollback()
        log.info("ignored subscription %s: not a Tend plan", subscription_id)
        return False
    before = billing_plans.standing(owner).plan
    if row is None:
        row = PlanSubscription(user_id=owner, stripe_subscription_id=subscription_id)
        db.session.add(row)
    row.price_id = price_id
    row.plan = plan.key if plan else row.plan
    change = subscription_state.apply(row, subscription)
    db.session.commit()
    after = billing_plans.standing(owner)
    if change.newly_failed:
        billing_mail.plan_payment_failed(owner, after)
    if after.plan.key != before.key:
        _forget_custom_domains()  # this process's cache; other web processes within 30 s
        released = billing_limits.release_for_account(owner)
        log.info("plan %s -> %s; %d waiting readers released", before.key, after.plan.key, released)
    return True
