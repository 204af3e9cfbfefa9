"""Paid access as a SQL condition, for choosing readers in the database (send segments).

The same rule as `subscription_state.gives_access`, written so a query can select the readers
who have it without loading their subscriptions: active or trialing, or past due / unpaid
within the grace period after the first failed renewal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from saas.billing.models import GRACE_STATUSES, PAID_STATUSES, ReaderSubscription
from saas.billing.subscription_state import grace_days


def has_paid_access(
    publication_id: int, subscriber_id: ColumnElement, now: datetime
) -> ColumnElement[bool]:
    """True for the reader (a subscriber id column) while a subscription gives access."""
    rows = ReaderSubscription.__table__.c
    grace_start = now - timedelta(days=grace_days())
    return (
        select(rows.id)
        .where(
            rows.publication_id == publication_id,
            rows.subscriber_id == subscriber_id,
            or_(
                rows.status.in_(PAID_STATUSES),
                and_(rows.status.in_(GRACE_STATUSES), rows.payment_failed_at > grace_start),
            ),
        )
        .exists()
    )
