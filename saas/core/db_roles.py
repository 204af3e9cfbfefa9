"""Database privileges for the app's PostgreSQL role: data access, no ownership, no bypass.

Run as the owner role (MIGRATION_DATABASE_URL) after migrations. The app role must already
exist (created by the database administrator with NOSUPERUSER NOBYPASSRLS); this grants it
what it needs on today's tables and on every table the owner creates later.
"""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text

_ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_app_role(owner_url: str, role: str) -> list[str]:
    """Grant `role` DML on all tables and sequences in public; returns the statements run."""
    if not _ROLE_RE.match(role):
        raise ValueError("role names are lowercase letters, digits and underscores")
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    engine = create_engine(owner_url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()
    return statements
