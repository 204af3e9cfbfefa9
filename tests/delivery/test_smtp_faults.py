"""A misbehaving mail server: refusals, timeouts and dropped connections, and what we record.

The server is a real aiosmtpd on loopback whose handler follows a script per recipient:
each scripted fault is used once, in order; with none left the message is accepted. Every
test runs twice: against a server that answers one command at a time, and against one that
offers PIPELINING (RFC 2920), where the envelope goes in one write.
"""

from __future__ import annotations

import asyncio
import smtplib
import threading
import time
from collections import defaultdict

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import batches as send_batches
from saas.delivery import deferrals, sending
from saas.delivery import upkeep as send_upkeep
from saas.delivery.models import Delivery, Send
from saas.mail.smtp_session import ConnectionLost
from saas.publishing.models import Issue, Publication
from tests.conftest import drain_jobs, login, post_form
from tests.factories import Factories
from tests.smtp_sink import free_port

RCPT_FAULTS = {"451": "451 4.7.1 Greylisted, try again later", "550": "550 5.1.1 No such user"}
DATA_FAULTS = {"451-data": "451 4.3.0 Try again later", "554": "554 5.7.1 Rejected as spam"}


class ScriptedHandler:
    """Refuses, stalls or hangs up on a recipient as scripted; otherwise accepts."""

    def __init__(self, pipelining: bool = False) -> None:
        self.pipelining = pipelining
        self.script: dict[str, list[str]] = defaultdict(list)
        self.accepted: list[tuple[str, bool]] = []  # (recipient, sent with SMTPUTF8)
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.script.clear()
            self.accepted.clear()

    def _next(self, address: str, kinds) -> str | None:
        with self.lock:
            steps = self.script.get(address.lower())
            if steps and steps[0] in kinds:
                return steps.pop(0)
        return None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        fault = self._next(address, RCPT_FAULTS)
        if fault:
            return RCPT_FAULTS[fault]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        address = envelope.rcpt_tos[0]
        fault = self._next(address, {*DATA_FAULTS, "stall", "hang-up"})
        if fault == "stall":
            await asyncio.sleep(1.5)  # longer than the client's SMTP_TIMEOUT
            return "250 Too late, the client gave up"
        if fault == "hang-up":
            server.transport.close()
            return "250 Never heard"
        if fault:
            return DATA_FAULTS[fault]
        with self.lock:
            self.accepted.append((address, bool(envelope.smtp_utf8)))
        return "250 2.0.0 Ok: queued as 4F2A"


@pytest.fixture(scope="module", params=["one-by-one", "pipelining"])
def faulty(request):
    handler = ScriptedHandler(pipelining=request.param == "pipelining")
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture()
def server(app, faulty, monkeypatch):
    """Point sending at the scripted server, with short retry pauses and timeout."""
    faulty.reset()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{faulty.port}")
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "SMTP_RETRY_DELAYS", [0.05, 0.1, 0.1])
    return faulty


@pytest.fixture()
def pub(factories):
    pub = factories.publication(slug="faults", name="Fault Lines")
    for name in ("ada", "bob", "cy"):
        factories.subscriber(pub, email=f"{name}@example.org", name=name.title())
    return pub


def _send(app, pub, title: str = "An issue") -> int:
    issue = Factories(app).issue(pub, title=title, publish=True)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        send_id = sending.send_now(publication, db.session.get(Issue, issue.id)).id
    drain_jobs(app)
    return send_id


def _rows(app, pub, send_id: int | None = None) -> dict[str, Delivery]:
    with app.app_context(), bound_to(pub.id):
        query = select(Delivery)
        if send_id is not None:
            query = query.where(Delivery.send_id == send_id)
        rows = db.session.scalars(query).all()
        for row in rows:
            db.session.expunge(row)
    return {row.email: row for row in rows}


def _accepted(server) -> list[str]:
    return sorted(address for address, _ in server.accepted)


def test_temporary_refusals_are_retried_until_accepted(app, pub, server):
    server.script["ada@example.org"] = ["451", "451"]
    server.script["bob@example.org"] = ["451-data"]
    rows = _rows(app, pub, _send(app, pub))
    assert _accepted(server) == ["ada@example.org", "bob@example.org", "cy@example.org"]
    assert {row.status for row in rows.values()} == {"sent"}
    assert rows["ada@example.org"].smtp_response == "250 2.0.0 Ok: queued as 4F2A"


