"""`POST /billing/webhook`: only genuine, fresh events; each stored once; processing that
converges on Stripe's newest state however deliveries are duplicated, reordered or raced."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import json
import random
import threading
import time

import pytest
import stripe
from sqlalchemy import func, select

from saas.audience.models import Subscriber
from saas.billing.models import ReaderSubscription, StripeEvent
from saas.core.extensions import db
from saas.core.tenancy import bound_to, cross_tenant
from tests.billing_helpers import (  # noqa: F401  (fixtures)
    CONNECT_SECRET,
    WEBHOOK_SECRET,
    billing,
    stripe_server,
)
from tests.conftest import USING_POSTGRES, drain_jobs
from tests.stripe_standin import sign


@pytest.fixture()
def paying(app, factories, client, billing):
    """A connected publication with a tier, and a reader's paid subscription on Stripe whose
    events have not been delivered yet."""
    pub = factories.publication(slug="letters", name="Letters")
    account = billing.connect(pub)
    tier = billing.tier(pub)
    response = client.post(
        f"/p/{pub.slug}/paid/upgrade",
        data={"email": "rae@example.org", "choice": f"{tier.id}:month"},
    )
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    events = billing.stripe.complete_checkout(session_id, account)
    subscription_id = billing.stripe.get(session_id, account)["subscription"]
    return pub, account, subscription_id, events


def _post(client, event: dict, secret: str, timestamp=None, tamper: bool = False):
    payload = json.dumps(event)
    header = sign(payload, secret, timestamp)
    if tamper:
        payload = payload.replace('"livemode": false', '"livemode": true')
    return client.post(
        "/billing/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StripeEvent))


def _rows(app, pub) -> list[ReaderSubscription]:
    with app.app_context(), bound_to(pub.id):
        rows = db.session.scalars(select(ReaderSubscription)).all()
        db.session.expunge_all()
        return rows


def test_only_genuine_fresh_events_are_accepted(app, client, paying):
    _, _, _, events = paying
    event = events[0]
    now = int(time.time())
    refused = {
        "wrong secret": _post(client, event, "whsec_someone_else"),
        "tampered body": _post(client, event, CONNECT_SECRET, tamper=True),
        "replayed, 301 s old": _post(client, event, CONNECT_SECRET, timestamp=now - 301),
        "replayed, a day old": _post(client, event, CONNECT_SECRET, timestamp=now - 86400),
        "from the future": _post(client, event, CONNECT_SECRET, timestamp=now + 301),
    }
    unsigned = client.post(
        "/billing/webhook", data=json.dumps(event), content_type="application/json"
    )
    refused["no signature"] = unsigned
    garbage = sign("not json", CONNECT_SECRET)
    refused["not json"] = client.post(
        "/billing/webhook", data="not json", headers={"Stripe-Signature": garbage}
    )
    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 400)
    assert _stored(app) == 0
    # Either endpoint secret verifies: one URL serves platform and Connect events.
    assert _post(client, event, WEBHOOK_SECRET, timestamp=now - 290).status_code == 200
    assert _post(client, events[1], CONNECT_SECRET).status_code == 200
    assert _stored(app) == 2


def test_a_repeated_event_is_stored_once_and_changes_nothing(app, client, paying, billing):
    pub, _, _, events = paying
    first = billing.deliver(client, events)
    assert all(r.get_json()["duplicate"] is False for r in first)
    before = [(r.id, r.status, r.synced_at) for r in _rows(app, pub)]
    again = billing.deliver(client, events)
    assert [r.status_code for r in again] == [200] * len(events)
    assert all(r.get_json()["duplicate"] is True for r in again)
    assert [(r.id, r.status, r.synced_at) for r in _rows(app, pub)] == before
    with app.app_context():
        attempts = db.session.scalars(select(StripeEvent.attempts)).all()
        assert attempts == [1] * len(events), "each event processed exactly once"
        assert db.session.scalars(select(StripeEvent.payload)).all() == [{}] * len(events)


def test_out_of_order_events_end_at_stripes_newest_state(app, client, paying, billing):
    pub, _, subscription_id, events = paying
    later = [
        *billing.stripe.fail_renewal(subscription_id),
        *billing.stripe.change_subscription(subscription_id, cancel_at_period_end=True),
        *billing.stripe.change_subscription(subscription_id, cancel_now=True),
    ]
    # The deletion arrives first, the creation last.
    billing.deliver(client, list(reversed(events + later)))
    (row,) = _rows(app, pub)
    assert row.status == "canceled" and row.cancel_at_period_end is True


def test_failed_processing_is_retried_and_raises_for_sentry(app, client, paying, billing):
    pub, _, _, events = paying
    created = events[0]
    billing.stripe.fail_next = 10  # Stripe's API is down while the job runs
    assert billing.deliver(client, [created])[0].status_code == 200
    with app.app_context():
        row = db.session.get(StripeEvent, created["id"])
        assert row.processed_at is None and "APIError" in row.last_error
        # The job itself raises, so RQ retries it and the Sentry RQ integration reports it.
        from worker.jobs import process_stripe_event

        with pytest.raises(stripe.APIError):
            process_stripe_event(created["id"])
    assert _rows(app, pub) == []
    billing.stripe.fail_next = 0
    # Stripe redelivers the event: this time it is processed.
    assert billing.deliver(client, [created])[0].get_json()["duplicate"] is True
    (row,) = _rows(app, pub)
    assert row.status == "active"


def test_events_from_another_account_or_for_another_product_change_nothing(
    app,
    client,
    factories,
    billing,
):
    alpha = factories.publication(slug="alpha", name="Alpha")
    bravo = factories.publication(slug="bravo", name="Bravo")
    shared = billing.connect(alpha)
    billing.share(bravo, shared)  # one practitioner, one Stripe account, two publications
    alpha_tier = billing.tier(alpha, "Alpha tier")
    bravo_tier = billing.tier(bravo, "Bravo tier")

    response = client.post(
        "/p/alpha/paid/upgrade",
        data={"email": "ann@example.org", "choice": f"{alpha_tier.id}:month"},
    )
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    billing.deliver(client, billing.stripe.complete_checkout(session_id, shared))
    assert len(_rows(app, alpha)) == 1 and _rows(app, bravo) == []
    with app.app_context(), bound_to(bravo.id):
        assert (
            db.session.scalar(select(Subscriber).where(Subscriber.email == "ann@example.org"))
            is None
        )

    # Another Stripe account selling a product with the same id as Alpha's tier: ignored.
    other = billing.connect(factories.publication(slug="other", name="Other"))
    from tests.stripe_standin_routes import new_subscription

    forged_price = {**billing.stripe.get(alpha_tier.stripe_monthly_price_id, shared)}
    forged = new_subscription(
        billing.stripe, "cus_forged", forged_price, other, {"tend_email": "x@example.org"}
    )
    billing.deliver(client, [billing.stripe.event("customer.subscription.created", forged, other)])
    # A Checkout on the shared account claiming Bravo, for Alpha's product: ignored too.
    claim = billing.stripe.get(session_id, shared)
    claim = {**claim, "metadata": {"tend_publication_id": str(bravo.id)}}
    billing.deliver(client, [billing.stripe.event("checkout.session.completed", claim, shared)])
    assert len(_rows(app, alpha)) == 1 and _rows(app, bravo) == []
    with app.app_context(), cross_tenant():
        assert db.session.scalar(select(func.count()).select_from(ReaderSubscription)) == 1
    assert bravo_tier.id != alpha_tier.id


@pytest.mark.postgres
@pytest.mark.skipif(not USING_POSTGRES, reason="real concurrency needs PostgreSQL")
def test_twenty_concurrent_deliveries_converge(app, paying, billing):
    pub, _, subscription_id, events = paying
    more = [
        *billing.stripe.fail_renewal(subscription_id),
        *billing.stripe.pay_renewal(subscription_id),
        *billing.stripe.change_subscription(subscription_id, cancel_at_period_end=True),
    ]
    distinct = events + more  # 9 different events about one subscription
    deliveries = distinct + [random.choice(distinct) for _ in range(20 - len(distinct))]
    random.shuffle(deliveries)
    statuses: list[int] = []
    barrier = threading.Barrier(len(deliveries))

    def deliver(event: dict) -> None:
        with app.app_context():  # each thread: its own app context, session and client
            payload = json.dumps(event)
            client = app.test_client()
            barrier.wait()
            response = client.post(
                "/billing/webhook",
                data=payload,
                content_type="application/json",
                headers={"Stripe-Signature": sign(payload, CONNECT_SECRET)},
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=deliver, args=(e,)) for e in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 20
    assert _stored(app) == len(distinct)

    # Processing races too: with the embedded queue it ran inside those requests; with Redis
    # the jobs wait, and here every event's job runs at once, each in a thread of its own.
    from worker.jobs import process_stripe_event

    barrier = threading.Barrier(len(distinct))

    def process(event_id: str) -> None:
        with app.app_context():
            barrier.wait()
            process_stripe_event(event_id)

    threads = [threading.Thread(target=process, args=(e["id"],)) for e in distinct]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    drain_jobs(app)  # the queued copies find their events processed and do nothing

    (row,) = _rows(app, pub)
    stripe_now = billing.stripe.get(subscription_id, paying[1])
    assert row.status == stripe_now["status"] == "active"
    assert row.cancel_at_period_end is True and row.payment_failed_at is None
    with app.app_context(), bound_to(pub.id):
        readers = db.session.scalars(
            select(Subscriber).where(Subscriber.email == "rae@example.org")
        ).all()
        assert len(readers) == 1
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(StripeEvent)
                .where(StripeEvent.processed_at.is_(None))
            )
            == 0
        )
