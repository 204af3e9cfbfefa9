"""Events: what can be sent, the body every delivery carries, and recording one for sending.

An event is recorded once its change is committed: one delivery row per enabled endpoint
that asked for its type, each holding the same signed-to-be body, committed together, then
one job per delivery. An endpoint that asked for nothing of the kind costs one query.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, NamedTuple

from sqlalchemy import select

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from saas.webhooks import attempts
from saas.webhooks.models import PENDING, WebhookDelivery, WebhookEndpoint
from saas.webhooks.payloads import timestamp

# Event type -> what it means, as the endpoint form lists them.
EVENT_TYPES = {
    "subscriber.created": "A reader signed up or was added (pending until they confirm)",
    "subscriber.confirmed": "A reader confirmed and is on the list",
    "subscriber.unsubscribed": "A reader left the list",
    "issue.published": "An issue was published",
    "send.finished": "An issue finished going out to the list",
    "reply.created": "A reader replied to an issue",
    "support_request.created": "A support request arrived",
    "support_request.stage_changed": "A support request moved to another stage",
}
# Only ever sent by the "Send test" button, to any endpoint.
TEST_EVENT = "endpoint.test"


class Event(NamedTuple):
    """What every delivery of one event shares, apart from its body."""

    id: str
    type: str
    subject: str


def new_event_id() -> str:
    """An event id receivers can use to recognise a repeat."""
    return "evt_" + secrets.token_hex(12)


def envelope(publication: Publication, event_id: str, event_type: str, data: dict) -> str:
    """The JSON body of a delivery: the event, the publication it happened in, its data."""
    return json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "created_at": timestamp(utcnow()),
            "publication": {"id": publication.id, "slug": publication.slug},
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def listening(publication: Publication, event_type: str) -> list[WebhookEndpoint]:
    """The publication's enabled endpoints that asked for `event_type`."""
    endpoints = db.session.scalars(
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.publication_id == publication.id,
            WebhookEndpoint.enabled.is_(True),
        )
        .order_by(WebhookEndpoint.id)
    )
    return [endpoint for endpoint in endpoints if event_type in (endpoint.events or [])]


def record(
    publication: Publication, event_type: str, data: dict[str, Any], subject: str
) -> list[int]:
    """Store one delivery per listening endpoint, commit, queue their first tries.

    `subject` names what the event is about ("subscriber:12"), so erasing it forgets it.
    """
    if publication.suspended_at is not None:
        # An operator took the publication offline: it tells other tools nothing meanwhile.
        return []
    with bound_to(publication.id):
        endpoints = listening(publication, event_type)
        if not endpoints:
            return []
        event = Event(new_event_id(), event_type, subject)
        body = envelope(publication, event.id, event.type, data)
        return _store(publication, endpoints, event, body)


def _store(
    publication: Publication,
    endpoints: list[WebhookEndpoint],
    event: Event,
    body: str,
    manual: bool = False,
) -> list[int]:
    rows = [
        WebhookDelivery(
            publication_id=publication.id,
            endpoint_id=endpoint.id,
            event_id=event.id,
            event_type=event.type,
            subject=event.subject,
            body=body,
            status=PENDING,
            manual=manual,
        )
        for endpoint in endpoints
    ]
    db.session.add_all(rows)
    db.session.commit()
    ids = [row.id for row in rows]
    for delivery_id in ids:
        attempts.dispatch(delivery_id)
    return ids


def send_test(publication: Publication, endpoint: WebhookEndpoint) -> int:
    """Queue a test event to one endpoint (enabled or not); returns the delivery's id."""
    data = {"message": "A test event from Tend: your endpoint is reachable."}
    event = Event(new_event_id(), TEST_EVENT, "")
    body = envelope(publication, event.id, event.type, data)
    return _store(publication, [endpoint], event, body, manual=True)[0]


def redeliver(publication: Publication, delivery: WebhookDelivery) -> int:
    """Send a delivery's body again as a new delivery (same event id); returns its id."""
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    event = Event(delivery.event_id, delivery.event_type, delivery.subject)
    return _store(publication, [endpoint], event, delivery.body, manual=True)[0]
