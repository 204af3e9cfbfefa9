"""Support requests: each publication's intake form, the requests readers send, their timeline.

What a reader wrote and who they are (name, email, phone, message, custom answers) and what
the practitioner writes about them (notes, answers) are encrypted at rest (saas.core.crypto).
Stages, dates and the source issue stay in clear so the pipeline can be filtered in SQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.crypto import EncryptedJSON, EncryptedText
from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow

NEW = "new"
CONTACTED = "contacted"
BOOKED = "booked"
CLOSED = "closed"
SPAM = "spam"
STAGES = (NEW, CONTACTED, BOOKED, CLOSED, SPAM)
# Stages whose requests the retention purge may delete once they are old enough.
FINISHED_STAGES = (CLOSED, SPAM)

CHANNEL_PAGE = "page"
CHANNEL_EMBED = "embed"

# How a reader would like to be contacted (value, label).
CONTACT_CHOICES = (("email", "Email"), ("phone", "Phone call"), ("either", "Either is fine"))

PHONE_OFF = "off"
PHONE_OPTIONAL = "optional"
PHONE_REQUIRED = "required"

# Timeline entry kinds
EVENT_SUBMITTED = "submitted"
EVENT_ACKNOWLEDGED = "acknowledged"
EVENT_NOTIFIED = "notified"
EVENT_STAGE = "stage"
EVENT_NOTE = "note"
EVENT_EMAILED = "emailed"
EVENT_SUBSCRIBED = "subscribed"
EVENT_BOOKED = "booked"


class SupportForm(TenantScoped, db.Model):
    """How a publication's "Need more support?" form looks, and how requests are handled."""

    __tablename__ = "support_forms"
    __table_args__ = (UniqueConstraint("publication_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    heading: Mapped[str] = mapped_column(String(120), nullable=False)
    intro: Mapped[str] = mapped_column(Text, nullable=False, default="")
    name_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    phone_mode: Mapped[str] = mapped_column(String(16), nullable=False, default=PHONE_OPTIONAL)
    ask_preferred_contact: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    message_label: Mapped[str] = mapped_column(String(200), nullable=False)
    # [{"key", "type", "label", "help", "required", "options"}]; see saas.support.form_settings
    custom_fields: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    consent_text: Mapped[str] = mapped_column(String(500), nullable=False)
    privacy_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    crisis_text: Mapped[str] = mapped_column(Text, nullable=False)
    response_time_text: Mapped[str] = mapped_column(String(300), nullable=False)
    confidential_mode: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    retention_months: Mapped[int] = mapped_column(Integer, nullable=False, default=12)
    notify_email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    # Editors help write the newsletter; they see requests only when an owner says so.
    share_with_editors: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class SupportRequest(TenantScoped, db.Model):
    """One reader asking the practitioner for help, and where it stands."""

    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_pub_stage_created", "publication_id", "stage", "created_at"),
        Index("ix_support_requests_pub_created", "publication_id", "created_at"),
        Index("ix_support_requests_stage_closed", "stage", "closed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), nullable=False, default=NEW)
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default=CHANNEL_PAGE)
    name: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    email: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    phone: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    preferred_contact: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    message: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    # [{"key", "label", "type", "value"}], labels as the reader saw them.
    answers: Mapped[list] = mapped_column(EncryptedJSON, nullable=False)
    source_issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Kept apart from the link so stats survive the issue being deleted.
    source_issue_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The offering whose button brought the reader (its title then; offerings change).
    offering_title: Mapped[str] = mapped_column(
        String(120), nullable=False, default="", server_default=""
    )
    subscribe_opt_in: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    consent_text: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    consent_given_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Message-ID of the acknowledgement: answers thread under it.
    ack_message_id: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def display_name(self) -> str:
        """The reader's name, or their address when they gave none."""
        return self.name or self.email


class SupportEvent(TenantScoped, db.Model):
    """One line of a request's timeline: submitted, emailed, stage change, private note."""

    __tablename__ = "support_events"
    __table_args__ = (Index("ix_support_events_request_created", "request_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    # A summary free of what anyone wrote ("New -> Contacted", "via Issue 3").
    detail: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    # What the practitioner wrote: a private note, or the text of an emailed answer.
    body: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    message_id: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
