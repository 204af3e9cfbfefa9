"""Job queues: RQ on Redis in production, RQ on an in-process fake Redis in the embedded default.

Jobs are enqueued by dotted path (``enqueue("worker.jobs.send_email", ...)``) so this package
never imports the worker. In the embedded default the queue runs each job synchronously in
the calling process, through the same RQ job machinery the Redis workers use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job

QUEUE_NAMES = ("mail", "delivery", "default")

_connections: dict[str, Redis] = {}


def get_connection() -> Redis:
    """The Redis connection for queues (fakeredis when REDIS_URL is empty)."""
    url = current_app.config["REDIS_URL"]
    key = url or "embedded"
    if key not in _connections:
        if url:
            _connections[key] = Redis.from_url(url)
        else:
            import fakeredis

            _connections[key] = fakeredis.FakeRedis()
    return _connections[key]


def is_embedded() -> bool:
    """Whether jobs run inside this process instead of on Redis workers."""
    return not current_app.config["REDIS_URL"]


def get_queue(name: str = "default") -> Queue:
    """The named queue; synchronous in the embedded default."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_connection(), is_async=not is_embedded())


def _retry(times: int) -> Retry:
    return Retry(max=times, interval=[10, 60, 300])


def enqueue(
    path: str, *args: Any, queue: str = "default", retry: int = 3, **options: Any
) -> Job | None:
    """Enqueue the job at dotted `path` with plain arguments (ids, strings, bytes).

    With Redis unreachable the job is parked in the database (saas.core.outbox) and handed
    over by a worker once Redis is back; then None is returned instead of a Job. The job's
    description is its path alone: RQ would otherwise log the arguments (a reader's address,
    a rendered message) with every job it runs, and keep them in the job's description.
    """
    try:
        return get_queue(queue).enqueue(
            path, *args, retry=_retry(retry), description=path, **options
        )
    except RedisError as exc:
        from saas.core import outbox

        current_app.logger.warning("Redis unreachable (%s): parking job %s", exc, path)
        outbox.park(path, args, queue, {"retry": retry, **options})
        return None


def drain_outbox() -> int:
    """Hand jobs parked while Redis was away over to their queues; returns how many."""
    from saas.core import outbox

    def hand_over(path: str, args: list, queue: str, options: dict) -> None:
        retry = int(options.pop("retry", 3))
        get_queue(queue).enqueue(path, *args, retry=_retry(retry), description=path, **options)

    return outbox.drain(hand_over)


def forget_mail_mentioning(needles: list[str]) -> int:
    """Delete `mail` jobs whose arguments hold any of `needles`; returns how many.

    Transactional mail is the one queue whose jobs carry addresses and rendered messages
    (the others take ids), and RQ keeps a job's arguments until it expires: a finished job
    for minutes, a failed one for a year. Waiting, scheduled, finished and failed jobs are
    all looked at; a job running right now finishes. Redis being away skips this (the jobs
    then wait in the outbox, which the caller cleans too).
    """
    from saas.core.outbox import mentions

    queue = get_queue("mail")
    try:
        ids = set(queue.job_ids)
        for registry in (
            queue.scheduled_job_registry,
            queue.deferred_job_registry,
            queue.finished_job_registry,
            queue.failed_job_registry,
        ):
            ids.update(registry.get_job_ids())
        doomed = [
            job
            for job in Job.fetch_many(sorted(ids), connection=queue.connection)
            if job is not None and mentions([job.args, job.kwargs], needles)
        ]
        for job in doomed:
            job.delete()
    except RedisError as exc:
        current_app.logger.warning("Redis unreachable (%s): mail jobs not looked at", exc)
        return 0
    return len(doomed)


def enqueue_at(when: datetime, path: str, *args: Any, queue: str = "default") -> Job | None:
    """Schedule a job for RQ's scheduler; in the embedded default the caller runs due work."""
    if is_embedded():
        return None
    return get_queue(queue).enqueue_at(when, path, *args, retry=Retry(max=3, interval=60))


def enqueue_in(
    delay: float | timedelta, path: str, *args: Any, queue: str = "default", **options: Any
) -> Job | None:
    """Run a job after `delay` (seconds) on RQ's scheduler; None in the embedded default."""
    if is_embedded():
        return None
    if not isinstance(delay, timedelta):
        delay = timedelta(seconds=delay)
    try:
        return get_queue(queue).enqueue_in(delay, path, *args, **options)
    except RedisError as exc:
        # Scheduled upkeep only (watchers): the workers' sweep re-arms it once Redis is back.
        current_app.logger.warning("Redis unreachable (%s): not scheduling %s", exc, path)
        return None


def schedule_next_run(
    path: str, job_id_prefix: str, after: timedelta, period: str = "%Y-%m-%d"
) -> str | None:
    """Put the next run of a self-rescheduling job on RQ's scheduler; returns its job id.

    The id names the period (`period`, a strftime format: the day by default) it runs in, so
    starting the chain twice in one period still leaves one chain, and the running job never
    shares an id with the one it schedules. None in the embedded default, where
    `flask serve`'s scheduler thread runs such work.
    """
    if is_embedded():
        return None
    when = datetime.now(UTC) + after
    job_id = f"{job_id_prefix}{when.strftime(period)}"
    get_queue("default").enqueue_at(when, path, job_id=job_id)
    return job_id
