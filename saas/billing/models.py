"""Money on Stripe: practitioners' plans, connected accounts, paid tiers, readers' payments.

Two tables are platform-level, not TenantScoped, on purpose:

- `PlanSubscription` is a practitioner's (User's) subscription to a Tend plan. A plan belongs
  to the account, whatever publications it owns (it also limits how many it may create), and
  webhook jobs find it by Stripe id before any publication is known.
- `StripeEvent` records each verified webhook event id once. It must be unique across every
  tenant (one Stripe event can concern any of them), and it is written before the tenant is
  known. Its payload is cleared once processed, so no reader data lingers there.

The rest belong to one publication and mix in TenantScoped (with row-level security).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow

# Stripe subscription statuses that give access (past_due only within the grace period).
PAID_STATUSES = ("active", "trialing")
GRACE_STATUSES = ("past_due", "unpaid")

INTERVAL_MONTH = "month"
INTERVAL_YEAR = "year"
INTERVALS = (INTERVAL_MONTH, INTERVAL_YEAR)


class PlanSubscription(db.Model):
    """One Stripe subscription of a practitioner to a Tend plan (platform account)."""

    __tablename__ = "plan_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    stripe_subscription_id: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    price_id: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    plan: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # First failed renewal of the current run of failures; the grace period counts from it.
    payment_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stripe_created: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class StripeEvent(db.Model):
    """A verified webhook event, stored once by its Stripe id (platform-level)."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100), nullable=False)
    account: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    livemode: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    stripe_created: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str] = mapped_column(String(300), nullable=False, default="")


class ConnectedAccount(TenantScoped, db.Model):
    """The Stripe account a publication's readers pay into (Stripe Connect).

    The same Stripe account may serve several publications of one practitioner; their paid
    tiers (products) tell the publications' payments apart.
    """

    __tablename__ = "connected_accounts"
    __table_args__ = (UniqueConstraint("publication_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    charges_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    details_submitted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    disabled_reason: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    default_currency: Mapped[str] = mapped_column(String(3), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class PaidTier(TenantScoped, db.Model):
    """A paid tier readers can choose: one Stripe product with a monthly and a yearly price."""

    __tablename__ = "paid_tiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="usd")
    # Amounts in the currency's smallest unit (cents).
    monthly_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    yearly_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    stripe_product_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    stripe_monthly_price_id: Mapped[str] = mapped_column(String(255), nullable=False)
    stripe_yearly_price_id: Mapped[str] = mapped_column(String(255), nullable=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class ReaderSubscription(TenantScoped, db.Model):
    """A reader's Stripe subscription to one of the publication's paid tiers."""

    __tablename__ = "reader_subscriptions"
    __table_args__ = (
        UniqueConstraint("publication_id", "stripe_subscription_id"),
        Index("ix_reader_subscriptions_subscriber_status", "subscriber_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Erasing a reader erases their payment record here too (Stripe keeps its own).
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False
    )
    tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("paid_tiers.id", ondelete="SET NULL"), nullable=True
    )
    stripe_account_id: Mapped[str] = mapped_column(String(255), nullable=False)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), nullable=False)
    stripe_subscription_id: Mapped[str] = mapped_column(String(255), nullable=False)
    interval: Mapped[str] = mapped_column(String(8), nullable=False, default=INTERVAL_MONTH)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    payment_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stripe_created: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class SubscriberHold(TenantScoped, db.Model):
    """A reader kept pending because the publication's plan is full (never dropped).

    The reader has already confirmed their address (or was added or imported as active), so
    they become active without another email as soon as the plan has room.
    """

    __tablename__ = "subscriber_holds"
    __table_args__ = (UniqueConstraint("subscriber_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
