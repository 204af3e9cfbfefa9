"""Practitioner accounts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.core.extensions import db
from saas.core.model_base import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    """A practitioner who signs in to the dashboard."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    email_confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_operator: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Two-factor sign-in (TOTP). The secret is Fernet-encrypted; recovery codes are hashed.
    totp_secret_encrypted: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recovery_code_hashes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Part of every session id; bumped to end every session of the account on the server.
    session_generation: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    memberships = relationship("Membership", back_populates="user", cascade="all, delete-orphan")

    @property
    def two_factor_enabled(self) -> bool:
        """Whether sign-in asks for a one-time code."""
        return self.totp_enabled_at is not None

    def get_id(self) -> str:
        """Session identity: id, session generation and a password fingerprint.

        Bumping the generation (sign-out, reset, two-factor changes) or changing the password
        makes every session id issued before it unknown to the user loader.
        """
        return f"{self.id}:{self.session_generation}:{self.password_hash[-12:]}"
