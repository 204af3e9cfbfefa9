"""Temporary refusals, the way a mail server treats them: try again later, then give up.

A message the receiving server refuses for now (a 4xx reply, or no answer) after the quick
retries of one SMTP session is not a failure: the delivery is deferred and tried again after
DELIVERY_RETRY_SCHEDULE's pauses (the last one repeating), until DELIVERY_RETRY_HOURS after
its first deferral; only then is it failed, with the server's last words kept. The send stays
in progress meanwhile, and its report counts deferred readers apart. A practitioner can send
the failed deliveries of a send again (`retry_failed`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import cross_tenant
from saas.delivery import upkeep
from saas.delivery.models import (
    DEFERRED,
    FAILED,
    QUEUED,
    SEND_DONE,
    SEND_QUEUED,
    SEND_SENDING,
    Delivery,
    Send,
)
from saas.delivery.sending import SendError
from saas.publishing.models import Publication

NOT_TRIED = "Not tried: the mail server was refusing every message for now."


class RetryError(SendError):
    """The failed deliveries cannot be sent again now; the message says why."""


def next_attempt(deferrals: int, now: datetime) -> datetime:
    """When a delivery deferred `deferrals` times before is due again."""
    schedule = current_app.config["DELIVERY_RETRY_SCHEDULE"] or [60.0]
    pause = schedule[min(deferrals, len(schedule) - 1)]
    return now + timedelta(seconds=pause)


def defer(outcomes: list[tuple[int, str, str]]) -> None:
    """Record temporary refusals (delivery id, server's words, ours); the caller commits.

    Each row is due again per the schedule, or failed once DELIVERY_RETRY_HOURS have passed
    since its first deferral.
    """
    if not outcomes:
        return
    now = utcnow()
    give_up_after = timedelta(hours=current_app.config["DELIVERY_RETRY_HOURS"])
    words = {delivery_id: (response, error) for delivery_id, response, error in outcomes}
    for delivery in db.session.scalars(select(Delivery).where(Delivery.id.in_(list(words)))):
        response, error = words[delivery.id]
        first = delivery.first_deferred_at or now
        delivery.smtp_response = response[:2000]
        delivery.claimed_at = delivery.claimed_by = None
        delivery.attempts = 0  # an answer, not a crash: the claim count starts over
        if now - first >= give_up_after:
            hours = give_up_after.total_seconds() / 3600
            delivery.status = FAILED
            delivery.next_attempt_at = None
            delivery.error = f"Still refused for now after {hours:g} hours of tries; given up."
            continue
        delivery.status = DEFERRED
        delivery.first_deferred_at = first
        delivery.next_attempt_at = next_attempt(delivery.deferrals, now)
        delivery.deferrals += 1
        delivery.error = error[:2000]


def retry_due() -> int:
    """Bring back due deferred rows of every send in progress (the embedded server's timer).

    With Redis, each send's watcher does this every few seconds; the embedded default has
    no watcher, so `flask serve` runs this among its periodic work. Returns rows requeued.
    """
    with cross_tenant():
        send_ids = list(
            db.session.scalars(
                select(Delivery.send_id)
                .where(Delivery.status == DEFERRED, Delivery.next_attempt_at <= utcnow())
                .distinct()
            )
        )
    requeued = 0
    for send_id in send_ids:
        with upkeep.job_scope(send_id) as scope:
            if scope is None:
                continue
            publication, send = scope
            if send.status != SEND_SENDING:
                continue
            requeued += upkeep.requeue_due_deferrals(send)
            upkeep.enqueue_orphans(publication, send)
            upkeep.finish_if_complete(send)
    return requeued


def retry_failed(publication: Publication, send: Send) -> int:
    """Send the failed deliveries of a finished send again; returns how many go back.

    Their records start over (the reader gets one more try); readers who have since left
    the list are skipped when their turn comes, as in any send.
    """
    if send.status in (SEND_QUEUED, SEND_SENDING):
        raise RetryError("This send is still going: wait for it to finish, then retry.")
    if send.status != SEND_DONE:
        raise RetryError("Only a finished send's failed deliveries can be sent again.")
    count = db.session.execute(
        update(Delivery)
        .where(Delivery.send_id == send.id, Delivery.status == FAILED)
        .values(
            status=QUEUED,
            attempts=0,
            deferrals=0,
            first_deferred_at=None,
            next_attempt_at=None,
            claimed_at=None,
            error="",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not count:
        db.session.rollback()
        raise RetryError("No delivery of this send has failed.")
    reopened = db.session.execute(
        update(Send)
        .where(Send.id == send.id, Send.status == SEND_DONE)
        .values(status=SEND_SENDING, finished_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not reopened:  # another request reopened it first
        db.session.rollback()
        raise RetryError("This send is going again already.")
    db.session.commit()
    db.session.refresh(send)
    if not send.started_at:
        send.started_at = utcnow()
        db.session.commit()
    upkeep.watch_later(send.id)
    upkeep.enqueue_orphans(publication, send)
    upkeep.finish_if_complete(send)
    return count
