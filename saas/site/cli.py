"""Flask commands: `demo` and `serve` (the embedded default's server, running the periodic work).

Both take the address the app is served at (--host, --port): without BASE_URL set, absolute
links in mail, feeds and pages follow it, so `make run PORT=8080` links to port 8080.
"""

from __future__ import annotations

import logging
import threading
import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from saas.core import periodic
from saas.core.config import served_base_url

host_option = click.option("--host", default="127.0.0.1", help="Address to serve on.")
port_option = click.option("--port", default=5000, type=int, help="Port to serve on.")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)


def follow_served_address(app: Flask, host: str, port: int) -> str:
    """Point BASE_URL at host:port unless BASE_URL was set; returns the base URL in use."""
    if app.config.get("BASE_URL_FOLLOWS_SERVER"):
        app.config["BASE_URL"] = served_base_url(host, port)
    return app.config["BASE_URL"]


@click.command("demo")
@host_option
@port_option
@with_appcontext
def demo_command(host: str, port: int) -> None:
    """Create (or refresh) the demo practitioner and publication, served at --host/--port."""
    from saas.site.demo import seed_demo

    app = current_app._get_current_object()
    follow_served_address(app, host, port)
    # In-process mail jobs log each message at INFO; the newcomer needs only the sign-in line.
    level = app.logger.level
    app.logger.setLevel(logging.WARNING)
    try:
        result = seed_demo()
    finally:
        app.logger.setLevel(level)
    click.echo(
        f"Demo ready at {result.public_url} (sign in at {result.login_url}, "
        f"email: {result.email}, Password: {result.password})"
    )


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
@host_option
@port_option
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the app for development, with the embedded scheduler."""
    app = current_app._get_current_object()
    base_url = follow_served_address(app, host, port)
    threading.Thread(target=_embedded_scheduler, args=(app, 30.0), daemon=True).start()
    from werkzeug.serving import run_simple

    click.echo(f"Tend is running on {base_url}/  (Ctrl+C to stop)")
    if base_url != f"http://{host}:{port}":
        click.echo(f"  (listening on {host}:{port})")
    run_simple(host, port, app, use_reloader=False, threaded=True)
