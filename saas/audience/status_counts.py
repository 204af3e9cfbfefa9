"""Readers per status without counting readers: the running sums in subscriber_counts.

The database adds a row to subscriber_counts (models.SubscriberCount) in the same
transaction as every insert, delete or status change of readers, whichever code makes it
(triggers, migration 0018_dashboard_scale): a subscribe, a confirmation, an unsubscribe, a
bounce, an erasure, an import, a hold or its release. Rows are appended, never updated, so
concurrent changes never wait for each other and the sums stay exact.

- `counts` sums a publication's rows, a few hundred at most: a million readers cost what
  ten do. When it finds more than FOLD_AFTER_ROWS it asks for `fold`, which replaces the
  rows it sees with one per status (rows added meanwhile stay and still count).
- `rebuild` counts the readers table again, for the migration's backfill and for
  `flask recount-subscribers` (the repair, should a row ever be lost).
"""

from __future__ import annotations

from collections import defaultdict

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import Connection, delete, func, insert, select, text

from saas.audience.models import SUBSCRIBER_STATUSES, SubscriberCount
from saas.core.extensions import db
from saas.core.queue import enqueue, get_connection, is_embedded
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing.models import Publication

FOLD_AFTER_ROWS = 200
FOLD_JOB = "worker.jobs.fold_subscriber_counts"


def counts(publication: Publication) -> dict[str, int]:
    """How many of the publication's readers have each status (every status, zeros too)."""
    rows = db.session.execute(
        select(SubscriberCount.status, func.sum(SubscriberCount.delta), func.count()).group_by(
            SubscriberCount.status
        )
    ).all()
    found = {status: 0 for status in SUBSCRIBER_STATUSES}
    found.update({status: int(total) for status, total, _ in rows})
    if sum(n for _, _, n in rows) > FOLD_AFTER_ROWS:
        _ask_to_fold(publication.id)
    return found


def active_count(publication: Publication) -> int:
    """How many readers an issue sent now would go to."""
    return counts(publication)["active"]


def by_publication() -> dict[int, dict[str, int]]:
    """Readers per status of every publication (for the operator; the caller declares
    cross_tenant())."""
    found: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SUBSCRIBER_STATUSES, 0))
    rows = db.session.execute(
        select(
            SubscriberCount.publication_id, SubscriberCount.status, func.sum(SubscriberCount.delta)
        ).group_by(SubscriberCount.publication_id, SubscriberCount.status)
    )
    for publication_id, status, total in rows:
        found[publication_id][status] = int(total)
    return dict(found)


def _ask_to_fold(publication_id: int) -> None:
    # The embedded default folds from `flask serve`'s periodic work (fold_crowded): a job
    # there would run inside the caller's transaction.
    if is_embedded():
        return
    try:
        if get_connection().set(f"tend:fold-counts:{publication_id}", "1", nx=True, ex=60):
            enqueue(FOLD_JOB, publication_id)
    except RedisError:
        current_app.logger.info("not folding subscriber counts: Redis is away")


def fold(publication_id: int) -> int:
    """Replace the publication's count rows by one per status; returns how many it folded.

    DELETE ... RETURNING takes exactly the rows it removes, so a change committed meanwhile
    keeps its own row, and two folds at once each re-add only what they took.
    """
    with bound_to(publication_id):
        taken = db.session.execute(
            delete(SubscriberCount)
            .where(SubscriberCount.publication_id == publication_id)
            .returning(SubscriberCount.status, SubscriberCount.delta)
        ).all()
        sums: dict[str, int] = defaultdict(int)
        for status, delta in taken:
            sums[status] += delta
        rows = [
            {"publication_id": publication_id, "status": status, "delta": total}
            for status, total in sorted(sums.items())
            if total
        ]
        if rows:
            db.session.execute(insert(SubscriberCount), rows)
        db.session.commit()
    return len(taken)


def fold_crowded() -> int:
    """Fold every publication with more than FOLD_AFTER_ROWS rows; returns how many."""
    with cross_tenant():
        crowded = db.session.scalars(
            select(SubscriberCount.publication_id)
            .group_by(SubscriberCount.publication_id)
            .having(func.count() > FOLD_AFTER_ROWS)
        ).all()
        db.session.rollback()
    for publication_id in crowded:
        fold(publication_id)
    return len(crowded)


def rebuild(connection: Connection, publication_id: int | None = None) -> None:
    """Count the readers table again into subscriber_counts (one publication, or all).

    Exact when nothing changes readers meanwhile: the migration runs it after creating the
    triggers (which keeps writers out until it commits); the command runs it in one
    repeatable-read snapshot. The caller commits, with row-level security satisfied.
    """
    where = "" if publication_id is None else "WHERE publication_id = :pid"
    params = {} if publication_id is None else {"pid": publication_id}
    connection.execute(text(f"DELETE FROM subscriber_counts {where}"), params)  # noqa: S608
    connection.execute(
        text(
            "INSERT INTO subscriber_counts (publication_id, status, delta) "  # noqa: S608
            f"SELECT publication_id, status, count(*) FROM subscribers {where} "
            "GROUP BY publication_id, status"
        ),
        params,
    )


def recount(publication_id: int | None = None) -> None:
    """The repair: rebuild the counts from the readers (one publication, or every one)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # One snapshot for both statements: a change committed between them is neither
        # lost nor counted twice. Set before the transaction's first statement.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    with cross_tenant():
        rebuild(session.connection(), publication_id)
        session.commit()
