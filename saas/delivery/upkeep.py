"""Keeping a send moving: start it, watch it, re-queue stale claims, enqueue missing batches.

A send's jobs find their publication through `job_scope`. `start` enqueues the fan-out and,
with Redis, schedules `watch_send`, which every few seconds re-queues rows whose claim is no
longer held (a killed worker; `claims` says which are), enqueues batch jobs for queued rows
no waiting job covers and closes the send once nothing is queued or sending. Batch jobs are
remembered per send in a Redis hash of job id -> id range, so the watcher never enqueues a row
twice. `sweep`, run by every worker process on a timer, re-arms the watcher of any send whose
chain broke. In the embedded default every job runs inside `enqueue`, so no watcher is needed.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import Retry
from rq.job import Job, JobStatus
from sqlalchemy import func, or_, select, update

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue, enqueue_in, get_connection, is_embedded
from saas.core.tenancy import bound_to, cross_tenant
from saas.delivery import claims, hooks, sending_holds
from saas.delivery.models import (
    DEFERRED,
    OPEN_STATUSES,
    QUEUED,
    SEND_DONE,
    SEND_PAUSED,
    SEND_QUEUED,
    SEND_SENDING,
    SENDING,
    Delivery,
    Send,
)
from saas.publishing.models import Publication

BATCH_SIZE = 1000  # recipients per batch job
WATCH_SECONDS = 5.0
_BATCHES_KEY = "tend:send:{send_id}:batches"
_WATCH_KEY = "tend:send:{send_id}:watch"
_FAN_OUT_KEY = "tend:send:{send_id}:fan-out"
_HELD = (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


@contextmanager
def job_scope(send_id: int) -> Iterator[tuple[Publication, Send] | None]:
    """Bind the send's publication for a job; None if the send is gone."""
    with cross_tenant():
        publication_id = db.session.scalar(select(Send.publication_id).where(Send.id == send_id))
    if publication_id is None:
        yield None
        return
    with bound_to(publication_id):
        publication = db.session.get(Publication, publication_id, populate_existing=True)
        yield publication, db.session.get(Send, send_id, populate_existing=True)


def suspended(publication: Publication) -> bool:
    """Whether the publication may not send: suspended by an operator, or its sends held
    for complaints (saas.delivery.sending_holds) until an operator lifts the hold."""
    return publication.suspended_at is not None or sending_holds.current(publication.id) is not None


def pause_if_suspended(publication: Publication, send_id: int) -> bool:
    """Pause the send if its publication is suspended; True if it was."""
    return paused_by_suspension(suspended(publication), send_id)


def start(send_id: int) -> None:
    """Enqueue the fan-out and, with Redis, the watcher that sees the send through."""
    if not is_embedded():
        timeout = current_app.config["DELIVERY_CLAIM_TIMEOUT"]
        # Redis away: the fan-out job is parked, and the workers' sweep watches the send.
        with contextlib.suppress(RedisError):
            get_connection().set(_FAN_OUT_KEY.format(send_id=send_id), "1", ex=timeout)
        watch_later(send_id)
    enqueue("worker.jobs.start_send", send_id, queue="delivery")


def paused_by_suspension(suspended: bool, send_id: int) -> bool:
    """A suspended publication's sends pause themselves; its owner resumes them later."""
    if not suspended:
        return False
    db.session.execute(
        update(Send)
        .where(Send.id == send_id, Send.status.in_((SEND_QUEUED, SEND_SENDING)))
        .values(status=SEND_PAUSED)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return True


def delivery_counts(send: Send) -> dict[str, int]:
    """The send's deliveries per status (only the statuses it has)."""
    rows = db.session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.send_id == send.id)
        .group_by(Delivery.status)
    )
    return {status: count for status, count in rows}


