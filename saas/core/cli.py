"""Platform commands: `grant-app-role`, and the line self-rescheduling commands print."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(grant_app_role_command)


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

    owner_url = current_app.config["MIGRATION_DATABASE_URI"]
    if not owner_url.startswith("postgresql"):
        raise click.ClickException("Set MIGRATION_DATABASE_URL to the owner's PostgreSQL URL.")
    for statement in grant_app_role(owner_url, role):
        click.echo(statement)
