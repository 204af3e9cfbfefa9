"""Sending an issue to the list: start or schedule it, fan out, deliver in batches, reconcile.

A Send is one issue going to the list. `fan_out` gives every active reader one Delivery row
(one INSERT ... SELECT, unique per issue and reader) and enqueues batch jobs by id range.
`send_batch` claims its queued rows in one UPDATE ... RETURNING, renders the issue once,
checks each reader is still active right before their message, paces itself with the
publication's throttle, sends over one SMTP connection and records outcomes in small
commits, so a killed worker re-sends at most the few messages it had not recorded.
`watch_send` re-queues rows whose claim went stale, re-enqueues queued rows no job holds
and closes the send. In the embedded default every job runs inside `enqueue`, so a whole
send completes in the calling request and no watcher is needed.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from rq.job import Job, JobStatus
from sqlalchemy import bindparam, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from saas.extensions import db
from saas.mail.newsletter import (
    InvalidRecipient,
    IssueMessage,
    Outcome,
    Recipient,
    open_session,
)
from saas.models.accounts import User
from saas.models.base import UTCDateTime, utcnow
from saas.models.deliveries import (
    BOUNCED,
    FAILED,
    FINAL_STATUSES,
    QUEUED,
    SEND_CANCELLED,
    SEND_DONE,
    SEND_PAUSED,
    SEND_QUEUED,
    SEND_SCHEDULED,
    SEND_SENDING,
    SENDING,
    SENT,
    SKIPPED,
    Delivery,
    Send,
)
from saas.models.issues import STATUS_SCHEDULED, Issue
from saas.models.publications import Publication
from saas.models.subscribers import ACTIVE, Subscriber
from saas.models.subscribers import BOUNCED as SUBSCRIBER_BOUNCED
from saas.queue import enqueue, enqueue_at, enqueue_in, get_connection, is_embedded
from saas.services import issues as issue_service
from saas.services import paid_mail
from saas.services.subscribers import record_event
from saas.services.throttle import Throttle
from saas.tenancy import bound_to, cross_tenant

BATCH_SIZE = 1000  # recipients per batch job
RECORD_EVERY = 20  # outcomes per commit: the most a killed worker can send twice
RECORD_SECONDS = 0.5  # ... or this long, whichever comes first
MAX_ATTEMPTS = 5  # claims of one delivery before it is given up as failed
MAX_HARD_BOUNCES = 3  # rejected deliveries before a reader is marked bounced
WATCH_SECONDS = 5.0
_BATCHES_KEY = "tend:send:{send_id}:batches"
_WATCH_KEY = "tend:send:{send_id}:watch"
_FAN_OUT_KEY = "tend:send:{send_id}:fan-out"
_HELD = (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


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


def list_sends(publication: Publication) -> list[tuple[Send, Issue]]:
    """Every send with its issue, newest first."""
    rows = db.session.execute(
        select(Send, Issue).join(Issue, Issue.id == Send.issue_id).order_by(Send.id.desc())
    )
    return [(send, issue) for send, issue in rows]


def active_reader_count(publication: Publication) -> int:
    """How many readers an issue sent now would go to."""
    return db.session.scalar(
        select(func.count()).select_from(Subscriber).where(Subscriber.status == ACTIVE)
    )


def send_test(publication: Publication, issue: Issue, user: User) -> str:
    """Mail the issue, as readers will get it but marked [Test], to the practitioner."""
    message = IssueMessage(publication, issue, test=True)
    try:
        personalised = message.personalise(Recipient(0, user.email, user.name))
    except InvalidRecipient as exc:
        raise SendError(f"Your own address cannot be mailed: {exc}") from exc
    enqueue("worker.jobs.send_email", personalised.data, queue="mail")
    return personalised.to


def _suspended(publication: Publication) -> bool:
    return publication.suspended_at is not None


def _refuse_if_suspended(publication: Publication) -> None:
    if _suspended(publication):
        raise SendError("This publication is suspended, so it cannot send.")


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


def _commit_send() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # a second click raced the first
        db.session.rollback()
        raise SendError("This issue has already been sent.") from exc


def send_now(publication: Publication, issue: Issue) -> Send:
    """Publish the issue if needed and start sending it to every active reader."""
    _refuse_if_suspended(publication)
    existing = _unsent(publication, issue)
    if not issue.is_published:
        issue_service.publish_issue(publication, issue.id)
    send = _open_send(publication, issue, existing)
    send.status, send.scheduled_at = SEND_QUEUED, None
    _commit_send()
    _start(send.id)
    return send


def _start(send_id: int) -> None:
    if not is_embedded():
        timeout = current_app.config["DELIVERY_CLAIM_TIMEOUT"]
        get_connection().set(_FAN_OUT_KEY.format(send_id=send_id), "1", ex=timeout)
        _watch_later(send_id)
    enqueue("worker.jobs.start_send", send_id, queue="delivery")


def schedule_send(publication: Publication, issue: Issue, when: datetime) -> Send:
    """Publish (if it is not yet) and send the issue at `when`, an aware UTC time."""
    _refuse_if_suspended(publication)
    if when.tzinfo is None or when <= utcnow():
        raise SendError("Choose a time in the future.")
    existing = _unsent(publication, issue)
    if not issue.is_published:
        issue_service.schedule_issue(publication, issue, when)
    send = _open_send(publication, issue, existing)
    send.status, send.scheduled_at = SEND_SCHEDULED, when
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
        _start(send.id)
    else:
        _watch_later(send.id)
        _requeue_stale(send)
        _enqueue_orphans(publication, send)
        _finish_if_complete(send)
    return send


def progress(publication: Publication, send: Send) -> Progress:
    """Counts per status, share finished and an estimate of the time left."""
    rows = db.session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.send_id == send.id)
        .group_by(Delivery.status)
    ).all()
    counts = {status: 0 for status in (QUEUED, SENDING, SENT, FAILED, BOUNCED, SKIPPED)}
    counts.update(dict(rows))
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


@contextmanager
def _job_scope(send_id: int) -> Iterator[tuple[Publication, Send] | None]:
    """Bind the send's publication for a job; None if the send is gone."""
    with cross_tenant():
        publication_id = db.session.scalar(select(Send.publication_id).where(Send.id == send_id))
    if publication_id is None:
        yield None
        return
    with bound_to(publication_id):
        publication = db.session.get(Publication, publication_id, populate_existing=True)
        yield publication, db.session.get(Send, send_id, populate_existing=True)


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
            _start(send_id)
            started += 1
    return started


