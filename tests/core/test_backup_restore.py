"""Backups: pg_dump as the backup role, restored into a fresh database, read by the app.

The app role and a non-superuser owner are both under row-level security (forced on every
tenant table), so pg_dump as either stops, or, told to respect the policies, leaves out every
publication's rows. The backup role bypasses the policies and can change nothing. Support
requests stay encrypted in the dump and read back only with the same keys.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from saas import create_app
from saas.core.config import sqlalchemy_url
from saas.core.crypto import UndecryptableError
from saas.core.extensions import db
from tests.conftest import ADMIN_DATABASE_URL, APP_URL, OWNER_URL, USING_POSTGRES, login
from tests.pg_roles import APP_ROLE, BACKUP_ROLE, OWNER_ROLE, create_backup_role, role_url
from tests.support_helpers import MESSAGE, requests_of, send_support

ROOT = Path(__file__).resolve().parents[2]
BACKUP_SH = ROOT / "deploy" / "backup.sh"
RESTORE_SH = ROOT / "deploy" / "restore.sh"

pytestmark = [
    pytest.mark.skipif(not USING_POSTGRES, reason="backups with pg_dump are PostgreSQL's"),
    pytest.mark.skipif(not shutil.which("pg_dump"), reason="needs PostgreSQL's client tools"),
]


def _libpq_env(url: str) -> dict[str, str]:
    """The environment deploy/backup.sh and deploy/restore.sh connect through."""
    parts = make_url(url)
    env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    env.update(
        PGHOST=parts.host or "127.0.0.1",
        PGPORT=str(parts.port or 5432),
        PGUSER=parts.username,
        PGDATABASE=parts.database,
    )
    return env


def _run(args: list, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(arg) for arg in args],
        env=_libpq_env(url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _on(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _copied_rows(sql: str, table: str) -> list[str]:
    """The data lines of `table` in a plain-SQL dump."""
    lines = sql.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"COPY public.{table} "))
    return lines[start + 1 : lines.index("\\.", start)]


def _row_security(url: str) -> list[tuple]:
    """Every policy with its table's row-level security flags (enabled, forced)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.polname "
                    "FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid ORDER BY 1, 4"
                )
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


@pytest.fixture()
def publications(app, client, factories):
    """Two publications, each with a reader's support request (encrypted at rest)."""
    made = []
    for slug in ("calm", "steady"):
        owner = factories.user(email=f"{slug}@example.com")
        publication = factories.publication(owner=owner, slug=slug, name=slug.title())
        assert send_support(client, app, publication).status_code == 303
        made.append(publication)
    return made


@pytest.fixture()
def backup_url(app) -> str:
    """The backup role, created like compose's init script does, granted by the owner."""
    url = create_backup_role(ADMIN_DATABASE_URL)
    result = app.test_cli_runner().invoke(args=["grant-backup-role", BACKUP_ROLE])
    assert result.exit_code == 0, result.output
    return url


