"""`python -m worker`: an RQ worker (with scheduler) on the mail, delivery and default queues.

The process outlives Redis and PostgreSQL outages. RQ's worker loop waits out a connection
error while it waits for a job, but quits on one anywhere else; here a worker that quits on
its own is replaced by a new one once Redis answers again (waiting longer each time, up to a
minute). A thread sweeps every SEND_SWEEP_SECONDS: it hands jobs parked in the database
while Redis was away over to their queues (saas.core.outbox), and re-arms the watcher of
every send in progress (saas.delivery.upkeep.sweep), so a send whose watcher was lost, to a
failed job or to Redis losing its data, carries on by itself: the database says what is left.

While a process sends, its claims heart-beat every WORKER_HEARTBEAT_SECONDS from threads of
their own (saas.delivery.claims); a process killed mid-send stops beating, and the sweep of
any other worker hands its readers on about three beats later. With TEND_WORKER_FORK=1 each
work horse is a process of its own there, and opens its own database connections.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker

from saas.core.queue import QUEUE_NAMES, get_connection
from worker.app import get_app

log = logging.getLogger("worker")
MAX_WAIT_SECONDS = 60.0
DRAIN_LOCK = "tend:outbox-drain"


def _sweep_forever(interval: float, stop: threading.Event) -> None:
    from saas.core.queue import drain_outbox
    from saas.delivery.upkeep import sweep

    app = get_app()
    while not stop.wait(interval):
        try:
            with app.app_context():
                # One worker at a time hands parked jobs over (a mail must not go twice).
                if get_connection().set(DRAIN_LOCK, "1", nx=True, ex=int(interval * 4) + 5):
                    try:
                        drain_outbox()
                    finally:
                        get_connection().delete(DRAIN_LOCK)
                sweep()
        except Exception:  # PostgreSQL or Redis away: the next round tries again
            app.logger.warning("send sweep failed; trying again in %.0f s", interval, exc_info=True)


def start_sweeper(interval: float) -> threading.Event:
    """Run the send sweep on a daemon thread every `interval` seconds; set the event to stop."""
    stop = threading.Event()
    threading.Thread(
        target=_sweep_forever, args=(interval, stop), name="send-sweeper", daemon=True
    ).start()
    return stop


def _forget_pooled_connections() -> None:
    """In a forked work horse: open database connections of its own.

    The pooled ones belong to the parent, whose sweep thread goes on using them; two
    processes talking over one connection garble it.
    """
    from saas.core.extensions import db

    with get_app().app_context():
        db.engine.dispose(close=False)


def wait_for_redis(connection: Redis) -> None:
    """Block until Redis answers, waiting longer after each failed try."""
    wait = 1.0
    while True:
        try:
            connection.ping()
            return
        except RedisError as exc:
            log.error("Redis is not answering (%s); trying again in %.0f s", exc, wait)
            time.sleep(wait)
            wait = min(wait * 2, MAX_WAIT_SECONDS)


def main(argv: list[str]) -> int:
    """Run workers until stopped; each job pushes its own app context (fresh session)."""
    app = get_app()
    with app.app_context():
        if not app.config["REDIS_URL"]:
            print("REDIS_URL is not set: the embedded default runs jobs in the web process.")
            return 2
        connection = get_connection()
    burst = "--burst" in argv
    # Jobs run in this process by default: forking a fresh process per job costs ~0.2 s of CPU
    # each, a fifth of a 1,000-recipient batch. TEND_WORKER_FORK=1 restores RQ's fork per job.
    worker_class = Worker if app.config["WORKER_FORK"] else SimpleWorker
    if app.config["WORKER_FORK"]:
        os.register_at_fork(after_in_child=_forget_pooled_connections)
    if not burst:
        start_sweeper(app.config["SEND_SWEEP_SECONDS"])
    while True:
        wait_for_redis(connection)
        worker = worker_class(list(QUEUE_NAMES), connection=connection)
        try:
            worker.work(with_scheduler=True, burst=burst)
        except RedisError as exc:
            # Raised while the worker tore itself down (its scheduler is stopped by then).
            log.error("worker %s lost Redis: %s", worker.name, exc)
        # Asked to stop (SIGTERM, SIGINT): RQ notes the time whether a job was running or
        # not, and sets _stop_requested only when one was.
        if burst or worker._stop_requested or worker._shutdown_requested_date is not None:
            return 0
        # The loop ended by itself: Redis went away while RQ was not waiting for a job.
        log.error(
            "worker %s stopped on its own; starting a new one once Redis answers", worker.name
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
