"""Insights' rollups: counts kept per publication per day and per issue per day.

Rows are added to as things happen (saas.insights.counting) and rebuilt from the raw rows by
`flask rebuild-insights` (saas.insights.rebuild). No row names a reader.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.extensions import db
from saas.core.model_base import TenantScoped


class DailyGrowth(TenantScoped, db.Model):
    """One publication's readers gained and lost on one day (UTC), by where they came from."""

    __tablename__ = "insights_daily_growth"
    __table_args__ = (UniqueConstraint("publication_id", "day", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    joined: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unsubscribed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    bounced: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class IssueDaily(TenantScoped, db.Model):
    """One issue's web page views and the unsubscribes its email caused, on one day (UTC)."""

    __tablename__ = "insights_issue_daily"
    __table_args__ = (UniqueConstraint("publication_id", "issue_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    web_views: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unsubscribed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
