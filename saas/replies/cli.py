"""`flask reply-digest`: the daily digests of new replies that are due."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from saas.core.cli import echo_next_run


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(reply_digest_command)


@click.command("reply-digest")
@click.option("--schedule/--no-schedule", default=True, help="Also schedule the hourly RQ run.")
@with_appcontext
def reply_digest_command(schedule: bool) -> None:
    """Send the daily reply digests that are due (each publication's, from 8:00 local time)."""
    from saas.replies.digest import schedule_next_run, send_reply_digests

    click.echo(f"Sent {send_reply_digests()} reply digest(s).")
    if schedule:
        echo_next_run(schedule_next_run())
