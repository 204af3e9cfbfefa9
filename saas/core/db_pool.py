"""Pooled database connections: checked only after they sat idle, never on every checkout.

`pool_pre_ping` would cost a round trip per request. Instead a connection is pinged when it
comes out of the pool after more than ``DB_PING_AFTER_IDLE_SECONDS`` unused (the database or
a firewall may have dropped it meanwhile); under load connections never idle that long, so
no request pays for a ping. ``pool_recycle`` (``DB_POOL_RECYCLE_SECONDS``) replaces older
connections outright. A connection that fails its ping invalidates the pool (every
connection made before it is replaced) and the checkout is retried on a fresh one; a
connection lost mid-request is reported as a 503 by saas.core.errors, and the pool is
invalidated the same way, so the next request connects afresh.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError

_CHECKED_IN_AT = "tend_checked_in_at"
_watched: weakref.WeakSet[Engine] = weakref.WeakSet()


def _note_checkin(dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN_AT] = time.monotonic()


def _ping_after_idle(engine: Engine, idle_seconds: float):
    dialect = engine.dialect

    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN_AT)
        if checked_in is None or time.monotonic() - checked_in < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                raise InvalidatePoolError() from exc
            raise

    return ping_if_idle


def watch_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Ping connections that sat in `engine`'s pool longer than `idle_seconds` (idempotent)."""
    if engine.dialect.name == "sqlite" or engine in _watched:
        return
    _watched.add(engine)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_after_idle(engine, idle_seconds))


def init_app(app: Flask) -> None:
    """Watch the app's engine."""
    from saas.core.extensions import db

    with app.app_context():
        watch_idle_connections(db.engine, float(app.config["DB_PING_AFTER_IDLE_SECONDS"]))
