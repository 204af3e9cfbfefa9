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


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create (or refresh) the demo practitioner and publication."""
    from saas.demo import seed_demo

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
    from saas.services.issues import publish_due_issues

    click.echo(f"Published {publish_due_issues()} issue(s).")


def _embedded_scheduler(app: Flask, interval: float) -> None:
    # The embedded default has no RQ scheduler: a daemon thread runs the periodic work.
    from saas.services.issues import publish_due_issues

    while True:
        time.sleep(interval)
        with app.app_context():
            try:
                publish_due_issues()
            except Exception:  # keep the loop alive; the error is logged
                app.logger.exception("scheduled publishing failed")


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
