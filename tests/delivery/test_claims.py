"""Whose claim is held: the watcher re-queues rows by what their owner's heartbeat says.

Against real Redis and the real database: a claim registered by this process (`claims.hold`,
as a batch job does) on rows written as claimed long ago. Killed processes are in
test_dead_worker.py; here the owner either still holds its claim, let go of it without
handing the rows back, or Redis lost its data since.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from saas.core.config import load_config
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import get_connection
from saas.core.tenancy import bound_to
from saas.delivery import batches as send_batches
from saas.delivery import claims, sending
from saas.delivery import upkeep as send_upkeep
from saas.delivery.models import Delivery, Send
from saas.publishing.models import Issue, Publication
from tests.conftest import USING_REDIS

needs_redis = pytest.mark.skipif(
    not USING_REDIS, reason="needs REDIS_URL: embedded claims have no owner to judge"
)


@pytest.fixture()
def fanned_out(app, factories):
    """A send of an issue to three readers, fanned out: its rows are queued, no job has run."""
    pub = factories.publication(slug="claims", name="Claims")
    for n in range(3):
        factories.subscriber(pub, email=f"reader{n}@example.org")
    issue = factories.issue(pub, title="Held", publish=True)
    with app.app_context(), bound_to(pub.id):
        send_id = sending.send_now(
            db.session.get(Publication, pub.id), db.session.get(Issue, issue.id)
        ).id
    with app.app_context():
        send_batches.fan_out(send_id)
    return pub.id, send_id


def _claim(publication_id: int, send_id: int, owner: str | None, age: timedelta) -> None:
    """Write every row of the send as claimed by `owner`, `age` ago (as a batch would)."""
    with bound_to(publication_id):
        db.session.execute(
            update(Delivery)
            .where(Delivery.send_id == send_id)
            .values(status="sending", claimed_by=owner, claimed_at=utcnow() - age)
        )
        db.session.commit()


def _requeue(publication_id: int, send_id: int) -> dict[str, int]:
    """Run the watcher's re-queue; how many rows are in each status afterwards."""
    with bound_to(publication_id):
        send_upkeep.requeue_stale(db.session.get(Send, send_id))
        statuses = db.session.scalars(select(Delivery.status).where(Delivery.send_id == send_id))
        counts: dict[str, int] = {}
        for status in statuses:
            counts[status] = counts.get(status, 0) + 1
        return counts


@needs_redis
def test_a_held_claim_stays_however_old(app, fanned_out, monkeypatch):
    publication_id, send_id = fanned_out
    monkeypatch.setitem(app.config, "DELIVERY_CLAIM_TIMEOUT", 60)
    with app.app_context(), claims.hold(publication_id, send_id) as owner:
        assert owner and claims.judge([owner]) == {owner: claims.HELD}
        _claim(publication_id, send_id, owner, timedelta(days=1))
        assert _requeue(publication_id, send_id) == {"sending": 3}


@needs_redis
def test_a_claim_let_go_without_its_rows_goes_back_without_the_timeout(
    app, fanned_out, monkeypatch
):
    publication_id, send_id = fanned_out
    monkeypatch.setitem(app.config, "DELIVERY_CLAIM_TIMEOUT", 3600)
    with app.app_context():
        with claims.hold(publication_id, send_id) as owner:
            _claim(publication_id, send_id, owner, timedelta(0))
        # The batch ended without handing its rows back (its database went away).
        assert claims.judge([owner]) == {owner: claims.GONE}
        # Refreshed just now: the heartbeat may have been cut off from Redis only.
        assert _requeue(publication_id, send_id) == {"sending": 3}
        grace = timedelta(seconds=claims.grace_seconds(app.config))
        _claim(publication_id, send_id, owner, grace + timedelta(seconds=1))
        assert _requeue(publication_id, send_id) == {"queued": 3}
        with bound_to(publication_id):
            owners = db.session.scalars(select(Delivery.claimed_by)).all()
        assert owners == [None, None, None]


