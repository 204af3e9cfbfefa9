"""Mail readers send to the inbound domain: replies to issues, and mailto unsubscribes.

`receive_inbound()` is the one door for both the HTTP endpoint and the SMTP server. A reply
is kept only when its address carries a genuine token (saas.audience.reader_links), the
reader it names is an active subscriber of the issue's publication, the sender is that
reader and the reader may read the issue. It is then stored as a PRIVATE reply. Anything
else is quarantined: nothing of the message is stored, and the log line says only why.
That includes mail beyond the bounds of saas.replies.inbound_limits (header section, address
count, MIME parts), refused before its headers are parsed.

Mail to a delivery's VERP return path (`bounce+<token>@...`: bounces, feedback-loop
complaints, auto-replies sent to the envelope sender) never reaches the replies: it goes to
saas.delivery.bounces once the token verifies, and is quarantined (nobody suppressed) when
it does not, when it is larger than bounces.MAX_BYTES, or when it cannot be read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.audience import subscribers
from saas.audience.models import ACTIVE, Subscriber
from saas.audience.reader_links import read_reply_address, read_unsubscribe_token
from saas.core.extensions import db
from saas.core.tenancy import bound_to, cross_tenant
from saas.delivery import bounces, verp
from saas.publishing.models import Issue, Publication
from saas.replies import hooks as reply_hooks
from saas.replies import mail as reply_mail
from saas.replies.inbound_limits import Refused
from saas.replies.inbound_mime import ParsedMail, parse_message, read_message, recipients_of
from saas.replies.models import CHANNEL_EMAIL, PRIVATE, Reply
from saas.replies.posting import can_read, display_name, is_blocked
from saas.replies.text import normalise, render_reply

STORED = "stored"
BOUNCE = "bounce"  # a bounce or complaint, recorded against its delivery
DUPLICATE = "duplicate"
UNSUBSCRIBED = "unsubscribed"
QUARANTINED = "quarantined"

EMAIL_REPLY_MAX_CHARS = 20_000
NO_TEXT = "(This email had no text; attachments are not kept.)"


@dataclass(frozen=True)
class InboundResult:
    """What became of one message; `reason` names why it was quarantined."""

    outcome: str
    reason: str = ""
    reply_id: int | None = None


def _quarantine(reason: str) -> InboundResult:
    # Strangers' data stays out of the database and the logs: the reason only.
    current_app.logger.info("inbound mail quarantined: %s", reason)
    return InboundResult(QUARANTINED, reason)


def find_token(addresses: Iterable[str], domain: str) -> tuple[str, str] | None:
    """("reply", local part) or ("unsubscribe", token) from the first address on our domain."""
    domain = domain.lower()
    for address in addresses:
        local, _, host = (address or "").strip().strip("<>").lower().rpartition("@")
        if host != domain:
            continue
        if local.startswith("reply+"):
            return "reply", local
        if local.startswith("unsubscribe+"):
            return "unsubscribe", local[len("unsubscribe+") :]
    return None


def receive_inbound(raw: bytes, envelope_recipients: Iterable[str] = ()) -> InboundResult:
    """Store a reader's emailed reply, act on a mailto unsubscribe, or quarantine the message."""
    if len(raw) > current_app.config["INBOUND_MAX_BYTES"]:
        return _quarantine("too_large")
    envelope_recipients = list(envelope_recipients)
    try:
        message = read_message(raw)
        addressed = [*envelope_recipients, *recipients_of(message)]
    except Refused as refused:  # headers, addresses or parts beyond the bounds
        return _quarantine(refused.reason)
    except Exception:  # any malformed message ends here, not in a 500
        return _quarantine("unparseable")
    bounce_to = _bounce_address(envelope_recipients, addressed)
    if bounce_to is not None:
        return _bounce(raw, message, bounce_to)
    try:
        mail = parse_message(message)
    except Exception:
        return _quarantine("unparseable")
    domain = current_app.config["INBOUND_EMAIL_DOMAIN"]
    found = find_token([*envelope_recipients, *mail.recipients], domain)
    if found is None:
        return _quarantine("no_token")
    kind, value = found
    if kind == "unsubscribe":
        return _unsubscribe(value)
    ids = read_reply_address(value)
    if ids is None:
        return _quarantine("forged_token")
    issue_id, subscriber_id = ids
    with cross_tenant():
        publication_id = db.session.scalar(select(Issue.publication_id).where(Issue.id == issue_id))
    if publication_id is None:
        return _quarantine("unknown_issue")
    with bound_to(publication_id):
        return _store_reply(publication_id, issue_id, subscriber_id, mail)


