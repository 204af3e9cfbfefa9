"""Pooled connections are pinged only after sitting idle, and a dead one is replaced then.

PostgreSQL only: a connection's server process is ended for real (pg_terminate_backend, as
the suite's administrator), the way a database restart or a firewall would drop it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from saas.core.config import sqlalchemy_url
from saas.core.db_pool import watch_idle_connections
from tests.conftest import ADMIN_DATABASE_URL, APP_URL, USING_POSTGRES

pytestmark = pytest.mark.skipif(not USING_POSTGRES, reason="ends PostgreSQL server processes")


def _pooled_engine(idle_seconds: float):
    engine = create_engine(APP_URL, pool_size=1, max_overflow=0)
    watch_idle_connections(engine, idle_seconds)
    return engine


def _end_server_process(engine) -> None:
    with engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(sqlalchemy_url(ADMIN_DATABASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_dropped_while_idle_is_replaced_at_checkout():
    engine = _pooled_engine(idle_seconds=0)
    try:
        _end_server_process(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged():
    # Idle less than the threshold: the pool hands the connection out unchecked, so a
    # dropped one fails on first use (and is replaced for the next checkout).
    engine = _pooled_engine(idle_seconds=3600)
    try:
        _end_server_process(engine)
        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
