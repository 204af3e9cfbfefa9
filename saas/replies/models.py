"""Readers' replies to issues (web and email), and each reader's reply standing.

A reply belongs to one issue. Threads are one level deep: `parent_id` always names the
top-level reply of the thread (or nothing), while `answer_to_id` keeps the exact reply a
message answers, so a reader's conversation with the practitioner can be shown whole.

What was written (text, html, subject) can carry health information, so it is encrypted at
rest with the same keys as support requests (saas.core.crypto; rotated by `flask rotate-key`).
Names, dates, statuses and ids stay in clear so threads and the inbox can be queried in SQL.
"""

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
    delete,
    event,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.audience.models import ReaderSignIn, Subscriber
from saas.core.crypto import EncryptedText
from saas.core.extensions import db
from saas.core.model_base import TenantScoped, UTCDateTime, utcnow
from saas.publishing.models import (  # noqa: F401  (the values of Publication's reply columns)
    MODE_APPROVE_ALL,
    MODE_APPROVE_FIRST,
    MODE_OPEN,
    MODE_PRIVATE,
    NOTIFY_CHOICES,
    NOTIFY_DAILY,
    NOTIFY_IMMEDIATE,
    NOTIFY_OFF,
    REPLY_MODES,
)

CHANNEL_WEB = "web"
CHANNEL_EMAIL = "email"
CHANNELS = (CHANNEL_WEB, CHANNEL_EMAIL)

PUBLIC = "public"  # on the issue's web thread
PENDING = "pending"  # held for the practitioner's approval
PRIVATE = "private"  # only the practitioner sees it
HIDDEN = "hidden"  # taken off the thread by the practitioner
REPLY_STATUSES = (PUBLIC, PENDING, PRIVATE, HIDDEN)


class Reply(TenantScoped, db.Model):
    """One message on an issue's thread or in the practitioner's inbox."""

    __tablename__ = "replies"
    __table_args__ = (
        # An email delivered twice (an ESP retrying) is stored once.
        UniqueConstraint("publication_id", "message_id"),
        Index("ix_replies_issue_status", "issue_id", "status"),
        Index("ix_replies_pub_created", "publication_id", "created_at"),
        Index("ix_replies_subscriber_created", "subscriber_id", "created_at"),
        Index("ix_replies_pub_read", "publication_id", "read_at"),
        Index("ix_replies_parent", "parent_id"),
        Index("ix_replies_answer_to", "answer_to_id"),
        # Keyset pagination of an issue's public threads (top-level replies in order).
        Index("ix_replies_issue_roots", "issue_id", "parent_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), nullable=False
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("replies.id", ondelete="CASCADE"), nullable=True
    )
    answer_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("replies.id", ondelete="SET NULL"), nullable=True
    )
    # The reader who wrote it; empty for the practitioner's own replies.
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=True
    )
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    is_author: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The name shown with the reply, as it was when written (never an email address).
    author_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    channel: Mapped[str] = mapped_column(String(8), nullable=False, default=CHANNEL_WEB)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PUBLIC)
    # Encrypted at rest (Fernet tokens in TEXT columns); never searchable in SQL.
    body_text: Mapped[str] = mapped_column(EncryptedText, nullable=False, default="")
    body_html: Mapped[str] = mapped_column(EncryptedText, nullable=False, default="")
    # Email only: the subject (encrypted), the Message-ID (the reader's, or ours for an
    # emailed answer) and the reader's References, so answers thread in the mail client.
    subject: Mapped[str] = mapped_column(EncryptedText, nullable=False, default="")
    message_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    email_references: Mapped[str] = mapped_column(Text, nullable=False, default="")
    dropped_attachments: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The author's answers: when the mail job handed over the emailed answer, or the
    # notice telling the reader about a public one.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def is_deleted(self) -> bool:
        """Whether the reply was deleted (its text is gone; the row holds the thread)."""
        return self.deleted_at is not None


class ReplyStanding(TenantScoped, db.Model):
    """A reader's standing with a publication: trusted after an approval, or blocked; and
    whether they turned off the emails telling them the author answered them."""

    __tablename__ = "reply_standings"
    __table_args__ = (UniqueConstraint("publication_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False
    )
    trusted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answer_emails_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


@event.listens_for(Subscriber, "before_delete")
def _forget_erased_reader(mapper, connection, subscriber: Subscriber) -> None:
    """Erasing a reader takes their words and name out of every thread they wrote in.

    Their replies stay only as "deleted" placeholders, so other readers' answers under them
    survive (the database would otherwise cascade the delete to those too, or, on SQLite,
    leave the rows behind). The practitioner's answers emailed to them were written to them
    alone (and their subject repeats the reader's): those become placeholders too. Answers
    on the public thread stay, as the author's own words on the issue.
    """
    replies = Reply.__table__
    theirs = select(replies.c.id).where(replies.c.subscriber_id == subscriber.id)
    connection.execute(
        update(replies)
        .where(
            replies.c.answer_to_id.in_(theirs),
            replies.c.is_author.is_(True),
            replies.c.channel == CHANNEL_EMAIL,
        )
        .values(body_text="", body_html="", subject="", email_references="", deleted_at=utcnow())
    )
    connection.execute(
        update(replies)
        .where(replies.c.subscriber_id == subscriber.id)
        .values(
            subscriber_id=None,
            author_name="",
            body_text="",
            body_html="",
            subject="",
            message_id=None,
            email_references="",
            deleted_at=utcnow(),
        )
    )
    for table in (ReplyStanding.__table__, ReaderSignIn.__table__):
        connection.execute(delete(table).where(table.c.subscriber_id == subscriber.id))
