"""One offering: what the practitioner offers, in the order they chose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow

TARGET_LINK = "link"
TARGET_SUPPORT = "support"
TARGETS = (TARGET_LINK, TARGET_SUPPORT)


class Offering(TenantScoped, db.Model):
    """A way the practitioner can help, with the button that leads to it."""

    __tablename__ = "offerings"
    __table_args__ = (Index("ix_offerings_pub_position", "publication_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    button_label: Mapped[str] = mapped_column(String(60), nullable=False)
    target: Mapped[str] = mapped_column(String(16), nullable=False, default=TARGET_LINK)
    url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