@needs_redis
def test_after_redis_lost_its_data_a_claim_waits_for_the_timeout(app, fanned_out, monkeypatch):
    publication_id, send_id = fanned_out
    monkeypatch.setitem(app.config, "DELIVERY_CLAIM_TIMEOUT", 600)
    with app.app_context():
        with claims.hold(publication_id, send_id) as owner:
            pass
        get_connection().flushdb()  # the epoch goes with everything else
        with claims.hold(publication_id, send_id):  # a later claim sets a new epoch
            assert claims.judge([owner, None]) == {owner: claims.UNKNOWN, None: claims.UNKNOWN}
        _claim(publication_id, send_id, owner, timedelta(seconds=300))
        assert _requeue(publication_id, send_id) == {"sending": 3}
        _claim(publication_id, send_id, owner, timedelta(seconds=601))
        assert _requeue(publication_id, send_id) == {"queued": 3}


@needs_redis
def test_rows_without_an_owner_wait_for_the_timeout(app, fanned_out, monkeypatch):
    publication_id, send_id = fanned_out
    monkeypatch.setitem(app.config, "DELIVERY_CLAIM_TIMEOUT", 600)
    with app.app_context():
        # Claimed before owners were recorded, or by a batch that found Redis away.
        _claim(publication_id, send_id, None, timedelta(seconds=300))
        assert _requeue(publication_id, send_id) == {"sending": 3}
        _claim(publication_id, send_id, "host:1:ab/7", timedelta(seconds=300))
        assert claims.judge(["host:1:ab/7"]) == {"host:1:ab/7": claims.UNKNOWN}
        assert _requeue(publication_id, send_id) == {"sending": 3}
        _claim(publication_id, send_id, None, timedelta(seconds=601))
        assert _requeue(publication_id, send_id) == {"queued": 3}


@needs_redis
def test_the_heartbeat_refreshes_the_rows_a_claim_holds(app, fanned_out, monkeypatch):
    publication_id, send_id = fanned_out
    monkeypatch.setitem(app.config, "WORKER_HEARTBEAT_SECONDS", 0.1)
    an_hour = timedelta(hours=1)
    with app.app_context(), claims.hold(publication_id, send_id) as owner:
        _claim(publication_id, send_id, owner, an_hour)

        def refreshed() -> bool:
            with bound_to(publication_id):
                oldest = db.session.scalar(
                    select(Delivery.claimed_at).order_by(Delivery.claimed_at).limit(1)
                )
                db.session.rollback()
            return oldest > utcnow() - an_hour / 2

        deadline = time.monotonic() + 30
        while not refreshed():
            assert time.monotonic() < deadline, "the heartbeat never refreshed the claim"
            time.sleep(0.05)


def test_heartbeats_come_often_enough_for_the_claim_timeout():
    config = {"WORKER_HEARTBEAT_SECONDS": 10.0, "DELIVERY_CLAIM_TIMEOUT": 300}
    assert claims.beat_seconds(config) == 10.0
    assert claims.grace_seconds(config) == 30.0  # three missed beats
    config["DELIVERY_CLAIM_TIMEOUT"] = 8  # the fallback is refreshed four times per timeout
    assert claims.beat_seconds(config) == 2.0
    assert claims.grace_seconds(config) == 6.0


@pytest.mark.parametrize("raw", ["0", "-1", "soon", "nan"])
def test_a_heartbeat_that_is_not_a_positive_number_of_seconds_is_refused(monkeypatch, raw):
    monkeypatch.setenv("WORKER_HEARTBEAT_SECONDS", raw)
    with pytest.raises(ValueError, match="WORKER_HEARTBEAT_SECONDS"):
        load_config()


def test_embedded_claims_have_no_owner_and_wait_for_the_timeout(app):
    if USING_REDIS:
        pytest.skip("the embedded default runs without REDIS_URL")
    with app.app_context(), claims.hold(1, 1) as owner:
        assert owner is None
        assert claims.judge([None]) == {None: claims.UNKNOWN}
