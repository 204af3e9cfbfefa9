"""Platform commands: `grant-app-role`, `grant-backup-role`, and the line self-rescheduling
commands print."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(grant_app_role_command)
    app.cli.add_command(grant_backup_role_command)


def echo_next_run(job_id: str | None) -> None:
    """Say where a self-rescheduling job's next run went (nothing when embedded)."""
    if job_id:
        click.echo(f"Next run scheduled on the RQ scheduler as {job_id} (it reschedules itself).")


@click.command("grant-app-role")
@click.argument("role")
@with_appcontext
def grant_app_role_command(role: str) -> None:
    """Give the app's PostgreSQL ROLE data access (run as the owner, after migrations)."""
    from saas.core.db_roles import grant_app_role

    for statement in grant_app_role(_owner_url(), role):
        click.echo(statement)


@click.command("grant-backup-role")
@click.argument("role")
@click.option(
    "--if-exists",
    is_flag=True,
    help="Say so and grant nothing when ROLE has not been created (instead of failing).",
)
@with_appcontext
def grant_backup_role_command(role: str, if_exists: bool) -> None:
    """Give the backup PostgreSQL ROLE read access to every row (run as the owner).

    ROLE must exist, with BYPASSRLS and without SUPERUSER (README, Backups).
    """
    from saas.core.db_roles import RoleNotReady, grant_backup_role, role_exists

    owner_url = _owner_url()
    if if_exists and not role_exists(owner_url, role):
        click.echo(f"No role {role}: nothing granted (README, Backups).")
        return
    try:
        statements = grant_backup_role(owner_url, role)
    except RoleNotReady as exc:
        raise click.ClickException(str(exc)) from None
    for statement in statements:
        click.echo(statement)


def _owner_url() -> str:
    """The table owner's PostgreSQL URL, or a clear error."""
    owner_url = current_app.config["MIGRATION_DATABASE_URI"]
    if not owner_url.startswith("postgresql"):
        raise click.ClickException("Set MIGRATION_DATABASE_URL to the owner's PostgreSQL URL.")
    return owner_url
