"""Erasing a paying reader: their Stripe subscription is cancelled at once on the connected
account (by a job that Stripe being down only delays), nothing of theirs stays in Tend, and
the webhooks that follow never bring them back."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import json

import pytest
import stripe
from rq.job import Job
from sqlalchemy import func, select

from saas.audience.models import Subscriber, SubscriberEvent
from saas.billing.models import ReaderSubscription, StripeEvent
from saas.billing.paid.reader_erasure import CANCEL_JOB, ERASED_COMMENT, cancel_job_id
from saas.core.extensions import db
from saas.core.queue import get_connection
from saas.core.tenancy import bound_to, cross_tenant
from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)
from tests.conftest import drain_jobs, login, post_form

READER = "rae@example.org"


@pytest.fixture()
def paying_reader(app, factories, client, billing):
    """Maya's publication with Stripe connected and a tier; Rae pays for it (events delivered)."""
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="letters", name="Letters")
    account = billing.connect(pub)
    tier = billing.tier(pub)
    reader = app.test_client()
    response = reader.post(
        f"/p/{pub.slug}/paid/upgrade", data={"email": READER, "choice": f"{tier.id}:month"}
    )
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    billing.deliver(reader, billing.stripe.complete_checkout(session_id, account))
    subscription_id = billing.stripe.get(session_id, account)["subscription"]
    with app.app_context(), bound_to(pub.id):
        row = db.session.scalar(select(ReaderSubscription))
        assert row is not None and row.status == "active"
        subscriber_id = row.subscriber_id
    login(client, "maya@example.com")
    return pub, account, subscription_id, subscriber_id


def _erase(client, pub, subscriber_id):
    detail = f"/dashboard/{pub.slug}/subscribers/{subscriber_id}"
    return post_form(client, detail + "/delete", {}, detail)


def _cancel_calls(billing, subscription_id: str) -> list[dict]:
    return billing.stripe.calls("DELETE", f"/v1/subscriptions/{subscription_id}")


def _nothing_left_of_the_reader(app, pub, subscription_id: str) -> None:
    with app.app_context(), cross_tenant():
        rows = select(func.count()).select_from(ReaderSubscription)
        assert db.session.scalar(rows) == 0, "no payment row, not even the Stripe ids"
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(Subscriber).where(Subscriber.email == READER)) is None
        assert db.session.scalar(select(func.count()).select_from(SubscriberEvent)) == 0


def test_erasing_a_paying_reader_cancels_their_subscription_at_stripe(
    app, client, paying_reader, billing
):
    pub, account, subscription_id, subscriber_id = paying_reader
    response = _erase(client, pub, subscriber_id)
    assert response.status_code == 302
    drain_jobs(app)

    (call,) = _cancel_calls(billing, subscription_id)
    assert call["account"] == account, "cancelled on the publication's connected account"
    assert call["params"]["cancellation_details"]["comment"] == ERASED_COMMENT
    cancelled = billing.stripe.get(subscription_id, account)
    assert cancelled["status"] == "canceled", "at once, not at the end of the period"
    _nothing_left_of_the_reader(app, pub, subscription_id)

    # Stripe then reports the cancellation (and a late redelivery of the first payment):
    # Stripe still knows the address, but the reader is not made again.
    late = [
        billing.stripe.event("customer.subscription.deleted", cancelled, account),
        billing.stripe.event("customer.subscription.updated", cancelled, account),
    ]
    assert [r.status_code for r in billing.deliver(client, late)] == [200, 200]
    _nothing_left_of_the_reader(app, pub, subscription_id)


