"""Webhook endpoints and their deliveries; booking links and the bookings they reported.

Signing secrets are encrypted at rest (saas.core.crypto), and so is what a delivery carried
and what the receiver answered: an event about a support request outside confidential mode
holds a reader's words. Statuses, times and response codes stay in clear for the log, and so
does what each delivery is about (a kind and an id), so that erasing a reader or a request
deletes the deliveries about them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.crypto import EncryptedText
from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow

# Delivery states: waiting for its first try, between tries, being tried now, done.
PENDING = "pending"
RETRYING = "retrying"
SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"
OPEN_STATES = (PENDING, RETRYING, SENDING)

# Booking providers: the two whose webhooks Tend reads, and any other booking page.
CALCOM = "calcom"
CALENDLY = "calendly"
OTHER = "other"
PROVIDERS = {CALCOM: "Cal.com", CALENDLY: "Calendly", OTHER: "Another booking page"}


class WebhookEndpoint(TenantScoped, db.Model):
    """An address a publication's events are posted to, signed with its own secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    secret: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    # Event type names (saas.webhooks.events.EVENT_TYPES) this endpoint receives.
    events: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Why it is off when Tend switched it off (sustained failure); empty otherwise.
    disabled_reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The first failed try since the last answered one (None while it answers).
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class WebhookDelivery(TenantScoped, db.Model):
    """One event sent to one endpoint: the signed body, its tries and the last answer."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
        Index("ix_webhook_deliveries_status_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subject", "subject"),
        Index("ix_webhook_deliveries_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    # The event's id (`evt_...`): a redelivery carries the same one, so receivers dedupe.
    event_id: Mapped[str] = mapped_column(String(40), nullable=False)
    event_type: Mapped[str] = mapped_column(String(60), nullable=False)
    # What the event is about, as "<kind>:<id>" ("subscriber:12"): erasing that forgets it.
    subject: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    body: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The start of the receiver's answer, or why there was none.
    response_excerpt: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    error: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A "send test" or "redeliver" press, not an event that happened.
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class BookingLink(TenantScoped, db.Model):
    """Where readers book a time; with Cal.com or Calendly, how bookings come back to Tend.

    One per publication for now; `offering` stays empty until offerings exist, when each
    may carry its own link.
    """

    __tablename__ = "booking_links"
    __table_args__ = (UniqueConstraint("publication_id", "offering"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offering: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    provider: Mapped[str] = mapped_column(String(16), nullable=False, default=OTHER)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    # The unguessable part of the address the provider posts bookings to.
    inbound_token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    signing_secret: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class BookingReceipt(TenantScoped, db.Model):
    """A booking a provider reported (once per booking: providers retry), and what it moved."""

    __tablename__ = "booking_receipts"
    __table_args__ = (UniqueConstraint("publication_id", "provider", "booking_uid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    booking_uid: Mapped[str] = mapped_column(String(200), nullable=False)
    # The support request it moved to booked (None: no request matched).
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_requests.id", ondelete="SET NULL"), nullable=True
    )
    matched_by: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
