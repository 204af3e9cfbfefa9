"""A receiver that fails is tried again on the schedule; one that keeps failing is switched off.

The receiver is a real HTTP server on loopback answering what each test tells it. Time does
not pass in a test: "the next try is due" is written into the row, as the hours would make it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to, cross_tenant
from saas.webhooks import attempts, signing
from saas.webhooks.models import RETRYING, SENDING, WebhookDelivery, WebhookEndpoint
from tests.conftest import drain_jobs
from tests.webhook_helpers import add_endpoint, deliveries_of, sent_events


def make_due(app, **values) -> int:
    """Let the hours pass for every delivery waiting to be tried again; run the sweep."""
    with app.app_context(), cross_tenant():
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == RETRYING)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1), **values)
        )
        db.session.commit()
    with app.app_context():
        queued = attempts.retry_due()
    drain_jobs(app)
    return queued


def endpoint_row(app, endpoint_id: int) -> WebhookEndpoint:
    with app.app_context(), cross_tenant():
        row = db.session.get(WebhookEndpoint, endpoint_id)
        db.session.expunge(row)
        return row


@pytest.fixture()
def schedule(app, monkeypatch):
    """Three retries: after a minute, five minutes, twenty minutes."""
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_SCHEDULE", [60.0, 300.0, 1200.0])


def test_a_failing_receiver_is_tried_again_on_the_schedule_until_it_answers(
    app, factories, receiver, loopback_allowed, schedule
):
    receiver.answers = [
        {"status": 500, "body": b"database is down"},
        {"status": 503},
        {"status": 200, "body": b"thanks"},
    ]
    pub = factories.publication()
    endpoint = add_endpoint(app, pub, receiver.url(), ["issue.published"])
    factories.issue(pub, publish=True)
    sent_events(app, receiver)

    (first,) = deliveries_of(app, pub)
    assert (first.status, first.attempts, first.response_status) == (RETRYING, 1, 500)
    assert first.response_excerpt == "database is down"
    assert first.error == "Answered 500 Internal Server Error"
    assert first.next_attempt_at - first.last_attempt_at == timedelta(seconds=60)
    # Not due yet: the sweep leaves it.
    with app.app_context():
        assert attempts.retry_due() == 0
    assert len(receiver.received) == 1

    assert make_due(app) == 1
    (second,) = deliveries_of(app, pub)
    assert (second.status, second.attempts, second.response_status) == (RETRYING, 2, 503)
    assert second.next_attempt_at - second.last_attempt_at == timedelta(seconds=300)
    assert endpoint_row(app, endpoint.id).failing_since is not None

    make_due(app)
    (third,) = deliveries_of(app, pub)
    assert (third.status, third.attempts, third.response_status) == ("delivered", 3, 200)
    assert third.next_attempt_at is None and third.response_excerpt == "thanks"
    answered = endpoint_row(app, endpoint.id)
    assert answered.failing_since is None and answered.last_success_at is not None

    # Every try carried the same event, freshly signed.
    bodies = {r.body for r in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1
    ids = {r.headers["Tend-Event-Id"] for r in receiver.received}
    assert len(ids) == 1
    for request in receiver.received:
        assert signing.verify(endpoint.secret, request.headers["Tend-Signature"], request.body)
    assert make_due(app) == 0


def test_the_last_failed_try_fails_the_delivery_and_a_day_of_failure_switches_it_off(
    app, factories, receiver, loopback_allowed, mailbox, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_SCHEDULE", [60.0])
    receiver.answers = [{"status": 500}]
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, name="Calm Letters")
    endpoint = add_endpoint(app, pub, receiver.url(), ["issue.published"])
    factories.issue(pub, publish=True)
    sent_events(app, receiver)
    # The endpoint has failed every try since yesterday; its last retry comes due.
    with app.app_context(), cross_tenant():
        db.session.execute(
            update(WebhookEndpoint).values(failing_since=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
    make_due(app)

    (delivery,) = deliveries_of(app, pub)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    off = endpoint_row(app, endpoint.id)
    assert off.enabled is False and off.disabled_at is not None
    assert "failed for 24 hours" in off.disabled_reason
    (notice,) = mailbox.messages("maya@example.com")
    assert notice["Subject"] == "A webhook of Calm Letters was switched off"
    text = notice.get_body(preferencelist=("plain",)).get_content()
    assert receiver.url() in text
    assert f"/dashboard/{pub.slug}/integrations/webhooks/{endpoint.id}" in text

    # Switched off: later events are not even queued for it.
    factories.issue(pub, publish=True)
    assert len(deliveries_of(app, pub)) == 1 and len(receiver.received) == 2


def test_a_delivery_out_of_tries_leaves_a_recently_working_endpoint_on(
    app, factories, receiver, loopback_allowed, mailbox, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_SCHEDULE", [60.0])
    receiver.answers = [{"status": 500}]
    pub = factories.publication()
    endpoint = add_endpoint(app, pub, receiver.url(), ["issue.published"])
    factories.issue(pub, publish=True)
    sent_events(app, receiver)
    make_due(app)
    assert deliveries_of(app, pub)[0].status == "failed"
    assert endpoint_row(app, endpoint.id).enabled is True
    assert mailbox.messages() == []


def test_a_redirect_is_a_failed_try_and_is_not_followed(
    app, factories, receiver, loopback_allowed, schedule
):
    from tests.webhook_helpers import Receiver

    elsewhere = Receiver()
    try:
        receiver.answers = [{"status": 307, "headers": {"Location": elsewhere.url("/admin")}}]
        pub = factories.publication()
        add_endpoint(app, pub, receiver.url(), ["issue.published"])
        factories.issue(pub, publish=True)
        sent_events(app, receiver)
        (delivery,) = deliveries_of(app, pub)
        assert (delivery.status, delivery.response_status) == (RETRYING, 307)
        assert "redirects are not followed" in delivery.error
        assert elsewhere.received == []
    finally:
        elsewhere.stop()


def test_an_address_rebound_to_a_private_network_after_saving_is_refused_at_delivery(
    app, factories, receiver, loopback_allowed, address_dns, schedule
):
    # Checked when saved (loopback, allowed in tests); from then on it answers 10.0.0.5.
    address_dns.set_addresses("hooks.example.test", ["127.0.0.1"], ["10.0.0.5"])
    pub = factories.publication()
    add_endpoint(app, pub, f"http://hooks.example.test:{receiver.port}/in", ["issue.published"])
    factories.issue(pub, publish=True)
    sent_events(app, receiver)
    (delivery,) = deliveries_of(app, pub)
    assert delivery.status == RETRYING and delivery.response_status is None
    assert "points to 10.0.0.5, a private network address" in delivery.error
    assert receiver.received == []


def test_a_try_runs_once_however_often_its_job_runs(
    app, factories, receiver, loopback_allowed, schedule
):
    pub = factories.publication()
    add_endpoint(app, pub, receiver.url(), ["issue.published"])
    factories.issue(pub, publish=True)
    sent_events(app, receiver)
    (delivery,) = deliveries_of(app, pub)
    with app.app_context():
        assert attempts.attempt(delivery.id) is None  # delivered: nothing to claim
        assert attempts.attempt(10_000) is None  # no such delivery
    assert len(receiver.received) == 1


def test_a_try_whose_worker_died_is_taken_over(
    app, factories, receiver, loopback_allowed, schedule
):
    pub = factories.publication()
    receiver.answers = [{"status": 500}, {"status": 200}]
    add_endpoint(app, pub, receiver.url(), ["issue.published"])
    factories.issue(pub, publish=True)
    sent_events(app, receiver)
    (delivery,) = deliveries_of(app, pub)
    # A worker claimed the retry a moment ago: it is still its own.
    with app.app_context(), bound_to(pub.id):
        db.session.execute(update(WebhookDelivery).values(status=SENDING, claimed_at=utcnow()))
        db.session.commit()
        assert attempts.retry_due() == 0
        # Long past any request's deadline, that worker is gone: the row is free again.
        db.session.execute(
            update(WebhookDelivery).values(claimed_at=utcnow() - timedelta(minutes=10))
        )
        db.session.commit()
    with app.app_context():
        assert attempts.retry_due() == 1
    drain_jobs(app)
    assert deliveries_of(app, pub)[0].status == "delivered"
    assert len(receiver.received) == 2


def test_an_unreachable_receiver_is_a_failed_try_with_the_reason(
    app, factories, loopback_allowed, schedule
):
    from tests.smtp_sink import free_port

    pub = factories.publication()
    add_endpoint(app, pub, f"http://127.0.0.1:{free_port()}/hook", ["issue.published"])
    factories.issue(pub, publish=True)
    drain_jobs(app)
    (delivery,) = deliveries_of(app, pub)
    assert delivery.status == RETRYING and delivery.response_status is None
    assert delivery.error == "127.0.0.1 refused the connection."
