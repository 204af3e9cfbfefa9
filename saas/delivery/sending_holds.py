"""A publication's sends held for its complaint rate, until an operator lifts the hold.

`hold` is called by saas.delivery.bounce_rates when complaints pass COMPLAINT_PAUSE_RATE:
sends in progress pause (their batches stop after the messages in flight), and no send
starts or resumes while the hold stands (saas.delivery.upkeep treats it like a suspension).
Only an operator lifts it (`lift`, from /ops); the complaint rate then counts again from
that moment, so the complaints that caused the hold do not hold it again at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to, cross_tenant
from saas.delivery.bounce_models import SendingHold
from saas.delivery.models import SEND_PAUSED, SEND_QUEUED, SEND_SENDING, Send


def current(publication_id: int) -> SendingHold | None:
    """The hold standing on the publication's sends (bound to it), if any."""
    return db.session.scalar(
        select(SendingHold).where(
            SendingHold.publication_id == publication_id, SendingHold.lifted_at.is_(None)
        )
    )


def lifted_at(publication_id: int) -> datetime | None:
    """When an operator last lifted a hold on the publication (None: never)."""
    return db.session.scalar(
        select(SendingHold.lifted_at).where(SendingHold.publication_id == publication_id)
    )


def hold(publication_id: int, rate: float, reason: str) -> bool:
    """Hold the publication's sends and pause those in progress; True if newly held."""
    row = db.session.scalar(select(SendingHold).where(SendingHold.publication_id == publication_id))
    if row is not None and row.lifted_at is None:
        return False
    if row is None:
        row = SendingHold(publication_id=publication_id)
        db.session.add(row)
    row.complaint_rate, row.reason = rate, reason[:300]
    row.held_at, row.lifted_at, row.lifted_by = utcnow(), None, ""
    db.session.execute(
        update(Send)
        .where(
            Send.publication_id == publication_id,
            Send.status.in_((SEND_QUEUED, SEND_SENDING)),
        )
        .values(status=SEND_PAUSED)
        .execution_options(synchronize_session=False)
    )
    return True


def lift(publication_id: int, operator_email: str) -> SendingHold | None:
    """An operator lifts the hold (the caller commits); None if none stands."""
    with bound_to(publication_id):
        row = current(publication_id)
        if row is not None:
            row.lifted_at, row.lifted_by = utcnow(), operator_email[:254]
            db.session.flush()  # while bound: row-level security checks the update
        return row


def held_publications() -> dict[int, SendingHold]:
    """Every standing hold by publication id, for the operator's console."""
    with cross_tenant():
        rows = db.session.scalars(select(SendingHold).where(SendingHold.lifted_at.is_(None)))
        return {row.publication_id: row for row in rows}
