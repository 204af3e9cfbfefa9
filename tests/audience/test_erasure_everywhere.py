"""Erasing a reader takes them out of every feature, and their export covers every feature.

Ada uses everything: she subscribes and confirms, is tagged, gets two issues (one refused by
her mail server, which quotes her address back), replies in public and in private (and is
answered by email), asks for support (and the practitioner notes her name), pays for a tier
(one of Stripe's events about her is still waiting to be processed), unsubscribes, and comes
back while the plan is full (a place on the waiting list). She turns up in a CSV import, in
a file still waiting to be imported, and in a sign-in mail parked while Redis was away.

Her export then holds every one of those. After the practitioner erases her from the
dashboard, a full dump of the database (`pg_dump` on PostgreSQL, `iterdump` on SQLite, plus
the encrypted columns decrypted, parked jobs decoded and stored files unpacked) and of Redis
holds neither her address, nor her name, nor her words, nor her Stripe customer; other
readers' data is untouched; and no log line of the whole story named her.
"""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import shutil
import subprocess
import zlib

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from saas.audience.imports.formats import unpack
from saas.audience.models import Subscriber, SubscriberImport
from saas.billing.models import ReaderSubscription, StripeEvent, SubscriberHold
from saas.core.extensions import db
from saas.core.outbox import ParkedJob
from saas.core.queue import drain_outbox, get_connection
from saas.core.tenancy import bound_to, cross_tenant
from saas.delivery import sending
from saas.publishing.models import MODE_PRIVATE, Issue, Publication
from saas.replies.models import Reply
from saas.support.models import SupportEvent, SupportRequest
from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)
from tests.conftest import ADMIN_DATABASE_URL, USING_POSTGRES, csrf_token, drain_jobs, login
from tests.reply_helpers import post_reply, request_link, sign_in_reader
from tests.smtp_sink import free_port
from tests.support_helpers import requests_of, send_support

ADDRESS = "ada.erasable@example.org"
NAME = "Adalind Erasable"
PHONE = "+44 7700 900461"
PUBLIC_WORDS = "This landed for me."
PRIVATE_WORDS = "Only for you: the winter was long."
SUPPORT_WORDS = "I would like to talk about my sleep."
NOTE_WORDS = f"Called {NAME} back on Tuesday."
ANSWER_WORDS = "Thank you for writing, Adalind; I am glad it helped."
TRACES = (
    ADDRESS,
    NAME,
    PHONE,
    PUBLIC_WORDS,
    PRIVATE_WORDS,
    SUPPORT_WORDS,
    NOTE_WORDS,
    ANSWER_WORDS,
)


