"""Copy a Stripe subscription onto a Tend row, serialised per subscription, and say what changed.

Webhooks arrive twice, out of order and at the same time. Tend therefore never trusts an
event's copy of a subscription: the sync takes a transaction-scoped advisory lock named after
the subscription (PostgreSQL; SQLite serialises writers anyway), then retrieves the
subscription from Stripe *while holding it*, writes it and commits. Whoever commits last read
Stripe last, so the row always ends at Stripe's newest state, whatever the arrival order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import text

from saas.billing.models import GRACE_STATUSES, PAID_STATUSES
from saas.billing.stripe_api import field, object_id, period_end_of, timestamp
from saas.core.extensions import db
from saas.core.model_base import utcnow

# Stripe statuses after which a subscription never charges (or gives access) again.
ENDED_STATUSES = ("canceled", "incomplete_expired")


class SubscriptionRow(Protocol):
    """The columns PlanSubscription and ReaderSubscription share."""

    stripe_customer_id: str
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    payment_failed_at: datetime | None
    stripe_created: datetime | None
    synced_at: datetime


@dataclass(frozen=True)
class Change:
    """What a sync did to a row's access."""

    was_paid: bool
    is_paid: bool
    newly_failed: bool

    @property
    def started(self) -> bool:
        """Access began (a new subscription, or one back from lapsing)."""
        return self.is_paid and not self.was_paid

    @property
    def ended(self) -> bool:
        """Access stopped (cancelled, expired, or the grace period ran out)."""
        return self.was_paid and not self.is_paid


def lock(name: str) -> None:
    """Hold a lock named `name` until the current transaction ends (PostgreSQL only)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def grace_days() -> int:
    """Days a failed renewal keeps access."""
    return int(current_app.config["BILLING_GRACE_DAYS"])


def grace_ends(row: SubscriptionRow) -> datetime | None:
    """When the grace period after the first failed renewal ends."""
    if row.payment_failed_at is None:
        return None
    return row.payment_failed_at + timedelta(days=grace_days())


def gives_access(row: SubscriptionRow | None, now: datetime | None = None) -> bool:
    """Active or trialing; or past due / unpaid within the grace period."""
    if row is None or not row.status:
        return False
    if row.status in PAID_STATUSES:
        return True
    ends = grace_ends(row)
    return row.status in GRACE_STATUSES and ends is not None and (now or utcnow()) < ends


def apply(row: SubscriptionRow, subscription: Any) -> Change:
    """Write Stripe's state of `subscription` onto `row` (the caller commits)."""
    now = utcnow()
    was_paid = gives_access(row, now) if getattr(row, "status", None) else False
    row.stripe_customer_id = object_id(field(subscription, "customer"))
    row.status = str(field(subscription, "status", default="incomplete"))
    ends = period_end_of(subscription)
    cancel_at = timestamp(field(subscription, "cancel_at"))
    row.cancel_at_period_end = bool(field(subscription, "cancel_at_period_end")) or bool(cancel_at)
    row.current_period_end = min(ends, cancel_at) if ends and cancel_at else (ends or cancel_at)
    row.stripe_created = timestamp(field(subscription, "created")) or row.stripe_created
    row.synced_at = now
    newly_failed = False
    if row.status in GRACE_STATUSES:
        if row.payment_failed_at is None:
            row.payment_failed_at, newly_failed = now, True
    else:
        row.payment_failed_at = None
    return Change(was_paid, gives_access(row, now), newly_failed)
