"""Errors in a request and in a job reach Sentry with tenant tags and no personal data.

A real HTTP server on loopback plays the Sentry ingest endpoint; the real sentry-sdk sends
to it. Planted email addresses, tokens and support-request text must not arrive.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from flask import Blueprint, abort

from saas import create_app
from saas.publishing.public_parent import bind_public
from tests.smtp_sink import free_port

PLANTED_EMAIL = "private.reader@example.org"
PLANTED_TOKEN = "reset-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
PLANTED_TEXT = "I have been struggling with panic attacks since March"


class _Ingest(BaseHTTPRequestHandler):
    events: list[dict] = []
    raw: list[bytes] = []

    def do_POST(self):  # noqa: N802 (http.server hook)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        type(self).raw.append(body)
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header or b"{}").get("type") == "event":
                type(self).events.append(json.loads(payload))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture()
def sentry_app(app, factories):
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Ingest)
    _Ingest.events.clear()
    _Ingest.raw.clear()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pub = factories.publication(slug="sentried", name="Sentried")
    test_app = create_app(
        {
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/42",
            "SMTP_URL": app.config["SMTP_URL"],
            "MAIL_TRANSPORT": "smtp",
        }
    )
    boom = Blueprint("boom", __name__)

    @boom.route("/p/<pub_slug>/boom", methods=["POST"])
    def explode(pub_slug):
        bind_public(pub_slug)
        message = f"failed for {PLANTED_EMAIL} with {PLANTED_TOKEN}: {PLANTED_TEXT}"
        raise RuntimeError(message)

    @boom.route("/nothing")
    def nothing():
        abort(404)

    from saas.core.extensions import csrf

    csrf.exempt(explode)
    test_app.register_blueprint(boom)
    yield test_app, pub
    sentry_sdk.get_client().flush(timeout=5)
    sentry_sdk.init(dsn=None)
    server.shutdown()


def failing_job(publication_id: int) -> None:
    """Job that fails while holding private data."""
    from saas.core.tenancy import bound_to

    with bound_to(publication_id):
        raise ValueError(f"job saw {PLANTED_EMAIL} {PLANTED_TOKEN} {PLANTED_TEXT}")


def _wait_for(count: int) -> list[dict]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(_Ingest.events) < count:
        sentry_sdk.get_client().flush(timeout=1)
        time.sleep(0.1)
    return list(_Ingest.events)


def _assert_clean(blob: bytes) -> None:
    text = blob.decode("utf-8", "replace")
    assert PLANTED_EMAIL not in text
    assert PLANTED_TOKEN not in text
    assert "panic attacks" not in text


def test_request_and_job_errors_arrive_tagged_and_scrubbed(sentry_app):
    test_app, pub = sentry_app
    client = test_app.test_client()
    response = client.post(
        f"/p/{pub.slug}/boom?token={PLANTED_TOKEN}",
        data={"message": PLANTED_TEXT, "email": PLANTED_EMAIL},
        headers={"Cookie": f"session={PLANTED_TOKEN}"},
    )
    assert response.status_code == 500
    events = _wait_for(1)
    assert events, "the request error never reached the ingest server"
    request_event = events[0]
    assert request_event["tags"]["publication_id"] == pub.id
    assert request_event["tags"]["publication_slug"] == pub.slug
    assert request_event["exception"]["values"][0]["type"] == "RuntimeError"
    assert request_event["environment"] == test_app.config["TEND_ENV"]
    assert request_event["release"].startswith("tend@")

    from rq import Queue, SimpleWorker

    with test_app.app_context():
        from saas.core.queue import get_connection

        connection = get_connection()
        queue = Queue("default", connection=connection)
        queue.enqueue("tests.core.test_sentry.failing_job", pub.id)
        SimpleWorker([queue], connection=connection).work(burst=True)
    events = _wait_for(2)
    assert len(events) >= 2, "the job error never reached the ingest server"
    job_event = events[1]
    assert job_event["tags"]["job"] == "tests.core.test_sentry.failing_job"
    assert job_event["tags"]["publication_id"] == pub.id
    for blob in _Ingest.raw:
        _assert_clean(blob)


def test_expected_http_errors_are_not_reported(sentry_app):
    test_app, _ = sentry_app
    assert test_app.test_client().get("/nothing").status_code == 404
    sentry_sdk.get_client().flush(timeout=2)
    assert _Ingest.events == []