class RefusingServer:
    """A mail server that refuses Ada, quoting her address back, and takes everyone else."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() == ADDRESS:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "250 2.0.0 Ok: queued as 7C1D"


def _database_dump(app) -> str:
    """Every row as a backup holds it, and what encoded or encrypted columns hide, as text."""
    with app.app_context():
        if USING_POSTGRES:
            parts = [_pg_dump()]
        else:
            raw = db.engine.raw_connection()
            try:
                parts = list(raw.driver_connection.iterdump())
            finally:
                raw.close()
    with app.app_context(), cross_tenant():
        for request in db.session.scalars(select(SupportRequest)):
            parts.append(repr((request.name, request.email, request.phone, request.message)))
            parts.append(repr(request.answers))
        for event in db.session.scalars(select(SupportEvent)):
            parts.append(repr(event.body))
        for reply in db.session.scalars(select(Reply)):
            parts.append(repr((reply.author_name, reply.body_text, reply.subject)))
        for args in db.session.scalars(select(ParkedJob.args)):
            for arg in args:
                if isinstance(arg, dict) and "__bytes__" in arg:
                    arg = base64.b64decode(arg["__bytes__"]).decode("utf-8", "replace")
                parts.append(repr(arg))
        for content in db.session.scalars(select(SubscriberImport.content)):
            parts.append(unpack(content).decode("utf-8", "replace"))
    return "\n".join(parts)


def _pg_dump() -> str:
    """`pg_dump` of the whole database as the superuser (row-level security does not apply)."""
    url = make_url(ADMIN_DATABASE_URL)
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
        "PGDATABASE": url.database,
    }
    done = subprocess.run(
        [shutil.which("pg_dump") or "pg_dump", "--no-owner"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "COPY public.subscribers " in done.stdout
    return done.stdout


def _redis_dump(app) -> str:
    """Every key and value in the queues' Redis (compressed job data unpacked), as text."""
    parts = []
    with app.app_context():
        redis = get_connection()
        for key in redis.scan_iter(count=1000):
            parts.append(key.decode("utf-8", "replace"))
            kind = redis.type(key).decode()
            if kind == "hash":
                values = list(redis.hgetall(key).values())
            elif kind == "string":
                values = [redis.get(key)]
            elif kind == "list":
                values = redis.lrange(key, 0, -1)
            elif kind == "set":
                values = list(redis.smembers(key))
            elif kind == "zset":
                values = redis.zrange(key, 0, -1)
            else:
                values = []
            for value in values:
                with contextlib.suppress(zlib.error):
                    value = zlib.decompress(value)
                parts.append(value.decode("utf-8", "replace"))
    return "\n".join(parts)


def _left(dump: str) -> list[str]:
    folded = dump.casefold()
    return [trace for trace in TRACES if trace.casefold() in folded]


def _send(app, pub, issue_id: int) -> None:
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        sending.send_now(publication, db.session.get(Issue, issue_id))
    drain_jobs(app)


def _set(app, pub, **columns) -> None:
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        for name, value in columns.items():
            setattr(publication, name, value)
        db.session.commit()


def _reader_id(app, pub) -> int:
    with app.app_context(), bound_to(pub.id):
        return db.session.scalar(select(Subscriber.id).where(Subscriber.email == ADDRESS))


def _post(client, url: str, data: dict, token_from: str, **kw):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_from)}, **kw)


def _subscribe_and_confirm(app, pub, mailbox) -> None:
    reader = app.test_client()
    page = reader.post(f"/p/{pub.slug}/subscribe", data={"email": ADDRESS, "name": NAME})
    assert page.status_code == 200
    link = mailbox.last_link(ADDRESS, "/confirm/").replace("http://localhost", "")
    assert reader.get(link).status_code in (200, 302, 303)


def _pay(app, pub, billing, account: str, tier) -> tuple[str, str]:
    """Ada pays; Stripe's checkout event about her is stored but fails to be processed."""
    reader = app.test_client()
    response = reader.post(
        f"/p/{pub.slug}/paid/upgrade", data={"email": ADDRESS, "choice": f"{tier.id}:month"}
    )
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    events = billing.stripe.complete_checkout(session_id, account)
    checkout = next(e for e in events if e["type"] == "checkout.session.completed")
    checkout["data"]["object"]["customer_details"]["name"] = NAME
    others = [e for e in events if e is not checkout]
    assert {r.status_code for r in billing.deliver(reader, others)} == {200}
    billing.stripe.fail_next = 1000  # Stripe's API is down while the checkout event is handled
    try:
        assert billing.deliver(reader, [checkout])[0].status_code == 200
    finally:
        billing.stripe.fail_next = 0
    subscription = billing.stripe.get(session_id, account)["subscription"]
    customer = billing.stripe.get(subscription, account)["customer"]
    with app.app_context():
        stored = db.session.get(StripeEvent, checkout["id"])
        assert stored.processed_at is None and ADDRESS in json.dumps(stored.payload)
    return subscription, customer


