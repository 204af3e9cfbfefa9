"""Delivering a send: fan it out into Delivery rows, then send them in batches.

`fan_out` gives every active reader in the send's segment who is not on the platform's
suppression list one Delivery row (one INSERT ... SELECT, unique per issue and reader) and
enqueues batch jobs by id range. `send_batch` claims its queued rows in one UPDATE ...
RETURNING under its process's name (`claims` keeps the claim alive and tells the watcher when
its process died), renders the issue once, checks each reader is still active right before
their message, paces itself with the publication's throttle, sends over one SMTP connection
and records outcomes in small commits, so a killed worker re-sends at most the few messages
it had not recorded. Each message's envelope sender is its delivery's signed VERP address
(saas.delivery.verp), so its bounces find their way back to the row.
"""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from saas.audience.models import ACTIVE, Subscriber
from saas.audience.models import BOUNCED as SUBSCRIBER_BOUNCED
from saas.audience.subscribers import record_event
from saas.billing.paid import issue_mail as paid_mail
from saas.core.extensions import db
from saas.core.model_base import UTCDateTime, utcnow
from saas.delivery import batch_sql as send_sql
from saas.delivery import claims, deferrals, segments, sending_domains, verp
from saas.delivery import upkeep as send_upkeep
from saas.delivery.models import (
    BOUNCED,
    DEFERRED,
    FAILED,
    QUEUED,
    SEND_QUEUED,
    SEND_SENDING,
    SENDING,
    SENT,
    SKIPPED,
    Delivery,
    Send,
)
from saas.delivery.throttle import Throttle
from saas.mail.newsletter import InvalidRecipient, Recipient
from saas.mail.smtp_session import Outcome, open_session
from saas.publishing.models import Issue, Publication

RECORD_EVERY = 20  # outcomes per commit: the most a killed worker can send twice
RECORD_SECONDS = 0.5  # ... or this long, whichever comes first
MAX_ATTEMPTS = 5  # claims of one delivery before it is given up as failed
MAX_HARD_BOUNCES = 3  # rejected deliveries before a reader is marked bounced
# Temporary refusals in a row after which the rest of the batch is deferred untried: the
# server is refusing everything for now, and each try would cost the session's retry pauses.
DEFER_REST_AFTER = 3


def _insert_statement(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def fan_out(send_id: int) -> None:
    """One Delivery per active reader in the segment, then batch jobs; safe to run twice."""
    with send_upkeep.job_scope(send_id) as scope:
        if scope is None:
            return
        publication, send = scope
        if send.status != SEND_QUEUED or send_upkeep.pause_if_suspended(publication, send.id):
            # Already fanned out (this is a retry), paused or cancelled: only the batches
            # of a send in progress may be missing.
            if send.status == SEND_SENDING:
                send_upkeep.enqueue_orphans(publication, send)
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
        ).where(*segments.conditions(publication, segments.from_stored(send.segment)))
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
        send_upkeep.enqueue_orphans(publication, send)
        send_upkeep.finish_if_complete(send)


def send_batch(send_id: int, first_id: int, last_id: int) -> int:
    """Send the send's queued deliveries with ids in [first_id, last_id]; safe to run twice.

    Returns how many deliveries this run claimed. Raises ConnectionLost (after handing
    its unsent rows back) when the mail server stays unreachable, so RQ retries the job.
    """
    with send_upkeep.job_scope(send_id) as scope:
        if scope is None:
            return 0
        publication, send = scope
        if send.status != SEND_SENDING or send_upkeep.pause_if_suspended(publication, send.id):
            return 0
        # The claim is kept alive by this process's heartbeat until its rows are handed back.
        with claims.hold(publication.id, send.id) as owner:
            now = utcnow()
            claimed = db.session.execute(
                update(Delivery)
                .where(
                    Delivery.send_id == send.id,
                    Delivery.status == QUEUED,
                    Delivery.id >= first_id,
                    Delivery.id <= last_id,
                )
                .values(
                    status=SENDING,
                    claimed_at=now,
                    claimed_by=owner,
                    attempts=Delivery.attempts + 1,
                    updated_at=now,
                )
                .returning(Delivery.id, Delivery.subscriber_id, Delivery.email, Delivery.attempts)
                .execution_options(synchronize_session=False)
            ).all()
            db.session.commit()
            if claimed:
                _Batch(publication, send, sorted(claimed)).run()
        send_upkeep.finish_if_complete(send)
        return len(claimed)


