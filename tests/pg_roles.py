"""PostgreSQL roles for the suite: an owner that migrations run as, an app role under RLS,
and (for the backup tests) a read-only backup role that bypasses it.

The DATABASE_URL the suite is given (a superuser, in CI) only administers: it creates the
roles and hands the schema to the owner. The app under test connects as the app role,
which is not a superuser, cannot bypass row-level security and owns no table.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from saas.core.config import sqlalchemy_url
from saas.core.db_roles import grant_app_role

OWNER_ROLE = "tend_test_owner"
APP_ROLE = "tend_test_app"
BACKUP_ROLE = "tend_test_backup"


def role_url(admin_url: str, role: str) -> str:
    """The admin URL with another user (trust authentication on this machine)."""
    return (
        make_url(sqlalchemy_url(admin_url))
        .set(username=role, password=None)
        .render_as_string(hide_password=False)
    )


def prepare_database(admin_url: str) -> tuple[str, str]:
    """Create the roles if missing and give the owner a fresh public schema.

    Returns (owner_url, app_url).
    """
    engine = create_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    database = make_url(sqlalchemy_url(admin_url)).database
    with engine.connect() as connection:
        for role in (OWNER_ROLE, APP_ROLE):
            exists = connection.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).scalar()
            if not exists:
                connection.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
            connection.execute(text(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {role}'))
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text(f"CREATE SCHEMA public AUTHORIZATION {OWNER_ROLE}"))
    engine.dispose()
    return role_url(admin_url, OWNER_ROLE), role_url(admin_url, APP_ROLE)


def grant_app(owner_url: str) -> None:
    """After migrations: the app role may read and write rows, nothing more."""
    grant_app_role(owner_url, APP_ROLE)


def create_backup_role(admin_url: str) -> str:
    """The backup role as deploy/postgres/20-backup-role.sh makes it; returns its URL.

    Data access comes from `flask grant-backup-role`, run as the owner.
    """
    engine = create_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    database = make_url(sqlalchemy_url(admin_url)).database
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": BACKUP_ROLE}
        ).scalar()
        if not exists:
            connection.execute(text(f"CREATE ROLE {BACKUP_ROLE} LOGIN"))
        connection.execute(
            text(f"ALTER ROLE {BACKUP_ROLE} NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE")
        )
        connection.execute(text(f"ALTER ROLE {BACKUP_ROLE} SET default_transaction_read_only = on"))
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {BACKUP_ROLE}'))
    engine.dispose()
    return role_url(admin_url, BACKUP_ROLE)
