"""Jobs parked in the database while Redis is away, handed to Redis once it is back.

`core.queue.enqueue` parks a job here instead of failing when Redis cannot be reached, so a
request that has already written its rows (a reader subscribed, an account created) still
gets its mail sent later instead of ending half done. Every `python -m worker` process
drains the outbox on its sweep timer. A job may run twice if a worker dies between handing
it to Redis and deleting its row; jobs are idempotent by design (they take ids and reload).

Arguments are stored as JSON; bytes (rendered messages) are base64-encoded on the way in.
`forget_mentioning` deletes the parked jobs whose arguments carry a given text (an erased
reader's address: a confirmation or sign-in mail waiting for Redis is never sent to them).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.extensions import db
from saas.core.model_base import UTCDateTime, utcnow

DRAIN_BATCH = 500


class ParkedJob(db.Model):
    """A job that could not be enqueued: where it goes, what it takes, when it was parked."""

    __tablename__ = "job_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(200), nullable=False)
    queue: Mapped[str] = mapped_column(String(32), nullable=False)
    args: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    options: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"__bytes__"}:
        return base64.b64decode(value["__bytes__"])
    return value


def park(path: str, args: tuple, queue: str, options: dict[str, Any]) -> None:
    """Store a job in its own transaction (the caller's may already be committed)."""
    with db.engine.begin() as connection:
        connection.execute(
            insert(ParkedJob.__table__).values(
                path=path,
                queue=queue,
                args=[_encode(arg) for arg in args],
                options=options,
                created_at=utcnow(),
            )
        )


def drain(hand_over) -> int:
    """Hand parked jobs, oldest first, to `hand_over(path, args, queue, options)`; delete each.

    Stops at the first failure (Redis away again); returns how many were handed over.
    """
    table = ParkedJob.__table__
    handed = 0
    with db.engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.id).limit(DRAIN_BATCH)).all()
    for row in rows:
        hand_over(row.path, [_decode(arg) for arg in row.args], row.queue, dict(row.options))
        with db.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.id == row.id))
        handed += 1
    return handed


def mentions(value: Any, needles: Iterable[str]) -> bool:
    """Whether `value` (text, bytes, or lists and dicts of them) holds any of `needles`.

    Case-insensitive; empty needles match nothing.
    """
    return _mentions(value, tuple(needle.casefold() for needle in needles if needle))


def _mentions(value: Any, needles: tuple[str, ...]) -> bool:
    if not needles:
        return False
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return any(_mentions(item, needles) for item in value)
    if isinstance(value, dict):
        return any(_mentions(item, needles) for item in value.values())
    text = str(value).casefold()
    return any(needle in text for needle in needles)


def forget_mentioning(needles: Iterable[str]) -> int:
    """Delete parked jobs whose arguments hold any of `needles` (case-insensitive).

    Runs in the caller's session and transaction (the caller commits); returns how many.
    """
    wanted = tuple(needle.casefold() for needle in needles if needle)
    if not wanted:
        return 0
    table = ParkedJob.__table__
    doomed = [
        row.id
        for row in db.session.execute(select(table.c.id, table.c.args))
        if _mentions([_decode(arg) for arg in row.args], wanted)
    ]
    if doomed:
        db.session.execute(delete(table).where(table.c.id.in_(doomed)))
    return len(doomed)
