"""Readers on a publication's list, their tags, their history, sign-ins and CSV imports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow

PENDING = "pending"
ACTIVE = "active"
UNSUBSCRIBED = "unsubscribed"
BOUNCED = "bounced"
COMPLAINED = "complained"
SUBSCRIBER_STATUSES = (PENDING, ACTIVE, UNSUBSCRIBED, BOUNCED, COMPLAINED)

SOURCE_FORM = "form"
SOURCE_EMBED = "embed"
SOURCE_IMPORT = "import"
SOURCE_MANUAL = "manual"


class Subscriber(TenantScoped, db.Model):
    """One reader of one publication; the email is stored normalised and lower-cased."""

    __tablename__ = "subscribers"
    __table_args__ = (
        UniqueConstraint("publication_id", "email"),
        # Keyset pagination: newest first, optionally within one status.
        Index("ix_subscribers_pub_created", "publication_id", "created_at", "id"),
        Index("ix_subscribers_pub_status_created", "publication_id", "status", "created_at", "id"),
        Index(
            "ix_subscribers_pub_email_pattern",
            "publication_id",
            "email",
            postgresql_ops={"email": "text_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default=SOURCE_FORM)
    consent_note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    imported: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    hard_bounces: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    tags = relationship("Tag", secondary="subscriber_tags", lazy="selectin", order_by="Tag.name")


class Tag(TenantScoped, db.Model):
    """A label a practitioner puts on readers."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("publication_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)


class SubscriberTag(TenantScoped, db.Model):
    """Which reader carries which tag."""

    __tablename__ = "subscriber_tags"
    __table_args__ = (Index("ix_subscriber_tags_tag", "tag_id", "subscriber_id"),)

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class SubscriberEvent(TenantScoped, db.Model):
    """One line of a reader's history: subscribed, confirmed, delivered, unsubscribed, ..."""

    __tablename__ = "subscriber_events"
    __table_args__ = (Index("ix_subscriber_events_subscriber", "subscriber_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ReaderSignIn(TenantScoped, db.Model):
    """A magic sign-in link that was used: its nonce may never sign anyone in again."""

    __tablename__ = "reader_sign_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    nonce: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


IMPORT_QUEUED = "queued"
IMPORT_RUNNING = "running"
IMPORT_DONE = "done"
IMPORT_FAILED = "failed"


class SubscriberImport(TenantScoped, db.Model):
    """One uploaded CSV and its outcome; imported + rejected always equals total_rows."""

    __tablename__ = "subscriber_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    detected_format: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    send_confirmation: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=False)
    tag_name: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=IMPORT_QUEUED)
    total_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    imported_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejections: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
