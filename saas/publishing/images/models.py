"""An uploaded image: one publication's, stored as a few widths under content-hash names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow


class Image(TenantScoped, db.Model):
    """An upload; its files are `<publication_id>/<digest>-<width>.<extension>`."""

    __tablename__ = "images"
    # The same file uploaded twice is one image (and counts once against the quota).
    __table_args__ = (UniqueConstraint("publication_id", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    extension: Mapped[str] = mapped_column(String(8), nullable=False)
    # [[width, height, bytes], ...] of each stored file, narrowest first.
    variants: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    stored_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    # The issue it was uploaded for, if any: images stay in the library when it is deleted.
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="SET NULL"), nullable=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def key(self, width: int) -> str:
        """The storage key of one width."""
        return f"{self.publication_id}/{self.digest}-{width}.{self.extension}"

    @property
    def keys(self) -> list[str]:
        """The storage keys of every width."""
        return [self.key(width) for width, _height, _bytes in self.variants]

    @property
    def width(self) -> int:
        """Width of the largest stored file."""
        return self.variants[-1][0]

    @property
    def height(self) -> int:
        """Height of the largest stored file."""
        return self.variants[-1][1]
