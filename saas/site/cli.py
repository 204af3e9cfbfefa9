"""Flask commands: `demo` and `serve` (the embedded default's server, running the periodic work)."""

from __future__ import annotations

import threading
import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from saas.core import periodic


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)


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


def _embedded_scheduler(app: Flask, interval: float) -> None:
    # The embedded default has no RQ scheduler: a daemon thread runs what the features
    # registered as periodic work, each task when due (every tick, or daily), all on the first.
    last_run: dict[str, float] = {}
    while True:
        time.sleep(interval)
        with app.app_context():
            for task in periodic.tasks(app):
                previous = last_run.get(task.name)
                if previous is not None and time.monotonic() - previous < task.every:
                    continue
                last_run[task.name] = time.monotonic()
                try:
                    task.run()
                except Exception:  # keep the loop alive; the error is logged
                    app.logger.exception("%s failed", task.name)


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
