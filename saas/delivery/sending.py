"""Sending an issue to the list, as the practitioner sees it: start, schedule, pause, watch.

`send_now` and `schedule_send` open the issue's one Send (never for an empty list);
`send_to_new_readers` runs that send again for readers who joined since, and the one
Delivery per issue and reader keeps anyone from a second copy. The jobs in `send_batches`
deliver it and `send_upkeep` keeps it moving. `progress` and `delivery_page` feed the send
page: live counts per status with an estimate of the time left, and the searchable
per-recipient record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from saas.accounts.models import User
from saas.audience import status_counts
from saas.audience.models import Subscriber
from saas.billing.paid import issue_mail as paid_mail
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue, enqueue_at
from saas.core.tenancy import bound_to, cross_tenant
from saas.delivery import segments, sending_domains
from saas.delivery import upkeep as send_upkeep
from saas.delivery.models import (
    DELIVERY_STATUSES,
    FINAL_STATUSES,
    SEND_CANCELLED,
    SEND_DONE,
    SEND_PAUSED,
    SEND_QUEUED,
    SEND_SCHEDULED,
    SEND_SENDING,
    Delivery,
    Send,
)
from saas.mail.newsletter import InvalidRecipient, Recipient
from saas.publishing import issues as issue_service
from saas.publishing.models import STATUS_SCHEDULED, Issue, Publication


class SendError(ValueError):
    """The send cannot do what was asked; the message says why, for the practitioner."""


@dataclass(frozen=True)
class Progress:
    """Where a send stands: counts per delivery status, share finished, time left."""

    status: str
    total: int
    counts: dict[str, int]
    finished: int
    percent: float
    eta_seconds: int | None

    def as_dict(self) -> dict:
        """The JSON the send page polls."""
        return {
            "status": self.status,
            "total": self.total,
            **self.counts,
            "finished": self.finished,
            "percent": round(self.percent, 1),
            "eta_seconds": self.eta_seconds,
        }


@dataclass(frozen=True)
class DeliveryPage:
    """One page of a send's per-recipient record, oldest first."""

    items: list[Delivery]
    next_after: int | None


# --- the practitioner's side ------------------------------------------------------------------


def get_send(publication: Publication, send_id: int) -> Send | None:
    """A send of this publication by id."""
    return db.session.scalar(select(Send).where(Send.id == send_id))


def send_for_issue(publication: Publication, issue_id: int) -> Send | None:
    """The issue's send, if it has one."""
    return db.session.scalar(select(Send).where(Send.issue_id == issue_id))


SENDS_PER_PAGE = 50


@dataclass(frozen=True)
class SendsPage:
    """One page of the publication's sends, newest first, each with its issue."""

    rows: list[tuple[Send, Issue]]
    page: int
    pages: int
    total: int


