"""Database privileges for Tend's PostgreSQL roles, granted by the owner of the tables.

Run as the owner role (MIGRATION_DATABASE_URL) after migrations; the roles themselves are
created by the database administrator (deploy/postgres/ for compose), since only a superuser
can give or withhold BYPASSRLS. Each grant covers today's tables and, through default
privileges, every table the owner creates later.

- The app role (NOSUPERUSER NOBYPASSRLS): reads and writes rows, owns nothing, so row-level
  security holds for everything the app does.
- The backup role (NOSUPERUSER BYPASSRLS): reads every row of every publication and nothing
  else, so pg_dump can take a complete copy; as any role under row-level security it refuses
  to dump a table whose rows a policy would hide.
"""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text

_ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleNotReady(RuntimeError):
    """The role is missing or has attributes that defeat its purpose."""


def _checked(role: str) -> str:
    if not _ROLE_RE.match(role):
        raise ValueError("role names are lowercase letters, digits and underscores")
    return role


def _run(owner_url: str, statements: list[str], check=None) -> None:
    """Run `statements` as the owner in one transaction, after `check(connection)`."""
    engine = create_engine(owner_url)
    try:
        with engine.begin() as connection:
            if check:
                check(connection)
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def grant_app_role(owner_url: str, role: str) -> list[str]:
    """Grant `role` DML on all tables and sequences in public; returns the statements run."""
    role = _checked(role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    _run(owner_url, statements)
    return statements


def role_exists(owner_url: str, role: str) -> bool:
    """Whether the cluster has a role of that name."""
    engine = create_engine(owner_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": _checked(role)}
            ).first()
    finally:
        engine.dispose()
    return found is not None


def _require_backup_attributes(role: str):
    def check(connection) -> None:
        found = connection.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :role"),
            {"role": role},
        ).first()
        if found is None:
            raise RoleNotReady(f"there is no role {role}: create it first (README, Backups)")
        if found.rolsuper:
            raise RoleNotReady(f"{role} is a superuser: a backup role only needs to read")
        if not found.rolbypassrls:
            raise RoleNotReady(
                f"{role} cannot bypass row-level security, so pg_dump would stop at the first "
                f"tenant table: a superuser must run ALTER ROLE {role} BYPASSRLS"
            )

    return check


def grant_backup_role(owner_url: str, role: str) -> list[str]:
    """Grant `role` SELECT on all tables and sequences in public; returns the statements run.

    Refuses (RoleNotReady) a missing role, a superuser, or a role without BYPASSRLS.
    """
    role = _checked(role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO {role}",
    ]
    _run(owner_url, statements, check=_require_backup_attributes(role))
    return statements
