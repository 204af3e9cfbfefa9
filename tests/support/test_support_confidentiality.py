"""Confidential by design: encrypted at rest, key rotation, nothing in logs or job payloads,
and closed requests purged after the publication's retention period."""

from __future__ import annotations

import logging
import pickle
import zlib
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from saas.core.crypto import parse_keys
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to, cross_tenant
from saas.support.models import SupportRequest
from tests.conftest import USING_REDIS, csrf_token, drain_jobs, login
from tests.support_helpers import configure_form, requests_of, send_support

OWNER = "maya@example.com"
SECRETS = {
    "message": "My brother relapsed and I am frightened for him",
    "answer": "Anxious attachment pattern",
    "note": "Possible trauma history, consider referral",
    "reply": "I can see you on Thursday at ten",
    "name": "Quentin Quill",
    "email": "quentin.quill@example.org",
    "phone": "+44 20 7946 0321",
}


@pytest.fixture()
def pub(factories):
    owner = factories.user(email=OWNER, name="Maya")
    return factories.publication(owner=owner, slug="calm", name="Calm Letters")


def _submit_everything(app, client, pub, owner_client) -> int:
    """Reader submits (with a custom answer), practitioner notes and answers by email."""
    [key] = configure_form(
        app,
        pub,
        confidential_mode=False,  # the notification then carries content: the worst case
        fields=[
            {
                "key": "fpattern",
                "type": "short_text",
                "label": "Pattern",
                "help": "",
                "required": False,
                "options": [],
            }
        ],
    )
    response = send_support(
        client,
        app,
        pub,
        name=SECRETS["name"],
        email=SECRETS["email"],
        phone=SECRETS["phone"],
        message=SECRETS["message"],
        **{f"q_{key}": SECRETS["answer"]},
    )
    assert response.status_code == 303
    [row] = requests_of(app, pub)
    token = csrf_token(owner_client, "/dashboard/calm/support")
    base = f"/dashboard/calm/support/{row.id}"
    owner_client.post(f"{base}/notes", data={"note": SECRETS["note"], "csrf_token": token})
    owner_client.post(f"{base}/answer", data={"answer": SECRETS["reply"], "csrf_token": token})
    return row.id


def _raw_rows(app, pub) -> str:
    with app.app_context(), bound_to(pub.id):
        rows = db.session.execute(text("SELECT * FROM support_requests")).all()
        rows += db.session.execute(text("SELECT * FROM support_events")).all()
    return repr(rows)


def test_database_rows_hold_no_plaintext(app, client, pub, factories):
    owner_client = app.test_client()
    login(owner_client, OWNER)
    _submit_everything(app, client, pub, owner_client)
    raw = _raw_rows(app, pub)
    for label, secret in SECRETS.items():
        assert secret not in raw, label
    assert "gAAAAA" in raw  # Fernet tokens are what is stored
    [row] = requests_of(app, pub)
    assert row.message == SECRETS["message"] and row.phone == SECRETS["phone"]