class _Batch:
    """A batch's claimed rows: render once, then per reader check, pace, send and record."""

    def __init__(self, publication: Publication, send: Send, claimed: list) -> None:
        self.publication = publication
        self.publication_id = publication.id  # a plain int: commits expire the ORM object
        self.send_id, self.issue_id = send.id, send.issue_id
        self.todo = list(reversed(claimed))  # claimed, not yet sent; next one last
        self.outcomes: list[tuple] = []  # sent, not yet recorded
        self.deferred: list[tuple[int, str, str]] = []  # refused for now, not yet recorded
        self.refused_in_a_row = 0
        self.bounced: list[int] = []
        self.recorded_at = time.monotonic()

    def run(self) -> None:
        """Send every claimed row, or stop early (paused, server gone) handing the rest back."""
        publication = self.publication
        issue = db.session.get(Issue, self.issue_id)
        sender = sending_domains.sender_for(publication)  # None: the platform's address
        self.bounce_domain = verp.domain_for(sender)
        message = paid_mail.issue_message(publication, issue, sender=sender)
        # A paid issue: readers without paid access are mailed the preview instead.
        self.variants = paid_mail.Variants(
            publication, issue, [row.subscriber_id for row in self.todo], sender=sender
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
                if self.refused_in_a_row >= DEFER_REST_AFTER and self.todo:
                    self._defer_rest(outcome)
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
        if not send_sql.still_active(self.publication_id, row.subscriber_id):
            return Outcome(SKIPPED, "", "No longer subscribed when their turn came."), ""
        recipient = Recipient(row.subscriber_id, row.email, names.get(row.subscriber_id, ""))
        try:
            personalised = self.variants.pick(message, row.subscriber_id).personalise(
                recipient, verp.return_path(row.id, self.bounce_domain)
            )
        except InvalidRecipient as exc:
            return Outcome(FAILED, "", str(exc)), ""
        return session.deliver(personalised), personalised.message_id

    def _note(self, row, outcome: Outcome, message_id: str) -> None:
        if outcome.status == DEFERRED:
            self.deferred.append((row.id, outcome.smtp_response, outcome.error))
            self.refused_in_a_row += 1
            return
        self.refused_in_a_row = 0
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

    def _defer_rest(self, last: Outcome) -> None:
        """Defer every row still to do, untried, with the server's last words."""
        for row in reversed(self.todo):
            self.deferred.append((row.id, last.smtp_response, deferrals.NOT_TRIED))
        self.todo = []

    def _record(self) -> None:
        """Commit the outcomes so far (the heartbeat in `claims` keeps the rest claimed)."""
        if self.outcomes:
            send_sql.record_outcomes(self.publication_id, self.outcomes)
        deferrals.defer(self.deferred)
        for subscriber_id in self.bounced:
            _count_hard_bounce(subscriber_id)
        db.session.commit()
        self.outcomes, self.deferred, self.bounced = [], [], []
        self.recorded_at = time.monotonic()

    def _stopped(self) -> bool:
        """Whether the send was paused, or its publication suspended, since the last look."""
        status, suspended = send_sql.send_state(self.send_id)
        return send_upkeep.paused_by_suspension(suspended, self.send_id) or status != SEND_SENDING

    def _release(self) -> None:
        """Hand unsent rows back to the queue (they were claimed but not attempted)."""
        if not self.todo:
            return
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_([row.id for row in self.todo]), Delivery.status == SENDING)
            .values(status=QUEUED, claimed_at=None, claimed_by=None, attempts=Delivery.attempts - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        self.todo = []


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
