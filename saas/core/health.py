"""Liveness and readiness probes for load balancers and compose healthchecks."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from saas.core.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """The process is up and answering."""
    return jsonify(status="ok")


def _database_check() -> tuple[bool, str]:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:  # any failure means not ready
        return False, f"unreachable: {type(exc).__name__}"
    migrations = current_app.extensions["migrate"].directory
    script = ScriptDirectory(migrations)
    expected = set(script.get_heads())
    if current != expected:
        return False, "migrations pending"
    return True, "ok"


def _redis_check() -> tuple[bool, str]:
    from saas.core.queue import get_connection

    try:
        get_connection().ping()
    except Exception as exc:
        return False, f"unreachable: {type(exc).__name__}"
    return True, "ok" if current_app.config["REDIS_URL"] else "embedded"


@bp.route("/readyz")
def readyz():
    """Database reachable with migrations current, Redis reachable: ready for traffic."""
    database_ok, database = _database_check()
    redis_ok, redis = _redis_check()
    ready = database_ok and redis_ok
    body = {"status": "ready" if ready else "unavailable", "database": database, "redis": redis}
    return jsonify(body), 200 if ready else 503
