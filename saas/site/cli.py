"""Flask commands: `demo` and `serve` (the embedded default's server with its scheduler)."""

from __future__ import annotations

import threading
import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(publish_due_command)
    from saas.support.cli import purge_support_command, rotate_key_command

    app.cli.add_command(rotate_key_command)
    app.cli.add_command(purge_support_command)
    app.cli.add_command(ops_group)
    app.cli.add_command(grant_app_role_command)
    app.cli.add_command(reply_digest_command)
    app.cli.add_command(purge_stripe_events_command)


def echo_next_run(job_id: str | None) -> None:
    """Say where a self-rescheduling job's next run went (nothing when embedded)."""
    if job_id:
        click.echo(f"Next run scheduled on the RQ scheduler as {job_id} (it reschedules itself).")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create (or refresh) the demo practitioner and publication."""
    from saas.site.demo import seed_demo

    result = seed_demo()
    click.echo("")
    click.echo("Demo ready.")
    click.echo(f"  Public site:  {result.public_url}")
    click.echo(f"  Sign in at:   {result.login_url}")
    click.echo(f"  Email:        {result.email}")
    click.echo(f"  Password:     {result.password}")
    click.echo("")


@click.command("publish-due")
@with_appcontext
def publish_due_command() -> None:
    """Publish scheduled issues whose time has come."""
    from saas.delivery.sending import start_due_sends
    from saas.publishing.issues import publish_due_issues

    click.echo(f"Published {publish_due_issues()} issue(s).")
    click.echo(f"Started {start_due_sends()} scheduled send(s).")


def _embedded_scheduler(app: Flask, interval: float) -> None:
    # The embedded default has no RQ scheduler: a daemon thread runs the periodic work.
    from saas.billing.event_retention import purge_processed
    from saas.delivery.sending import start_due_sends
    from saas.publishing.issues import publish_due_issues
    from saas.replies.digest import send_reply_digests
    from saas.support.retention import purge_expired

    last_support_purge: float | None = None
    last_event_purge: float | None = None
    while True:
        time.sleep(interval)
        with app.app_context():
            if last_support_purge is None or time.monotonic() - last_support_purge >= 86_400:
                last_support_purge = time.monotonic()
                try:
                    purge_expired()
                except Exception:  # keep the loop alive; the error is logged
                    app.logger.exception("support retention purge failed")
            try:
                publish_due_issues()
            except Exception:  # keep the loop alive; the error is logged
                app.logger.exception("scheduled publishing failed")
            try:
                start_due_sends()
            except Exception:  # keep the loop alive; the error is logged
                app.logger.exception("starting scheduled sends failed")
            try:
                send_reply_digests()
            except Exception:  # keep the loop alive; the error is logged
                app.logger.exception("sending reply digests failed")
            if last_event_purge is None or time.monotonic() - last_event_purge >= 86_400:
                last_event_purge = time.monotonic()
                try:
                    purge_processed()
                except Exception:  # keep the loop alive; the error is logged
                    app.logger.exception("stripe event retention purge failed")


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the app for development, with the embedded scheduler."""
    app = current_app._get_current_object()
    threading.Thread(target=_embedded_scheduler, args=(app, 30.0), daemon=True).start()
    from werkzeug.serving import run_simple

    click.echo(f"Tend is running on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, app, use_reloader=False, threaded=True)


@click.group("ops")
def ops_group() -> None:
    """Operator accounts."""


def _operator_role_command(
    name: str, operator: bool, help_text: str, outcome: str
) -> click.Command:
    """An `ops` subcommand that sets EMAIL's operator role to `operator`."""

    @ops_group.command(name, help=help_text)
    @click.argument("email")
    @with_appcontext
    def command(email: str) -> None:
        from saas.ops.console import set_operator

        if set_operator(email, operator) is None:
            raise click.ClickException(f"No account with the email {email}.")
        click.echo(f"{email} {outcome}.")

    return command


ops_grant = _operator_role_command(
    "grant",
    True,
    "Give EMAIL's account the operator role (the ops console at /ops).",
    "is now an operator",
)
ops_revoke = _operator_role_command(
    "revoke", False, "Take the operator role away from EMAIL's account.", "is no longer an operator"
)


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


@click.command("reply-digest")
@click.option("--schedule/--no-schedule", default=True, help="Also schedule the hourly RQ run.")
@with_appcontext
def reply_digest_command(schedule: bool) -> None:
    """Send the daily reply digests that are due (each publication's, from 8:00 local time)."""
    from saas.replies.digest import schedule_next_run, send_reply_digests

    click.echo(f"Sent {send_reply_digests()} reply digest(s).")
    if schedule:
        echo_next_run(schedule_next_run())


@click.command("purge-stripe-events")
@click.option("--schedule/--no-schedule", default=True, help="Also schedule the daily RQ run.")
@with_appcontext
def purge_stripe_events_command(schedule: bool) -> None:
    """Delete processed Stripe webhook events older than STRIPE_EVENT_RETENTION_DAYS."""
    from saas.billing.event_retention import purge_processed, schedule_next_purge

    click.echo(f"Purged {purge_processed()} processed Stripe event(s) past retention.")
    if schedule:
        echo_next_run(schedule_next_purge())
