"""A reader's support request arriving: store it encrypted, then queue the mail by id.

Nothing a reader wrote is logged or put into a job: the acknowledgement and the
practitioner's notification are rendered by the mail worker from the request's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from saas.audience import subscribers
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue
from saas.publishing.models import STATUS_PUBLISHED, Issue, Publication
from saas.publishing.offerings import catalogue
from saas.publishing.offerings.models import Offering
from saas.support import signals
from saas.support.mail import new_message_id
from saas.support.models import (
    CHANNEL_EMBED,
    CHANNEL_PAGE,
    EVENT_SUBMITTED,
    EVENT_SUBSCRIBED,
    SupportEvent,
    SupportForm,
    SupportRequest,
)

SUBSCRIBER_SOURCE = "support"


@dataclass
class Submission:
    """What a reader sent, already validated by the public form."""

    email: str
    message: str
    name: str = ""
    phone: str = ""
    preferred_contact: str = ""
    answers: list[dict] = field(default_factory=list)
    subscribe: bool = False
    source_issue_number: int | None = None
    offering_id: int | None = None
    channel: str = CHANNEL_PAGE


def published_issue_by_number(publication: Publication, number: int | None) -> Issue | None:
    """The published issue a reader came from, if the number names one."""
    if number is None:
        return None
    return db.session.scalar(
        select(Issue).where(
            Issue.publication_id == publication.id,
            Issue.number == number,
            Issue.status == STATUS_PUBLISHED,
        )
    )


def offering_asked_about(publication: Publication, offering_id: int | None) -> Offering | None:
    """The offering a reader chose on an issue, if its button opens this support form."""
    if offering_id is None:
        return None
    offering = catalogue.get_offering(publication, offering_id)
    return offering if offering is not None and catalogue.points_at_support(offering) else None


def _submitted_detail(request: SupportRequest) -> str:
    where = "the embedded form" if request.channel == CHANNEL_EMBED else "the support page"
    source = f", from Issue {request.source_issue_number}" if request.source_issue_number else ""
    chosen = f", about “{request.offering_title}”" if request.offering_title else ""
    return f"Sent through {where}{source}{chosen}"


def submit(publication: Publication, form: SupportForm, submission: Submission) -> SupportRequest:
    """Store a request, record its consent, queue the acknowledgement and the notification."""
    issue = published_issue_by_number(publication, submission.source_issue_number)
    offering = offering_asked_about(publication, submission.offering_id)
    now = utcnow()
    request = SupportRequest(
        publication_id=publication.id,
        channel=submission.channel,
        name=submission.name or None,
        email=submission.email,
        phone=submission.phone or None,
        preferred_contact=submission.preferred_contact,
        message=submission.message,
        answers=submission.answers,
        source_issue_id=issue.id if issue else None,
        source_issue_number=issue.number if issue else None,
        offering_title=offering.title if offering else "",
        subscribe_opt_in=submission.subscribe,
        consent_text=form.consent_text[:500],
        consent_given_at=now,
        ack_message_id=new_message_id("ack"),
        created_at=now,
        updated_at=now,
    )
    db.session.add(request)
    db.session.flush()
    db.session.add(
        SupportEvent(
            publication_id=publication.id,
            request_id=request.id,
            kind=EVENT_SUBMITTED,
            detail=_submitted_detail(request),
            created_at=now,
        )
    )
    db.session.commit()
    current_app.logger.info(
        "support request %s received for publication %s", request.id, publication.id
    )
    signals.request_created.send(publication, request=request)
    enqueue("worker.jobs.send_support_acknowledgement", publication.id, request.id, queue="mail")
    enqueue("worker.jobs.send_support_notification", publication.id, request.id, queue="mail")
    if submission.subscribe:
        _subscribe(publication, request)
    return request


def _subscribe(publication: Publication, request: SupportRequest) -> None:
    """The reader ticked "also subscribe me": start the list's double opt-in."""
    outcome = subscribers.subscribe(
        publication, request.email, request.name or "", SUBSCRIBER_SOURCE
    )
    detail = (
        "Asked to join the newsletter; confirmation link sent"
        if outcome.mailed_confirmation
        else "Asked to join the newsletter; already on the list"
    )
    db.session.add(
        SupportEvent(
            publication_id=publication.id,
            request_id=request.id,
            kind=EVENT_SUBSCRIBED,
            detail=detail,
        )
    )
    db.session.commit()