def test_rotate_key_keeps_everything_readable_and_retires_the_old_key(app, client, pub, factories):
    owner_client = app.test_client()
    login(owner_client, OWNER)
    request_id = _submit_everything(app, client, pub, owner_client)
    factories.support_request(pub, message="second request")
    old_keys = parse_keys(app.config["SUPPORT_ENCRYPTION_KEYS"])
    with app.app_context(), bound_to(pub.id):
        old_token = db.session.execute(
            text("SELECT message FROM support_requests WHERE id = :id"), {"id": request_id}
        ).scalar_one()
    assert Fernet(old_keys[0].encode()).decrypt(old_token.encode()).decode() == SECRETS["message"]
    result = app.test_cli_runner().invoke(args=["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted" in result.output
    new_keys = parse_keys(app.config["SUPPORT_ENCRYPTION_KEYS"])
    assert len(new_keys) == len(old_keys) + 1 and new_keys[1:] == old_keys
    keys_file = app.config["SUPPORT_KEYS_FILE"]
    with open(keys_file) as handle:
        assert parse_keys(handle.read()) == new_keys
    import os
    import stat

    assert stat.S_IMODE(os.stat(keys_file).st_mode) == 0o600
    assert not any(key in result.output for key in new_keys)  # never printed when embedded
    with app.app_context(), bound_to(pub.id):
        tokens = db.session.execute(
            text("SELECT message, name, email, answers FROM support_requests")
        ).all()
        bodies = (
            db.session.execute(text("SELECT body FROM support_events WHERE body IS NOT NULL"))
            .scalars()
            .all()
        )
    for token in [t for row in tokens for t in row if t] + bodies:
        with pytest.raises(InvalidToken):
            Fernet(old_keys[0].encode()).decrypt(token.encode())
        Fernet(new_keys[0].encode()).decrypt(token.encode())
    # Every request and note still reads the same.
    rows = {r.id: r for r in requests_of(app, pub)}
    assert rows[request_id].message == SECRETS["message"]
    assert rows[request_id].answers[0]["value"] == SECRETS["answer"]
    detail = owner_client.get(f"/dashboard/calm/support/{request_id}").get_data(as_text=True)
    assert SECRETS["note"] in detail and SECRETS["reply"] in detail
    # Once rotated, the old key can go.
    app.config["SUPPORT_ENCRYPTION_KEYS"] = new_keys[0]
    assert requests_of(app, pub)[0].message == SECRETS["message"]


def test_rotate_key_with_keys_from_the_environment_prints_the_value_to_deploy(app, pub, factories):
    factories.support_request(pub, message="kept safe")
    saved = dict(app.config)
    app.config["SUPPORT_KEYS_FILE"] = ""  # as when SUPPORT_ENCRYPTION_KEYS is set
    try:
        first = app.test_cli_runner().invoke(args=["rotate-key", "--no-reencrypt"])
        assert first.exit_code == 0, first.output
        line = next(
            x for x in first.output.splitlines() if x.startswith("SUPPORT_ENCRYPTION_KEYS=")
        )
        deployed = parse_keys(line.split("=", 1)[1])
        assert len(deployed) == 2 and deployed[1:] == parse_keys(saved["SUPPORT_ENCRYPTION_KEYS"])
        second = app.test_cli_runner().invoke(args=["rotate-key", "--reencrypt-only"])
        assert second.exit_code == 0 and "Re-encrypted" in second.output
        with app.app_context(), bound_to(pub.id):
            token = db.session.execute(text("SELECT message FROM support_requests")).scalar_one()
        assert Fernet(deployed[0].encode()).decrypt(token.encode()) == b"kept safe"
    finally:
        app.config["SUPPORT_KEYS_FILE"] = saved["SUPPORT_KEYS_FILE"]


def test_production_without_keys_refuses_to_start(monkeypatch, tmp_path):
    from saas import create_app

    monkeypatch.setenv("TEND_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.delenv("SUPPORT_ENCRYPTION_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="SUPPORT_ENCRYPTION_KEYS"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    monkeypatch.setenv("SUPPORT_ENCRYPTION_KEYS", "not-a-key")
    with pytest.raises(RuntimeError, match="key 1 is not a Fernet key"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    monkeypatch.setenv("SUPPORT_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    except RuntimeError as error:  # other production settings may be missing; not this one
        assert "SUPPORT_ENCRYPTION_KEYS" not in str(error)


def test_nothing_sensitive_reaches_the_logs(app, client, pub, caplog, mailbox):
    owner_client = app.test_client()
    login(owner_client, OWNER)
    caplog.set_level(logging.DEBUG)
    # The SMTP sink in the test process is the receiving mail server, not Tend.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    _submit_everything(app, client, pub, owner_client)
    drain_jobs(app)
    assert len(mailbox.messages()) == 3  # acknowledgement, notification, answer
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "support request 1 received" in logged  # the capture works
    for label, secret in SECRETS.items():
        assert secret not in logged, label


def _job_payloads(app) -> list[bytes]:
    """Everything RQ stored about every job in Redis (decompressed where it is pickled)."""
    from saas.core.queue import get_connection

    with app.app_context():
        connection = get_connection()
        dumps = []
        for key in connection.scan_iter("rq:job:*"):
            if connection.type(key) != b"hash":
                continue
            fields = connection.hgetall(key)
            for name, value in fields.items():
                dumps.append(name + b"=" + value)
                if name == b"data":
                    dumps.append(repr(pickle.loads(zlib.decompress(value))).encode())  # noqa: S301 (our own Redis)
        return dumps


def test_job_payloads_hold_ids_only(app, client, pub, monkeypatch):
    from rq import Queue

    enqueued = []
    original = Queue.enqueue_call

    def spy(self, func, args=None, kwargs=None, *rest, **options):
        enqueued.append((func, args, kwargs))
        return original(self, func, args, kwargs, *rest, **options)

    monkeypatch.setattr(Queue, "enqueue_call", spy)
    owner_client = app.test_client()
    login(owner_client, OWNER)
    _submit_everything(app, client, pub, owner_client)
    support_jobs = [e for e in enqueued if "support" in str(e[0])]
    assert {e[0] for e in support_jobs} == {
        "worker.jobs.send_support_acknowledgement",
        "worker.jobs.send_support_notification",
        "worker.jobs.send_support_answer",
    }
    for func, args, kwargs in support_jobs:
        assert all(isinstance(a, int) for a in args) and not kwargs, (func, args, kwargs)
    payloads = _job_payloads(app)
    if USING_REDIS:
        assert any(b"send_support_answer" in p for p in payloads)  # inspected before draining
    for blob in payloads:
        for label, secret in SECRETS.items():
            assert secret.encode() not in blob, label
    drain_jobs(app)


def test_retention_purges_closed_requests_past_their_period(app, pub, factories):
    from worker import jobs

    configure_form(app, pub, retention_months=6)
    other = factories.publication(slug="other", name="Other")  # default: 12 months
    old_closed = factories.support_request(pub, message="closed long ago")
    recent_closed = factories.support_request(pub, message="closed last month")
    old_open = factories.support_request(pub, message="still being worked")
    old_spam = factories.support_request(pub, message="spam")
    other_closed = factories.support_request(other, message="closed 8 months ago")
    now = utcnow()
    with app.app_context(), cross_tenant():
        for row_id, stage, closed, created in [
            (old_closed.id, "closed", now - timedelta(days=200), now - timedelta(days=400)),
            (recent_closed.id, "closed", now - timedelta(days=30), now - timedelta(days=400)),
            (old_open.id, "booked", None, now - timedelta(days=400)),
            (old_spam.id, "spam", now - timedelta(days=200), now - timedelta(days=200)),
            (other_closed.id, "closed", now - timedelta(days=240), now - timedelta(days=300)),
        ]:
            row = db.session.get(SupportRequest, row_id)
            row.stage, row.closed_at, row.created_at = stage, closed, created
        db.session.commit()
    with app.app_context():
        assert jobs.purge_support_requests() == 2
    assert {r.id for r in requests_of(app, pub)} == {recent_closed.id, old_open.id}
    assert [r.id for r in requests_of(app, other)] == [other_closed.id]
    with app.app_context(), cross_tenant():
        orphans = db.session.execute(
            text("SELECT count(*) FROM support_events WHERE request_id IN (:a, :b)"),
            {"a": old_closed.id, "b": old_spam.id},
        ).scalar_one()
    assert orphans == 0
    if USING_REDIS:
        with app.app_context():
            from saas.core.queue import get_queue

            scheduled = get_queue("default").scheduled_job_registry.get_job_ids()
        assert any(j.startswith("tend-support-retention-") for j in scheduled)


def test_retention_months_are_calendar_months():
    from datetime import UTC, datetime

    from saas.support.retention import months_before

    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 12) == datetime(2025, 1, 15, tzinfo=UTC)
    assert months_before(datetime(2026, 5, 1, tzinfo=UTC), 17) == datetime(2024, 12, 1, tzinfo=UTC)


def test_purge_support_command_reports_and_schedules(app, pub, factories):
    result = app.test_cli_runner().invoke(args=["purge-support"])
    assert result.exit_code == 0, result.output
    assert "Purged 0 support request(s) past retention." in result.output
    assert ("Next run scheduled" in result.output) == USING_REDIS


def test_a_failed_send_names_the_request_not_the_reader(app, pub, factories, monkeypatch):
    import smtplib

    from saas.support import mail as support_mail

    row = factories.support_request(pub, email="hidden.reader@example.org")

    def refuse(message):
        raise smtplib.SMTPRecipientsRefused({"hidden.reader@example.org": (550, b"no")})

    monkeypatch.setattr(support_mail, "send", refuse)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(type(pub), pub.id)
        with pytest.raises(support_mail.SupportMailError) as caught:
            support_mail.send_answer(publication, _queue_answer(publication, row.id))
    import traceback

    rendered = "".join(traceback.format_exception(caught.value))
    assert "hidden.reader" not in rendered and "SMTPRecipientsRefused" in rendered


def _queue_answer(publication, request_id: int) -> int:
    from saas.support.models import EVENT_EMAILED, SupportEvent

    event = SupportEvent(
        publication_id=publication.id,
        request_id=request_id,
        kind=EVENT_EMAILED,
        body="An answer",
        message_id="<x@tend.localhost>",
    )
    db.session.add(event)
    db.session.commit()
    return event.id
