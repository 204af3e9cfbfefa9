"""A back-issue import (the uploaded export, its progress and report) and the link each
imported post keeps to where it came from (idempotency and old-URL redirects)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow

# BackIssueImport.status: previewed (stored, nothing written yet) -> queued -> running -> done
# | failed.
PREVIEW = "preview"
QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


class BackIssueImport(TenantScoped, db.Model):
    """One uploaded (or fetched) export, its progress and its report."""

    __tablename__ = "back_issue_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    source_format: Mapped[str] = mapped_column(String(16), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    fetch_images: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PREVIEW)
    total_posts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    processed_posts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    imported_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    images_rehosted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # [title, reason] per skipped post; [post title, image URL, reason] per image kept remote.
    skipped: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    image_failures: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BackIssueLink(TenantScoped, db.Model):
    """An imported issue's source identity: the same post imported again is found here."""

    __tablename__ = "back_issue_links"
    __table_args__ = (
        UniqueConstraint("publication_id", "source_key"),
        Index("ix_back_issue_links_publication_old_path", "publication_id", "old_path"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # "<format>:<the source's id or URL>", e.g. "substack:123456" or "rss:https://…".
    source_key: Mapped[str] = mapped_column(String(500), nullable=False)
    # The path the post had on the old site ("/p/slug", "/slug/", "/2021/03/04/slug/").
    old_path: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
