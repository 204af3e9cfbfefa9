"""Stored Stripe webhook events: processed ones are deleted after STRIPE_EVENT_RETENTION_DAYS,
while every redelivery Stripe can still make inside that window is recognised as a repeat."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from datetime import timedelta

import pytest
from rq.job import Job
from sqlalchemy import select

from saas.billing import event_retention as stripe_event_retention
from saas.billing.models import StripeEvent
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import get_connection, is_embedded
from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)


@pytest.fixture()
def retention(app):
    saved = app.config["STRIPE_EVENT_RETENTION_DAYS"]
    yield
    app.config["STRIPE_EVENT_RETENTION_DAYS"] = saved


def _event(app, event_id: str, received_days_ago: float, processed_days_ago: float | None):
    now = utcnow()
    with app.app_context():
        db.session.add(
            StripeEvent(
                id=event_id,
                type="invoice.paid",
                stripe_created=now - timedelta(days=received_days_ago),
                payload={} if processed_days_ago is not None else {"id": event_id},
                received_at=now - timedelta(days=received_days_ago),
                processed_at=None
                if processed_days_ago is None
                else now - timedelta(days=processed_days_ago),
                attempts=1,
            )
        )
        db.session.commit()


def _ids(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(StripeEvent.id)))


def test_processed_events_past_retention_are_purged_by_the_command(app, retention):
    assert app.config["STRIPE_EVENT_RETENTION_DAYS"] == 30, "the documented default"
    _event(app, "evt_old", received_days_ago=45, processed_days_ago=45)
    _event(app, "evt_late", received_days_ago=40, processed_days_ago=20)  # processed late
    _event(app, "evt_recent", received_days_ago=2, processed_days_ago=2)
    _event(app, "evt_stuck", received_days_ago=60, processed_days_ago=None)  # still owed

    result = app.test_cli_runner().invoke(args=["purge-stripe-events", "--no-schedule"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 processed Stripe event(s)" in result.output
    assert _ids(app) == {"evt_late", "evt_recent", "evt_stuck"}

    app.config["STRIPE_EVENT_RETENTION_DAYS"] = 10
    with app.app_context():
        assert stripe_event_retention.purge_processed() == 1
    assert _ids(app) == {"evt_recent", "evt_stuck"}, "unprocessed events are never purged"

    # Too short a setting cannot break dedupe: Stripe redelivers for up to three days.
    app.config["STRIPE_EVENT_RETENTION_DAYS"] = 0
    with app.app_context():
        assert stripe_event_retention.retention_days() == 4
        assert stripe_event_retention.purge_processed() == 0
    assert _ids(app) == {"evt_recent", "evt_stuck"}


def test_a_redelivery_inside_the_window_is_still_a_repeat(app, client, factories, billing):
    pub = factories.publication(slug="letters")
    account = billing.connect(pub)
    event = billing.stripe.event("account.updated", billing.stripe.get(account), account)
    assert billing.deliver(client, [event])[0].get_json()["duplicate"] is False

    def processed(days_ago: int) -> None:
        with app.app_context():
            row = db.session.get(StripeEvent, event["id"])
            row.processed_at = utcnow() - timedelta(days=days_ago)
            db.session.commit()

    processed(29)
    with app.app_context():
        assert stripe_event_retention.purge_processed() == 0
    again = billing.deliver(client, [event])[0]
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    with app.app_context():
        assert db.session.get(StripeEvent, event["id"]).attempts == 1, "not processed twice"

    processed(31)
    with app.app_context():
        assert stripe_event_retention.purge_processed() == 1
    assert _ids(app) == set()


def test_the_daily_job_purges_and_schedules_its_next_run(app, retention):
    _event(app, "evt_old", received_days_ago=45, processed_days_ago=45)
    from worker.jobs import purge_stripe_events

    with app.app_context():
        assert purge_stripe_events() == 1
        next_id = stripe_event_retention.schedule_next_purge()
        if is_embedded():
            assert next_id is None, "the embedded scheduler thread runs it instead"
        else:
            tomorrow = utcnow() + timedelta(days=1)
            assert next_id == f"tend-stripe-event-retention-{tomorrow:%Y-%m-%d}"
            assert Job.exists(next_id, connection=get_connection())
    assert _ids(app) == set()