def _insert_statement(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def fan_out(send_id: int) -> None:
    """One Delivery per active reader, then batch jobs for them; safe to run twice."""
    with _job_scope(send_id) as scope:
        if scope is None:
            return
        publication, send = scope
        if send.status != SEND_QUEUED or _paused_by_suspension(_suspended(publication), send.id):
            # Already fanned out (this is a retry), paused or cancelled: only the batches
            # of a send in progress may be missing.
            if send.status == SEND_SENDING:
                _enqueue_orphans(publication, send)
            return
        readers = Subscriber.__table__
        rows = select(
            literal(publication.id),
            literal(send.id),
            literal(send.issue_id),
            readers.c.id,
            readers.c.email,
            literal(QUEUED),
            literal(0),
            literal(""),
            literal(""),
            literal(""),
            literal(utcnow(), UTCDateTime()),
        ).where(readers.c.publication_id == publication.id, readers.c.status == ACTIVE)
        columns = ["publication_id", "send_id", "issue_id", "subscriber_id", "email", "status"]
        columns += ["attempts", "message_id", "smtp_response", "error", "updated_at"]
        insert = _insert_statement(db.session.get_bind().dialect.name)(Delivery.__table__)
        db.session.execute(
            insert.from_select(columns, rows).on_conflict_do_nothing(
                index_elements=["issue_id", "subscriber_id"]
            )
        )
        send.total = db.session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.send_id == send.id)
        )
        send.status, send.started_at = SEND_SENDING, utcnow()
        db.session.commit()
        _enqueue_orphans(publication, send)
        _finish_if_complete(send)


def send_batch(send_id: int, first_id: int, last_id: int) -> int:
    """Send the send's queued deliveries with ids in [first_id, last_id]; safe to run twice.

    Returns how many deliveries this run claimed. Raises ConnectionLost (after handing
    its unsent rows back) when the mail server stays unreachable, so RQ retries the job.
    """
    with _job_scope(send_id) as scope:
        if scope is None:
            return 0
        publication, send = scope
        if send.status != SEND_SENDING or _paused_by_suspension(_suspended(publication), send.id):
            return 0
        now = utcnow()
        claimed = db.session.execute(
            update(Delivery)
            .where(
                Delivery.send_id == send.id,
                Delivery.status == QUEUED,
                Delivery.id >= first_id,
                Delivery.id <= last_id,
            )
            .values(status=SENDING, claimed_at=now, attempts=Delivery.attempts + 1, updated_at=now)
            .returning(Delivery.id, Delivery.subscriber_id, Delivery.email, Delivery.attempts)
            .execution_options(synchronize_session=False)
        ).all()
        db.session.commit()
        if claimed:
            _Batch(publication, send, sorted(claimed)).run()
        _finish_if_complete(send)
        return len(claimed)


