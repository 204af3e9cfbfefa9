"""`flask publish-due`: publish scheduled issues and start scheduled sends whose time has come;
`flask recheck-domains`: the daily DNS re-check of custom and sending domains."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(publish_due_command)
    app.cli.add_command(recheck_domains_command)


@click.command("publish-due")
@with_appcontext
def publish_due_command() -> None:
    """Publish scheduled issues whose time has come."""
    from saas.delivery.sending import start_due_sends
    from saas.publishing.issues import publish_due_issues

    click.echo(f"Published {publish_due_issues()} issue(s).")
    click.echo(f"Started {start_due_sends()} scheduled send(s).")


@click.command("recheck-domains")
@click.option("--run/--no-run", default=True, help="Re-check every domain now.")
@click.option("--schedule/--no-schedule", default=True, help="Also schedule the daily RQ run.")
@with_appcontext
def recheck_domains_command(run: bool, schedule: bool) -> None:
    """Re-check verified custom domains and every sending domain in DNS."""
    from saas.core.cli import echo_next_run
    from saas.delivery.sending_domains import recheck_all, schedule_next_recheck
    from saas.publishing.custom_domain_checks import recheck_custom_domains

    if run:
        click.echo(f"Re-checked {recheck_custom_domains()} custom domain(s).")
        click.echo(f"Re-checked {recheck_all()} sending domain(s).")
    if schedule:
        echo_next_run(schedule_next_recheck())
