"""A killed worker's claims go to a live worker within seconds; a slow live worker keeps its own.

Real parts only: PostgreSQL, Redis, two `python -m worker` processes and an SMTP server in
its own process that records every message. DELIVERY_CLAIM_TIMEOUT is an hour, so the timeout
cannot be what finishes a send here: only the heartbeat can tell the watcher a claim's owner
is dead. The process holding a claim (named on its rows) is killed with SIGKILL mid-batch:
either a whole worker (what an out-of-memory kill or a lost machine does) or, with
TEND_WORKER_FORK=1, only RQ's work horse while its parent worker lives on.

The in-flight bound: the dead process may have sent messages whose outcomes it had not yet
committed; they go out again. That is at most one unrecorded group of outcomes
(RECORD_EVERY) plus the message being handed to the server when it died. Every other reader
gets exactly one copy.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import batches as send_batches
from saas.delivery.models import Delivery
from saas.publishing.models import Publication
from tests.conftest import USING_POSTGRES, USING_REDIS
from tests.delivery.test_crash_safety import (
    SINK,
    _count,
    _kill,
    _received,
    _seed,
    _start,
    _wait_for,
)
from tests.delivery.test_outages import _start_send, _wait_until_done, _worker_env
from tests.smtp_sink import free_port

pytestmark = pytest.mark.skipif(
    not (USING_POSTGRES and USING_REDIS),
    reason="needs PostgreSQL DATABASE_URL and REDIS_URL: real workers share them",
)

CLAIM_TIMEOUT = "3600"
HEARTBEAT = "1"  # seconds: a killed process is taken for dead three seconds after its last beat
KILL_AFTER = 500  # messages received before the kill
IN_FLIGHT_BOUND = send_batches.RECORD_EVERY + 1


def _holders(app, publication_id: int) -> Counter:
    """Pid of the process named on each claimed row -> how many rows it holds."""
    with app.app_context(), bound_to(publication_id):
        owners = db.session.execute(
            select(Delivery.claimed_by, func.count())
            .where(Delivery.status == "sending", Delivery.claimed_by.is_not(None))
            .group_by(Delivery.claimed_by)
        ).all()
    held: Counter = Counter()
    for owner, count in owners:
        held[int(owner.rpartition("/")[0].split(":")[-2])] += count
    return held


@pytest.mark.parametrize("victim", ["worker", "work-horse"])
def test_a_killed_workers_readers_get_the_issue_without_waiting_for_the_claim_timeout(
    app, factories, tmp_path, victim
):
    publication_id, issue_id, active, others = _seed(app, factories)
    sink_port, received_file = free_port(), tmp_path / "received.tsv"
    settings = {"DELIVERY_CLAIM_TIMEOUT": CLAIM_TIMEOUT, "WORKER_HEARTBEAT_SECONDS": HEARTBEAT}
    if victim == "work-horse":
        settings["TEND_WORKER_FORK"] = "1"
    env = _worker_env(app, os.environ["REDIS_URL"], sink_port, **settings)
    sink = _start(
        [sys.executable, "-c", SINK, str(sink_port), str(received_file)], tmp_path / "sink.log", env
    )
    workers = [
        _start([sys.executable, "-m", "worker"], tmp_path / f"worker-{n}.log", env) for n in (1, 2)
    ]
    try:
        send_id = _start_send(app, publication_id, issue_id)

        def mid_batch() -> bool:
            return len(_received(received_file)) >= KILL_AFTER and bool(
                _holders(app, publication_id)
            )

        _wait_for(mid_batch, 60, "a batch half sent")
        pid, _ = _holders(app, publication_id).most_common(1)[0]
        if victim == "worker":
            (killed,) = [worker for worker in workers if worker.pid == pid]
            _kill(killed)
            survivors = [worker for worker in workers if worker is not killed]
        else:
            assert pid not in {worker.pid for worker in workers}, "no work horse holds a claim"
            os.kill(pid, signal.SIGKILL)
            survivors = workers
        killed_at = time.monotonic()
        time.sleep(0.5)  # a COMMIT sent just before the kill still lands
        left_with_the_dead = _holders(app, publication_id)[pid]
        received_at_kill = len(_received(received_file))
        assert left_with_the_dead > 0 and received_at_kill < len(active), "the kill missed"

        _wait_for(lambda: not _holders(app, publication_id)[pid], 60, "the dead's rows back")
        requeued_after = time.monotonic() - killed_at
        _wait_until_done(app, publication_id, send_id, "the send to finish after the kill")
        done_after = time.monotonic() - killed_at
        assert all(worker.poll() is None for worker in survivors), "a live worker exited"
    finally:
        for process in [*workers, sink]:
            _kill(process, signal.SIGTERM)

    received = _received(received_file)
    per_reader = Counter(address for address, _ in received)
    duplicates = len(received) - len(per_reader)
    print(
        f"{victim}: received at kill {received_at_kill}, rows the dead held {left_with_the_dead}, "
        f"re-queued {requeued_after:.1f} s and done {done_after:.1f} s after the kill "
        f"(claim timeout {CLAIM_TIMEOUT} s), duplicates {duplicates}"
    )
    assert set(per_reader) == active
    assert not set(per_reader) & others
    assert duplicates <= IN_FLIGHT_BOUND
    # A duplicate is the same message: the Message-ID is stable per issue and reader.
    ids = {address: {ident for a, ident in received if a == address} for address in per_reader}
    assert all(len(idents) == 1 for idents in ids.values())
    assert _count(app, publication_id, "queued", "sending") == 0
    assert _count(app, publication_id, "sent") == len(active)


# The recording sink, taking SLOW_SECONDS over each message.
SLOW_SECONDS = 2.5
SLOW_SINK = SINK.replace(
    "    async def handle_DATA(self, server, session, envelope):\n",
    "    async def handle_DATA(self, server, session, envelope):\n"
    "        import asyncio\n"
    f"        await asyncio.sleep({SLOW_SECONDS})\n",
)
SLOW_READERS = 4


@pytest.mark.parametrize(
    "settings",
    [
        # Each message outlasts the claim timeout: a claim aged by its batch alone would go.
        {"DELIVERY_CLAIM_TIMEOUT": "1"},
        # Each message outlasts three heartbeats: a heartbeat driven by the batch would stop.
        {"DELIVERY_CLAIM_TIMEOUT": CLAIM_TIMEOUT, "WORKER_HEARTBEAT_SECONDS": "0.5"},
    ],
    ids=["message-longer-than-the-timeout", "message-longer-than-three-beats"],
)
def test_a_slow_live_worker_keeps_its_claim(app, factories, tmp_path, settings):
    pub = factories.publication(slug="slow", name="Slow Going")
    readers = {f"reader{n}@example.org" for n in range(SLOW_READERS)}
    for email in readers:
        factories.subscriber(pub, email=email)
    issue = factories.issue(pub, title="Take your time", publish=True)
    with app.app_context(), bound_to(pub.id):
        db.session.execute(update(Publication).values(max_send_rate=0))
        db.session.commit()
    sink_port, received_file = free_port(), tmp_path / "received.tsv"
    env = _worker_env(app, os.environ["REDIS_URL"], sink_port, **settings)
    sink = _start(
        [sys.executable, "-c", SLOW_SINK, str(sink_port), str(received_file)],
        tmp_path / "sink.log",
        env,
    )
    # Both workers sweep every second: the idle one judges the busy one's claim all along.
    workers = [
        _start([sys.executable, "-m", "worker"], tmp_path / f"worker-{n}.log", env) for n in (1, 2)
    ]
    try:
        send_id = _start_send(app, pub.id, issue.id)
        _wait_until_done(app, pub.id, send_id, "the slow send to finish")
    finally:
        for process in [*workers, sink]:
            _kill(process, signal.SIGTERM)

    received = _received(received_file)
    assert sorted(address for address, _ in received) == sorted(readers)  # once each
    with app.app_context(), bound_to(pub.id):
        attempts = db.session.scalars(select(Delivery.attempts)).all()
    assert attempts == [1] * SLOW_READERS, "a claim was taken from its live worker"


def test_a_worker_asked_to_stop_while_idle_exits(app, tmp_path):
    """It used to start a new RQ worker instead: only a busy one was taken at its word."""
    env = _worker_env(app, os.environ["REDIS_URL"], free_port())
    log = tmp_path / "worker.log"
    worker = _start([sys.executable, "-m", "worker"], log, env)
    try:
        # Logged from RQ's work loop, which runs once its signal handlers are in place.
        _wait_for(lambda: b"cleaning group registries" in log.read_bytes(), 60, "the work loop")
        worker.send_signal(signal.SIGTERM)
        # RQ's teardown may wait up to a minute on its pub/sub thread's read.
        _wait_for(lambda: worker.poll() is not None, 150, "the worker to exit")
    finally:
        _kill(worker, signal.SIGTERM)
    assert worker.returncode == 0
    assert b"starting a new one" not in log.read_bytes()