@pytest.fixture()
def fresh_database():
    """An empty database owned by the owner role, dropped afterwards."""
    admin = sqlalchemy_url(ADMIN_DATABASE_URL)
    name = f"{make_url(admin).database}_restored"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}'))
    yield name
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _app_on(database: str, keys: str):
    """Tend as it boots after a restore: the app role, the owner for commands, given keys."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "BASE_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": _on(APP_URL, database),
            "MIGRATION_DATABASE_URI": _on(OWNER_URL, database),
            "SUPPORT_ENCRYPTION_KEYS": keys,
            "SUPPORT_KEYS_FILE": "",  # as in production: the keys given are all there is
        }
    )


def test_pg_dump_as_the_app_role_or_the_owner_is_no_backup(publications, backup_url, tmp_path):
    complete = _run(["pg_dump"], backup_url)
    assert complete.returncode == 0, complete.stderr
    assert len(_copied_rows(complete.stdout, "support_requests")) == 2
    for url in (APP_URL, OWNER_URL):
        refused = _run(["pg_dump"], url)
        assert refused.returncode != 0
        assert "row-level security" in refused.stderr
        # Respecting the policies, with no publication bound, it quietly drops every row.
        partial = _run(["pg_dump", "--enable-row-security"], url)
        assert partial.returncode == 0, partial.stderr
        assert _copied_rows(partial.stdout, "support_requests") == []
        assert _copied_rows(partial.stdout, "publications") != []
        # deploy/backup.sh says so and leaves no file that could pass for a backup.
        script = _run(["sh", BACKUP_SH, tmp_path / "tend.dump"], url)
        assert script.returncode != 0 and "row-level security" in script.stderr
        assert list(tmp_path.iterdir()) == []


def test_backup_role_reads_every_publication_and_changes_nothing(publications, backup_url):
    engine = create_engine(backup_url)
    try:
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM support_requests")).scalar()
            assert count == 2
        for statement in (
            "UPDATE publications SET name = 'Taken'",
            "DELETE FROM support_requests",
            "CREATE TABLE stash (id integer)",
        ):
            with (
                pytest.raises(Exception, match="read-only|permission denied"),
                engine.begin() as connection,
            ):
                connection.execute(text(statement))
    finally:
        engine.dispose()


def test_backup_restored_into_a_fresh_database_boots_and_reads_support_requests(
    app, publications, backup_url, fresh_database, tmp_path
):
    dump = tmp_path / "tend.dump"
    backup = _run(["sh", BACKUP_SH, dump], backup_url)
    assert backup.returncode == 0, backup.stderr
    assert backup.stdout.strip() == str(dump)
    assert oct(dump.stat().st_mode & 0o777) == "0o600"
    listing = _run(["pg_restore", "--file=-", dump], backup_url).stdout
    assert len(_copied_rows(listing, "support_requests")) == 2
    assert MESSAGE not in listing  # encrypted at rest, so in the dump too

    restored_owner = _on(role_url(ADMIN_DATABASE_URL, OWNER_ROLE), fresh_database)
    restore = _run(["sh", RESTORE_SH, dump], restored_owner)
    assert restore.returncode == 0, restore.stderr
    policies = _row_security(OWNER_URL)
    assert policies and all(enabled and forced for _, enabled, forced, _ in policies)
    assert _row_security(restored_owner) == policies
    again = _run(["sh", RESTORE_SH, dump], restored_owner)
    assert again.returncode == 1 and "fresh, empty database" in again.stderr

    keys = app.config["SUPPORT_ENCRYPTION_KEYS"]
    restored = _app_on(fresh_database, keys)
    try:
        runner = restored.test_cli_runner()
        for command, role in (("grant-app-role", APP_ROLE), ("grant-backup-role", BACKUP_ROLE)):
            result = runner.invoke(args=[command, role])
            assert result.exit_code == 0, result.output
        client = restored.test_client()
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.get_json()
        assert ready.get_json()["database"] == "ok"  # the restored schema is at the head
        with restored.app_context():
            # Row-level security came back with the tables: nothing is visible unbound.
            unbound = db.session.execute(text("SELECT count(*) FROM support_requests"))
            assert unbound.scalar() == 0
        for publication in publications:
            [request] = requests_of(restored, publication)
            assert request.message == MESSAGE and request.name == "Robin Reader"
        login(client, "calm@example.com")
        [request] = requests_of(restored, publications[0])
        page = client.get(f"/dashboard/calm/support/{request.id}")
        assert page.status_code == 200 and MESSAGE in page.get_data(as_text=True)
    finally:
        with restored.app_context():
            db.engine.dispose()

    # The copy of the restored database is a backup like the first.
    second = _run(["sh", BACKUP_SH, tmp_path / "again.dump"], _on(backup_url, fresh_database))
    assert second.returncode == 0, second.stderr


def test_restored_copy_without_the_keys_cannot_read_support_requests(
    publications, backup_url, fresh_database, tmp_path
):
    dump = tmp_path / "tend.dump"
    assert _run(["sh", BACKUP_SH, dump], backup_url).returncode == 0
    restored_owner = _on(role_url(ADMIN_DATABASE_URL, OWNER_ROLE), fresh_database)
    assert _run(["sh", RESTORE_SH, dump], restored_owner).returncode == 0
    restored = _app_on(fresh_database, Fernet.generate_key().decode())
    try:
        assert restored.test_cli_runner().invoke(args=["grant-app-role", APP_ROLE]).exit_code == 0
        with pytest.raises(UndecryptableError):
            requests_of(restored, publications[0])
    finally:
        with restored.app_context():
            db.engine.dispose()


def test_grant_backup_role_refuses_roles_that_cannot_take_a_complete_backup(app):
    runner = app.test_cli_runner()
    under_rls = runner.invoke(args=["grant-backup-role", APP_ROLE])
    assert under_rls.exit_code != 0 and "BYPASSRLS" in under_rls.output
    admin = make_url(sqlalchemy_url(ADMIN_DATABASE_URL)).username  # a superuser, like CI's
    superuser = runner.invoke(args=["grant-backup-role", admin])
    assert superuser.exit_code != 0 and "superuser" in superuser.output
    missing = runner.invoke(args=["grant-backup-role", "tend_test_nobody"])
    assert missing.exit_code != 0 and "no role tend_test_nobody" in missing.output
    skipped = runner.invoke(args=["grant-backup-role", "tend_test_nobody", "--if-exists"])
    assert skipped.exit_code == 0 and "nothing granted" in skipped.output