def _while_redis_is_away(app, pub, issue, practitioner) -> None:
    """Ada asks for a sign-in link and a list holding her is uploaded: both wait in the database."""
    saved = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    try:
        assert request_link(app.test_client(), pub, issue, ADDRESS).status_code == 200
        upload = io.BytesIO(f"email,name\n{ADDRESS},{NAME}\nfresh@example.org,Fresh\n".encode())
        page = "/dashboard/calm/subscribers/import"
        _post(
            practitioner,
            page,
            {"file": (upload, "waiting.csv")},
            page,
            content_type="multipart/form-data",
        )
    finally:
        app.config["REDIS_URL"] = saved
    with app.app_context():
        parked = db.session.scalars(select(ParkedJob.path)).all()
    assert sorted(parked) == ["worker.jobs.mail_reader_sign_in", "worker.jobs.run_import"]


def test_erasing_a_reader_leaves_nothing_of_them_anywhere(
    app, factories, mailbox, billing, smtp_sink, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)
    app.logger.addHandler(caplog.handler)  # the app's logger does not propagate to the root
    try:
        _story(app, factories, mailbox, billing, monkeypatch)
    finally:
        app.logger.removeHandler(caplog.handler)
    # Tend's own lines, and the libraries' it runs (RQ, Stripe's client, the limiter); the
    # test's mail servers (aiosmtpd's "mail.log") log as mail servers do.
    records = [r for r in caplog.records if not r.name.startswith("mail.log")]
    assert len(records) > 10, "the story logged nothing: the check would prove nothing"
    named = [r.getMessage() for r in records if _left(r.getMessage())]
    assert named == [], "log lines name the reader"


def _story(app, factories, mailbox, billing, monkeypatch) -> None:
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="calm", name="Calm Letters", author_name="Maya")
    account, tier = billing.connect(pub), billing.tier(pub)
    first = factories.issue(pub, title="On rest", slug="on-rest", publish=True)
    second = factories.issue(pub, title="On walking", slug="on-walking", publish=True)
    factories.subscriber(pub, email="stays@example.org", name="Stays Here")
    practitioner = app.test_client()
    login(practitioner, "maya@example.com")

    _subscribe_and_confirm(app, pub, mailbox)
    reader_id = _reader_id(app, pub)
    detail = f"/dashboard/calm/subscribers/{reader_id}"
    _post(practitioner, detail + "/tags", {"tags": "close-reader"}, detail)

    _send(app, pub, first.id)
    refusing = Controller(RefusingServer(), hostname="127.0.0.1", port=free_port())
    refusing.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{refusing.port}")
        _send(app, pub, second.id)
    finally:
        refusing.stop()
        monkeypatch.undo()

    reader = app.test_client()
    sign_in_reader(reader, mailbox, pub, first, ADDRESS)
    assert post_reply(reader, pub, first, PUBLIC_WORDS).status_code in (302, 303)
    _set(app, pub, reply_mode=MODE_PRIVATE)
    assert post_reply(reader, pub, second, PRIVATE_WORDS).status_code in (302, 303)
    with app.app_context(), bound_to(pub.id):
        private_id = db.session.scalar(select(Reply.id).where(Reply.status == "private"))
    inbox = "/dashboard/calm/inbox"
    answered = _post(
        practitioner,
        f"{inbox}/replies/{private_id}/answer",
        {"body": ANSWER_WORDS, "how": "email"},
        inbox,
    )
    assert answered.status_code in (302, 303)

    sent = send_support(
        app.test_client(), app, pub, name=NAME, email=ADDRESS, phone=PHONE, message=SUPPORT_WORDS
    )
    assert sent.status_code in (200, 302, 303)
    assert send_support(app.test_client(), app, pub, name="Other Person", email="other@example.org")
    (request, _other) = requests_of(app, pub)
    page = f"/dashboard/calm/support/{request.id}"
    _post(practitioner, page + "/notes", {"note": NOTE_WORDS}, page)

    subscription, customer = _pay(app, pub, billing, account, tier)

    # Ada stops the emails (she still pays), then comes back while the plan is full.
    _post(practitioner, detail + "/unsubscribe", {}, detail)
    plans = [dict(plan) for plan in app.config["BILLING_PLANS"]]
    plans[0]["max_subscribers"] = 1  # Maya's Free plan; "stays@" takes the one place
    app.config["BILLING_PLANS"] = plans
    _subscribe_and_confirm(app, pub, mailbox)
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(SubscriberHold.subscriber_id)) == reader_id

    upload = io.BytesIO(f"email,name\n{ADDRESS},{NAME}\nnew@example.org,New\n".encode())
    page = "/dashboard/calm/subscribers/import"
    _post(
        practitioner, page, {"file": (upload, "list.csv")}, page, content_type="multipart/form-data"
    )
    drain_jobs(app)
    _while_redis_is_away(app, pub, first, practitioner)

    export = practitioner.get(detail + "/export.json").get_json()
    _check_export(export, subscription, customer)

    before = _database_dump(app)
    assert _left(before) == list(TRACES), "the story did not store everything it should"
    assert customer in before

    response = _post(practitioner, detail + "/delete", {}, detail)
    assert response.status_code == 302
    drain_jobs(app)
    with app.app_context():
        drain_outbox()  # Redis is back: the waiting import runs on what is left of its file
    drain_jobs(app)

    after = _database_dump(app)
    assert _left(after) == []
    assert customer not in after, "Stripe's customer id stood for the reader"
    for kept in ("stays@example.org", "other@example.org", "new@example.org", "fresh@example"):
        assert kept in after, f"{kept} was erased too"
    assert _left(_redis_dump(app)) == []
    cancelled = billing.stripe.calls("DELETE", f"/v1/subscriptions/{subscription}")
    assert len(cancelled) == 1, "Stripe stops charging her"
    with app.app_context(), cross_tenant():
        assert db.session.scalar(select(Subscriber).where(Subscriber.email == ADDRESS)) is None
        assert db.session.scalars(select(ReaderSubscription)).all() == []
        held = select(SubscriberHold).where(SubscriberHold.subscriber_id == reader_id)
        assert db.session.scalars(held).all() == []
        assert (
            db.session.scalar(select(SupportRequest.id).where(SupportRequest.id == request.id))
            is None
        )
        count = text("SELECT count(*) FROM stripe_events")
        assert db.session.scalar(count) >= 1, "the events' ids stay, to dedupe redeliveries"


