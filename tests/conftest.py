"""Shared fixtures: a migrated database, a real SMTP sink, job draining, signed-in clients,
the app served on loopback (`live_server`, for browsers and curl).

The suite runs on the embedded default (SQLite file, RQ on in-process fake Redis) unless
DATABASE_URL / REDIS_URL point at real servers, which is how CI's second pass runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

_instance = tempfile.mkdtemp(prefix="tend-test-")
os.environ.setdefault("TEND_INSTANCE_DIR", _instance)

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import text  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from saas import create_app  # noqa: E402
from saas.core.extensions import db, limiter  # noqa: E402
from tests.factories import Factories  # noqa: E402
from tests.smtp_sink import SmtpSink, free_port  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
USING_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
USING_REDIS = bool(os.environ.get("REDIS_URL"))
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


ADMIN_DATABASE_URL = os.environ.get("DATABASE_URL", "")
OWNER_URL = APP_URL = ""
if USING_POSTGRES:
    from tests.pg_roles import prepare_database

    OWNER_URL, APP_URL = prepare_database(ADMIN_DATABASE_URL)


def _test_config(smtp_sink: SmtpSink) -> dict:
    config = {
        "TESTING": True,
        "MAIL_TRANSPORT": "smtp",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "BASE_URL": "http://localhost",
        "SECRET_KEY": "test-secret-key-not-for-production",
    }
    if USING_POSTGRES:
        config["SQLALCHEMY_DATABASE_URI"] = APP_URL
        config["MIGRATION_DATABASE_URI"] = OWNER_URL
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{_instance}/test.db"
    return config


@pytest.fixture(scope="session")
def app(smtp_sink: SmtpSink) -> Iterator[Flask]:
    from flask_migrate import upgrade

    application = create_app(_test_config(smtp_sink))
    with application.app_context():
        upgrade()
    if USING_POSTGRES:
        from tests.pg_roles import grant_app

        grant_app(OWNER_URL)
    yield application


_owner_engine = None


def _wipe(application: Flask) -> None:
    global _owner_engine
    # Uploaded files on the local backend (ids start again with the tables).
    shutil.rmtree(application.config["UPLOADS_DIR"], ignore_errors=True)
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if USING_POSTGRES:
        # As the owner: TRUNCATE is not the app role's to run.
        from sqlalchemy import create_engine

        _owner_engine = _owner_engine or create_engine(OWNER_URL)
        with _owner_engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    with application.app_context():
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


@pytest.fixture(autouse=True)
def clean_state(request, smtp_sink: SmtpSink) -> Iterator[None]:
    """Every test starts with empty tables and uploads, an empty mailbox, queues and rate
    limits reset."""
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    _wipe(application)
    smtp_sink.clear()
    with application.app_context():
        from saas.core.queue import get_connection

        get_connection().flushdb()
    limiter.reset()
    yield


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """Serve the session app on 127.0.0.1 at a free port; yield its base URL."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def factories(app: Flask) -> Factories:
    """Row builders; each call runs in its own app context, like a separate request."""
    return Factories(app)


def drain_jobs(app: Flask) -> None:
    """Run every queued job to completion (a burst RQ worker when Redis is real)."""
    with app.app_context():
        from saas.core.queue import QUEUE_NAMES, get_connection, is_embedded

        if is_embedded():
            return  # jobs already ran synchronously when enqueued
        from rq import SimpleWorker

        # A burst worker installs its own SIGINT/SIGTERM handlers; put pytest's back after it,
        # so a stray signal later cannot surface as RQ's StopRequested inside another test.
        saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            SimpleWorker(list(QUEUE_NAMES), connection=get_connection()).work(burst=True)
        finally:
            for number, handler in saved.items():
                signal.signal(number, handler)


@pytest.fixture()
def mailbox(app: Flask, smtp_sink: SmtpSink):
    """Messages the SMTP sink received, after draining the job queues."""

    class Mailbox:
        def messages(self, to: str | None = None):
            drain_jobs(app)
            return smtp_sink.messages_to(to) if to else list(smtp_sink.messages)

        def last_link(self, to: str, contains: str) -> str:
            for message in reversed(self.messages(to)):
                body = message.get_body(preferencelist=("plain",)).get_content()
                for link in re.findall(r"https?://\S+", body):
                    if contains in link:
                        return link
            raise AssertionError(f"no link containing {contains!r} mailed to {to}")

    return Mailbox()


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """A CSRF token valid for this client's session (taken from a rendered form)."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no csrf token on {url}"
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, url: str, data: dict, token_from: str | None = None, **kw):
    """POST a form the way a browser would: with the session's CSRF token."""
    token = csrf_token(client, token_from or "/login")
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def login(client: FlaskClient, email: str, password: str = "correct horse battery") -> None:
    """Sign a client in through the real login form."""
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
