"""Newsletter issues."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow

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
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
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
