"""`python -m worker`: an RQ worker (with scheduler) on the mail, delivery and default queues."""

from __future__ import annotations

import sys

from rq import SimpleWorker, Worker

from saas.core.queue import QUEUE_NAMES, get_connection
from worker.app import get_app


def main(argv: list[str]) -> int:
    """Run a worker until stopped; each job pushes its own app context (fresh session)."""
    app = get_app()
    with app.app_context():
        if not app.config["REDIS_URL"]:
            print("REDIS_URL is not set: the embedded default runs jobs in the web process.")
            return 2
        connection = get_connection()
    # Jobs run in this process by default: forking a fresh process per job costs ~0.2 s of CPU
    # each, a fifth of a 1,000-recipient batch. TEND_WORKER_FORK=1 restores RQ's fork per job.
    worker_class = Worker if app.config["WORKER_FORK"] else SimpleWorker
    worker = worker_class(list(QUEUE_NAMES), connection=connection)
    worker.work(with_scheduler=True, burst="--burst" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
