"""API keys: each lets another tool act on one publication, within its scopes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow


class ApiKey(TenantScoped, db.Model):
    """One key of a publication. The key itself is shown once; only its hash is kept.

    `prefix` (the key's first characters) is stored in clear so the practitioner can tell
    their keys apart; `key_hash` is HMAC-SHA256 of the whole key (saas.api.keys).
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    scopes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # The owner's explicit yes to reading support requests while confidential mode is on.
    support_when_confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def is_active(self) -> bool:
        """Whether the key still opens the API."""
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        """Whether the key was given `scope`."""
        return scope in (self.scopes or [])
