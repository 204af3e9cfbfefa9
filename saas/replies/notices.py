"""Telling a reader the author answered their reply on the issue's page, and their opt-out.

An emailed answer reaches the reader by itself (saas.replies.mail.send_answer); a
public one waits on the web, so the reader gets a short notice with a link to the thread.
The notice names the author and the issue only: neither the reader's words nor the answer
travel in it, since replies can carry health information. It is rendered in a `mail` job
from ids, once per answer (`Reply.sent_at`), and only while the reader is still an active
subscriber who has not turned these emails off (`ReplyStanding.answer_emails_off_at`).
The opt-out link carries a signed, non-expiring token naming the publication and reader.
"""

from __future__ import annotations

from flask import current_app

from saas.audience.models import ACTIVE, Subscriber
from saas.audience.reader_tokens import read_ids, sign_ids
from saas.core.extensions import db
from saas.core.links import absolute_public_url
from saas.core.model_base import utcnow
from saas.mail.compose import compose
from saas.mail.transport import send
from saas.publishing.models import Issue, Publication
from saas.replies.models import PUBLIC, Reply
from saas.replies.moderation import commit_standing
from saas.replies.posting import standing_of

PURPOSE = "reply-answer-notices"


def notices_token(publication_id: int, subscriber_id: int) -> str:
    """Token naming one reader of one publication, for the opt-out link."""
    return sign_ids(PURPOSE, publication_id, subscriber_id)


def read_notices_token(token: str) -> tuple[int, int] | None:
    """(publication_id, subscriber_id) from a genuine token, else None."""
    ids = read_ids(PURPOSE, token, 2)
    return (ids[0], ids[1]) if ids else None


def notices_url(publication: Publication, subscriber_id: int) -> str:
    """The page where a reader turns answer notices off (or on again)."""
    return absolute_public_url(
        publication, "public.replies.answer_emails", t=notices_token(publication.id, subscriber_id)
    )


def thread_url(publication: Publication, issue: Issue, answer: Reply) -> str:
    """The issue's page at the answer, on the page of the thread it belongs to."""
    url = absolute_public_url(
        publication,
        "public.publishing.issue",
        issue_slug=issue.slug,
        start=answer.parent_id or answer.id,
    )
    return f"{url}#reply-{answer.id}"


def wants_answer_emails(publication: Publication, subscriber_id: int) -> bool:
    """Whether the reader still wants to hear when the author answers them."""
    standing = standing_of(publication, subscriber_id)
    return standing is None or standing.answer_emails_off_at is None


def set_answer_emails(publication: Publication, subscriber_id: int, wanted: bool) -> None:
    """Turn the reader's answer notices on or off."""
    commit_standing(publication, subscriber_id, answer_emails_off_at=None if wanted else utcnow())


def _recipient(publication: Publication, answer: Reply) -> tuple[Subscriber, Issue] | None:
    """The reader to tell and the issue, or None when nobody should hear of this answer."""
    if not answer.is_author or answer.status != PUBLIC or answer.is_deleted:
        return None
    if publication.is_suspended or not answer.answer_to_id:
        return None
    answered = db.session.get(Reply, answer.answer_to_id)
    if answered is None or answered.is_author or answered.subscriber_id is None:
        return None  # gone, or its reader was erased
    reader = db.session.get(Subscriber, answered.subscriber_id)
    issue = db.session.get(Issue, answer.issue_id)
    if reader is None or reader.status != ACTIVE or issue is None or not issue.is_published:
        return None
    if not wants_answer_emails(publication, reader.id):
        return None
    return reader, issue


def send_answer_notice(publication: Publication, answer_id: int) -> bool:
    """Email the reader that the author answered them publicly; once per answer."""
    answer = db.session.get(Reply, answer_id)
    if answer is None or answer.sent_at is not None:
        return False
    found = _recipient(publication, answer)
    if found is None:
        return False
    reader, issue = found
    author = publication.author_name or publication.name
    opt_out = notices_url(publication, reader.id)
    message = compose(
        "reply_answered",
        to=reader.email,
        to_name=reader.name,
        from_name=author,
        publication=publication,
        issue=issue,
        author=author,
        url=thread_url(publication, issue, answer),
        opt_out_url=opt_out,
    )
    # One click turns these notices off (RFC 8058), never the newsletter itself.
    message["List-Unsubscribe"] = f"<{opt_out}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    send(message)
    answer.sent_at = utcnow()
    db.session.commit()
    current_app.logger.info("reply answer %s: reader told", answer.id)
    return True
