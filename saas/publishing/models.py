"""Publications (the tenants), memberships, editor invitations, and their newsletter issues."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow

ROLE_OWNER = "owner"
ROLE_EDITOR = "editor"

# Publication.reply_mode: what happens to a reader's web reply.
MODE_OPEN = "open"
MODE_APPROVE_ALL = "approve_all"
MODE_APPROVE_FIRST = "approve_first"
MODE_PRIVATE = "private"
REPLY_MODES = (MODE_OPEN, MODE_APPROVE_ALL, MODE_APPROVE_FIRST, MODE_PRIVATE)

# Publication.reply_notifications: how the practitioner hears about new replies.
NOTIFY_IMMEDIATE = "immediate"
NOTIFY_DAILY = "daily"
NOTIFY_OFF = "off"
NOTIFY_CHOICES = (NOTIFY_IMMEDIATE, NOTIFY_DAILY, NOTIFY_OFF)


class Publication(db.Model):
    """A practitioner's publication: the unit of tenancy."""

    __tablename__ = "publications"
    __table_args__ = (
        # Any number of publications may claim a domain while it is pending; only one can
        # hold it verified (saas.publishing.custom_domains), and only that one is served.
        Index(
            "uq_publications_verified_custom_domain",
            "custom_domain",
            unique=True,
            sqlite_where=text("custom_domain_verified_at IS NOT NULL"),
            postgresql_where=text("custom_domain_verified_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    tagline: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    about: Mapped[str] = mapped_column(Text, nullable=False, default="")
    author_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    sign_off: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # The "ways I can help" block's heading (empty: the default) and introducing sentence.
    offerings_heading: Mapped[str] = mapped_column(
        String(120), nullable=False, default="", server_default=""
    )
    offerings_intro: Mapped[str] = mapped_column(
        String(300), nullable=False, default="", server_default=""
    )
    accent_color: Mapped[str] = mapped_column(String(7), nullable=False, default="#2f6f5e")
    logo_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    custom_domain: Mapped[str | None] = mapped_column(String(253), nullable=True, index=True)
    # The TXT record value that proves control of custom_domain ("tend-verify=<token>"), and
    # when it was seen; a domain is served only once verified. A new domain resets both.
    custom_domain_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    custom_domain_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The daily re-check of a verified domain: when it last ran, and since when the domain has
    # pointed elsewhere (served for a grace period, then no longer; see custom_domain_checks).
    custom_domain_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    custom_domain_failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    welcome_message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Honoured across every worker by saas.delivery.throttle.
    max_send_rate: Mapped[int] = mapped_column(Integer, nullable=False, default=20)
    # Monotonic counter behind issue numbers: bumped atomically, never decremented.
    last_issue_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Set by an operator: public pages and forms go dark, sends stop, the owner sees why.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    suspended_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    # Reader replies (saas.replies.models): what happens to web replies, how the
    # practitioner hears of new ones, and when the last daily digest went out.
    reply_mode: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    reply_notifications: Mapped[str] = mapped_column(
        String(16), nullable=False, default="immediate"
    )
    reply_digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    memberships = relationship(
        "Membership", back_populates="publication", cascade="all, delete-orphan"
    )

    @property
    def is_suspended(self) -> bool:
        """Whether an operator has suspended this publication."""
        return self.suspended_at is not None

    @property
    def custom_domain_verified(self) -> bool:
        """Whether the publication has proved it controls its custom domain."""
        return bool(self.custom_domain) and self.custom_domain_verified_at is not None


class Membership(db.Model):
    """A practitioner's role in a publication."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "publication_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=ROLE_EDITOR)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user = relationship("User", back_populates="memberships")
    publication = relationship("Publication", back_populates="memberships")


class Invitation(db.Model):
    """An owner's invitation for someone to join a publication as editor."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("publication_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=ROLE_EDITOR)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    publication = relationship("Publication")


STATUS_DRAFT = "draft"
STATUS_SCHEDULED = "scheduled"
STATUS_PUBLISHED = "published"
STATUSES = (STATUS_DRAFT, STATUS_SCHEDULED, STATUS_PUBLISHED)

# Who may read an issue in full: everyone, or paid subscribers (others see the preview).
AUDIENCE_EVERYONE = "everyone"
AUDIENCE_PAID = "paid"
AUDIENCES = (AUDIENCE_EVERYONE, AUDIENCE_PAID)


class Issue(TenantScoped, db.Model):
    """One newsletter issue; `number` is assigned on first publish and never changes."""

    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("publication_id", "slug"),
        # The database, not the application, guarantees numbers are never duplicated.
        UniqueConstraint("publication_id", "number"),
        Index("ix_issues_publication_status_published", "publication_id", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    subtitle: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    slug: Mapped[str] = mapped_column(String(120), nullable=False)
    body_markdown: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Rendered from body_markdown when the issue is saved (rendering.render_body), never
    # per request: the whole body, the free preview above a paywall break, their text.
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    preview_html: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    body_text: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    preview_text: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    word_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    read_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    seo_description: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    cover_image_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    cover_image_alt: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=STATUS_DRAFT)
    audience: Mapped[str] = mapped_column(
        String(16), nullable=False, default=AUDIENCE_EVERYONE, server_default=AUDIENCE_EVERYONE
    )
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A back issue's id in its old platform's feed (publishing.back_issues): the feeds give
    # it as the item's guid/id, so feed apps that knew the post do not show it again.
    feed_guid: Mapped[str] = mapped_column(
        String(500), nullable=False, default="", server_default=""
    )
    # Whether the "ways I can help" block closes this issue (saas.publishing.offerings).
    show_offerings: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    @property
    def is_published(self) -> bool:
        """Whether readers can see this issue."""
        return self.status == STATUS_PUBLISHED
