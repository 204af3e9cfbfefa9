"""Replies' part of a reader's data export (a receiver of audience's hooks).

The export holds what the reader wrote, the practitioner's answers emailed to them, and
their standing (trusted, blocked, answer emails turned off).

Connected once at start-up by `saas.replies.init_app`. Erasure needs no receiver: the model's
before-delete listener (replies.models) turns the reader's replies into placeholders.
Replies' own signal, `reply_created`, tells higher features (outbound webhooks) that a
reader replied.
"""

from __future__ import annotations

from blinker import Namespace
from sqlalchemy import select

from saas.audience import hooks as audience_hooks
from saas.core.extensions import db
from saas.replies.models import CHANNEL_EMAIL, Reply, ReplyStanding

reply_created = Namespace().signal("reply-created")
"""Sent with the publication as sender and `reply=` once a reader's reply is stored
(committed), on the web or by email; receivers may commit their own rows."""


def _reply_data(publication, subscriber) -> dict:
    replies = list(
        db.session.scalars(
            select(Reply).where(Reply.subscriber_id == subscriber.id).order_by(Reply.id)
        )
    )
    answers = db.session.scalars(
        select(Reply)
        .where(
            Reply.answer_to_id.in_([r.id for r in replies]),
            Reply.is_author.is_(True),
            Reply.channel == CHANNEL_EMAIL,
            Reply.deleted_at.is_(None),
        )
        .order_by(Reply.id)
    )
    standing = db.session.scalar(
        select(ReplyStanding).where(ReplyStanding.subscriber_id == subscriber.id)
    )
    return {
        "replies": [
            {
                "issue_id": r.issue_id,
                "channel": r.channel,
                "status": r.status,
                "written_at": r.created_at,
                "subject": r.subject,
                "text": r.body_text,
            }
            for r in replies
        ],
        "answers_emailed_to_them": [
            {"written_at": a.created_at, "subject": a.subject, "text": a.body_text} for a in answers
        ],
        "reply_standing": {
            "trusted_at": standing.trusted_at,
            "blocked_at": standing.blocked_at,
            "answer_emails_off_at": standing.answer_emails_off_at,
        }
        if standing
        else None,
    }


def connect() -> None:
    """Connect every receiver (idempotent: blinker keeps one connection per function)."""
    audience_hooks.reader_data.connect(_reply_data, weak=False)