class _Batch:
    """A batch's claimed rows: render once, then per reader check, pace, send and record."""

    def __init__(self, publication: Publication, send: Send, claimed: list) -> None:
        self.publication = publication
        self.send_id, self.issue_id = send.id, send.issue_id
        self.todo = list(reversed(claimed))  # claimed, not yet sent; next one last
        self.outcomes: list[tuple] = []  # sent, not yet recorded
        self.bounced: list[int] = []
        self.recorded_at = self.claimed_at = time.monotonic()

    def run(self) -> None:
        """Send every claimed row, or stop early (paused, server gone) handing the rest back."""
        publication = self.publication
        issue = db.session.get(Issue, self.issue_id)
        message = IssueMessage(publication, issue)
        # A paid issue: readers without paid access are mailed the preview instead.
        self.variants = paid_mail.Variants(
            publication, issue, [row.subscriber_id for row in self.todo]
        )
        names = dict(
            db.session.execute(
                select(Subscriber.id, Subscriber.name).where(
                    Subscriber.id.in_([row.subscriber_id for row in self.todo])
                )
            ).all()
        )
        throttle = Throttle(publication.id, publication.max_send_rate)
        session = open_session(message.sender)
        try:
            while self.todo:
                row = self.todo[-1]
                outcome, message_id = self._send_one(row, message, names, throttle, session)
                self.todo.pop()
                self._note(row, outcome, message_id)
                if len(self.outcomes) >= RECORD_EVERY or (
                    time.monotonic() - self.recorded_at >= RECORD_SECONDS
                ):
                    self._record()
                    if self.todo and self._stopped():
                        break
        except BaseException:
            # Record what was sent and hand back what was not; if the database is what
            # failed, the rows stay claimed and the watcher re-queues them.
            db.session.rollback()
            try:
                self._record()
                self._release()
            except Exception:  # the original error matters more
                current_app.logger.exception("could not hand back a failed batch's rows")
            raise
        finally:
            session.close()
        self._record()
        self._release()

    def _send_one(self, row, message, names, throttle, session) -> tuple[Outcome, str]:
        if row.attempts > MAX_ATTEMPTS:
            return Outcome(FAILED, "", f"Given up after {MAX_ATTEMPTS} attempts."), ""
        if row.subscriber_id is None:
            return Outcome(SKIPPED, "", "The reader's data was erased."), ""
        throttle.wait()
        if not _still_active(self.publication.id, row.subscriber_id):
            return Outcome(SKIPPED, "", "No longer subscribed when their turn came."), ""
        recipient = Recipient(row.subscriber_id, row.email, names.get(row.subscriber_id, ""))
        try:
            personalised = self.variants.pick(message, row.subscriber_id).personalise(recipient)
        except InvalidRecipient as exc:
            return Outcome(FAILED, "", str(exc)), ""
        return session.deliver(personalised), personalised.message_id

    def _note(self, row, outcome: Outcome, message_id: str) -> None:
        sent_at = utcnow() if outcome.status == SENT else None
        self.outcomes.append(
            (
                row.id,
                outcome.status,
                sent_at,
                outcome.smtp_response[:2000],
                outcome.error[:2000],
                message_id,
            )
        )
        if outcome.status == BOUNCED:
            self.bounced.append(row.subscriber_id)

    def _record(self) -> None:
        """Commit the outcomes so far; refresh the claim on the rest if it is getting old."""
        if self.outcomes:
            _record_outcomes(self.publication.id, self.outcomes)
        for subscriber_id in self.bounced:
            _count_hard_bounce(subscriber_id)
        timeout = current_app.config["DELIVERY_CLAIM_TIMEOUT"]
        if self.todo and time.monotonic() - self.claimed_at > timeout / 4:
            db.session.execute(
                update(Delivery)
                .where(
                    Delivery.send_id == self.send_id,
                    Delivery.status == SENDING,
                    Delivery.id >= self.todo[-1].id,
                    Delivery.id <= self.todo[0].id,
                )
                .values(claimed_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            self.claimed_at = time.monotonic()
        db.session.commit()
        self.outcomes, self.bounced = [], []
        self.recorded_at = time.monotonic()

    def _stopped(self) -> bool:
        """Whether the send was paused, or its publication suspended, since the last look."""
        status, suspended_at = db.session.execute(
            select(Send.status, Publication.suspended_at)
            .join(Publication, Publication.id == Send.publication_id)
            .where(Send.id == self.send_id)
        ).one()
        suspended = suspended_at is not None
        return _paused_by_suspension(suspended, self.send_id) or status != SEND_SENDING

    def _release(self) -> None:
        """Hand unsent rows back to the queue (they were claimed but not attempted)."""
        if not self.todo:
            return
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_([row.id for row in self.todo]), Delivery.status == SENDING)
            .values(status=QUEUED, claimed_at=None, attempts=Delivery.attempts - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        self.todo = []


# The two statements that run per message or per few messages. On PostgreSQL they go as
# prepared statements straight to the session's own connection (same transaction, same
# row-level security settings): through the ORM they cost ~10x the CPU (measured), which
# shows in the send rate. The tenant filter the ORM hook would add is written out.
_OUTCOMES_SQL = """
UPDATE deliveries AS d SET status = o.status, sent_at = o.sent_at,
    smtp_response = o.smtp_response, error = o.error, message_id = o.message_id,
    updated_at = now()
FROM unnest(%s::integer[], %s::text[], %s::timestamptz[], %s::text[], %s::text[], %s::text[])
    AS o(id, status, sent_at, smtp_response, error, message_id)
WHERE d.id = o.id AND d.publication_id = %s
"""
_STATUS_SQL = "SELECT status FROM subscribers WHERE id = %s AND publication_id = %s"
_OUTCOME_FIELDS = ("id", "status", "sent_at", "smtp_response", "error", "message_id")


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _prepared(sql: str, params: tuple):
    """Execute on the session's connection, in its transaction, as a prepared statement."""
    driver = db.session.connection().connection.driver_connection
    return driver.execute(sql, params, prepare=True)


def _record_outcomes(publication_id: int, outcomes: list[tuple]) -> None:
    """Write a group of outcomes in one statement."""
    if _on_postgresql():
        columns = [list(column) for column in zip(*outcomes, strict=True)]
        _prepared(_OUTCOMES_SQL, (*columns, publication_id))
        return
    deliveries = Delivery.__table__
    db.session.execute(
        update(deliveries)
        .where(deliveries.c.id == bindparam("b_id"), deliveries.c.publication_id == publication_id)
        .values({name: bindparam(f"b_{name}") for name in _OUTCOME_FIELDS[1:]})
        .values(updated_at=utcnow()),
        [
            {f"b_{name}": value for name, value in zip(_OUTCOME_FIELDS, row, strict=True)}
            for row in outcomes
        ],
    )


def _paused_by_suspension(suspended: bool, send_id: int) -> bool:
    """A suspended publication's sends pause themselves; its owner resumes them later."""
    if not suspended:
        return False
    db.session.execute(
        update(Send)
        .where(Send.id == send_id, Send.status.in_((SEND_QUEUED, SEND_SENDING)))
        .values(status=SEND_PAUSED)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return True


def _still_active(publication_id: int, subscriber_id: int) -> bool:
    """The reader's status right now (read before every message)."""
    if _on_postgresql():
        row = _prepared(_STATUS_SQL, (subscriber_id, publication_id)).fetchone()
        return row is not None and row[0] == ACTIVE
    status = db.session.scalar(select(Subscriber.status).where(Subscriber.id == subscriber_id))
    return status == ACTIVE


def _count_hard_bounce(subscriber_id: int) -> None:
    """One more refused delivery; the reader is marked bounced at MAX_HARD_BOUNCES."""
    count = db.session.scalar(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id)
        .values(hard_bounces=Subscriber.hard_bounces + 1)
        .returning(Subscriber.hard_bounces)
        .execution_options(synchronize_session=False)
    )
    if count is None or count < MAX_HARD_BOUNCES:
        return
    subscriber = db.session.get(Subscriber, subscriber_id, populate_existing=True)
    if subscriber.status == ACTIVE:
        subscriber.status = SUBSCRIBER_BOUNCED
        record_event(subscriber, "bounced", f"{count} deliveries refused by the mail server")


def _finish_if_complete(send: Send) -> bool:
    """Mark the send done once no delivery is queued or sending."""
    open_rows = db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.send_id == send.id, Delivery.status.in_((QUEUED, SENDING)))
    )
    if open_rows:
        return False
    finished = db.session.execute(
        update(Send)
        .where(Send.id == send.id, Send.status.in_((SEND_SENDING, SEND_PAUSED)))
        .values(status=SEND_DONE, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if finished and not is_embedded():
        get_connection().delete(_BATCHES_KEY.format(send_id=send.id))
    return bool(finished)


def _requeue_stale(send: Send) -> int:
    """Rows claimed by a worker that stopped heart-beating go back to the queue."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["DELIVERY_CLAIM_TIMEOUT"])
    count = db.session.execute(
        update(Delivery)
        .where(
            Delivery.send_id == send.id,
            Delivery.status == SENDING,
            Delivery.claimed_at < cutoff,
        )
        .values(status=QUEUED, claimed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def _held_ranges(send_id: int) -> list[tuple[int, int]]:
    """Id ranges of this send's batch jobs still waiting to run (queued, deferred, retrying)."""
    if is_embedded():
        return []
    connection = get_connection()
    key = _BATCHES_KEY.format(send_id=send_id)
    entries = {k.decode(): v.decode() for k, v in connection.hgetall(key).items()}
    if not entries:
        return []
    held, gone = [], []
    jobs = Job.fetch_many(list(entries), connection=connection)
    for job_id, job in zip(entries, jobs, strict=True):
        status = job.get_status(refresh=False) if job is not None else None
        if status in _HELD:
            first, last = entries[job_id].split(":")
            held.append((int(first), int(last)))
        elif status != JobStatus.STARTED:
            gone.append(job_id)
    if gone:
        connection.hdel(key, *gone)
    return sorted(held)


def _enqueue_orphans(publication: Publication, send: Send) -> int:
    """Enqueue batch jobs for queued rows that no waiting job covers; returns how many."""
    query = select(Delivery.id).where(Delivery.send_id == send.id, Delivery.status == QUEUED)
    held = _held_ranges(send.id)
    if held:
        query = query.where(~or_(*(Delivery.id.between(first, last) for first, last in held)))
    starts = [first for first, _ in held]
    chunks: list[list[int]] = []
    for delivery_id in db.session.scalars(query.order_by(Delivery.id)):
        # A new chunk at BATCH_SIZE, and wherever a held range lies between two orphans,
        # so no batch's id range takes in rows a waiting job will send.
        previous = chunks[-1][-1] if chunks else None
        after = bisect.bisect_right(starts, previous) if previous is not None else 0
        if (
            not chunks
            or len(chunks[-1]) == BATCH_SIZE
            or (after < len(starts) and starts[after] < delivery_id)
        ):
            chunks.append([])
        chunks[-1].append(delivery_id)
    for chunk in chunks:
        _enqueue_batch(publication, send.id, chunk[0], chunk[-1])
    return len(chunks)


def _enqueue_batch(publication: Publication, send_id: int, first: int, last: int) -> None:
    rate = publication.max_send_rate
    timeout = 900 if rate <= 0 else max(900, int(3 * BATCH_SIZE / rate) + 300)
    job = enqueue(
        "worker.jobs.send_batch", send_id, first, last, queue="delivery", job_timeout=timeout
    )
    if not is_embedded():
        key = _BATCHES_KEY.format(send_id=send_id)
        get_connection().hset(key, job.id, f"{first}:{last}")
        get_connection().expire(key, 14 * 86400)


def _watch_later(send_id: int) -> None:
    enqueue_in(WATCH_SECONDS, "worker.jobs.watch_send", send_id, queue="delivery", at_front=True)


def watch_send(send_id: int) -> None:
    """Reconcile a send in progress, and look again in a few seconds until it is done.

    Re-queues rows whose claim went stale (a killed worker), enqueues batches for queued rows
    no waiting job covers, and marks the send done when nothing is queued or sending.
    """
    connection = get_connection()
    # Start, resume and retries may leave several watchers scheduled: one acts per period.
    lock = _WATCH_KEY.format(send_id=send_id)
    if not connection.set(lock, "1", nx=True, px=int(WATCH_SECONDS * 800)):
        return
    with _job_scope(send_id) as scope:
        if scope is None:
            return
        publication, send = scope
        if send.status not in (SEND_QUEUED, SEND_SENDING):
            return
        _watch_later(send_id)  # first, so a crash during this run cannot end the watch
        if send.status == SEND_QUEUED:
            # Fan-out not done within the claim timeout: its job was lost, so run it again
            # (it is idempotent).
            if not connection.exists(_FAN_OUT_KEY.format(send_id=send_id)):
                _start(send_id)
            return
        _requeue_stale(send)
        _enqueue_orphans(publication, send)
        _finish_if_complete(send)
