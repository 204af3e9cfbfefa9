"""Readers paying a publication: Checkout on its connected account, the portal, their access.

A reader identifies by email. Checkout runs on the publication's connected account (a direct
charge, with the platform's application fee when PLATFORM_FEE_PERCENT is set); its
subscription carries the publication, tier and address in metadata. Access follows the
reader's ReaderSubscription rows, which only saas.billing.paid.reader_sync writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from saas.audience.models import Subscriber
from saas.audience.subscribers import find_by_email
from saas.billing.models import (
    GRACE_STATUSES,
    INTERVALS,
    PAID_STATUSES,
    PaidTier,
    ReaderSubscription,
)
from saas.billing.paid import connect_accounts, reader_mail, reader_sync
from saas.billing.paid import tiers as paid_tiers
from saas.billing.stripe_api import client, field, object_id, on_account, timestamp
from saas.billing.subscription_state import gives_access, grace_ends
from saas.core.extensions import db
from saas.core.links import absolute_public_url
from saas.core.model_base import utcnow
from saas.publishing.models import Publication

CHECKOUT_RETURN = "{CHECKOUT_SESSION_ID}"
RETURN_WINDOW = timedelta(days=1)


class CheckoutRefused(ValueError):
    """The reader cannot pay now; the message says why."""


class AlreadyPaid(CheckoutRefused):
    """The address already has paid access (send them a sign-in link instead)."""

    def __init__(self, subscriber: Subscriber) -> None:
        super().__init__("already a paid subscriber")
        self.subscriber = subscriber


@dataclass(frozen=True)
class ReaderStanding:
    """A reader's paid access to one publication."""

    subscriber_id: int
    subscription: ReaderSubscription | None
    paid: bool
    tier_name: str = ""

    @property
    def in_grace(self) -> bool:
        """Paid access held open after a failed renewal."""
        return (
            self.paid
            and self.subscription is not None
            and (self.subscription.status in GRACE_STATUSES)
        )

    @property
    def grace_until(self) -> datetime | None:
        """When access ends unless the card is updated."""
        return grace_ends(self.subscription) if self.in_grace else None

    @property
    def ends_at(self) -> datetime | None:
        """When a cancelled subscription stops."""
        sub = self.subscription
        return sub.current_period_end if self.paid and sub and sub.cancel_at_period_end else None


def standing(publication: Publication, subscriber_id: int) -> ReaderStanding:
    """The reader's best subscription: one giving access, else their latest."""
    rows = db.session.scalars(
        select(ReaderSubscription)
        .where(ReaderSubscription.subscriber_id == subscriber_id)
        .order_by(ReaderSubscription.id.desc())
    ).all()
    now = utcnow()
    live = next((row for row in rows if gives_access(row, now)), None)
    row = live or (rows[0] if rows else None)
    tier = db.session.get(PaidTier, row.tier_id) if row is not None and row.tier_id else None
    return ReaderStanding(subscriber_id, row, live is not None, tier.name if tier else "")


def paid_subscriber_ids(publication: Publication, subscriber_ids: list[int]) -> set[int]:
    """Which of these readers have paid access now (one query per batch)."""
    if not subscriber_ids:
        return set()
    rows = db.session.scalars(
        select(ReaderSubscription).where(
            ReaderSubscription.subscriber_id.in_(subscriber_ids),
            ReaderSubscription.status.in_(PAID_STATUSES + GRACE_STATUSES),
        )
    ).all()
    now = utcnow()
    return {row.subscriber_id for row in rows if gives_access(row, now)}


def paid_readers(
    publication: Publication, limit: int = 100
) -> list[tuple[Subscriber, ReaderSubscription]]:
    """Readers with a subscription, newest first (the dashboard's list)."""
    rows = db.session.execute(
        select(Subscriber, ReaderSubscription)
        .join(ReaderSubscription, ReaderSubscription.subscriber_id == Subscriber.id)
        .order_by(ReaderSubscription.id.desc())
        .limit(limit)
    ).all()
    return [(subscriber, row) for subscriber, row in rows]


def paid_count(publication: Publication) -> int:
    """Readers with paid access now."""
    ids = db.session.scalars(
        select(ReaderSubscription.subscriber_id).where(
            ReaderSubscription.status.in_(PAID_STATUSES + GRACE_STATUSES)
        )
    ).all()
    return len(paid_subscriber_ids(publication, list(set(ids))))


