"""Sends finish by themselves after Redis dies mid-send (with or without its data), or PostgreSQL
restarts mid-send.

Real parts only: PostgreSQL, a private `redis-server` this test starts and kills, a
`python -m worker` process and an SMTP server in its own process that records every message.
Redis is killed (SIGKILL) while a batch is being sent and comes back a few seconds later,
either empty (no persistence: the queued batch jobs, the scheduled watcher and the record of
which job holds which rows are gone) or with its append-only file. The worker must not exit;
its sweep finds the send in the database and carries it to the end. Every active reader gets
the issue; the only copies sent twice are those in flight when Redis died, which is at most
one unrecorded group of outcomes (RECORD_EVERY) plus the message being handed over.

The PostgreSQL case stops a private cluster (immediate shutdown, every connection cut) for
PG_DOWN_SECONDS while a batch is being sent: the batch job and the send's watcher fail, and
the worker's sweep re-arms the watcher once the database is back. The same bound holds.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy.exc import OperationalError

from saas import create_app
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import batches as send_batches
from saas.delivery import sending
from saas.delivery.models import Send
from saas.publishing.models import Issue, Publication
from tests import pg_cluster
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
from tests.factories import Factories
from tests.smtp_sink import free_port

pytestmark = pytest.mark.skipif(
    not (USING_POSTGRES and USING_REDIS),
    reason="needs PostgreSQL DATABASE_URL and REDIS_URL: real workers share them",
)

KILL_AFTER = 400  # messages received before Redis is killed
DOWN_SECONDS = 3


def _redis(port: int, directory: Path, persistent: bool, log: Path):
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    args += ["--save", "", "--appendonly", "yes" if persistent else "no"]
    process = _start(args, log, dict(os.environ))
    from redis import Redis

    client = Redis(port=port)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except Exception:
            return False

    _wait_for(answers, 15, "redis to start")
    return process


def _worker_env(app, redis_url: str, sink_port: int, **settings: str) -> dict[str, str]:
    """The environment of this test's worker (and sink): the app's database and secret."""
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "SMTP_URL": f"smtp://127.0.0.1:{sink_port}",
        "MAIL_TRANSPORT": "smtp",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BASE_URL": app.config["BASE_URL"],
        "SEND_SWEEP_SECONDS": "1",
        "SENTRY_DSN": "",
        **settings,
    }


def _start_send(app, publication_id: int, issue_id: int) -> int:
    with app.app_context(), bound_to(publication_id):
        return sending.send_now(
            db.session.get(Publication, publication_id), db.session.get(Issue, issue_id)
        ).id


def _wait_until_done(app, publication_id: int, send_id: int, what: str) -> None:
    def finished() -> bool:
        # Like a page asked for while the database comes back: a connection lost with the
        # restart fails this one look (the pool is then refreshed), and the next one answers.
        try:
            with app.app_context(), bound_to(publication_id):
                return db.session.get(Send, send_id, populate_existing=True).status == "done"
        except OperationalError:
            return False

    _wait_for(finished, 120, what)


@pytest.mark.parametrize("persistent", [False, True], ids=["data-lost", "data-kept"])
def test_a_send_finishes_after_redis_dies_mid_send(app, factories, tmp_path, persistent):
    publication_id, issue_id, active, others = _seed(app, factories)
    redis_port, sink_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    received_file = tmp_path / "received.tsv"
    redis = _redis(redis_port, tmp_path, persistent, tmp_path / "redis-1.log")
    env = _worker_env(
        app,
        redis_url,
        sink_port,
        DELIVERY_CLAIM_TIMEOUT="2",
    )
    sink = _start(
        [sys.executable, "-c", SINK, str(sink_port), str(received_file)], tmp_path / "sink.log", env
    )
    worker = _start([sys.executable, "-m", "worker"], tmp_path / "worker.log", env)
    original_redis = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = redis_url  # the send is enqueued where the worker listens
    try:
        send_id = _start_send(app, publication_id, issue_id)

        _wait_for(lambda: len(_received(received_file)) >= KILL_AFTER, 60, "part of the send")
        _kill(redis)
        received_at_kill = len(_received(received_file))
        assert received_at_kill < len(active), "Redis died after the send was over"
        time.sleep(DOWN_SECONDS)
        assert worker.poll() is None, "the worker exited while Redis was down"
        redis = _redis(redis_port, tmp_path, persistent, tmp_path / "redis-2.log")

        _wait_until_done(app, publication_id, send_id, "the send to finish after Redis came back")
        assert worker.poll() is None, "the worker exited"
    finally:
        app.config["REDIS_URL"] = original_redis
        for process in (worker, sink, redis):
            _kill(process, signal.SIGTERM)

    received = _received(received_file)
    per_reader = Counter(address for address, _ in received)
    duplicates = len(received) - len(per_reader)
    print(f"received at kill {received_at_kill}, in all {len(received)}, duplicates {duplicates}")
    assert set(per_reader) == active
    assert not set(per_reader) & others
    assert duplicates <= send_batches.RECORD_EVERY + 1
    assert _count(app, publication_id, "queued", "sending") == 0
    assert _count(app, publication_id, "sent") == len(active)


PG_DOWN_SECONDS = 8


@pytest.fixture()
def private_pg_app(smtp_sink, tmp_path):
    """The app on a private PostgreSQL cluster this test may stop, and a private Redis."""
    redis_port = free_port()
    redis = _redis(redis_port, tmp_path, False, tmp_path / "redis.log")
    cluster = pg_cluster.PrivateCluster().create()
    cluster.start()
    url = cluster.create_database("tend_send_outage")
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "MIGRATION_DATABASE_URI": url,
            "SECRET_KEY": "outage-test-secret",
            "BASE_URL": "http://localhost",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "MAIL_TRANSPORT": "smtp",
            "SMTP_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        }
    )
    with application.app_context():
        upgrade()
    try:
        yield application, cluster
    finally:
        with application.app_context():
            db.engine.dispose()
        cluster.remove()
        _kill(redis, signal.SIGTERM)


@pytest.mark.skipif(not pg_cluster.available(), reason="needs PostgreSQL server binaries")
def test_a_send_finishes_after_postgresql_restarts_mid_send(private_pg_app, tmp_path):
    app, cluster = private_pg_app
    publication_id, issue_id, active, others = _seed(app, Factories(app))
    sink_port, received_file = free_port(), tmp_path / "received.tsv"
    env = _worker_env(
        app,
        app.config["REDIS_URL"],
        sink_port,
        DELIVERY_CLAIM_TIMEOUT="2",
    )
    sink = _start(
        [sys.executable, "-c", SINK, str(sink_port), str(received_file)], tmp_path / "sink.log", env
    )
    worker = _start([sys.executable, "-m", "worker"], tmp_path / "worker.log", env)
    try:
        send_id = _start_send(app, publication_id, issue_id)
        _wait_for(lambda: len(_received(received_file)) >= KILL_AFTER, 60, "part of the send")
        cluster.stop()
        received_at_stop = len(_received(received_file))
        assert received_at_stop < len(active), "PostgreSQL stopped after the send was over"
        time.sleep(PG_DOWN_SECONDS)
        cluster.start()

        _wait_until_done(
            app, publication_id, send_id, "the send to finish after PostgreSQL came back"
        )
        assert worker.poll() is None, "the worker exited"
    finally:
        for process in (worker, sink):
            _kill(process, signal.SIGTERM)

    received = _received(received_file)
    per_reader = Counter(address for address, _ in received)
    duplicates = len(received) - len(per_reader)
    print(f"received at stop {received_at_stop}, in all {len(received)}, duplicates {duplicates}")
    assert set(per_reader) == active
    assert not set(per_reader) & others
    assert duplicates <= send_batches.RECORD_EVERY + 1
    assert _count(app, publication_id, "queued", "sending") == 0
    assert _count(app, publication_id, "sent") == len(active)


# The recording sink, refusing every recipient "for now" once it has taken `refuse_after`
# messages and until the lift file appears: it starts refusing by itself, so a send on a fast
# machine cannot finish before the refusals begin.
REFUSING_SINK = SINK.replace(
    "class Record:\n",
    "import os\nrefuse_after, lift = int(sys.argv[3]), sys.argv[4]\ntaken = [0]\n\n"
    "class Record:\n"
    "    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):\n"
    "        if taken[0] >= refuse_after and not os.path.exists(lift):\n"
    "            return '451 4.3.2 System busy, try again later'\n"
    "        taken[0] += 1\n"
    "        envelope.rcpt_tos.append(address)\n"
    "        return '250 OK'\n\n",
)
REFUSE_SECONDS = 4


def test_a_send_through_a_server_refusing_for_now_reaches_everyone_once(app, factories, tmp_path):
    publication_id, issue_id, active, others = _seed(app, factories)
    sink_port, received_file = free_port(), tmp_path / "received.tsv"
    lift = tmp_path / "accepting-again"
    env = _worker_env(
        app,
        os.environ["REDIS_URL"],
        sink_port,
        SMTP_RETRY_DELAYS="0.05",
        DELIVERY_RETRY_SCHEDULE="1,2",
    )
    sink = _start(
        [
            sys.executable,
            "-c",
            REFUSING_SINK,
            str(sink_port),
            str(received_file),
            str(KILL_AFTER),
            str(lift),
        ],
        tmp_path / "sink.log",
        env,
    )
    worker = _start([sys.executable, "-m", "worker"], tmp_path / "worker.log", env)
    try:
        send_id = _start_send(app, publication_id, issue_id)
        _wait_for(lambda: len(_received(received_file)) >= KILL_AFTER, 60, "part of the send")
        _wait_for(
            lambda: _count(app, publication_id, "deferred") > 0, 60, "the refusals to be recorded"
        )
        time.sleep(REFUSE_SECONDS)
        deferred_while_refusing = _count(app, publication_id, "deferred")
        lift.touch()

        _wait_until_done(
            app, publication_id, send_id, "the send to finish once the server accepted again"
        )
    finally:
        for process in (worker, sink):
            _kill(process, signal.SIGTERM)

    received = _received(received_file)
    per_reader = Counter(address for address, _ in received)
    print(f"deferred while refusing {deferred_while_refusing}, received {len(received)}")
    assert deferred_while_refusing > 0, "the refusals did not reach any delivery"
    assert set(per_reader) == active
    assert not set(per_reader) & others
    assert len(received) == len(per_reader), "a refused message was delivered twice"
    assert _count(app, publication_id, "sent") == len(active)
    assert _count(app, publication_id, "failed", "deferred", "queued", "sending") == 0
