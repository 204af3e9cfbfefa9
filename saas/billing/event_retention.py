"""Retention of stored Stripe webhook events: processed rows go after STRIPE_EVENT_RETENTION_DAYS.

A StripeEvent row exists to recognise a repeat of the same event id (saas.billing.
stripe_webhooks.receive). Stripe redelivers an event for up to three days, and a signed
payload older than the signature tolerance is refused anyway, so a processed row kept for the
retention period (never less than MIN_RETENTION_DAYS) still dedupes every replay Stripe can
make. Unprocessed rows stay whatever their age: they are work still owed (or failures an
operator should see). Platform-level table, so no tenant is bound. Runs daily: an RQ job that
schedules its own next run in production, the embedded scheduler thread otherwise.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from saas.billing.models import StripeEvent
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import schedule_next_run

# Stripe retries a webhook delivery for up to three days; keep a day more than that.
MIN_RETENTION_DAYS = 4
PURGE_BATCH = 1000
PURGE_JOB = "worker.jobs.purge_stripe_events"
PURGE_JOB_ID_PREFIX = "tend-stripe-event-retention-"


def retention_days() -> int:
    """Days a processed event is kept (STRIPE_EVENT_RETENTION_DAYS, at least the minimum)."""
    return max(MIN_RETENTION_DAYS, int(current_app.config["STRIPE_EVENT_RETENTION_DAYS"]))


def purge_processed(now: datetime | None = None) -> int:
    """Delete events processed more than the retention period ago; returns how many.

    Deletes in batches, each committed, so a long backlog never holds one big transaction.
    """
    cutoff = (now or utcnow()) - timedelta(days=retention_days())
    purged = 0
    while True:
        ids = db.session.scalars(
            select(StripeEvent.id)
            .where(StripeEvent.processed_at.is_not(None), StripeEvent.processed_at < cutoff)
            .limit(PURGE_BATCH)
        ).all()
        if not ids:
            break
        db.session.execute(
            delete(StripeEvent)
            .where(StripeEvent.id.in_(ids), StripeEvent.processed_at < cutoff)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        purged += len(ids)
    db.session.commit()
    if purged:
        current_app.logger.info("stripe event retention: %s processed event(s) purged", purged)
    return purged


def schedule_next_purge(after: timedelta = timedelta(days=1)) -> str | None:
    """Put the next purge on RQ's scheduler; returns its job id (None when embedded)."""
    return schedule_next_run(PURGE_JOB, PURGE_JOB_ID_PREFIX, after)
