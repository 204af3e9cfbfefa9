"""Stored Stripe events that name an erased reader, cut down to ids.

A processed event keeps no payload (saas.billing.stripe_webhooks clears it), but one still
waiting for its job, or whose processing failed, holds Stripe's whole object: the reader's
address and name on a Checkout Session, the customer and subscription ids. Erasing the reader
keeps such a row (its id dedupes Stripe's redeliveries, and the job still owes it a run) with
only what processing reads: the event's id, type, account and time, and the object's id, type
and the ids processing follows (the subscription, the invoice's subscription, the publication
it was sold for; not the customer, which stands for the reader). Processing that stub
re-reads the subscription from Stripe, which marks it as an erased reader's, so nobody is
made again.

Nothing Tend keeps is needed for accounting: the practitioner's records (invoices, payments,
refunds) live on their own Stripe account, which Tend does not change; the erase only stops
the subscription (saas.billing.paid.reader_erasure).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from saas.billing.models import StripeEvent
from saas.billing.stripe_api import field, object_id
from saas.core.extensions import db

_EVENT_KEYS = ("id", "object", "type", "account", "created", "livemode", "api_version")
_OBJECT_KEYS = ("id", "object", "mode", "status", "subscription")


def cut_events_naming(needles: Iterable[str]) -> int:
    """Cut every stored, unprocessed event whose payload or error holds a needle.

    Case-insensitive; runs in the caller's transaction (the caller commits). Returns how
    many events were cut.
    """
    wanted = tuple(needle.casefold() for needle in needles if needle)
    if not wanted:
        return 0
    cut = 0
    pending = select(StripeEvent).where(StripeEvent.processed_at.is_(None))
    for event in db.session.scalars(pending):
        text = json.dumps(event.payload, ensure_ascii=False).casefold()
        if any(needle in text for needle in wanted):
            event.payload = ids_only(event.payload)
            cut += 1
        if any(needle in event.last_error.casefold() for needle in wanted):
            event.last_error = "(cut: it named an erased reader)"
    return cut


def ids_only(payload: dict[str, Any]) -> dict[str, Any]:
    """The event with nothing but the ids and kinds its handler reads."""
    obj = field(payload, "data", "object", default={})
    kept = {key: object_id(field(obj, key)) for key in _OBJECT_KEYS if field(obj, key)}
    invoiced = object_id(field(obj, "parent", "subscription_details", "subscription"))
    if invoiced:
        kept["parent"] = {"subscription_details": {"subscription": invoiced}}
    publication = field(obj, "metadata", "tend_publication_id")
    if publication:
        kept["metadata"] = {"tend_publication_id": str(publication)}
    event = {key: payload[key] for key in _EVENT_KEYS if key in payload}
    return {**event, "data": {"object": kept}}
