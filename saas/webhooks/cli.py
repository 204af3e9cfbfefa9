"""`flask webhook-upkeep`: try due deliveries whose scheduled try was lost; trim the logs."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import with_appcontext

from saas.core.cli import echo_next_run
from saas.core.queue import schedule_next_run

UPKEEP_JOB = "worker.jobs.webhook_upkeep"
UPKEEP_JOB_ID_PREFIX = "webhook-upkeep-"
UPKEEP_EVERY = timedelta(minutes=10)


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(webhook_upkeep_command)


def schedule_next_upkeep() -> str | None:
    """Put the next run on RQ's scheduler (None in the embedded default)."""
    return schedule_next_run(UPKEEP_JOB, UPKEEP_JOB_ID_PREFIX, UPKEEP_EVERY, "%Y-%m-%dT%H:%M")


def run_upkeep() -> tuple[int, int]:
    """Queue every due delivery; delete finished ones past WEBHOOK_LOG_DAYS. Returns both counts."""
    from saas.webhooks.attempts import retry_due
    from saas.webhooks.erasure import purge_old_deliveries

    return retry_due(), purge_old_deliveries()


@click.command("webhook-upkeep")
@click.option("--schedule/--no-schedule", default=True, help="Also schedule the RQ run.")
@with_appcontext
def webhook_upkeep_command(schedule: bool) -> None:
    """Queue due webhook deliveries and trim the delivery logs; with Redis, every ten minutes."""
    queued, purged = run_upkeep()
    click.echo(f"Queued {queued} webhook deliveries; deleted {purged} past their keeping.")
    if schedule:
        echo_next_run(schedule_next_upkeep())
