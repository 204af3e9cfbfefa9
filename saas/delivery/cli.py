"""`flask publish-due`: publish scheduled issues and start scheduled sends whose time has come."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(publish_due_command)


@click.command("publish-due")
@with_appcontext
def publish_due_command() -> None:
    """Publish scheduled issues whose time has come."""
    from saas.delivery.sending import start_due_sends
    from saas.publishing.issues import publish_due_issues

    click.echo(f"Published {publish_due_issues()} issue(s).")
    click.echo(f"Started {start_due_sends()} scheduled send(s).")
