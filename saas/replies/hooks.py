"""Replies' part of a reader's data export (a receiver of audience's hooks).

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
from saas.replies.models import Reply

reply_created = Namespace().signal("reply-created")
"""Sent with the publication as sender and `reply=` once a reader's reply is stored
(committed), on the web or by email; receivers may commit their own rows."""


def _reply_data(publication, subscriber) -> dict:
    replies = db.session.scalars(
        select(Reply).where(Reply.subscriber_id == subscriber.id).order_by(Reply.id)
    )
    return {
        "replies": [
            {
                "issue_id": r.issue_id,
                "channel": r.channel,
                "status": r.status,
                "written_at": r.created_at,
                "text": r.body_text,
            }
            for r in replies
        ]
    }


def connect() -> None:
    """Connect every receiver (idempotent: blinker keeps one connection per function)."""
    audience_hooks.reader_data.connect(_reply_data, weak=False)