def _customer_for(subscriber_id: int) -> str:
    return (
        db.session.scalar(
            select(ReaderSubscription.stripe_customer_id)
            .where(ReaderSubscription.subscriber_id == subscriber_id)
            .order_by(ReaderSubscription.id.desc())
            .limit(1)
        )
        or ""
    )


def start_checkout(
    publication: Publication, tier_id: int, interval: str, email: str, return_to: str = ""
) -> str:
    """A Checkout Session on the publication's connected account; returns its URL."""
    connection = connect_accounts.get_connection(publication)
    tier = paid_tiers.get_tier(publication, tier_id)
    if not connect_accounts.is_ready(connection) or tier is None or tier.archived_at:
        raise CheckoutRefused("This tier is not available.")
    if interval not in INTERVALS:
        raise CheckoutRefused("Choose monthly or yearly.")
    email = email.strip().lower()
    subscriber = find_by_email(publication, email)
    if subscriber is not None and standing(publication, subscriber.id).paid:
        raise AlreadyPaid(subscriber)
    ids = {"tend_publication_id": str(publication.id), "tend_tier_id": str(tier.id)}
    subscription_data: dict = {"metadata": {**ids, "tend_email": email}}
    fee = float(current_app.config["PLATFORM_FEE_PERCENT"])
    if fee > 0:
        subscription_data["application_fee_percent"] = fee
    back = absolute_public_url(publication, "public.publishing.home")
    if return_to:
        back = absolute_public_url(publication, "public.publishing.issue", issue_slug=return_to)
    params: dict = {
        "mode": "subscription",
        "line_items": [
            {
                "price": tier.stripe_yearly_price_id
                if interval == "year"
                else tier.stripe_monthly_price_id,
                "quantity": 1,
            }
        ],
        "client_reference_id": str(publication.id),
        "metadata": {**ids, "tend_return": return_to[:120]},
        "subscription_data": subscription_data,
        "success_url": absolute_public_url(publication, "public.billing.paid_welcome")
        + f"?session_id={CHECKOUT_RETURN}",
        "cancel_url": back + "#upgrade",
    }
    customer = _customer_for(subscriber.id) if subscriber is not None else ""
    if customer:
        params["customer"] = customer
    else:
        params["customer_email"] = email
    session = client().v1.checkout.sessions.create(params, on_account(connection.stripe_account_id))
    return session.url


def finish_checkout(publication: Publication, session_id: str) -> tuple[int, str]:
    """Back from Checkout: record the subscription now; (subscriber id, issue to return to)."""
    connection = connect_accounts.get_connection(publication)
    if connection is None or not session_id.startswith("cs_"):
        raise LookupError("no such checkout")
    account = connection.stripe_account_id
    session = client().v1.checkout.sessions.retrieve(session_id, options=on_account(account))
    created = timestamp(field(session, "created")) or utcnow()
    if (
        str(field(session, "metadata", "tend_publication_id", default="")) != str(publication.id)
        or field(session, "status") != "complete"
        or utcnow() - created > RETURN_WINDOW
    ):
        raise LookupError("not a finished checkout of this publication")
    email = str(
        field(session, "customer_details", "email", default="")
        or field(session, "customer_email", default="")
    )
    subscription_id = object_id(field(session, "subscription"))
    reader_sync.sync_reader_subscription(account, subscription_id, email, publication.id)
    subscriber = find_by_email(publication, email.lower())
    if subscriber is None:
        raise LookupError("the subscription is not this publication's")
    return subscriber.id, str(field(session, "metadata", "tend_return", default="") or "")


def portal_url(publication: Publication, subscriber_id: int) -> str:
    """A Billing Portal session on the connected account for this reader."""
    connection = connect_accounts.get_connection(publication)
    customer = _customer_for(subscriber_id)
    if connection is None or not customer:
        raise LookupError("no subscription to manage")
    params = {
        "customer": customer,
        "return_url": absolute_public_url(publication, "public.billing.paid_account"),
    }
    return (
        client()
        .v1.billing_portal.sessions.create(params, on_account(connection.stripe_account_id))
        .url
    )


def request_sign_in(publication: Publication, email: str, next_page: str) -> bool:
    """Mail a sign-in link if the address has (or had) a subscription; True if mailed."""
    subscriber = find_by_email(publication, email.strip().lower())
    if subscriber is None:
        return False
    has_subscription = db.session.scalar(
        select(func.count())
        .select_from(ReaderSubscription)
        .where(ReaderSubscription.subscriber_id == subscriber.id)
    )
    if not has_subscription:
        return False
    reader_mail.paid_sign_in(publication, subscriber, next_page)
    return True