def finish_if_complete(send: Send) -> bool:
    """Mark the send done once no delivery is queued or sending, keeping its final counts."""
    open_rows = db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.send_id == send.id, Delivery.status.in_(OPEN_STATUSES))
    )
    if open_rows:
        return False
    # Nothing changes a status now: no row is open, and only a done send starts again.
    finished = db.session.execute(
        update(Send)
        .where(Send.id == send.id, Send.status.in_((SEND_SENDING, SEND_PAUSED)))
        .values(status=SEND_DONE, finished_at=utcnow(), final_counts=delivery_counts(send))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if finished and not is_embedded():
        get_connection().delete(_BATCHES_KEY.format(send_id=send.id))
    if finished:
        hooks.send_finished.send(send)
    return bool(finished)


def requeue_stale(send: Send) -> int:
    """Rows whose claim is no longer held go back to the queue; returns how many.

    A claim whose owner is known to have stopped (`claims.judge`: GONE) goes back once its
    heartbeat is overdue, seconds after a kill; one whose owner cannot be judged waits for
    DELIVERY_CLAIM_TIMEOUT; one whose owner still holds it stays, however old.
    """
    owners = db.session.scalars(
        select(Delivery.claimed_by)
        .where(Delivery.send_id == send.id, Delivery.status == SENDING)
        .distinct()
    ).all()
    if not owners:
        return 0
    verdicts = claims.judge(owners)
    gone = [owner for owner, verdict in verdicts.items() if verdict == claims.GONE]
    unknown = [owner for owner, verdict in verdicts.items() if verdict == claims.UNKNOWN]
    config, now = current_app.config, utcnow()
    grace = timedelta(seconds=claims.grace_seconds(config))
    timeout = timedelta(seconds=config["DELIVERY_CLAIM_TIMEOUT"])
    counts = [
        db.session.execute(
            update(Delivery)
            .where(
                Delivery.send_id == send.id,
                Delivery.status == SENDING,
                owned_by,
                Delivery.claimed_at < now - waited,
            )
            .values(status=QUEUED, claimed_at=None, claimed_by=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        for owned_by, waited in (
            (Delivery.claimed_by.in_(gone), grace),
            (or_(Delivery.claimed_by.is_(None), Delivery.claimed_by.in_(unknown)), timeout),
        )
    ]
    db.session.commit()
    if counts[0]:
        current_app.logger.info("send %s: %d rows of stopped workers re-queued", send.id, counts[0])
    return sum(counts)


def requeue_due_deferrals(send: Send) -> int:
    """Deferred rows whose time has come go back to the queue (batches then pick them up)."""
    count = db.session.execute(
        update(Delivery)
        .where(
            Delivery.send_id == send.id,
            Delivery.status == DEFERRED,
            Delivery.next_attempt_at <= utcnow(),
        )
        .values(status=QUEUED, next_attempt_at=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def held_ranges(send_id: int) -> list[tuple[int, int]]:
    """Id ranges of this send's batch jobs still waiting to run (queued, deferred, retrying)."""
    if is_embedded():
        return []
    connection = get_connection()
    key = _BATCHES_KEY.format(send_id=send_id)
    entries = {k.decode(): v.decode() for k, v in connection.hgetall(key).items()}
    if not entries:
        return []
    held, gone = [], []
    jobs = Job.fetch_many(list(entries), connection=connection)
    for job_id, job in zip(entries, jobs, strict=True):
        status = job.get_status(refresh=False) if job is not None else None
        if status in _HELD:
            first, last = entries[job_id].split(":")
            held.append((int(first), int(last)))
        elif status != JobStatus.STARTED:
            gone.append(job_id)
    if gone:
        connection.hdel(key, *gone)
    return sorted(held)


def enqueue_orphans(publication: Publication, send: Send) -> int:
    """Enqueue batch jobs for queued rows that no waiting job covers; returns how many."""
    query = select(Delivery.id).where(Delivery.send_id == send.id, Delivery.status == QUEUED)
    held = held_ranges(send.id)
    if held:
        query = query.where(~or_(*(Delivery.id.between(first, last) for first, last in held)))
    starts = [first for first, _ in held]
    chunks: list[list[int]] = []
    for delivery_id in db.session.scalars(query.order_by(Delivery.id)):
        # A new chunk at BATCH_SIZE, and wherever a held range lies between two orphans,
        # so no batch's id range takes in rows a waiting job will send.
        previous = chunks[-1][-1] if chunks else None
        after = bisect.bisect_right(starts, previous) if previous is not None else 0
        if (
            not chunks
            or len(chunks[-1]) == BATCH_SIZE
            or (after < len(starts) and starts[after] < delivery_id)
        ):
            chunks.append([])
        chunks[-1].append(delivery_id)
    for chunk in chunks:
        enqueue_batch(publication, send.id, chunk[0], chunk[-1])
    return len(chunks)


def enqueue_batch(publication: Publication, send_id: int, first: int, last: int) -> None:
    """One batch job for the id range, remembered so the watcher knows it is waiting."""
    rate = publication.max_send_rate
    timeout = 900 if rate <= 0 else max(900, int(3 * BATCH_SIZE / rate) + 300)
    job = enqueue(
        "worker.jobs.send_batch", send_id, first, last, queue="delivery", job_timeout=timeout
    )
    if job is not None and not is_embedded():  # None: parked until Redis is back
        key = _BATCHES_KEY.format(send_id=send_id)
        get_connection().hset(key, job.id, f"{first}:{last}")
        get_connection().expire(key, 14 * 86400)


def watch_later(send_id: int) -> None:
    """Schedule `watch_send` for this send a few seconds from now (retried if it fails)."""
    enqueue_in(
        WATCH_SECONDS,
        "worker.jobs.watch_send",
        send_id,
        queue="delivery",
        at_front=True,
        retry=Retry(max=5, interval=[5, 15, 30, 60, 120]),
    )


def sends_in_progress() -> list[int]:
    """Every send, of any publication, that has not finished, paused or been cancelled."""
    with cross_tenant():
        return list(
            db.session.scalars(
                select(Send.id)
                .where(Send.status.in_((SEND_QUEUED, SEND_SENDING)))
                .order_by(Send.id)
            )
        )


def sweep() -> int:
    """Re-arm the watcher of every send in progress; returns how many sends it looked at.

    The watcher reschedules itself, but a chain can break: its job failed while PostgreSQL
    restarted, or Redis lost its data (and with it the scheduled watcher, the batch jobs and
    their id ranges). The database is the source of truth for what is left to send, so the
    sweep, run by every worker process every SEND_SWEEP_SECONDS, takes the list of sends
    from it and reconciles each one now: stale claims go back to the queue, queued rows no
    waiting job covers get batch jobs, a lost fan-out runs again. Sends whose watcher is
    alive lose nothing: one run per watch period acts, the others return at once.
    """
    send_ids = sends_in_progress()
    for send_id in send_ids:
        watch_send(send_id)
    return len(send_ids)


def watch_send(send_id: int) -> None:
    """Reconcile a send in progress, and look again in a few seconds until it is done.

    Re-queues rows whose claim went stale (a killed worker), enqueues batches for queued rows
    no waiting job covers, brings back deferred rows that are due, and marks the send done
    when nothing is queued, sending or deferred.
    """
    connection = get_connection()
    # Start, resume and retries may leave several watchers scheduled: one acts per period.
    lock = _WATCH_KEY.format(send_id=send_id)
    if not connection.set(lock, "1", nx=True, px=int(WATCH_SECONDS * 800)):
        return
    with job_scope(send_id) as scope:
        if scope is None:
            return
        publication, send = scope
        if send.status not in (SEND_QUEUED, SEND_SENDING):
            return
        watch_later(send_id)  # first, so a crash during this run cannot end the watch
        if send.status == SEND_QUEUED:
            # Fan-out not done within the claim timeout: its job was lost, so run it again
            # (it is idempotent).
            if not connection.exists(_FAN_OUT_KEY.format(send_id=send_id)):
                start(send_id)
            return
        requeue_stale(send)
        requeue_due_deferrals(send)
        enqueue_orphans(publication, send)
        finish_if_complete(send)
