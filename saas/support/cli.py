"""`flask purge-support`: closed support requests past each publication's retention period."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from saas.core.cli import echo_next_run


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(purge_support_command)


@click.command("purge-support")
@click.option("--schedule/--no-schedule", default=True, help="Also schedule the daily RQ run.")
@with_appcontext
def purge_support_command(schedule: bool) -> None:
    """Delete closed support requests past each publication's retention period."""
    from saas.support.retention import purge_expired, schedule_next_purge

    click.echo(f"Purged {purge_expired()} support request(s) past retention.")
    if schedule:
        echo_next_run(schedule_next_purge())
