"""Trying a delivery: claim it, post it signed, record the answer, then retry later or give up.

One job per try (`worker.jobs.deliver_webhook`, the delivery's id). A try first claims the
row (pending, due, or claimed by a worker that died), so a job that runs twice, or a sweep
that finds the row due while its scheduled job also runs, makes one request. Nothing is held
open in the database while the receiver answers. A 2xx answer delivers; anything else (a
redirect too: they are not followed) fails the try, and the next one comes after
WEBHOOK_RETRY_SCHEDULE's next pause until the schedule runs out. A "send test" or
"redeliver" press is tried once. When a delivery runs out of tries and nothing reached the
endpoint for WEBHOOK_DISABLE_HOURS, the endpoint is switched off and its owners are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from saas.core import outbound_http
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue, enqueue_in
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing.models import Publication
from saas.webhooks import notices, signing
from saas.webhooks.models import (
    DELIVERED,
    FAILED,
    PENDING,
    RETRYING,
    SENDING,
    WebhookDelivery,
    WebhookEndpoint,
)

JOB = "worker.jobs.deliver_webhook"
EXCERPT_CHARS = 1000
SWEEP_BATCH = 500
USER_AGENT = "Tend-Webhooks/1.0"


@dataclass(frozen=True)
class Outcome:
    """How one try went."""

    delivered: bool
    status: int | None
    excerpt: str
    error: str
    duration_ms: int


def dispatch(delivery_id: int) -> None:
    """Queue a try of the delivery now (in the embedded default: run it now)."""
    enqueue(JOB, delivery_id, queue="default", retry=1)


def _stale_before(now: datetime) -> datetime:
    # A worker that claimed a row and died: past any request's deadline, the row is free.
    return now - timedelta(seconds=3 * float(current_app.config["OUTBOUND_TIMEOUT"]) + 30)


def _claimable(now: datetime):
    return or_(
        WebhookDelivery.status == PENDING,
        and_(WebhookDelivery.status == RETRYING, WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.status == SENDING, WebhookDelivery.claimed_at < _stale_before(now)),
    )


def _claim(delivery_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, _claimable(now))
        .values(status=SENDING, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def attempt(delivery_id: int) -> str | None:
    """Make one try of a delivery if it is due; returns its status after, None if not tried."""
    with cross_tenant():
        publication_id = db.session.scalar(
            select(WebhookDelivery.publication_id).where(WebhookDelivery.id == delivery_id)
        )
    if publication_id is None:
        return None
    with bound_to(publication_id):
        if not _claim(delivery_id):
            return None
        delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
        if delivery is None:  # its endpoint was deleted meanwhile
            return None
        endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id, populate_existing=True)
        if not endpoint.enabled and not delivery.manual:
            outcome = Outcome(False, None, "", "Not sent: the endpoint is switched off.", 0)
            return _record(endpoint, delivery, outcome, final=True)
        url, body = endpoint.url, delivery.body.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Tend-Event": delivery.event_type,
            "Tend-Event-Id": delivery.event_id,
            "Tend-Delivery": str(delivery.id),
            signing.SIGNATURE_HEADER: signing.signature_header(endpoint.secret, body),
        }
        db.session.commit()  # no transaction stays open while the receiver answers
        return _record(endpoint, delivery, _post(url, body, headers))


def _post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    try:
        answer = outbound_http.post(url, body, headers)
    except outbound_http.OutboundError as exc:
        return Outcome(False, None, "", str(exc), 0)
    excerpt = answer.body[:EXCERPT_CHARS].decode("utf-8", "replace")
    if answer.truncated or len(answer.body) > EXCERPT_CHARS:
        excerpt += " […]"
    error = ""
    if answer.is_redirect:
        error = f"Answered {answer.status}: redirects are not followed. Use the final address."
    elif not answer.ok:
        error = f"Answered {answer.status} {answer.reason}".strip()
    return Outcome(answer.ok, answer.status, excerpt, error, round(answer.seconds * 1000))


def _record(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, outcome: Outcome, final: bool = False
) -> str:
    now = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.claimed_at = None
    delivery.response_status = outcome.status
    delivery.response_excerpt = outcome.excerpt
    delivery.duration_ms = outcome.duration_ms
    delivery.error = outcome.error[:300]
    delay = None
    switched_off = False
    if outcome.delivered:
        delivery.status = DELIVERED
        delivery.next_attempt_at = None
        endpoint.failing_since = None
        endpoint.last_success_at = now
    else:
        if not final:
            endpoint.failing_since = endpoint.failing_since or now
        delay = None if final else _next_pause(delivery)
        if delay is None:
            delivery.status = FAILED
            delivery.next_attempt_at = None
            switched_off = not final and not delivery.manual and _switch_off_if_failing(endpoint)
        else:
            delivery.status = RETRYING
            delivery.next_attempt_at = now + timedelta(seconds=delay)
    db.session.commit()
    current_app.logger.info(
        "webhook delivery %s try %s: %s", delivery.id, delivery.attempts, delivery.status
    )
    if delay is not None:
        enqueue_in(delay, JOB, delivery.id)
    if switched_off:
        publication = db.session.get(Publication, endpoint.publication_id)
        notices.endpoint_switched_off(publication, endpoint)
    return delivery.status


def _next_pause(delivery: WebhookDelivery) -> float | None:
    """Seconds until the next try, or None when the delivery has had its last one."""
    schedule = current_app.config["WEBHOOK_RETRY_SCHEDULE"]
    if delivery.manual or delivery.attempts > len(schedule):
        return None
    return float(schedule[delivery.attempts - 1])


def _switch_off_if_failing(endpoint: WebhookEndpoint) -> bool:
    hours = float(current_app.config["WEBHOOK_DISABLE_HOURS"])
    failing_since = endpoint.failing_since
    if not endpoint.enabled or failing_since is None:
        return False
    if utcnow() - failing_since < timedelta(hours=hours):
        return False
    endpoint.enabled = False
    endpoint.disabled_at = utcnow()
    endpoint.disabled_reason = (
        f"Every try failed for {hours:g} hours or more; the last delivery ran out of retries."
    )
    return True


def retry_due(now: datetime | None = None) -> int:
    """Queue a try of every delivery that is due and not under way (every publication).

    Each retry is scheduled on RQ when it is set; this finds the ones whose scheduled job
    was lost (and, in the embedded default, which has no scheduler, all of them).
    """
    now = now or utcnow()
    with cross_tenant():
        due = list(
            db.session.scalars(
                select(WebhookDelivery.id)
                .where(_claimable(now))
                .order_by(WebhookDelivery.id)
                .limit(SWEEP_BATCH)
            )
        )
        db.session.commit()
    for delivery_id in due:
        dispatch(delivery_id)
    return len(due)
