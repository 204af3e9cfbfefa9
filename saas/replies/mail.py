"""Reply mail, rendered inside mail jobs from ids: new-reply notifications and emailed answers.

A notification goes to the publication's owners and carries the reply's text (escaped by
the templates): readers wrote it to the practitioner, who would otherwise have had it in
their own mailbox. It never sets a Reply-To to the reader, so answers go through the inbox
and are kept there. An emailed answer threads under the reader's own message (or, for a web
reply, under the issue email the reader received), and its Reply-To is the reader's reply
address, so their next answer comes back into the inbox too.
"""

from __future__ import annotations

import re
import secrets
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select

from saas.accounts.models import User
from saas.audience.models import Subscriber
from saas.audience.reader_links import reply_address
from saas.core.extensions import db
from saas.core.links import external_url
from saas.core.model_base import utcnow
from saas.core.queue import enqueue
from saas.mail.compose import compose
from saas.mail.transport import send
from saas.publishing.models import ROLE_OWNER, Issue, Membership, Publication
from saas.replies.models import NOTIFY_IMMEDIATE, Reply

MAX_REFERENCES = 10
_RE_PREFIX = re.compile(r"^\s*((re|aw|sv|antw)\s*:\s*)+", re.IGNORECASE)


def mail_domain() -> str:
    """The domain of Tend's sender address, for Message-IDs."""
    return parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "tend.localhost"


def new_message_id() -> str:
    """A Message-ID fixed before an answer is sent, so later mail can refer to it."""
    return f"<reply-{secrets.token_hex(12)}@{mail_domain()}>"


def issue_message_id(publication: Publication, issue_id: int, subscriber_id: int) -> str:
    """The Message-ID the reader's copy of the issue carried (saas.mail.newsletter's rule)."""
    return f"<issue-{issue_id}.sub-{subscriber_id}.{publication.slug}@{mail_domain()}>"


def answer_subject(answered: Reply, issue: Issue) -> str:
    """`Re: <the reader's subject>`, or `Re: <issue title>` for a web reply."""
    base = _RE_PREFIX.sub("", answered.subject or "").strip() or issue.title
    return f"Re: {base}"


def owner_addresses(publication: Publication) -> list[str]:
    """Where reply notifications go: every owner of the publication."""
    return list(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.publication_id == publication.id, Membership.role == ROLE_OWNER)
            .order_by(User.id)
        )
    )


def conversation_url(publication: Publication, reply: Reply) -> str:
    """The reader's conversation in the dashboard inbox, at this reply."""
    if reply.subscriber_id is None:
        return external_url("dashboard.replies.inbox", pub_slug=publication.slug)
    url = external_url(
        "dashboard.replies.inbox_reader",
        pub_slug=publication.slug,
        subscriber_id=reply.subscriber_id,
    )
    return f"{url}#reply-{reply.id}"


def notify_new_reply(publication: Publication, reply: Reply) -> None:
    """Queue the practitioner's notification when they asked to hear at once."""
    if publication.reply_notifications == NOTIFY_IMMEDIATE and not reply.is_author:
        enqueue("worker.jobs.send_reply_notification", publication.id, reply.id, queue="mail")


def send_notification(publication: Publication, reply_id: int) -> bool:
    """Email the owners about one new reply; sends once (safe to run twice)."""
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.is_author or reply.is_deleted or reply.notified_at is not None:
        return False
    if publication.reply_notifications != NOTIFY_IMMEDIATE:
        return False
    issue = db.session.get(Issue, reply.issue_id)
    if issue is None:
        return False
    for address in owner_addresses(publication):
        send(
            compose(
                "reply_notification",
                to=address,
                publication=publication,
                issue=issue,
                reply=reply,
                url=conversation_url(publication, reply),
            )
        )
    reply.notified_at = utcnow()
    db.session.commit()
    current_app.logger.info("reply %s: practitioner notified", reply.id)
    return True


def _threading(publication: Publication, answered: Reply, issue: Issue) -> list[str]:
    """Message-IDs the answer refers to, oldest first; the last is what it answers."""
    if answered.message_id and not answered.is_author:
        earlier = answered.email_references.split()
        return [*earlier[-(MAX_REFERENCES - 1) :], answered.message_id]
    if answered.subscriber_id is not None:
        return [issue_message_id(publication, issue.id, answered.subscriber_id)]
    return []


def send_answer(publication: Publication, reply_id: int) -> bool:
    """Email the practitioner's answer to the reader, threaded; sends once per answer."""
    answer = db.session.get(Reply, reply_id)
    if answer is None or not answer.is_author or answer.sent_at is not None:
        return False
    answered = db.session.get(Reply, answer.answer_to_id) if answer.answer_to_id else None
    issue = db.session.get(Issue, answer.issue_id)
    reader = (
        db.session.get(Subscriber, answered.subscriber_id)
        if answered is not None and answered.subscriber_id
        else None
    )
    if answered is None or issue is None or reader is None:
        return False
    author = publication.author_name or publication.name
    message = compose(
        "reply_answer",
        to=reader.email,
        to_name=reader.name,
        from_name=author,
        publication=publication,
        issue=issue,
        body=answer.body_text,
        answered=answered,
        author=author,
        subject=answer.subject,
    )
    message.replace_header("Message-ID", answer.message_id)
    references = _threading(publication, answered, issue)
    if references:
        message["In-Reply-To"] = references[-1]
        message["References"] = " ".join(references)
    message["Reply-To"] = reply_address(publication, issue.id, reader.id)
    del message["Auto-Submitted"]  # written by a person
    send(message)
    answer.sent_at = utcnow()
    db.session.commit()
    current_app.logger.info("reply %s: answer %s emailed", answered.id, answer.id)
    return True