def test_a_refusal_that_does_not_clear_is_deferred_not_failed(app, pub, server):
    server.script["ada@example.org"] = ["451"] * 4
    send_id = _send(app, pub)
    rows = _rows(app, pub, send_id)
    ada = rows["ada@example.org"]
    assert ada.status == "deferred"
    assert ada.smtp_response == "451 4.7.1 Greylisted, try again later"
    assert "Refused for now after 4 tries" in ada.error
    assert ada.deferrals == 1 and ada.next_attempt_at is not None
    assert _accepted(server) == ["bob@example.org", "cy@example.org"]
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Send, send_id).status == "sending"  # not over while one waits


def test_a_deferred_delivery_goes_out_when_its_time_comes(app, pub, server, monkeypatch):
    monkeypatch.setitem(app.config, "DELIVERY_RETRY_SCHEDULE", [0.0])
    server.script["ada@example.org"] = ["451"] * 4  # the fifth try is accepted
    send_id = _send(app, pub)
    assert _rows(app, pub, send_id)["ada@example.org"].status == "deferred"
    with app.app_context():
        assert deferrals.retry_due() == 1
    drain_jobs(app)
    ada = _rows(app, pub, send_id)["ada@example.org"]
    assert ada.status == "sent" and ada.deferrals == 1
    assert _accepted(server) == ["ada@example.org", "bob@example.org", "cy@example.org"]
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Send, send_id).status == "done"


def test_a_refusal_that_lasts_past_the_retry_window_fails_with_the_servers_words(
    app, pub, server, monkeypatch
):
    monkeypatch.setitem(app.config, "DELIVERY_RETRY_HOURS", 0)
    server.script["ada@example.org"] = ["451"] * 4
    send_id = _send(app, pub)
    ada = _rows(app, pub, send_id)["ada@example.org"]
    assert ada.status == "failed"
    assert ada.smtp_response == "451 4.7.1 Greylisted, try again later"
    assert "given up" in ada.error
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Send, send_id).status == "done"


def test_a_server_refusing_everyone_defers_the_rest_untried(app, factories, server):
    pub = factories.publication(slug="busy", name="Busy Server")
    for n in range(6):
        factories.subscriber(pub, email=f"r{n}@example.org")
        server.script[f"r{n}@example.org"] = ["451"] * 4
    rows = _rows(app, pub, _send(app, pub))
    assert {row.status for row in rows.values()} == {"deferred"}
    untried = [row for row in rows.values() if row.error == deferrals.NOT_TRIED]
    assert len(untried) == 6 - send_batches.DEFER_REST_AFTER


def test_the_practitioner_sends_failed_deliveries_again(app, factories, server, monkeypatch):
    monkeypatch.setitem(app.config, "DELIVERY_RETRY_HOURS", 0)
    owner = factories.user(email="owner@example.com")
    pub = factories.publication(owner=owner, slug="again", name="Again")
    factories.subscriber(pub, email="ada@example.org")
    server.script["ada@example.org"] = ["451"] * 4
    send_id = _send(app, pub)
    assert _rows(app, pub, send_id)["ada@example.org"].status == "failed"

    client = app.test_client()
    login(client, "owner@example.com")
    page = f"/dashboard/again/sends/{send_id}"
    assert "failed delivery again" in client.get(page).get_data(as_text=True)
    response = post_form(client, page + "/retry-failed", {}, token_from=page)
    assert response.status_code == 303
    drain_jobs(app)
    ada = _rows(app, pub, send_id)["ada@example.org"]
    assert ada.status == "sent"
    assert _accepted(server) == ["ada@example.org"]
    again = post_form(client, page + "/retry-failed", {}, token_from=page)
    assert "No delivery of this send has failed" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )


def test_permanent_refusals_are_recorded_and_the_send_carries_on(app, pub, server):
    server.script["ada@example.org"] = ["550"]
    server.script["bob@example.org"] = ["554"]
    send_id = _send(app, pub)
    rows = _rows(app, pub, send_id)
    assert (rows["ada@example.org"].status, rows["ada@example.org"].smtp_response) == (
        "bounced",
        "550 5.1.1 No such user",
    )
    assert (rows["bob@example.org"].status, rows["bob@example.org"].smtp_response) == (
        "failed",
        "554 5.7.1 Rejected as spam",
    )
    assert rows["cy@example.org"].status == "sent"
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Send, send_id).status == "done"
        ada = db.session.scalar(select(Subscriber).where(Subscriber.email == "ada@example.org"))
        assert (ada.hard_bounces, ada.status) == (1, "active")


