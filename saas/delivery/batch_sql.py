"""The statements a batch runs per message or per few messages, made cheap.

A batch asks, right before each message, whether the reader is still active; every few
messages it records outcomes and looks for a pause. On PostgreSQL these run as statements
prepared once per connection and executed through libpq directly, on the session's own
connection (same transaction, same row-level security settings): through the ORM, or even
psycopg's cursor, the client-side work costs several times the query itself (measured in
bench/send.py), and it competes for the CPU with everything else in a send. The tenant
filter the ORM hook would add is written out. Elsewhere (SQLite) plain SQLAlchemy runs.
"""

from __future__ import annotations

import weakref
from datetime import datetime

from psycopg import pq
from sqlalchemy import Connection, bindparam, select, update

from saas.audience.models import ACTIVE, Subscriber
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.delivery import sending_holds
from saas.delivery.models import Delivery, Send
from saas.publishing.models import Publication

OUTCOME_FIELDS = ("id", "status", "sent_at", "smtp_response", "error", "message_id")

_STATUS = "tend_send_status", "SELECT status FROM subscribers WHERE id = $1 AND publication_id = $2"
_HALT = (
    "tend_send_halt",
    "SELECT s.status, p.suspended_at IS NOT NULL OR EXISTS (SELECT 1 FROM sending_holds AS h"
    " WHERE h.publication_id = s.publication_id AND h.lifted_at IS NULL) FROM sends AS s"
    " JOIN publications AS p ON p.id = s.publication_id WHERE s.id = $1",
)
_OUTCOMES = """
UPDATE deliveries AS d SET status = o.status, sent_at = o.sent_at,
    smtp_response = o.smtp_response, error = o.error, message_id = o.message_id,
    updated_at = now()
FROM (VALUES {rows}) AS o(id, status, sent_at, smtp_response, error, message_id)
WHERE d.id = o.id AND d.publication_id = $1
"""
_OUTCOME_ROW = "(${}::integer, ${}::text, ${}::timestamptz, ${}::text, ${}::text, ${}::text)"


_LIST_PREPARED = b"SELECT name FROM pg_prepared_statements WHERE name LIKE 'tend\\_send\\_%'"
# Names known to be prepared, per SQLAlchemy connection (one per transaction). psycopg
# deallocates every prepared statement of a connection when it rolls back, so what was
# prepared in an earlier transaction is looked up again (one query per transaction).
_known: weakref.WeakKeyDictionary[Connection, set[str]] = weakref.WeakKeyDictionary()
# The session transaction last used and its libpq connection: asking the session for its
# connection costs more than the statements themselves.
_last: tuple[weakref.ref, pq.PGconn, set[str]] | None = None


class StatementFailed(RuntimeError):
    """PostgreSQL refused a prepared statement; the transaction is aborted."""


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _text(value: object) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().encode()
    return str(value).replace("\x00", "").encode()  # PostgreSQL text cannot hold NUL


def _run(name: str, sql: str, params: list[object]) -> pq.PGresult:
    """Execute a named statement on the session's connection, preparing it the first time."""
    pgconn, prepared = _connection()
    if name not in prepared:
        result = pgconn.prepare(name.encode(), sql.encode())
        if result.status != pq.ExecStatus.COMMAND_OK:
            _check(pgconn, result)
        prepared.add(name)
    return _check(pgconn, pgconn.exec_prepared(name.encode(), [_text(p) for p in params]))


def _connection() -> tuple[pq.PGconn, set[str]]:
    """The libpq connection of the session's current transaction (begun if need be)."""
    global _last
    session = db.session()
    transaction = session.get_transaction()
    if _last is not None and transaction is not None and _last[0]() is transaction:
        return _last[1], _last[2]
    connection = session.connection()
    pgconn = connection.connection.driver_connection.pgconn
    prepared = _known.get(connection)
    if prepared is None:
        listed = _check(pgconn, pgconn.exec_params(_LIST_PREPARED, []))
        prepared = {listed.get_value(i, 0).decode() for i in range(listed.ntuples)}
        _known[connection] = prepared
    _last = weakref.ref(session.get_transaction()), pgconn, prepared
    return pgconn, prepared


def _check(pgconn: pq.PGconn, result: pq.PGresult) -> pq.PGresult:
    if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        raise StatementFailed(pgconn.get_error_message())
    return result


def still_active(publication_id: int, subscriber_id: int) -> bool:
    """The reader's status right now (read before every message)."""
    if _on_postgresql():
        result = _run(*_STATUS, [subscriber_id, publication_id])
        return result.ntuples == 1 and result.get_value(0, 0) == ACTIVE.encode()
    status = db.session.scalar(select(Subscriber.status).where(Subscriber.id == subscriber_id))
    return status == ACTIVE


def send_state(send_id: int) -> tuple[str, bool]:
    """The send's status and whether its publication is suspended (or its sends held)."""
    if _on_postgresql():
        result = _run(*_HALT, [send_id])
        if result.ntuples != 1:
            return "", False
        return result.get_value(0, 0).decode(), result.get_value(0, 1) == b"t"
    row = db.session.execute(
        select(Send.status, Publication.suspended_at, Send.publication_id)
        .join(Publication, Publication.id == Send.publication_id)
        .where(Send.id == send_id)
    ).one_or_none()
    if row is None:
        return "", False
    return row[0], row[1] is not None or sending_holds.current(row[2]) is not None


def record_outcomes(publication_id: int, outcomes: list[tuple]) -> None:
    """Write a group of outcomes (rows of OUTCOME_FIELDS) in one statement."""
    if not outcomes:
        return
    if _on_postgresql():
        width = len(OUTCOME_FIELDS)
        rows = ", ".join(
            _OUTCOME_ROW.format(*range(2 + i * width, 2 + (i + 1) * width))
            for i in range(len(outcomes))
        )
        params: list[object] = [publication_id]
        for outcome in outcomes:
            params.extend(outcome)
        _run(f"tend_send_outcomes_{len(outcomes)}", _OUTCOMES.format(rows=rows), params)
        return
    deliveries = Delivery.__table__
    db.session.execute(
        update(deliveries)
        .where(deliveries.c.id == bindparam("b_id"), deliveries.c.publication_id == publication_id)
        .values({name: bindparam(f"b_{name}") for name in OUTCOME_FIELDS[1:]})
        .values(updated_at=utcnow()),
        [
            {f"b_{name}": value for name, value in zip(OUTCOME_FIELDS, row, strict=True)}
            for row in outcomes
        ],
    )
