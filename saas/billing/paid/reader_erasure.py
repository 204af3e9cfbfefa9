"""Erasing a paying reader: their payment rows go with them, their Stripe subscriptions stop.

The erase (saas.audience.subscribers.erase) enqueues one job per subscription still running
at Stripe, with ids only (publication, connected account, subscription), then deletes the
reader's ReaderSubscription rows and their place on the waiting list (SubscriberHold) in
its own transaction, after stored Stripe events naming them are cut down to ids
(saas.billing.event_erasure). The job cancels the subscription
immediately on the publication's connected account; Stripe being down fails the job (RQ
retries it), never the erase.

Stripe still holds the reader's address (on the customer, in the subscription's metadata), so
the webhooks that follow must not make the reader again: `was_erased` tells reader_sync that
a subscription with no Tend row belongs to an erased reader, from the comment Tend's
cancellation leaves on it, or from its cancellation job (queued, retrying, failed, or
finished within REMEMBER_ERASED), which also covers subscriptions that had already ended.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import stripe
from rq.job import Job
from sqlalchemy import delete, select

from saas.billing.models import ReaderSubscription, SubscriberHold
from saas.billing.stripe_api import client, field, object_id, on_account
from saas.billing.subscription_state import ENDED_STATUSES
from saas.core.extensions import db
from saas.core.queue import enqueue, get_connection
from saas.publishing.models import Publication

log = logging.getLogger(__name__)

CANCEL_JOB = "worker.jobs.cancel_erased_reader_subscription"
CANCEL_JOB_ID_PREFIX = "tend-cancel-reader-subscription-"
CANCEL_RETRIES = 5
# How long a finished job is kept: its id marks the subscription as an erased reader's while
# Stripe may still redeliver its events (up to three days).
REMEMBER_ERASED = timedelta(days=7)
# Left on the cancelled subscription at Stripe: the mark reader_sync recognises.
ERASED_COMMENT = "Cancelled by Tend: the reader's data was erased."


def subscriptions_of(publication: Publication, subscriber_id: int) -> list[tuple[str, str]]:
    """The reader's subscriptions as (connected account, subscription id) pairs.

    Ended ones too: their job finds them ended at Stripe (two calls), and meanwhile marks
    the subscription as an erased reader's against late webhooks.
    """
    rows = db.session.execute(
        select(ReaderSubscription.stripe_account_id, ReaderSubscription.stripe_subscription_id)
        .where(
            ReaderSubscription.publication_id == publication.id,
            ReaderSubscription.subscriber_id == subscriber_id,
        )
        .order_by(ReaderSubscription.id)
    ).all()
    return [(account, subscription) for account, subscription in rows]


def stripe_ids_of(publication: Publication, subscriber_id: int) -> set[str]:
    """Every Stripe id that stands for the reader: their customers and subscriptions."""
    rows = db.session.execute(
        select(
            ReaderSubscription.stripe_customer_id, ReaderSubscription.stripe_subscription_id
        ).where(
            ReaderSubscription.publication_id == publication.id,
            ReaderSubscription.subscriber_id == subscriber_id,
        )
    ).all()
    return {stripe_id for row in rows for stripe_id in row if stripe_id}


def forget_hold(publication: Publication, subscriber_id: int) -> None:
    """Take the reader off the plan's waiting list (the caller commits)."""
    db.session.execute(
        delete(SubscriberHold)
        .where(
            SubscriberHold.publication_id == publication.id,
            SubscriberHold.subscriber_id == subscriber_id,
        )
        .execution_options(synchronize_session=False)
    )


def forget_subscriptions(publication: Publication, subscriber_id: int) -> None:
    """Delete the reader's subscription rows, ids and all (the caller commits)."""
    db.session.execute(
        delete(ReaderSubscription)
        .where(
            ReaderSubscription.publication_id == publication.id,
            ReaderSubscription.subscriber_id == subscriber_id,
        )
        .execution_options(synchronize_session=False)
    )


def cancel_job_id(subscription_id: str) -> str:
    """The RQ job id of a subscription's cancellation (one job per subscription)."""
    return f"{CANCEL_JOB_ID_PREFIX}{subscription_id}"


def cancel_later(publication: Publication, subscriptions: list[tuple[str, str]]) -> None:
    """Enqueue the cancellation of each (account, subscription) pair, retried on failure."""
    for account_id, subscription_id in subscriptions:
        enqueue(
            CANCEL_JOB,
            publication.id,
            account_id,
            subscription_id,
            queue="default",
            retry=CANCEL_RETRIES,
            job_id=cancel_job_id(subscription_id),
            result_ttl=int(REMEMBER_ERASED.total_seconds()),
        )


def cancel_subscription(account_id: str, subscription_id: str) -> bool:
    """Cancel the subscription now on the connected account; True if this call ended it.

    Safe to run twice: a subscription Stripe reports as already ended (or gone) is done.
    Any other failure raises, so RQ retries the job and Sentry hears of it.
    """
    params: dict = {"cancellation_details": {"comment": ERASED_COMMENT}}
    try:
        client().v1.subscriptions.cancel(subscription_id, params, on_account(account_id))
    except stripe.InvalidRequestError:
        if _already_ended(account_id, subscription_id):
            log.info("subscription %s on %s had already ended", subscription_id, account_id)
            return False
        raise
    log.info("cancelled subscription %s on %s: its reader was erased", subscription_id, account_id)
    return True


def was_erased(subscription: Any) -> bool:
    """Whether this Stripe subscription's reader was erased (cancelled, or being cancelled)."""
    if field(subscription, "cancellation_details", "comment") == ERASED_COMMENT:
        return True
    subscription_id = object_id(subscription)
    return bool(subscription_id) and Job.exists(cancel_job_id(subscription_id), get_connection())


def _already_ended(account_id: str, subscription_id: str) -> bool:
    try:
        subscription = client().v1.subscriptions.retrieve(
            subscription_id, options=on_account(account_id)
        )
    except stripe.InvalidRequestError as exc:
        return getattr(exc, "http_status", None) == 404
    return field(subscription, "status") in ENDED_STATUSES
