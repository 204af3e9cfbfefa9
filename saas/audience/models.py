"""Readers on a publication's list, their tags and topics, history, sign-ins and CSV imports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Computed,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import ColumnElement

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


class _SearchKey(ColumnElement):
    """A search key the database derives from a reader's row (see Subscriber, SEARCH_KEYS)."""

    inherit_cache = True

    def __init__(self, name: str) -> None:
        self.name = name


# Per dialect: PostgreSQL has split_part/strpos, SQLite has instr. lower() folds ASCII only
# on SQLite.
SEARCH_KEYS = {
    "email_domain": {
        "postgresql": "split_part(email, '@', 2)",
        "sqlite": "substr(email, instr(email, '@') + 1)",
    },
    "name_key": {"postgresql": "lower(name)", "sqlite": "lower(name)"},
    "name_rest_key": {
        "postgresql": "lower(substr(name, strpos(name, ' ') + 1))",
        "sqlite": "lower(substr(name, instr(name, ' ') + 1))",
    },
}


@compiles(_SearchKey)
def _compile_search_key(element: _SearchKey, compiler, **kw) -> str:
    return SEARCH_KEYS[element.name][compiler.dialect.name]


def _search_key(name: str, length: int) -> Mapped[str]:
    # Stored on PostgreSQL (indexed), computed on read on SQLite (ALTER TABLE can add only
    # that kind there); the ORM never writes them.
    return mapped_column(String(length), Computed(_SearchKey(name)), nullable=True)


def _pattern_index(column: str) -> Index:
    """Prefix search on `column` under row-level security (saas.audience.search)."""
    return Index(
        f"ix_subscribers_pub_{column}_pattern",
        "publication_id",
        column,
        postgresql_ops={column: "text_pattern_ops"},
    )


class Subscriber(TenantScoped, db.Model):
    """One reader of one publication; the email is stored normalised and lower-cased.

    email_domain, name_key and name_rest_key are search keys the database keeps: the address
    after its "@", the name lower-cased, and the lower-cased name after its first word.
    activated_at is when the reader last became active (or was added), also set by the
    database (migration 0016): which readers may lack a sent issue (sending.new_reader_count).
    """

    __tablename__ = "subscribers"
    __table_args__ = (
        UniqueConstraint("publication_id", "email"),
        # Keyset pagination: newest first, optionally within one status.
        Index("ix_subscribers_pub_created", "publication_id", "created_at", "id"),
        Index("ix_subscribers_pub_status_created", "publication_id", "status", "created_at", "id"),
        _pattern_index("email"),
        _pattern_index("email_domain"),
        _pattern_index("name_key"),
        _pattern_index("name_rest_key"),
        Index("ix_subscribers_pub_activated", "publication_id", "activated_at"),
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
    email_domain: Mapped[str | None] = _search_key("email_domain", 254)
    name_key: Mapped[str | None] = _search_key("name_key", 120)
    name_rest_key: Mapped[str | None] = _search_key("name_rest_key", 120)
    activated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, server_default=FetchedValue()
    )

    tags = relationship("Tag", secondary="subscriber_tags", lazy="selectin", order_by="Tag.name")


class SubscriberCount(TenantScoped, db.Model):
    """A change in how many of a publication's readers have one status.

    The rows of a publication and status add up to its count of readers with that status.
    The database adds them itself, in the transaction that inserts, deletes or changes the
    status of readers (triggers, migration 0016), so no code path can forget one;
    saas.audience.status_counts reads, folds and rebuilds them.
    """

    __tablename__ = "subscriber_counts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    delta: Mapped[int] = mapped_column(Integer, nullable=False)


class Tag(TenantScoped, db.Model):
    """A label a practitioner puts on readers."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("publication_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)


class Topic(TenantScoped, db.Model):
    """Something readers may choose to hear about: a tag they can set on themselves."""

    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("publication_id", "tag_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    tag = relationship("Tag", lazy="joined")


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
    # The issue whose email the reader acted from (an unsubscribe link in it), when known.
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="SET NULL"), nullable=True
    )
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
