"""`flask purge-stripe-events`: processed Stripe webhook events past retention."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from saas.core.cli import echo_next_run


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(purge_stripe_events_command)


@click.command("purge-stripe-events")
@click.option("--schedule/--no-schedule", default=True, help="Also schedule the daily RQ run.")
@with_appcontext
def purge_stripe_events_command(schedule: bool) -> None:
    """Delete processed Stripe webhook events older than STRIPE_EVENT_RETENTION_DAYS."""
    from saas.billing.event_retention import purge_processed, schedule_next_purge

    click.echo(f"Purged {purge_processed()} processed Stripe event(s) past retention.")
    if schedule:
        echo_next_run(schedule_next_purge())
