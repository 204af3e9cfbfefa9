"""Sends of an issue (each for a segment) and the per-recipient Delivery record behind each one;
segments saved by name; a publication's own sending domain and its DKIM keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.crypto import EncryptedText
from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow
from saas.mail.outcomes import BOUNCED, DEFERRED, FAILED, SENT

# Send states
SEND_SCHEDULED = "scheduled"
SEND_QUEUED = "queued"
SEND_SENDING = "sending"
SEND_PAUSED = "paused"
SEND_DONE = "done"
SEND_CANCELLED = "cancelled"

# Delivery states
QUEUED = "queued"
SENDING = "sending"
SKIPPED = "skipped"
DELIVERY_STATUSES = (QUEUED, SENDING, DEFERRED, SENT, FAILED, BOUNCED, SKIPPED)
# Not final: a deferred delivery is tried again at next_attempt_at.
OPEN_STATUSES = (QUEUED, SENDING, DEFERRED)
FINAL_STATUSES = (SENT, FAILED, BOUNCED, SKIPPED)


class Send(TenantScoped, db.Model):
    """One sending of an issue to the list (at most one per issue)."""

    __tablename__ = "sends"
    __table_args__ = (UniqueConstraint("publication_id", "issue_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=SEND_QUEUED)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Deliveries per status, counted once when the send is done (a done send's rows no
    # longer change status), so its page need not count them on every view.
    final_counts: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Who it is for (saas.delivery.segments.Segment as JSON); None: every active reader.
    segment: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class SavedSegment(TenantScoped, db.Model):
    """A segment a practitioner named to send to again (saas.delivery.segments.Segment as JSON)."""

    __tablename__ = "saved_segments"
    __table_args__ = (UniqueConstraint("publication_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    definition: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Delivery(TenantScoped, db.Model):
    """One issue to one reader: the verifiable record of what was sent, when, and how it went."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("issue_id", "subscriber_id"),
        Index("ix_deliveries_send_status", "send_id", "status", "id"),
        Index("ix_deliveries_status_claimed", "status", "claimed_at"),
        Index("ix_deliveries_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    send_id: Mapped[int] = mapped_column(ForeignKey("sends.id", ondelete="CASCADE"), nullable=False)
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), nullable=False
    )
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The worker process and claim holding (or that last held) the row: see delivery/claims.py.
    claimed_by: Mapped[str | None] = mapped_column(String(160), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message_id: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    smtp_response: Mapped[str] = mapped_column(Text, nullable=False, default="")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Temporary refusals: how many so far, since when, and when to try again.
    deferrals: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    first_deferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


# SendingDomain.status: a publication's own domain is used only while verified.
DOMAIN_PENDING = "pending"  # its DKIM record has not been seen yet
DOMAIN_VERIFIED = "verified"  # DKIM checks out: issues go out from it, signed by it
DOMAIN_PAUSED = "paused"  # a re-check found DKIM broken: the platform's address meanwhile

# DkimKey.state: a rotation publishes the next key before switching to it.
KEY_NEXT = "next"  # made, waiting to be seen in DNS
KEY_ACTIVE = "active"  # signing
KEY_RETIRING = "retiring"  # replaced; its record stays published a while for mail in transit


class SendingDomain(TenantScoped, db.Model):
    """A publication's own domain for the mail it sends, and what its DNS showed last."""

    __tablename__ = "sending_domains"
    __table_args__ = (UniqueConstraint("publication_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), nullable=False)
    from_address: Mapped[str] = mapped_column(String(254), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DOMAIN_PENDING)
    # The last check, record by record: [{"record", "state", "detail"}] (see domain_checks).
    checks: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class DkimKey(TenantScoped, db.Model):
    """One DKIM key pair of a sending domain; the private half encrypted at rest."""

    __tablename__ = "dkim_keys"
    __table_args__ = (UniqueConstraint("sending_domain_id", "selector"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sending_domain_id: Mapped[int] = mapped_column(
        ForeignKey("sending_domains.id", ondelete="CASCADE"), nullable=False, index=True
    )
    selector: Mapped[str] = mapped_column(String(63), nullable=False)
    public_key: Mapped[str] = mapped_column(Text, nullable=False)
    # Encrypted with the support keys (`flask rotate-key` re-encrypts it); None once retired.
    private_key: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=KEY_ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retiring_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
