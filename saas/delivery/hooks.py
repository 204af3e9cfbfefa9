"""Delivery's part when a reader is erased, shown or exported (receivers of audience's hooks).

Connected once at start-up by `saas.delivery.init_app`. An erased reader's delivery rows keep
only the counts (status and dates: no address, no server answer, no Message-ID); a reader's
history lists what was delivered to them; their data export includes it. Delivery's own
signal, `send_finished`, tells higher features (outbound webhooks) that a send is done.
"""

from __future__ import annotations

from blinker import Namespace
from sqlalchemy import select, update

from saas.audience import hooks as audience_hooks
from saas.core.extensions import db
from saas.delivery.models import Delivery
from saas.publishing.models import Issue

send_finished = Namespace().signal("send-finished")
"""Sent with the Send as sender once it is marked done (committed); receivers may commit."""


def _blank_deliveries(publication, subscriber) -> None:
    db.session.execute(
        update(Delivery)
        .where(Delivery.subscriber_id == subscriber.id)
        # The server's answer and the error can quote the address; the Message-ID names
        # the reader's id.
        .values(subscriber_id=None, email="erased", smtp_response="", error="", message_id="")
        .execution_options(synchronize_session=False)
    )


def _delivery_history(publication, subscriber) -> list[tuple]:
    rows = db.session.execute(
        select(Delivery.status, Delivery.sent_at, Delivery.updated_at, Issue.number, Issue.title)
        .join(Issue, Issue.id == Delivery.issue_id)
        .where(Delivery.subscriber_id == subscriber.id)
    ).all()
    entries = []
    for status, sent_at, updated_at, number, title in rows:
        label = f"Issue {number}: {title}" if number else title
        entries.append((sent_at or updated_at, f"delivery {status}", label))
    return entries


def _delivery_data(publication, subscriber) -> dict:
    deliveries = db.session.scalars(
        select(Delivery).where(Delivery.subscriber_id == subscriber.id).order_by(Delivery.id)
    )
    return {
        "deliveries": [
            {"issue_id": d.issue_id, "status": d.status, "sent_at": d.sent_at} for d in deliveries
        ]
    }


def connect() -> None:
    """Connect every receiver (idempotent: blinker keeps one connection per function)."""
    audience_hooks.reader_erasing.connect(_blank_deliveries, weak=False)
    audience_hooks.reader_history.connect(_delivery_history, weak=False)
    audience_hooks.reader_data.connect(_delivery_data, weak=False)