def list_sends(
    publication: Publication, page: int = 1, per_page: int = SENDS_PER_PAGE
) -> SendsPage:
    """A page of sends with their issues, newest first (past the end: the last page)."""
    total = db.session.scalar(select(func.count()).select_from(Send))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(
        select(Send, Issue)
        .join(Issue, Issue.id == Send.issue_id)
        .order_by(Send.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return SendsPage([(send, issue) for send, issue in rows], page, pages, total)


def active_reader_count(publication: Publication) -> int:
    """How many readers an issue sent now would go to."""
    return status_counts.active_count(publication)


# Longer than any transaction that turns readers active: one that began before a fan-out
# and committed after it has activated_at (its start) within this of the fan-out's start.
ACTIVATION_MARGIN = timedelta(minutes=10)


def new_reader_count(publication: Publication, send: Send) -> int:
    """Active readers the send's issue has not gone to yet (they joined after it went out).

    Every reader of the segment active when the send last fanned out got a Delivery, so only
    readers who
    became active since (Subscriber.activated_at, kept by the database) can lack one: the count
    looks at those, not at the whole list. (A reader tagged into the segment later, having
    been active before, is not new to it.)
    """
    had_it = select(Delivery.id).where(
        Delivery.issue_id == send.issue_id, Delivery.subscriber_id == Subscriber.id
    )
    # Only readers in the send's segment: the fan-out adds no one else.
    query = (
        select(func.count())
        .select_from(Subscriber)
        .where(*segments.conditions(publication, segments.from_stored(send.segment)))
        .where(~had_it.exists())
    )
    if send.started_at is not None:
        query = query.where(Subscriber.activated_at >= send.started_at - ACTIVATION_MARGIN)
    return db.session.scalar(query)


def send_test(publication: Publication, issue: Issue, user: User) -> str:
    """Mail the issue, as readers will get it but marked [Test], to the practitioner."""
    sender = sending_domains.sender_for(publication)
    message = paid_mail.issue_message(publication, issue, test=True, sender=sender)
    try:
        personalised = message.personalise(Recipient(0, user.email, user.name))
    except InvalidRecipient as exc:
        raise SendError(f"Your own address cannot be mailed: {exc}") from exc
    enqueue("worker.jobs.send_email", personalised.data, queue="mail")
    return personalised.to


def _refuse_if_suspended(publication: Publication) -> None:
    if publication.suspended_at is not None:
        raise SendError("This publication is suspended, so it cannot send.")
    if send_upkeep.suspended(publication):
        raise SendError(
            "Sending is paused: too many readers marked your issues as spam. Tend's "
            "operators will look at it and lift the pause; nothing goes out until then."
        )


def _unsent(publication: Publication, issue: Issue) -> Send | None:
    """The issue's send if it was only scheduled or cancelled; SendError if it went out."""
    send = send_for_issue(publication, issue.id)
    if send is not None and send.status not in (SEND_SCHEDULED, SEND_CANCELLED):
        raise SendError("This issue has already been sent.")
    return send


def _open_send(publication: Publication, issue: Issue, send: Send | None) -> Send:
    if send is None:
        send = Send(publication_id=publication.id, issue_id=issue.id)
        db.session.add(send)
    return send


def _refuse_if_nobody_to_send_to(publication: Publication, segment: segments.Segment) -> None:
    if active_reader_count(publication) == 0:
        raise SendError(
            "Nobody to send to yet: this publication has no active readers. Once readers "
            "join, send it to them from here."
        )
    if not segment.is_everyone() and segments.count(publication, segment) == 0:
        raise SendError(
            "Nobody to send to: no active reader is in this segment. Widen it, or choose "
            "all active readers."
        )


def _commit_send() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # a second click raced the first
        db.session.rollback()
        raise SendError("This issue has already been sent.") from exc


def send_now(
    publication: Publication, issue: Issue, segment: segments.Segment | None = None
) -> Send:
    """Publish the issue if needed and start sending it to the segment's active readers.

    Without a segment it goes to every active reader. SegmentError for a tag that does not
    exist; SendError for a segment nobody is in, as for an empty list.
    """
    segment = segments.check(publication, segment or segments.Segment())
    _refuse_if_suspended(publication)
    existing = _unsent(publication, issue)
    _refuse_if_nobody_to_send_to(publication, segment)
    if not issue.is_published:
        issue_service.publish_issue(publication, issue.id)
    send = _open_send(publication, issue, existing)
    send.status, send.scheduled_at, send.segment = SEND_QUEUED, None, segment.stored()
    _commit_send()
    send_upkeep.start(send.id)
    return send


def send_to_new_readers(publication: Publication, send: Send) -> int:
    """Send a sent issue to the active readers who joined since; returns how many there are.

    The same Send starts again, with the segment it was made for: its fan-out adds a Delivery
    for each reader of the segment the issue has not gone to (one per issue and reader), so
    nobody who had it gets a second copy.
    """
    _refuse_if_suspended(publication)
    if send.status != SEND_DONE:
        raise SendError("Wait until this send has finished, then send it to new readers.")
    waiting = new_reader_count(publication, send)
    if waiting == 0:
        raise SendError("Every active reader has had this issue: nobody new to send it to.")
    # Only one click wins the done -> queued step.
    restarted = db.session.execute(
        update(Send)
        .where(Send.id == send.id, Send.status == SEND_DONE)
        .values(status=SEND_QUEUED, finished_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not restarted:
        raise SendError("This issue is already on its way to its new readers.")
    send_upkeep.start(send.id)
    return waiting


def schedule_send(
    publication: Publication,
    issue: Issue,
    when: datetime,
    segment: segments.Segment | None = None,
) -> Send:
    """Publish (if it is not yet) and send the issue at `when`, an aware UTC time.

    The segment is kept with the send and chosen from when it starts (readers may join or
    be tagged meanwhile), so an empty one is not refused here.
    """
    segment = segments.check(publication, segment or segments.Segment())
    _refuse_if_suspended(publication)
    if when.tzinfo is None or when <= utcnow():
        raise SendError("Choose a time in the future.")
    existing = _unsent(publication, issue)
    if not issue.is_published:
        issue_service.schedule_issue(publication, issue, when)
    send = _open_send(publication, issue, existing)
    send.status, send.scheduled_at, send.segment = SEND_SCHEDULED, when, segment.stored()
    _commit_send()
    enqueue_at(when, "worker.jobs.start_due_sends")
    return send


def cancel_scheduled(publication: Publication, send: Send) -> Send:
    """Call off a scheduled send, and the publishing that was scheduled with it."""
    if send.status != SEND_SCHEDULED:
        raise SendError("Only a scheduled send can be cancelled.")
    issue = db.session.get(Issue, send.issue_id)
    if issue.status == STATUS_SCHEDULED and issue.scheduled_at == send.scheduled_at:
        issue_service.unpublish_issue(publication, issue)
    send.status = SEND_CANCELLED
    db.session.commit()
    return send


def pause_send(publication: Publication, send: Send) -> Send:
    """Stop a send after the messages in flight; batches hand their rows back."""
    if send.status not in (SEND_QUEUED, SEND_SENDING):
        raise SendError("Only a send in progress can be paused.")
    send.status = SEND_PAUSED
    db.session.commit()
    return send


def resume_send(publication: Publication, send: Send) -> Send:
    """Carry on a paused send where it stopped."""
    _refuse_if_suspended(publication)
    if send.status != SEND_PAUSED:
        raise SendError("Only a paused send can be resumed.")
    send.status = SEND_SENDING if send.started_at else SEND_QUEUED
    db.session.commit()
    if send.status == SEND_QUEUED:
        send_upkeep.start(send.id)
    else:
        send_upkeep.watch_later(send.id)
        send_upkeep.requeue_stale(send)
        send_upkeep.enqueue_orphans(publication, send)
        send_upkeep.finish_if_complete(send)
    return send


def progress(publication: Publication, send: Send) -> Progress:
    """Counts per status, share finished and an estimate of the time left.

    A done send's counts were kept when it finished; others are counted now.
    """
    counts = {status: 0 for status in DELIVERY_STATUSES}
    if send.status == SEND_DONE and send.final_counts is not None:
        counts.update(send.final_counts)
    else:
        counts.update(send_upkeep.delivery_counts(send))
    total = max(send.total, sum(counts.values()))
    finished = sum(counts[s] for s in FINAL_STATUSES)
    percent = 100.0 * finished / total if total else (100.0 if send.status == SEND_DONE else 0.0)
    eta = None
    if send.status == SEND_SENDING and send.started_at and finished:
        rate = finished / max((utcnow() - send.started_at).total_seconds(), 1.0)
        if publication.max_send_rate > 0:
            rate = min(rate, publication.max_send_rate)
        eta = round((total - finished) / rate)
    return Progress(send.status, total, counts, finished, percent, eta)


def delivery_page(
    publication: Publication,
    send: Send,
    status: str | None = None,
    search: str | None = None,
    after: int = 0,
    per_page: int = 50,
) -> DeliveryPage:
    """Who got the issue, when, and what went wrong: filtered by status and address."""
    query = select(Delivery).where(Delivery.send_id == send.id, Delivery.id > after)
    if status:
        query = query.where(Delivery.status == status)
    if search and search.strip():
        query = query.where(Delivery.email.contains(search.strip().lower(), autoescape=True))
    items = list(db.session.scalars(query.order_by(Delivery.id).limit(per_page + 1)))
    more = len(items) > per_page
    return DeliveryPage(items[:per_page], items[per_page - 1].id if more else None)


# --- jobs: fan out, batches, reconciliation --------------------------------------------------


def start_due_sends(now: datetime | None = None) -> int:
    """Start every scheduled send whose time has come, across publications."""
    now = now or utcnow()
    with cross_tenant():
        due = db.session.execute(
            select(Send.id, Send.publication_id).where(
                Send.status == SEND_SCHEDULED, Send.scheduled_at <= now
            )
        ).all()
    started = 0
    for send_id, publication_id in due:
        with bound_to(publication_id):
            # Only one caller wins the scheduled -> queued step (RQ's scheduler and the CLI).
            issue_id = db.session.scalar(
                update(Send)
                .where(Send.id == send_id, Send.status == SEND_SCHEDULED)
                .values(status=SEND_QUEUED)
                .returning(Send.issue_id)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            if issue_id is None:
                continue
            publication = db.session.get(Publication, publication_id)
            if not db.session.get(Issue, issue_id).is_published:
                issue_service.publish_issue(publication, issue_id)
            send_upkeep.start(send_id)
            started += 1
    return started