def _check_export(export: dict, subscription: str, customer: str) -> None:
    """Every feature's part of Ada's data is in her export."""
    assert (export["email"], export["name"]) == (ADDRESS, NAME)
    assert export["tags"] == ["close-reader"]
    assert {"subscribed", "confirmed", "unsubscribed"} <= {e["event"] for e in export["history"]}
    assert sorted(d["status"] for d in export["deliveries"]) == ["bounced", "sent"]
    assert sorted(r["text"] for r in export["replies"]) == sorted([PUBLIC_WORDS, PRIVATE_WORDS])
    assert [a["text"] for a in export["answers_emailed_to_them"]] == [ANSWER_WORDS]
    (support,) = export["support_requests"]
    assert (support["name"], support["email"], support["phone"]) == (NAME, ADDRESS, PHONE)
    assert support["message"] == SUPPORT_WORDS
    assert support["exchange"], "what she sent and was sent"
    assert NOTE_WORDS not in json.dumps(support), "the practitioner's private note is theirs"
    (paid,) = export["paid_subscriptions"]
    assert (paid["stripe_subscription"], paid["stripe_customer"]) == (subscription, customer)
    assert paid["status"] == "active" and paid["tier"] == "Supporter"
    assert export["waiting_list"]["held_since"]
    assert any(ADDRESS in row for row in export["import_rejections"])


pytestmark = pytest.mark.skipif(
    USING_POSTGRES and not shutil.which("pg_dump"), reason="needs PostgreSQL's client tools"
)
