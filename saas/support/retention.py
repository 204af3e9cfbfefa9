"""Retention: closed (and spam) requests older than their publication's period are deleted.

Runs across every publication on purpose (explicitly, through cross_tenant), daily: an RQ
job that schedules its own next run in production, the embedded scheduler thread otherwise.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import schedule_next_run
from saas.core.tenancy import bound_to, cross_tenant
from saas.support.models import FINISHED_STAGES, SupportEvent, SupportForm, SupportRequest

DEFAULT_RETENTION_MONTHS = 12
PURGE_JOB_ID_PREFIX = "tend-support-retention-"
PURGE_JOB = "worker.jobs.purge_support_requests"


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` calendar months earlier (day clamped)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _retention_by_publication() -> dict[int, int]:
    with cross_tenant():
        rows = db.session.execute(
            select(SupportForm.publication_id, SupportForm.retention_months)
        ).all()
    return {publication_id: months for publication_id, months in rows}


def purge_expired(now: datetime | None = None) -> int:
    """Delete finished requests past retention in every publication; returns how many."""
    now = now or utcnow()
    retention = _retention_by_publication()
    with cross_tenant():
        publication_ids = db.session.scalars(
            select(SupportRequest.publication_id)
            .where(SupportRequest.stage.in_(FINISHED_STAGES), SupportRequest.closed_at.is_not(None))
            .group_by(SupportRequest.publication_id)
        ).all()
    purged = 0
    for publication_id in publication_ids:
        cutoff = months_before(now, retention.get(publication_id, DEFAULT_RETENTION_MONTHS))
        with bound_to(publication_id):
            ids = db.session.scalars(
                select(SupportRequest.id).where(
                    SupportRequest.publication_id == publication_id,
                    SupportRequest.stage.in_(FINISHED_STAGES),
                    SupportRequest.closed_at < cutoff,
                )
            ).all()
            if not ids:
                continue
            db.session.execute(
                delete(SupportEvent)
                .where(SupportEvent.request_id.in_(ids))
                .execution_options(synchronize_session=False)
            )
            db.session.execute(
                delete(SupportRequest)
                .where(SupportRequest.id.in_(ids))
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        purged += len(ids)
        current_app.logger.info(
            "support retention: %s request(s) of publication %s purged", len(ids), publication_id
        )
    return purged


def schedule_next_purge(after: timedelta = timedelta(days=1)) -> str | None:
    """Put the next purge on RQ's scheduler; returns its job id (None when embedded)."""
    return schedule_next_run(PURGE_JOB, PURGE_JOB_ID_PREFIX, after)
