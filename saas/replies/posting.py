"""Readers replying on the web: who may reply, posting, editing for 15 minutes, deleting.

A web reply's fate follows the publication's `reply_mode`: public at once, held for
approval (always, or only until a reader's first reply is approved), or private to the
practitioner. Threads are one level deep: answering a reply attaches to its thread's root.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from saas.audience.models import ACTIVE, Subscriber
from saas.billing.paid import paywall, reader_billing
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.publishing.models import Issue, Publication
from saas.replies import hooks as reply_hooks
from saas.replies import mail as reply_mail
from saas.replies.models import (
    CHANNEL_WEB,
    MODE_APPROVE_ALL,
    MODE_APPROVE_FIRST,
    MODE_PRIVATE,
    PENDING,
    PRIVATE,
    PUBLIC,
    Reply,
    ReplyStanding,
)
from saas.replies.text import REPLY_MAX_CHARS, normalise, render_reply

EDIT_WINDOW = timedelta(minutes=15)
ANONYMOUS_NAME = "A reader"


class ReplyRefused(Exception):
    """The reader may not do this; the message says why, in words for the reader."""


def can_read(issue: Issue, subscriber: Subscriber) -> bool:
    """Whether the reader may read (and so answer) the issue.

    Published issues only, and for an issue behind the paywall, paying readers only.
    """
    if not issue.is_published or subscriber.status != ACTIVE:
        return False
    if not paywall.is_locked(issue):
        return True
    publication = db.session.get(Publication, issue.publication_id)
    return publication is not None and reader_billing.standing(publication, subscriber.id).paid


def standing_of(publication: Publication, subscriber_id: int) -> ReplyStanding | None:
    """The reader's standing (trusted, blocked) with the publication, if any was recorded."""
    return db.session.scalar(
        select(ReplyStanding).where(
            ReplyStanding.publication_id == publication.id,
            ReplyStanding.subscriber_id == subscriber_id,
        )
    )


def is_blocked(publication: Publication, subscriber_id: int) -> bool:
    """Whether the practitioner blocked this reader from replying."""
    standing = standing_of(publication, subscriber_id)
    return standing is not None and standing.blocked_at is not None


def initial_status(publication: Publication, subscriber_id: int) -> str:
    """Where a reader's new web reply goes under the publication's moderation setting."""
    mode = publication.reply_mode
    if mode == MODE_PRIVATE:
        return PRIVATE
    if mode == MODE_APPROVE_ALL:
        return PENDING
    if mode == MODE_APPROVE_FIRST:
        standing = standing_of(publication, subscriber_id)
        return PUBLIC if standing is not None and standing.trusted_at is not None else PENDING
    return PUBLIC


def display_name(subscriber: Subscriber) -> str:
    """The name shown with a reader's reply: never their address."""
    return (subscriber.name or "").strip()[:120] or ANONYMOUS_NAME


def clean_text(text: str) -> str:
    """The reply's text, normalised; ReplyRefused when empty or too long."""
    text = normalise(text)
    if not text:
        raise ReplyRefused("Write something first.")
    if len(text) > REPLY_MAX_CHARS:
        raise ReplyRefused(f"Replies are limited to {REPLY_MAX_CHARS:,} characters.")
    return text


def thread_root(issue: Issue, parent_id: int | None) -> Reply | None:
    """The top-level reply a new reply attaches to (the parent's root), or None.

    Only a visible reply on the same issue can be answered: anything else is refused.
    """
    if not parent_id:
        return None
    parent = db.session.get(Reply, parent_id)
    if (
        parent is None
        or parent.issue_id != issue.id
        or parent.status != PUBLIC
        or parent.is_deleted
    ):
        raise ReplyRefused("That reply is no longer there to answer.")
    if parent.parent_id is None:
        return parent
    root = db.session.get(Reply, parent.parent_id)
    if root is None or root.status != PUBLIC:
        raise ReplyRefused("That conversation is closed.")
    return root


def post_reply(
    publication: Publication,
    issue: Issue,
    subscriber: Subscriber,
    text: str,
    parent_id: int | None = None,
    name: str = "",
) -> Reply:
    """Store a reader's web reply and tell the practitioner; ReplyRefused when not allowed."""
    if not can_read(issue, subscriber) or issue.publication_id != publication.id:
        raise ReplyRefused("You can only reply to issues you can read.")
    if is_blocked(publication, subscriber.id):
        raise ReplyRefused("You can no longer reply to this publication.")
    body = clean_text(text)
    root = thread_root(issue, parent_id)
    name = (name or "").strip()[:120]
    if name and not (subscriber.name or "").strip():
        subscriber.name = name
    reply = Reply(
        publication_id=publication.id,
        issue_id=issue.id,
        parent_id=root.id if root else None,
        answer_to_id=parent_id if root else None,
        subscriber_id=subscriber.id,
        author_name=display_name(subscriber),
        channel=CHANNEL_WEB,
        status=initial_status(publication, subscriber.id),
        body_text=body,
        body_html=render_reply(body),
    )
    db.session.add(reply)
    db.session.commit()
    reply_hooks.reply_created.send(publication, reply=reply)
    reply_mail.notify_new_reply(publication, reply)
    return reply


def own_reply(publication: Publication, subscriber: Subscriber, reply_id: int) -> Reply | None:
    """One of this reader's own (undeleted) replies."""
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.publication_id != publication.id or reply.is_deleted:
        return None
    return reply if reply.subscriber_id == subscriber.id and not reply.is_author else None


def can_edit(reply: Reply, now: datetime | None = None) -> bool:
    """Whether the reader may still edit: web replies, within EDIT_WINDOW of posting."""
    if reply.is_deleted or reply.is_author or reply.channel != CHANNEL_WEB:
        return False
    return (now or utcnow()) - reply.created_at <= EDIT_WINDOW


def edit_reply(publication: Publication, reply: Reply, text: str) -> Reply:
    """Replace a reply's text within the edit window.

    Where every reply needs approval, an edited reply goes back for approval too.
    """
    if not can_edit(reply):
        raise ReplyRefused("Replies can be edited for 15 minutes after posting.")
    body = clean_text(text)
    reply.body_text = body
    reply.body_html = render_reply(body)
    reply.edited_at = utcnow()
    if publication.reply_mode == MODE_APPROVE_ALL and reply.status == PUBLIC:
        reply.status = PENDING
    db.session.commit()
    return reply


def delete_reply(publication: Publication, reply: Reply) -> None:
    """Delete a reply's words; the row stays (as "deleted") only to hold its thread."""
    reply.deleted_at = utcnow()
    reply.body_text = ""
    reply.body_html = ""
    reply.subject = ""
    db.session.commit()
