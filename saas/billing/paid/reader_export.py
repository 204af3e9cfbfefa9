"""Billing's part of a reader's data export: what they pay for, and their place in the queue.

Stripe ids are the reader's too (their customer at Stripe, their subscriptions), so they are
listed: with them the reader can ask Stripe for what Stripe holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from saas.billing.models import PaidTier, ReaderSubscription, SubscriberHold
from saas.core.extensions import db
from saas.publishing.models import Publication


def payment_data(publication: Publication, subscriber_id: int) -> dict[str, Any]:
    """`paid_subscriptions` (every one, ended ones too) and `waiting_list` for one reader."""
    rows = db.session.execute(
        select(ReaderSubscription, PaidTier.name)
        .outerjoin(PaidTier, PaidTier.id == ReaderSubscription.tier_id)
        .where(
            ReaderSubscription.publication_id == publication.id,
            ReaderSubscription.subscriber_id == subscriber_id,
        )
        .order_by(ReaderSubscription.id)
    ).all()
    held_since = db.session.scalar(
        select(SubscriberHold.created_at).where(
            SubscriberHold.publication_id == publication.id,
            SubscriberHold.subscriber_id == subscriber_id,
        )
    )
    return {
        "paid_subscriptions": [
            {
                "tier": tier_name or "(a tier since removed)",
                "interval": row.interval,
                "status": row.status,
                "started_at": row.stripe_created or row.created_at,
                "current_period_end": row.current_period_end,
                "cancel_at_period_end": row.cancel_at_period_end,
                "payment_failed_at": row.payment_failed_at,
                "stripe_customer": row.stripe_customer_id,
                "stripe_subscription": row.stripe_subscription_id,
            }
            for row, tier_name in rows
        ],
        "waiting_list": {"held_since": held_since} if held_since else None,
    }
