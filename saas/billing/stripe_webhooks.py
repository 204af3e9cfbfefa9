"""Stripe webhooks: verify, store each event once, process it in a job, one handler per type.

`receive` checks the signature with `stripe.WebhookSignature.verify_header` against the
platform secret, then the Connect secret (one endpoint serves both), refusing timestamps more
than TOLERANCE seconds old *or* ahead, and reads the body as plain JSON
(saas.billing.webhook_payload): a genuine body that is no event Tend can store is a 400, an
event Tend has no handler for is stored and acknowledged. The event is stored by id with an
insert that ignores a duplicate, so a repeat (or twenty concurrent repeats) stores one row
and enqueues one job. `process` runs in the job: it finds the handler for the type, which
re-reads the object from Stripe (see saas.billing.subscription_state), marks the event
processed and clears its payload. A failure is recorded and re-raised, so RQ retries it and
Sentry hears of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import stripe
from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from saas.billing import plan_billing, webhook_payload
from saas.billing.models import StripeEvent
from saas.billing.paid import connect_accounts, reader_sync
from saas.billing.stripe_api import field, object_id, subscription_of_invoice
from saas.billing.webhook_payload import ReceivedEvent
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue

TOLERANCE = 300
PROCESS_JOB = "worker.jobs.process_stripe_event"


class InvalidWebhook(ValueError):
    """Not a genuine, fresh Stripe event: answer 400."""


def _secrets() -> list[str]:
    config = current_app.config
    names = ("STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET")
    return [config[name] for name in names if config.get(name)]


def _refuse_future(signature: str) -> None:
    # construct_event refuses old timestamps only; a replay signed "in the future" waits
    # out the tolerance window, so refuse those too.
    stamps = [part[2:] for part in signature.split(",") if part.strip().startswith("t=")]
    if not stamps or not stamps[0].strip().isdigit():
        raise InvalidWebhook("no timestamp")
    if int(stamps[0]) > time.time() + TOLERANCE:
        raise InvalidWebhook("timestamp in the future")


def verify(payload: bytes, signature: str) -> ReceivedEvent:
    """The event, if the signature is genuine and fresh under either secret."""
    secrets = _secrets()
    if not secrets:
        raise InvalidWebhook("webhooks are not configured")
    _refuse_future(signature or "")
    try:
        body = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidWebhook("malformed payload: not UTF-8") from exc
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(body, signature, secret, tolerance=TOLERANCE)
        except stripe.SignatureVerificationError:
            continue
        try:
            return webhook_payload.read(body)
        except webhook_payload.MalformedPayload as exc:
            raise InvalidWebhook(f"malformed payload: {exc}") from exc
    raise InvalidWebhook("bad signature")


def _store(event: ReceivedEvent) -> bool:
    """Insert the event unless its id is already stored; True when this call stored it."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(StripeEvent)
    statement = (
        insert.values(
            id=event.id,
            type=event.type,
            account=event.account,
            livemode=event.livemode,
            stripe_created=event.created or utcnow(),
            payload=event.payload,
            received_at=utcnow(),
            attempts=0,
            last_error="",
        )
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(StripeEvent.id)
    )
    stored = db.session.execute(statement).scalar() is not None
    db.session.commit()
    return stored


def receive(payload: bytes, signature: str) -> tuple[str, bool]:
    """Verify and store an event, and enqueue its processing; (event id, first time seen)."""
    event = verify(payload, signature)
    stored = _store(event)
    if stored:
        enqueue(PROCESS_JOB, event.id, queue="default", retry=5)
    else:
        # A repeat changes nothing, except that an event whose processing failed (and
        # whose retries ran out) is tried again: processing is idempotent.
        failed = db.session.scalar(
            select(StripeEvent.id).where(
                StripeEvent.id == event.id,
                StripeEvent.processed_at.is_(None),
                StripeEvent.last_error != "",
            )
        )
        if failed:
            enqueue(PROCESS_JOB, event.id, queue="default", retry=5)
    return event.id, stored


# --- handlers: each reads the object afresh from Stripe ------------------------------------


def _checkout_completed(event: dict, obj: Any) -> None:
    subscription_id = object_id(field(obj, "subscription"))
    if field(obj, "mode") != "subscription" or not subscription_id:
        return
    account = event.get("account")
    if account:
        claimed = str(field(obj, "metadata", "tend_publication_id", default=""))
        email = str(field(obj, "customer_details", "email", default="") or "")
        expected = int(claimed) if claimed.isdigit() else None
        reader_sync.sync_reader_subscription(account, subscription_id, email, expected)
    else:
        reference = str(field(obj, "client_reference_id", default="") or "")
        user_id = int(reference) if reference.isdigit() else None
        plan_billing.sync_plan_subscription(subscription_id, user_id)


def _subscription_changed(event: dict, obj: Any) -> None:
    _sync_subscription(event, object_id(obj))


def _invoice_changed(event: dict, obj: Any) -> None:
    _sync_subscription(event, subscription_of_invoice(obj))


def _sync_subscription(event: dict, subscription_id: str) -> None:
    if not subscription_id:
        return
    account = event.get("account")
    if account:
        reader_sync.sync_reader_subscription(account, subscription_id)
    else:
        plan_billing.sync_plan_subscription(subscription_id)


def _account_updated(event: dict, obj: Any) -> None:
    connect_accounts.sync_account(event.get("account") or object_id(obj))


HANDLERS: dict[str, Callable[[dict, Any], None]] = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
    "customer.subscription.paused": _subscription_changed,
    "customer.subscription.resumed": _subscription_changed,
    "invoice.paid": _invoice_changed,
    "invoice.payment_failed": _invoice_changed,
    "account.updated": _account_updated,
}


def process(event_id: str) -> bool:
    """Run the event's handler once; True if it ran now. Safe to run twice."""
    row = db.session.get(StripeEvent, event_id)
    if row is None or row.processed_at is not None:
        return False
    payload = dict(row.payload)
    row.attempts += 1
    db.session.commit()
    handler = HANDLERS.get(row.type)
    try:
        if handler is not None:
            handler(payload, field(payload, "data", "object", default={}))
    except Exception as exc:
        db.session.rollback()
        row = db.session.get(StripeEvent, event_id)
        row.last_error = f"{type(exc).__name__}: {str(exc)[:200]}"[:300]
        db.session.commit()
        raise
    row = db.session.get(StripeEvent, event_id)
    row.processed_at, row.payload, row.last_error = utcnow(), {}, ""
    db.session.commit()
    return True
