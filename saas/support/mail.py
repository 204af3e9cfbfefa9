"""Support mail, rendered inside the mail job from ids: acknowledgement, notification, answer.

The acknowledgement never repeats what the reader wrote. The practitioner's notification
carries the request only when the publication turned confidential mode off; otherwise it
just says a request arrived and links to the dashboard. Answers thread under the
acknowledgement's stable Message-ID (In-Reply-To / References).
"""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select

from saas.accounts.models import User
from saas.core.extensions import db
from saas.core.links import external_url
from saas.core.model_base import utcnow
from saas.mail.compose import compose, header_safe, mailbox
from saas.mail.transport import send
from saas.publishing.models import ROLE_OWNER, Issue, Membership, Publication
from saas.support.form_settings import get_form
from saas.support.models import (
    CONTACT_CHOICES,
    EVENT_ACKNOWLEDGED,
    EVENT_EMAILED,
    EVENT_NOTIFIED,
    SupportEvent,
    SupportRequest,
)


class SupportMailError(RuntimeError):
    """Sending support mail failed; says which request, never to whom or what."""


def _deliver(message: EmailMessage, what: str, object_id: int) -> None:
    # SMTP errors quote addresses (and RQ keeps tracebacks in Redis): re-raise without them.
    try:
        send(message)
    except Exception as error:
        raise SupportMailError(
            f"sending the support {what} for {object_id} failed ({type(error).__name__})"
        ) from None


def _mail_domain() -> str:
    return parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "tend.localhost"


def new_message_id(kind: str) -> str:
    """A Message-ID fixed before sending, so later mail can refer to it."""
    return f"<support-{kind}.{secrets.token_hex(12)}@{_mail_domain()}>"


def sender_name(publication: Publication) -> str:
    """Who support mail is from, as readers know them."""
    return publication.author_name or publication.name


def practitioner_addresses(publication: Publication) -> list[str]:
    """Where notifications go: the form's address, else every owner's."""
    form = get_form(publication)
    if form.notify_email:
        return [form.notify_email]
    return list(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.publication_id == publication.id, Membership.role == ROLE_OWNER)
            .order_by(User.id)
        )
    )


def _reply_to_practitioner(message: EmailMessage, publication: Publication) -> None:
    # The reader's reply should reach the practitioner, not Tend's no-reply sender.
    addresses = practitioner_addresses(publication)
    if addresses:
        message["Reply-To"] = mailbox(sender_name(publication), addresses[0])


def _has_event(request: SupportRequest, kind: str) -> bool:
    return (
        db.session.scalar(
            select(SupportEvent.id).where(
                SupportEvent.request_id == request.id, SupportEvent.kind == kind
            )
        )
        is not None
    )


def _record(request: SupportRequest, kind: str, detail: str) -> None:
    db.session.add(
        SupportEvent(
            publication_id=request.publication_id,
            request_id=request.id,
            kind=kind,
            detail=detail,
            sent_at=utcnow(),
        )
    )
    db.session.commit()


def acknowledgement_subject(publication: Publication) -> str:
    """Subject of the acknowledgement (answers reply to it)."""
    return f"Your message to {sender_name(publication)}"


def send_acknowledgement(publication: Publication, request_id: int) -> bool:
    """Tell the reader their request arrived; safe to run twice (sends once)."""
    request = db.session.get(SupportRequest, request_id)
    if request is None or _has_event(request, EVENT_ACKNOWLEDGED):
        return False
    form = get_form(publication)
    message = compose(
        "support_acknowledgement",
        to=request.email,
        to_name=request.name or "",
        from_name=sender_name(publication),
        publication=publication,
        form=form,
        name=header_safe(request.name or ""),
        subject=acknowledgement_subject(publication),
    )
    message.replace_header("Message-ID", request.ack_message_id)
    _reply_to_practitioner(message, publication)
    _deliver(message, "acknowledgement", request.id)
    _record(request, EVENT_ACKNOWLEDGED, "Acknowledgement emailed to the reader")
    current_app.logger.info("support request %s acknowledged", request.id)
    return True


def send_notification(publication: Publication, request_id: int) -> bool:
    """Tell the practitioner a request arrived (its content only outside confidential mode)."""
    request = db.session.get(SupportRequest, request_id)
    if request is None or _has_event(request, EVENT_NOTIFIED):
        return False
    form = get_form(publication)
    recipients = practitioner_addresses(publication)
    detail_url = external_url(
        "dashboard.support.support_detail", pub_slug=publication.slug, request_id=request.id
    )
    issue = db.session.get(Issue, request.source_issue_id) if request.source_issue_id else None
    for address in recipients:
        message = compose(
            "support_notification",
            to=address,
            publication=publication,
            confidential=form.confidential_mode,
            request=request,
            issue=issue,
            detail_url=detail_url,
            contact=dict(CONTACT_CHOICES).get(request.preferred_contact, ""),
        )
        if not form.confidential_mode:
            message["Reply-To"] = mailbox(request.name or "", request.email)
        _deliver(message, "notification", request.id)
    _record(request, EVENT_NOTIFIED, "Practitioner notified by email")
    current_app.logger.info("support request %s: practitioner notified", request.id)
    return True


def thread_references(request: SupportRequest, before_event_id: int) -> list[str]:
    """Message-IDs of the acknowledgement and earlier answers, oldest first."""
    earlier = db.session.scalars(
        select(SupportEvent.message_id)
        .where(
            SupportEvent.request_id == request.id,
            SupportEvent.kind == EVENT_EMAILED,
            SupportEvent.id < before_event_id,
            SupportEvent.message_id != "",
        )
        .order_by(SupportEvent.id)
    )
    return [request.ack_message_id, *earlier]


def send_answer(publication: Publication, event_id: int) -> bool:
    """Email the practitioner's answer to the reader, threaded; sends once per answer."""
    event = db.session.get(SupportEvent, event_id)
    if event is None or event.kind != EVENT_EMAILED or event.sent_at is not None:
        return False
    request = db.session.get(SupportRequest, event.request_id)
    if request is None:
        return False
    form = get_form(publication)
    message = compose(
        "support_answer",
        to=request.email,
        to_name=request.name or "",
        from_name=sender_name(publication),
        publication=publication,
        form=form,
        body=event.body or "",
        subject="Re: " + acknowledgement_subject(publication),
    )
    references = thread_references(request, event.id)
    message.replace_header("Message-ID", event.message_id)
    message["In-Reply-To"] = references[-1]
    message["References"] = " ".join(references)
    del message["Auto-Submitted"]  # written by a person
    _reply_to_practitioner(message, publication)
    _deliver(message, "answer", event.id)
    event.sent_at = utcnow()
    db.session.commit()
    current_app.logger.info("support request %s: answer %s sent", request.id, event.id)
    return True