def _bounce_address(envelope: list[str], addressed: list[str]) -> str | None:
    """The VERP address the message came back to: the envelope's say first."""
    if envelope:
        addressed = envelope
    return next((address for address in addressed if verp.is_bounce_address(address)), None)


def _bounce(raw: bytes, message, address: str) -> InboundResult:
    delivery_id = verp.read_return_path(address)
    if delivery_id is None:
        return _quarantine("forged_bounce_token")
    if len(raw) > bounces.MAX_BYTES:
        return _quarantine("bounce_too_large")
    result = bounces.receive_bounce(message, delivery_id)
    if result.outcome == bounces.DROPPED:
        return _quarantine(result.reason)
    return InboundResult(BOUNCE, result.kind)


def _unsubscribe(token: str) -> InboundResult:
    ids = read_unsubscribe_token(token)
    if ids is None:
        return _quarantine("forged_token")
    publication_id, subscriber_id, issue_id = ids
    publication = db.session.get(Publication, publication_id)
    if publication is None:
        return _quarantine("unknown_publication")
    with bound_to(publication_id):
        how = "mailto (List-Unsubscribe)"
        if subscribers.unsubscribe(publication, subscriber_id, how, issue_id=issue_id) is None:
            return _quarantine("unknown_reader")
    current_app.logger.info("inbound mail: reader unsubscribed by mailto")
    return InboundResult(UNSUBSCRIBED)


def _refusal(
    publication: Publication | None, issue: Issue | None, reader: Subscriber | None, mail
) -> str:
    if publication is None or publication.is_suspended:
        return "publication_unavailable"
    if reader is None or reader.publication_id != publication.id:
        return "unknown_reader"
    if reader.status != ACTIVE:
        return "not_subscribed"
    if mail.sender != reader.email.lower():
        return "sender_mismatch"
    if issue is None or not can_read(issue, reader):
        return "issue_unavailable"
    if mail.automatic:
        return "automatic"
    if is_blocked(publication, reader.id):
        return "blocked"
    if not mail.text and not mail.attachments:
        return "empty"
    return ""


def _answered(issue: Issue, mail: ParsedMail) -> Reply | None:
    """The practitioner's emailed answer this message replies to, if it names one."""
    if not mail.references:
        return None
    return db.session.scalar(
        select(Reply)
        .where(
            Reply.issue_id == issue.id,
            Reply.is_author.is_(True),
            Reply.message_id.in_(mail.references),
        )
        .order_by(Reply.id.desc())
        .limit(1)
    )


def _store_reply(
    publication_id: int, issue_id: int, subscriber_id: int, mail: ParsedMail
) -> InboundResult:
    publication = db.session.get(Publication, publication_id)
    issue = db.session.get(Issue, issue_id)
    reader = db.session.get(Subscriber, subscriber_id)
    reason = _refusal(publication, issue, reader, mail)
    if reason:
        return _quarantine(reason)
    if mail.message_id and db.session.scalar(
        select(Reply.id).where(Reply.message_id == mail.message_id)
    ):
        return InboundResult(DUPLICATE)
    text = normalise(mail.text) or NO_TEXT
    if len(text) > EMAIL_REPLY_MAX_CHARS:
        text = text[:EMAIL_REPLY_MAX_CHARS].rsplit(" ", 1)[0] + " […]"
    answered = _answered(issue, mail)
    reply = Reply(
        publication_id=publication.id,
        issue_id=issue.id,
        parent_id=(answered.parent_id or answered.id) if answered else None,
        answer_to_id=answered.id if answered else None,
        subscriber_id=reader.id,
        author_name=display_name(reader),
        channel=CHANNEL_EMAIL,
        status=PRIVATE,
        body_text=text,
        body_html=render_reply(text),
        subject=mail.subject,
        message_id=mail.message_id,
        email_references=" ".join(mail.references),
        dropped_attachments=mail.attachments,
    )
    db.session.add(reply)
    try:
        db.session.commit()
    except IntegrityError:  # the same message, stored a moment ago by another delivery
        db.session.rollback()
        return InboundResult(DUPLICATE)
    reply_hooks.reply_created.send(publication, reply=reply)
    reply_mail.notify_new_reply(publication, reply)
    current_app.logger.info("inbound reply %s stored for issue %s", reply.id, issue.id)
    return InboundResult(STORED, reply_id=reply.id)
