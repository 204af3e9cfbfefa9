"""Logs carry the request id; production logs are JSON lines with scrubbed tracebacks."""

from __future__ import annotations

import json
import logging

from saas.core.observability import JsonFormatter, RequestIdFilter
from saas.core.scrubbing import scrub, scrub_text


def test_json_formatter_emits_one_object_with_request_id():
    record = logging.LogRecord("saas", logging.INFO, __file__, 1, "sent %s", ("x",), None)
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["message"] == "sent x" and data["request_id"] == "-" and data["level"] == "INFO"


def test_request_id_is_echoed_or_generated(app, client):
    response = client.get("/healthz", headers={"X-Request-ID": "abcdef123456"})
    assert response.headers["X-Request-ID"] == "abcdef123456"
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    junk = client.get("/healthz", headers={"X-Request-ID": "<script>x"}).headers["X-Request-ID"]
    assert junk != "<script>x" and junk.isalnum()


def test_scrubbing_replaces_emails_tokens_and_sql_parameters():
    text = (
        "user ada@example.org used IjEyMyI.ZxYwVu.abcdef1234567890xyz and "
        "[parameters: ('secret words',)] (Background on this error"
    )
    cleaned = scrub_text(text)
    assert "ada@example.org" not in cleaned and "abcdef1234567890" not in cleaned
    assert "secret words" not in cleaned
    nested = scrub({"request": {"data": "body", "url": "/x"}, "cookies": "c", "list": ["a@b.co"]})
    assert nested == {"request": {"url": "/x"}, "list": ["[email]"]}
