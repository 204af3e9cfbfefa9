"""Readers' subscriptions from Stripe to Tend: which publication, which reader, what access.

A subscription on a connected account changes a reader's access only if its product is one
of the paid tiers of a publication connected to *that* account: the account and the product
must both match. So events from another account, or for products a practitioner sells
elsewhere on a shared account, change nothing. The subscription is read from Stripe under a
lock (saas.billing.subscription_state), so duplicates, reordering and concurrency converge.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from saas.audience.models import ACTIVE, PENDING, UNSUBSCRIBED, Subscriber
from saas.audience.subscribers import find_by_email, record_event
from saas.billing import subscription_state
from saas.billing.models import ConnectedAccount, PaidTier, ReaderSubscription, SubscriberHold
from saas.billing.paid import reader_erasure as paid_reader_erasure
from saas.billing.paid import reader_mail
from saas.billing.stripe_api import client, field, object_id, on_account, price_of
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing.models import Publication

log = logging.getLogger(__name__)
SOURCE_CHECKOUT = "checkout"


class TierOwner(NamedTuple):
    """The publication and tier a connected account's product belongs to."""

    publication_id: int
    tier_id: int
    tier_name: str


def tier_for_product(account_id: str, product_id: str) -> TierOwner | None:
    """The tier selling `product_id` in a publication connected to `account_id`, if any."""
    if not account_id or not product_id:
        return None
    with cross_tenant():
        row = db.session.execute(
            select(PaidTier.publication_id, PaidTier.id, PaidTier.name)
            .join(ConnectedAccount, ConnectedAccount.publication_id == PaidTier.publication_id)
            .where(
                ConnectedAccount.stripe_account_id == account_id,
                PaidTier.stripe_product_id == product_id,
            )
        ).first()
    return TierOwner(*row) if row else None


def sync_reader_subscription(
    account_id: str, subscription_id: str, email_hint: str = "", publication_id: int | None = None
) -> bool:
    """Bring a reader's subscription up to Stripe's state; False if it is not Tend's.

    `publication_id`, when given (from a Checkout Session), must match the product's owner.
    """
    for attempt in range(3):
        try:
            return _sync(account_id, subscription_id, email_hint, publication_id)
        except IntegrityError:  # two first syncs raced to insert the reader or the row
            db.session.rollback()
            if attempt == 2:
                raise
    return False


def _sync(account_id: str, subscription_id: str, email_hint: str, expected: int | None) -> bool:
    subscription_state.lock(f"reader-subscription:{account_id}:{subscription_id}")
    subscription = client().v1.subscriptions.retrieve(
        subscription_id, options=on_account(account_id)
    )
    owner = tier_for_product(account_id, price_of(subscription)[1])
    if owner is None or (expected is not None and owner.publication_id != expected):
        db.session.rollback()
        log.info("ignored subscription %s on %s: not a tier of theirs", subscription_id, account_id)
        return False
    with bound_to(owner.publication_id):
        publication = db.session.get(Publication, owner.publication_id)
        row = db.session.scalar(
            select(ReaderSubscription).where(
                ReaderSubscription.stripe_subscription_id == subscription_id
            )
        )
        if row is None and paid_reader_erasure.was_erased(subscription):
            # Its reader was erased: never make them again from Stripe's copy of the address.
            db.session.rollback()
            log.info("ignored subscription %s: its reader was erased", subscription_id)
            return False
        subscriber = (
            db.session.get(Subscriber, row.subscriber_id)
            if row is not None
            else _reader_for(publication, subscription, account_id, email_hint)
        )
        if subscriber is None:
            db.session.rollback()
            log.warning("subscription %s has no reader address", subscription_id)
            return False
        if row is None:
            row = ReaderSubscription(
                publication_id=publication.id,
                subscriber_id=subscriber.id,
                stripe_subscription_id=subscription_id,
            )
            db.session.add(row)
        row.tier_id, row.stripe_account_id = owner.tier_id, account_id
        row.interval = price_of(subscription)[2][:8]
        change = subscription_state.apply(row, subscription)
        if change.started:
            # Paying is asking for the issues; a later unsubscribe is respected.
            _make_active(subscriber)
            record_event(subscriber, "paid_started", f"{owner.tier_name} ({row.interval}ly)")
        elif change.ended:
            record_event(subscriber, "paid_ended", f"Stripe status: {row.status}")
        db.session.commit()
        if change.started:
            reader_mail.paid_welcome(publication, subscriber, owner.tier_name)
        if change.newly_failed:
            until = subscription_state.grace_ends(row)
            reader_mail.paid_payment_failed(publication, subscriber, until)
    return True


def _reader_for(
    publication: Publication, subscription: Any, account_id: str, email_hint: str
) -> Subscriber | None:
    """The reader paying: found by address, or added (paying is asking for the issues)."""
    email = str(field(subscription, "metadata", "tend_email", default="") or email_hint or "")
    if not email:
        customer = object_id(field(subscription, "customer"))
        retrieved = client().v1.customers.retrieve(customer, options=on_account(account_id))
        email = str(field(retrieved, "email", default="") or "")
    email = email.strip().lower()
    if "@" not in email:
        return None
    subscriber = find_by_email(publication, email)
    if subscriber is None:
        subscriber = Subscriber(
            publication_id=publication.id,
            email=email,
            status=ACTIVE,
            source=SOURCE_CHECKOUT,
            confirmed_at=utcnow(),
            consent_note="Subscribed by paying through Stripe Checkout",
        )
        db.session.add(subscriber)
        db.session.flush()
        record_event(subscriber, "subscribed", "by paying for a tier")
    return subscriber


def _make_active(subscriber: Subscriber) -> None:
    # A paying reader is never kept waiting by the practitioner's plan limit.
    db.session.execute(delete(SubscriberHold).where(SubscriberHold.subscriber_id == subscriber.id))
    if subscriber.status in (PENDING, UNSUBSCRIBED):
        subscriber.status, subscriber.confirmed_at = ACTIVE, utcnow()
        subscriber.unsubscribed_at = None
        record_event(subscriber, "confirmed", "by paying for a tier")