def test_third_hard_bounce_takes_the_reader_off_the_list(app, pub, server):
    for n in range(3):
        server.script["ada@example.org"] = ["550"]
        _send(app, pub, title=f"Issue {n}")
    with app.app_context(), bound_to(pub.id):
        ada = db.session.scalar(select(Subscriber).where(Subscriber.email == "ada@example.org"))
        assert (ada.hard_bounces, ada.status) == (3, "bounced")
    server.reset()
    send_id = _send(app, pub, title="After the bounces")
    assert "ada@example.org" not in _rows(app, pub, send_id)
    assert _accepted(server) == ["bob@example.org", "cy@example.org"]


def test_a_stalled_server_times_out_and_the_message_goes_on_a_new_connection(app, pub, server):
    server.script["bob@example.org"] = ["stall"]
    started = time.monotonic()
    rows = _rows(app, pub, _send(app, pub))
    assert time.monotonic() - started < 10
    assert {row.status for row in rows.values()} == {"sent"}
    assert _accepted(server) == ["ada@example.org", "bob@example.org", "cy@example.org"]


def test_a_connection_dropped_after_data_is_retried(app, pub, server):
    server.script["cy@example.org"] = ["hang-up"]
    rows = _rows(app, pub, _send(app, pub))
    assert {row.status for row in rows.values()} == {"sent"}
    assert _accepted(server) == ["ada@example.org", "bob@example.org", "cy@example.org"]


def test_an_unreachable_server_hands_the_batch_back_for_a_later_try(
    app, pub, server, factories, monkeypatch
):
    jobs = []
    monkeypatch.setattr(
        send_upkeep, "enqueue", lambda path, *a, **o: jobs.append((path, a)) or server
    )
    server.id = "held"
    issue = factories.issue(pub, publish=True)
    with app.app_context(), bound_to(pub.id):
        send_id = sending.send_now(
            db.session.get(Publication, pub.id), db.session.get(Issue, issue.id)
        ).id
        send_batches.fan_out(send_id)
    (batch,) = [args for path, args in jobs if path == "worker.jobs.send_batch"]
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    with app.app_context(), pytest.raises(ConnectionLost):
        send_batches.send_batch(*batch)
    rows = _rows(app, pub)
    assert {(row.status, row.attempts) for row in rows.values()} == {("queued", 0)}
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    with app.app_context():
        assert send_batches.send_batch(*batch) == 3  # RQ's retry of the same job
    assert {row.status for row in _rows(app, pub).values()} == {"sent"}
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Send, send_id).status == "done"


def test_an_international_address_goes_with_smtputf8(app, pub, server, factories):
    factories.subscriber(pub, email="josé@exämple.org", name="José")
    rows = _rows(app, pub, _send(app, pub))
    assert rows["josé@exämple.org"].status == "sent"
    # The domain travels as IDNA; only the local part needs SMTPUTF8.
    assert ("josé@xn--exmple-cua.org", True) in server.accepted
    assert ("ada@example.org", False) in server.accepted


def test_an_international_address_fails_clearly_without_smtputf8(app, pub, factories, monkeypatch):
    plain = ScriptedHandler()
    port = free_port()
    controller = Controller(plain, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
        factories.subscriber(pub, email="josé@example.org", name="José")
        rows = _rows(app, pub, _send(app, pub))
    finally:
        controller.stop()
    assert rows["josé@example.org"].status == "failed"
    assert "needs SMTPUTF8" in rows["josé@example.org"].error
    assert _accepted(plain) == ["ada@example.org", "bob@example.org", "cy@example.org"]


def test_the_envelope_goes_in_one_write_when_the_server_offers_pipelining(
    app, pub, server, monkeypatch
):
    writes: list[bytes] = []
    real_send = smtplib.SMTP.send

    def spy(self, data):
        writes.append(data.encode() if isinstance(data, str) else data)
        return real_send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", spy)
    rows = _rows(app, pub, _send(app, pub))
    assert {row.status for row in rows.values()} == {"sent"}
    envelopes = [w for w in writes if w.startswith(b"MAIL FROM:")]
    assert len(envelopes) == 3
    if server.pipelining:
        assert all(w.endswith(b"\r\nDATA\r\n") and b"RCPT TO:" in w for w in envelopes)
    else:
        assert all(w.count(b"\r\n") == 1 for w in envelopes)
