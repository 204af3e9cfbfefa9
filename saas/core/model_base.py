"""Shared model pieces: aware UTC timestamps and the TenantScoped mixin."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, TypeDecorator
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    """Current time, timezone-aware UTC (used as a callable default)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A DateTime that always comes back timezone-aware UTC, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use timezone-aware UTC")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class TenantScoped:
    """Mixin for rows owned by one publication.

    saas.core.tenancy adds `publication_id = <current>` to every ORM query of these models.
    """

    __tenant_scoped__ = True

    @declared_attr
    def publication_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(
            Integer,
            ForeignKey("publications.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