def test_erase_succeeds_while_stripe_is_down_and_the_job_retries_the_cancel(
    app, client, paying_reader, billing
):
    pub, account, subscription_id, subscriber_id = paying_reader
    billing.stripe.fail_next = 1000  # Stripe's API answers 500 to everything
    response = _erase(client, pub, subscriber_id)
    assert response.status_code == 302, "the erase never waits on Stripe"
    drain_jobs(app)
    assert _cancel_calls(billing, subscription_id), "the job tried"
    assert billing.stripe.get(subscription_id, account)["status"] == "active"
    _nothing_left_of_the_reader(app, pub, subscription_id)

    with app.app_context():
        job = Job.fetch(cancel_job_id(subscription_id), connection=get_connection())
        assert job.func_name == CANCEL_JOB
        assert job.args == (pub.id, account, subscription_id), "ids only"
        assert job.retries_left and job.retries_left >= 4, "RQ retries it"
        # The job raises while Stripe is down, so RQ retries it and Sentry hears of it.
        from worker.jobs import cancel_erased_reader_subscription

        with pytest.raises(stripe.APIError):
            cancel_erased_reader_subscription(pub.id, account, subscription_id)

    # Stripe is back. An event about the still-active subscription arrives before the retry:
    # the pending cancellation marks the subscription as an erased reader's.
    billing.stripe.fail_next = 0
    still_active = billing.stripe.get(subscription_id, account)
    update = billing.stripe.event("customer.subscription.updated", still_active, account)
    assert billing.deliver(client, [update])[0].status_code == 200
    _nothing_left_of_the_reader(app, pub, subscription_id)

    # The retry cancels it; running it again (a duplicate) changes nothing.
    with app.app_context():
        assert cancel_erased_reader_subscription(pub.id, account, subscription_id) is True
        assert cancel_erased_reader_subscription(pub.id, account, subscription_id) is False
    assert billing.stripe.get(subscription_id, account)["status"] == "canceled"
    _nothing_left_of_the_reader(app, pub, subscription_id)


def test_erasing_a_reader_whose_subscription_had_ended_keeps_them_erased(
    app, client, paying_reader, billing
):
    pub, account, subscription_id, subscriber_id = paying_reader
    ended = billing.stripe.change_subscription(subscription_id, cancel_now=True)
    billing.deliver(client, ended)
    assert _erase(client, pub, subscriber_id).status_code == 302
    drain_jobs(app)
    # Stripe refuses to cancel it twice; the job takes that as done.
    assert len(_cancel_calls(billing, subscription_id)) == 1
    redelivered = dict(ended[0], id=ended[0]["id"] + "x")  # a copy Tend has not seen
    assert billing.deliver(client, [redelivered])[0].status_code == 200
    _nothing_left_of_the_reader(app, pub, subscription_id)


def test_erasing_a_free_reader_calls_nothing_at_stripe(app, client, factories, billing):
    owner = factories.user(email="maya@example.com")
    pub = factories.publication(owner=owner, slug="letters")
    reader = factories.subscriber(pub, email="free@example.org")
    login(client, "maya@example.com")
    assert _erase(client, pub, reader.id).status_code == 302
    drain_jobs(app)
    assert billing.stripe.calls("DELETE", "/v1/subscriptions") == []


def test_a_stored_event_about_an_erased_reader_is_cut_to_ids_and_makes_nobody_again(
    app, client, paying_reader, billing
):
    pub, account, subscription_id, subscriber_id = paying_reader
    with app.app_context(), bound_to(pub.id):
        customer = db.session.scalar(select(ReaderSubscription.stripe_customer_id))
    # Stripe is down while an update about Rae is handled: the event waits, whole.
    update = billing.stripe.event(
        "customer.subscription.updated", billing.stripe.get(subscription_id, account), account
    )
    billing.stripe.fail_next = 1000
    assert billing.deliver(client, [update])[0].status_code == 200
    with app.app_context():
        stored = db.session.get(StripeEvent, update["id"])
        assert stored.processed_at is None and READER in json.dumps(stored.payload)

    billing.stripe.fail_next = 0
    assert _erase(client, pub, subscriber_id).status_code == 302
    drain_jobs(app)
    with app.app_context():
        stored = db.session.get(StripeEvent, update["id"])
        kept = json.dumps(stored.payload)
        assert READER not in kept and customer not in kept
        assert stored.payload["data"]["object"] == {
            "id": subscription_id,
            "object": "subscription",
            "status": "active",
            "metadata": {"tend_publication_id": str(pub.id)},
        }
        assert (stored.type, stored.account) == ("customer.subscription.updated", account)
        # RQ's retry runs it: Stripe's copy still has Rae's address, but nobody is made.
        from worker.jobs import process_stripe_event

        assert process_stripe_event(update["id"]) is True
        assert db.session.get(StripeEvent, update["id"]).processed_at is not None
    _nothing_left_of_the_reader(app, pub, subscription_id)


def test_a_reader_s_export_lists_their_paid_subscription(app, client, paying_reader):
    pub, _account, subscription_id, subscriber_id = paying_reader
    export = client.get(f"/dashboard/{pub.slug}/subscribers/{subscriber_id}/export.json")
    (paid,) = export.get_json()["paid_subscriptions"]
    assert (paid["stripe_subscription"], paid["status"]) == (subscription_id, "active")
    assert paid["tier"] == "Supporter" and paid["interval"] == "month"
    assert export.get_json()["waiting_list"] is None
