"""The practitioner's side of replies: moderating, blocking readers, answering, read state.

Approving a reply (or making it public) also trusts its reader, which is what "held for a
reader's first reply" waits for. Answers are replies by the author: posted on the web
thread under the reader's reply (the reader then gets a notice with a link, see
saas.replies.notices), or emailed to the reader; both mails go through the `mail`
queue.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from saas.accounts.models import User
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue
from saas.publishing.models import Issue, Publication
from saas.replies import mail as reply_mail
from saas.replies.models import (
    CHANNEL_EMAIL,
    CHANNEL_WEB,
    HIDDEN,
    PENDING,
    PRIVATE,
    PUBLIC,
    Reply,
    ReplyStanding,
)
from saas.replies.posting import ReplyRefused, clean_text, delete_reply, standing_of
from saas.replies.text import render_reply

APPROVE = "approve"
HIDE = "hide"
MAKE_PUBLIC = "make_public"
MAKE_PRIVATE = "make_private"
DELETE = "delete"
MARK_READ = "mark_read"
MARK_UNREAD = "mark_unread"
ACTIONS = (APPROVE, HIDE, MAKE_PUBLIC, MAKE_PRIVATE, DELETE, MARK_READ, MARK_UNREAD)

ANSWER_BY_EMAIL = "email"
ANSWER_PUBLICLY = "public"

_DONE = {
    APPROVE: "Approved: the reply is on the issue's page.",
    HIDE: "Hidden from the issue's page.",
    MAKE_PUBLIC: "The reply is now public on the issue's page.",
    MAKE_PRIVATE: "The reply is now private: only your team sees it.",
    DELETE: "Reply deleted.",
    MARK_READ: "Marked as read.",
    MARK_UNREAD: "Marked as unread.",
}


def get_reply(publication: Publication, reply_id: int) -> Reply | None:
    """A reply of this publication, unless it was deleted."""
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.publication_id != publication.id or reply.is_deleted:
        return None
    return reply


def _standing(publication: Publication, subscriber_id: int) -> ReplyStanding:
    standing = standing_of(publication, subscriber_id)
    if standing is None:
        standing = ReplyStanding(publication_id=publication.id, subscriber_id=subscriber_id)
        db.session.add(standing)
    return standing


def commit_standing(publication: Publication, subscriber_id: int, **values) -> None:
    """Set fields of the reader's standing, creating it (once, even when racing) if needed."""
    for attempt in range(2):
        standing = _standing(publication, subscriber_id)
        for name, value in values.items():
            setattr(standing, name, value)
        try:
            db.session.commit()
            return
        except IntegrityError:  # created a moment ago by another request: update that one
            db.session.rollback()
            if attempt:
                raise


def moderate(publication: Publication, reply: Reply, action: str) -> str:
    """Apply one moderation action; returns what to tell the practitioner."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action == DELETE:
        delete_reply(publication, reply)
        return _DONE[action]
    if action == MARK_READ:
        reply.read_at = reply.read_at or utcnow()
    elif action == MARK_UNREAD:
        reply.read_at = None
    elif action == HIDE:
        reply.status = HIDDEN
    elif action == MAKE_PRIVATE:
        reply.status = PRIVATE
    elif action in (APPROVE, MAKE_PUBLIC):
        if action == APPROVE and reply.status != PENDING:
            return "That reply was not waiting for approval."
        reply.status = PUBLIC
        reply.read_at = reply.read_at or utcnow()
    db.session.commit()
    if action in (APPROVE, MAKE_PUBLIC) and reply.subscriber_id is not None:
        commit_standing(publication, reply.subscriber_id, trusted_at=utcnow())
    return _DONE[action]


def set_blocked(publication: Publication, subscriber_id: int, blocked: bool) -> None:
    """Stop (or allow again) a reader's replies, web and email."""
    commit_standing(publication, subscriber_id, blocked_at=utcnow() if blocked else None)


def mark_conversation_read(publication: Publication, subscriber_id: int) -> int:
    """Mark every reply of one reader read; returns how many were unread."""
    result = db.session.execute(
        update(Reply)
        .where(
            Reply.publication_id == publication.id,
            Reply.subscriber_id == subscriber_id,
            Reply.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def mark_all_read(publication: Publication) -> int:
    """Mark every reply of the publication read."""
    result = db.session.execute(
        update(Reply)
        .where(Reply.publication_id == publication.id, Reply.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def answer(publication: Publication, reply: Reply, user: User, text: str, how: str) -> Reply:
    """The practitioner answers a reader's reply, on the web thread or by email."""
    if reply.is_author or reply.subscriber_id is None:
        raise ReplyRefused("Answer a reader's reply.")
    body = clean_text(text)
    issue = db.session.get(Issue, reply.issue_id)
    if issue is None:
        raise ReplyRefused("The issue of this reply is gone.")
    root_id = reply.parent_id or reply.id
    author = publication.author_name or user.name
    now = utcnow()
    row = Reply(
        publication_id=publication.id,
        issue_id=issue.id,
        parent_id=root_id,
        answer_to_id=reply.id,
        author_user_id=user.id,
        is_author=True,
        author_name=author[:120],
        body_text=body,
        body_html=render_reply(body),
        read_at=now,
        notified_at=now,
    )
    if how == ANSWER_PUBLICLY:
        root = db.session.get(Reply, root_id)
        if reply.status != PUBLIC or root is None or root.status != PUBLIC:
            raise ReplyRefused("Only a public reply can be answered on the issue's page.")
        row.channel, row.status = CHANNEL_WEB, PUBLIC
    elif how == ANSWER_BY_EMAIL:
        row.channel, row.status = CHANNEL_EMAIL, PRIVATE
        row.message_id = reply_mail.new_message_id()
        row.subject = reply_mail.answer_subject(reply, issue)[:300]
    else:
        raise ValueError(f"unknown way to answer {how!r}")
    reply.read_at = reply.read_at or now
    db.session.add(row)
    db.session.commit()
    if how == ANSWER_BY_EMAIL:
        enqueue("worker.jobs.send_reply_answer", publication.id, row.id, queue="mail")
    else:
        enqueue("worker.jobs.send_reply_answer_notice", publication.id, row.id, queue="mail")
    return row
