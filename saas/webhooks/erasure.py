"""Forgetting what deliveries held: an erased reader or request, and logs past their keeping.

A delivery's body can hold a reader's address, name or words, so when the reader is erased
(audience's hook) or a support request is (support's), the deliveries about them go in the
same transaction, sent or not. Finished deliveries are kept WEBHOOK_LOG_DAYS for the log,
then deleted.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import cross_tenant
from saas.replies.models import Reply
from saas.webhooks.models import DELIVERED, FAILED, WebhookDelivery


def _forget(subjects: list[str]) -> None:
    if subjects:
        db.session.execute(
            delete(WebhookDelivery)
            .where(WebhookDelivery.subject.in_(subjects))
            .execution_options(synchronize_session=False)
        )


def forget_reader(publication, subscriber) -> None:
    """Delete deliveries about the reader and their replies (the caller commits)."""
    replies = db.session.scalars(select(Reply.id).where(Reply.subscriber_id == subscriber.id))
    _forget([f"subscriber:{subscriber.id}", *(f"reply:{reply_id}" for reply_id in replies)])


def forget_requests(publication_id: int, ids: list[int]) -> None:
    """Delete deliveries about these support requests (the caller commits)."""
    _forget([f"support_request:{request_id}" for request_id in ids])


def purge_old_deliveries() -> int:
    """Delete finished deliveries older than WEBHOOK_LOG_DAYS, in every publication."""
    cutoff = utcnow() - timedelta(days=float(current_app.config["WEBHOOK_LOG_DAYS"]))
    with cross_tenant():
        purged = db.session.execute(
            delete(WebhookDelivery)
            .where(
                WebhookDelivery.created_at < cutoff,
                WebhookDelivery.status.in_((DELIVERED, FAILED)),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
    return purged
