"""What came back from readers' mail servers: bounces and complaints, suppressions, holds.

`BounceEvent` is one bounce or complaint about one delivery (no address is kept: the
delivery and reader ids say who). `SendingHold` is a publication's sends paused by its
complaint rate until an operator lifts it. `PlatformSuppression` is the cross-tenant list
of addresses no publication mails (complaints, role addresses such as abuse@): owned by the
operators, read by every send, so it is not TenantScoped and is reached through
saas.core.tenancy.cross_tenant().
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow

HARD, SOFT, COMPLAINT = "hard", "soft", "complaint"


class BounceEvent(TenantScoped, db.Model):
    """One hard bounce, soft bounce or complaint about one delivery (at most one of each)."""

    __tablename__ = "bounce_events"
    __table_args__ = (
        UniqueConstraint("delivery_id", "kind"),
        Index("ix_bounce_events_send_kind", "send_id", "kind"),
        Index("ix_bounce_events_subscriber_created", "subscriber_id", "kind", "created_at"),
        Index("ix_bounce_events_pub_kind_created", "publication_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), nullable=True
    )
    send_id: Mapped[int | None] = mapped_column(
        ForeignKey("sends.id", ondelete="CASCADE"), nullable=True
    )
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class SendingHold(TenantScoped, db.Model):
    """A publication's sends paused for its complaint rate; lifted only by an operator."""

    __tablename__ = "sending_holds"
    __table_args__ = (UniqueConstraint("publication_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_rate: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lifted_by: Mapped[str] = mapped_column(String(254), nullable=False, default="")


class PlatformSuppression(db.Model):
    """An address (or, ending in "@", a local part on any domain) no publication mails."""

    __tablename__ = "platform_suppressions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
