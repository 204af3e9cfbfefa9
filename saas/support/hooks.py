"""Support's part when a reader is erased or asks for their data (receivers of audience's hooks).

Connected once at start-up by `saas.support.init_app`. Requests are matched on the reader's
address, decrypted to compare (it is encrypted at rest). Erasing the reader deletes their
requests and timelines; their data export carries what they sent and what they were sent,
not the practitioner's private notes.
"""

from __future__ import annotations

from sqlalchemy import select

from saas.audience import hooks as audience_hooks
from saas.core.extensions import db
from saas.support import pipeline, queries
from saas.support.models import EVENT_ACKNOWLEDGED, EVENT_EMAILED, EVENT_SUBMITTED, SupportEvent

# Timeline entries that are the reader's own exchange with the practitioner.
_SHARED_EVENTS = (EVENT_SUBMITTED, EVENT_ACKNOWLEDGED, EVENT_EMAILED)


def _erase_requests(publication, subscriber) -> None:
    requests = queries.from_address(publication, subscriber.email)
    if requests:
        pipeline.delete_requests([r.id for r in requests])


def _request_data(publication, subscriber) -> dict:
    requests = queries.from_address(publication, subscriber.email)
    exported = []
    for request in requests:
        events = db.session.scalars(
            select(SupportEvent)
            .where(SupportEvent.request_id == request.id, SupportEvent.kind.in_(_SHARED_EVENTS))
            .order_by(SupportEvent.created_at)
        )
        exported.append(
            {
                "sent_at": request.created_at,
                "stage": request.stage,
                "name": request.name,
                "email": request.email,
                "phone": request.phone,
                "preferred_contact": request.preferred_contact,
                "message": request.message,
                "answers": request.answers,
                "consent": request.consent_text,
                "consent_given_at": request.consent_given_at,
                "exchange": [
                    {"at": e.created_at, "kind": e.kind, "text": e.body or ""} for e in events
                ],
            }
        )
    return {"support_requests": exported}


def connect() -> None:
    """Connect every receiver (idempotent: blinker keeps one connection per function)."""
    audience_hooks.reader_erasing.connect(_erase_requests, weak=False)
    audience_hooks.reader_data.connect(_request_data, weak=False)
