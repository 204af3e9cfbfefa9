"""What the operator sees of the job queues: depth, workers, failed jobs to retry or drop."""

from __future__ import annotations

from dataclasses import dataclass

from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry

from saas.accounts.models import User
from saas.core.extensions import db
from saas.core.queue import QUEUE_NAMES, get_connection
from saas.ops.console import record


@dataclass(frozen=True)
class QueueState:
    name: str
    queued: int
    started: int
    failed: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    func_name: str
    ended_at: str
    error: str


def queue_states() -> list[QueueState]:
    """Depth, running and failed counts per queue."""
    connection = get_connection()
    states = []
    for name in QUEUE_NAMES:
        queue = Queue(name, connection=connection)
        states.append(
            QueueState(
                name=name,
                queued=queue.count,
                started=StartedJobRegistry(queue=queue).count,
                failed=FailedJobRegistry(queue=queue).count,
            )
        )
    return states


def workers() -> list[dict]:
    """Live workers: name, state, queues, current job."""
    result = []
    for worker in Worker.all(connection=get_connection()):
        job = worker.get_current_job()
        result.append(
            {
                "name": worker.name,
                "state": worker.get_state(),
                "queues": ", ".join(worker.queue_names()),
                "job": job.func_name if job else "",
                "heartbeat": worker.last_heartbeat,
            }
        )
    return result


def _last_line(text: str | None) -> str:
    # The exception's type line only: messages may carry data and are kept out of the console.
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].split(":", 1)[0][:200] if lines else ""


def _exc_text(job: Job) -> str:
    result = job.latest_result()
    return (result.exc_string if result is not None else "") or ""


def failed_jobs(limit: int = 50) -> list[FailedJob]:
    """The newest failed jobs of every queue."""
    connection = get_connection()
    jobs: list[FailedJob] = []
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(queue=Queue(name, connection=connection))
        for job in Job.fetch_many(registry.get_job_ids(0, limit - 1), connection=connection):
            if job is None:
                continue
            jobs.append(
                FailedJob(
                    id=job.id,
                    queue=name,
                    func_name=job.func_name,
                    ended_at=job.ended_at.isoformat() if job.ended_at else "",
                    error=_last_line(_exc_text(job)),
                )
            )
    return jobs[:limit]


def _registry_for(job_id: str) -> tuple[FailedJobRegistry, Job] | None:
    connection = get_connection()
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return None
    registry = FailedJobRegistry(queue=Queue(job.origin, connection=connection))
    return (registry, job) if job.id in registry.get_job_ids() else None


def retry_failed(operator: User, job_id: str) -> bool:
    """Put a failed job back on its queue."""
    found = _registry_for(job_id)
    if found is None:
        return False
    registry, job = found
    registry.requeue(job.id)
    record(operator, "retry job", f"{job.origin}:{job.id}", job.func_name)
    db.session.commit()
    return True


def delete_failed(operator: User, job_id: str) -> bool:
    """Drop a failed job for good."""
    found = _registry_for(job_id)
    if found is None:
        return False
    registry, job = found
    registry.remove(job, delete_job=True)
    record(operator, "delete job", f"{job.origin}:{job.id}", job.func_name)
    db.session.commit()
    return True
