"""`flask webhook-retries`: try due webhook deliveries whose scheduled try was lost."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import with_appcontext

from saas.core.cli import echo_next_run
from saas.core.queue import schedule_next_run

SWEEP_JOB = "worker.jobs.retry_webhook_deliveries"
SWEEP_JOB_ID_PREFIX = "webhook-retries-"
SWEEP_EVERY = timedelta(minutes=10)


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(webhook_retries_command)


def schedule_next_sweep() -> str | None:
    """Put the next sweep on RQ's scheduler (None in the embedded default)."""
    return schedule_next_run(SWEEP_JOB, SWEEP_JOB_ID_PREFIX, SWEEP_EVERY, "%Y-%m-%dT%H:%M")


@click.command("webhook-retries")
@click.option("--schedule/--no-schedule", default=True, help="Also schedule the RQ sweep.")
@with_appcontext
def webhook_retries_command(schedule: bool) -> None:
    """Queue every due webhook delivery; with Redis, repeat every ten minutes."""
    from saas.webhooks.attempts import retry_due

    click.echo(f"Queued {retry_due()} webhook deliveries.")
    if schedule:
        echo_next_run(schedule_next_sweep())
