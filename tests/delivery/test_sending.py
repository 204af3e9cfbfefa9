"""Sending an issue: who gets it, progress, the per-recipient record, pause, schedule, tests."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from saas.audience.reader_links import unsubscribe_url
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.delivery import batches as send_batches
from saas.delivery import sending
from saas.delivery import upkeep as send_upkeep
from saas.delivery.models import Delivery, Send
from saas.mail import smtp_session
from saas.publishing.models import Issue, Publication
from tests.conftest import drain_jobs, login, post_form


@pytest.fixture()
def letters(app, factories, client):
    """A publication with one reader in each state, an unpublished issue, its owner signed in."""
    owner = factories.user(email="maya@example.com", name="Maya Lin")
    pub = factories.publication(owner=owner, slug="letters", name="Calm Letters")
    readers = {
        "ada": factories.subscriber(pub, email="ada@example.org", name="Ada Lovelace"),
        "grace": factories.subscriber(pub, email="grace@example.org", name=""),
        "pending": factories.subscriber(pub, email="pending@example.org", status="pending"),
        "gone": factories.subscriber(pub, email="gone@example.org", status="unsubscribed"),
        "bounced": factories.subscriber(pub, email="bounced@example.org", status="bounced"),
    }
    issue = factories.issue(pub, title="On slowing down", body_markdown="Breathe in.\n\nAnd out.")
    login(client, "maya@example.com")
    return pub, issue, readers


def _editor(pub, issue) -> str:
    return f"/dashboard/{pub.slug}/issues/{issue.id}"


def _send_now(client, pub, issue):
    return post_form(client, _editor(pub, issue) + "/send", {}, token_from=_editor(pub, issue))


def _send_row(app, pub) -> Send:
    with app.app_context(), bound_to(pub.id):
        send = db.session.scalar(select(Send))
        db.session.expunge(send)
        return send


def _deliveries(app, pub) -> dict[str, Delivery]:
    with app.app_context(), bound_to(pub.id):
        rows = db.session.scalars(select(Delivery)).all()
        for row in rows:
            db.session.expunge(row)
        return {row.email: row for row in rows}


def test_issue_goes_to_active_readers_only(app, client, letters, mailbox, smtp_sink):
    pub, issue, _ = letters
    response = _send_now(client, pub, issue)
    assert response.status_code == 303
    assert "/sends/" in response.headers["Location"]
    messages = mailbox.messages()
    assert sorted(str(m["To"]) for m in messages) == [
        "Ada Lovelace <ada@example.org>",
        "grace@example.org",
    ]
    ada = mailbox.messages("ada@example.org")[0]
    assert ada["Subject"] == "On slowing down"
    assert ada.get_content_type() == "multipart/alternative"
    text = ada.get_body(preferencelist=("plain",)).get_content()
    html = ada.get_body(preferencelist=("html",)).get_content()
    assert "Hi Ada," in text and "Hi Ada," in html
    assert "Breathe in." in text and "Breathe in." in html
    assert 'style="' in html and "<style" not in html.split("</head>")[-1]
    grace = mailbox.messages("grace@example.org")[0]
    assert "Hi there," in grace.get_body(preferencelist=("plain",)).get_content()
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Issue, issue.id).is_published
    assert _send_row(app, pub).status == "done"
    deliveries = _deliveries(app, pub)
    assert set(deliveries) == {"ada@example.org", "grace@example.org"}
    for row in deliveries.values():
        assert row.status == "sent" and row.sent_at is not None
        assert row.smtp_response.startswith("250")
        assert row.message_id == next(
            str(m["Message-ID"]) for m in messages if row.email in str(m["To"])
        )


def test_an_issue_is_sent_only_once(app, client, letters, mailbox):
    pub, issue, _ = letters
    _send_now(client, pub, issue)
    assert len(mailbox.messages()) == 2
    response = _send_now(client, pub, issue)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(_editor(pub, issue))
    assert len(mailbox.messages()) == 2


def test_progress_json_counts_every_outcome(app, client, factories, letters, mailbox):
    pub, issue, _ = letters
    factories.subscriber(pub, email="no-at-sign.example.org", name="Typo")
    _send_now(client, pub, issue)
    drain_jobs(app)
    send = _send_row(app, pub)
    data = client.get(f"/dashboard/{pub.slug}/sends/{send.id}/progress").get_json()
    assert data["status"] == "done"
    assert (data["total"], data["sent"], data["failed"], data["queued"]) == (3, 2, 1, 0)
    assert (data["finished"], data["percent"], data["eta_seconds"]) == (3, 100.0, None)


def test_recipient_record_searches_by_email_and_filters_by_status(
    app, client, factories, letters, mailbox
):
    pub, issue, _ = letters
    factories.subscriber(pub, email="no-at-sign.example.org", name="Typo")
    _send_now(client, pub, issue)
    drain_jobs(app)
    page_url = f"/dashboard/{pub.slug}/sends/{_send_row(app, pub).id}"
    everyone = client.get(page_url).get_data(as_text=True)
    assert "ada@example.org" in everyone and "grace@example.org" in everyone
    assert "pending@example.org" not in everyone
    assert 'src="/static/js/send_progress.js"' in everyone
    found = client.get(page_url + "?q=ADA").get_data(as_text=True)
    assert "ada@example.org" in found and "grace@example.org" not in found
    assert "250 " in found  # the mail server's answer
    failed = client.get(page_url + "?status=failed").get_data(as_text=True)
    assert "no-at-sign.example.org" in failed and "Not a valid email address" in failed
    assert "ada@example.org" not in failed


def test_pause_stops_after_messages_in_flight_and_resume_finishes(
    app, client, factories, letters, mailbox, monkeypatch
):
    pub, issue, _ = letters
    for n in range(8):
        factories.subscriber(pub, email=f"reader{n}@example.org")
    monkeypatch.setattr(send_batches, "RECORD_EVERY", 3)
    real_deliver = smtp_session.SmtpSession.deliver
    calls = []

    def deliver_then_pause_on_the_fourth(self, message):
        calls.append(message.to)
        if len(calls) == 4:
            with app.app_context(), bound_to(pub.id):
                publication = db.session.get(Publication, pub.id)
                sending.pause_send(publication, db.session.scalar(select(Send)))
        return real_deliver(self, message)

    monkeypatch.setattr(smtp_session.SmtpSession, "deliver", deliver_then_pause_on_the_fourth)
    _send_now(client, pub, issue)
    drain_jobs(app)
    send = _send_row(app, pub)
    assert send.status == "paused"
    statuses = sorted(row.status for row in _deliveries(app, pub).values())
    # The batch records every 3 outcomes and looks for a pause then: 6 went, 4 wait.
    assert statuses == ["queued"] * 4 + ["sent"] * 6
    progress = client.get(f"/dashboard/{pub.slug}/sends/{send.id}/progress").get_json()
    assert (progress["status"], progress["queued"], progress["sent"]) == ("paused", 4, 6)

    url = f"/dashboard/{pub.slug}/sends/{send.id}"
    assert post_form(client, url + "/resume", {}, token_from=url).status_code == 303
    drain_jobs(app)
    assert _send_row(app, pub).status == "done"
    received = [str(m["To"]).rsplit("<", 1)[-1].strip(">") for m in mailbox.messages()]
    assert len(received) == 10 and len(set(received)) == 10


def _capture_jobs(monkeypatch) -> list[tuple[str, tuple]]:
    """Keep the jobs sending enqueues instead of running them; returns the list."""
    jobs: list[tuple[str, tuple]] = []

    class Held:
        id = "held"

    def hold(path, *args, **options):
        jobs.append((path, args))
        return Held()

    monkeypatch.setattr(send_upkeep, "enqueue", hold)
    return jobs


def test_reader_who_unsubscribes_after_fan_out_gets_nothing(
    app, client, letters, mailbox, monkeypatch
):
    pub, issue, readers = letters
    jobs = _capture_jobs(monkeypatch)
    _send_now(client, pub, issue)
    assert [path for path, _ in jobs] == ["worker.jobs.start_send"]
    with app.app_context():
        send_batches.fan_out(jobs[0][1][0])
    batches = [args for path, args in jobs if path == "worker.jobs.send_batch"]
    assert len(batches) == 1
    assert {row.status for row in _deliveries(app, pub).values()} == {"queued"}
    # Ada clicks List-Unsubscribe (RFC 8058 one-click) before her batch runs.
    with app.app_context():
        link = unsubscribe_url(db.session.get(Publication, pub.id), readers["ada"].id)
    reader = app.test_client()
    assert reader.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context():
        send_batches.send_batch(*batches[0])
    assert mailbox.messages("ada@example.org") == []
    assert len(mailbox.messages("grace@example.org")) == 1
    ada = _deliveries(app, pub)["ada@example.org"]
    assert ada.status == "skipped" and "No longer subscribed" in ada.error
    assert _send_row(app, pub).status == "done"


def test_reader_who_unsubscribes_mid_batch_gets_nothing(
    app, client, factories, letters, mailbox, monkeypatch
):
    pub, issue, readers = letters
    late = factories.subscriber(pub, email="zoe@example.org", name="Zoe")
    real_deliver = smtp_session.SmtpSession.deliver

    def deliver_and_unsubscribe_zoe(self, message):
        with app.app_context(), bound_to(pub.id):
            from saas.audience import subscribers

            publication = db.session.get(Publication, pub.id)
            subscribers.unsubscribe(publication, late.id, "test")
        return real_deliver(self, message)

    monkeypatch.setattr(smtp_session.SmtpSession, "deliver", deliver_and_unsubscribe_zoe)
    _send_now(client, pub, issue)
    drain_jobs(app)
    assert mailbox.messages("zoe@example.org") == []
    assert len(mailbox.messages()) == 2
    assert _deliveries(app, pub)["zoe@example.org"].status == "skipped"


def test_scheduled_send_starts_when_due(app, client, letters, mailbox):
    pub, issue, _ = letters
    when_local = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("UTC")).replace(second=0)
    response = post_form(
        client,
        _editor(pub, issue) + "/send/schedule",
        {"send_at": when_local.strftime("%Y-%m-%dT%H:%M")},
        token_from=_editor(pub, issue),
    )
    assert response.status_code == 303
    send = _send_row(app, pub)
    assert send.status == "scheduled"
    assert send.scheduled_at == when_local.replace(microsecond=0)
    with app.app_context():
        assert sending.start_due_sends() == 0  # not yet
    assert mailbox.messages() == []
    with app.app_context():
        assert sending.start_due_sends(now=send.scheduled_at + timedelta(seconds=1)) == 1
        assert sending.start_due_sends(now=send.scheduled_at + timedelta(seconds=2)) == 0
    assert len(mailbox.messages()) == 2
    assert _send_row(app, pub).status == "done"
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Issue, issue.id).is_published


def test_cancelled_schedule_sends_nothing_and_unschedules_publishing(app, client, letters):
    pub, issue, _ = letters
    future = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    editor = _editor(pub, issue)
    post_form(client, editor + "/send/schedule", {"send_at": future}, token_from=editor)
    send = _send_row(app, pub)
    url = f"/dashboard/{pub.slug}/sends/{send.id}"
    assert post_form(client, url + "/cancel", {}, token_from=url).status_code == 303
    assert _send_row(app, pub).status == "cancelled"
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Issue, issue.id).status == "draft"
        assert sending.start_due_sends(now=utcnow() + timedelta(days=3)) == 0


def test_send_test_to_me_reaches_only_the_practitioner(app, client, letters, mailbox):
    pub, issue, _ = letters
    response = post_form(client, _editor(pub, issue) + "/send-test", {}, _editor(pub, issue))
    assert response.status_code == 303
    messages = mailbox.messages()
    assert [str(m["To"]) for m in messages] == ["Maya Lin <maya@example.com>"]
    assert messages[0]["Subject"] == "[Test] On slowing down"
    assert "Hi Maya," in messages[0].get_body(preferencelist=("plain",)).get_content()
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(Send)) is None
        assert db.session.scalar(select(Delivery)) is None
        assert not db.session.get(Issue, issue.id).is_published


def test_editor_offers_the_send_actions(app, client, letters):
    pub, issue, _ = letters
    html = client.get(_editor(pub, issue)).get_data(as_text=True)
    assert "Send test to me" in html
    assert "Publish and send now" in html and "to 2 active readers" in html
    assert "Schedule send" in html
    _send_now(client, pub, issue)
    drain_jobs(app)
    html = client.get(_editor(pub, issue)).get_data(as_text=True)
    assert "Publish and send now" not in html and "See who got it" in html
    sends = client.get(f"/dashboard/{pub.slug}/sends").get_data(as_text=True)
    assert "On slowing down" in sends and "done" in sends


def test_watcher_requeues_a_dead_workers_rows_and_closes_the_send(
    app, client, letters, mailbox, monkeypatch
):
    pub, issue, _ = letters
    jobs = _capture_jobs(monkeypatch)
    _send_now(client, pub, issue)
    send_id = jobs[0][1][0]
    with app.app_context():
        send_batches.fan_out(send_id)
        # A worker claimed the batch an hour ago and died before sending anything.
        with bound_to(pub.id):
            db.session.execute(
                update(Delivery).values(status="sending", claimed_at=utcnow() - timedelta(hours=1))
            )
            db.session.commit()
        jobs.clear()
        send_upkeep.watch_send(send_id)
    assert {row.status for row in _deliveries(app, pub).values()} == {"queued"}
    (batch,) = [args for path, args in jobs if path == "worker.jobs.send_batch"]
    with app.app_context():
        send_batches.send_batch(*batch)
    assert len(mailbox.messages()) == 2
    assert _send_row(app, pub).status == "done"


def test_suspending_the_publication_pauses_its_send(app, client, factories, letters, mailbox):
    pub, issue, _ = letters
    for n in range(30):
        factories.subscriber(pub, email=f"reader{n}@example.org")
    real_deliver = smtp_session.SmtpSession.deliver
    calls = []

    def deliver_then_suspend(self, message):
        calls.append(message.to)
        if len(calls) == 3:
            with app.app_context():
                db.session.execute(
                    update(Publication)
                    .where(Publication.id == pub.id)
                    .values(suspended_at=utcnow(), suspended_reason="spam complaints")
                )
                db.session.commit()
        return real_deliver(self, message)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smtp_session.SmtpSession, "deliver", deliver_then_suspend)
        _send_now(client, pub, issue)
        drain_jobs(app)
    send = _send_row(app, pub)
    assert send.status == "paused"
    sent = [row for row in _deliveries(app, pub).values() if row.status == "sent"]
    assert 3 <= len(sent) <= send_batches.RECORD_EVERY and len(mailbox.messages()) == len(sent)
    url = f"/dashboard/{pub.slug}/sends/{send.id}"
    post_form(client, url + "/resume", {}, token_from=url)
    assert _send_row(app, pub).status == "paused"


def test_orphan_batches_never_span_rows_a_waiting_job_holds(
    app, client, factories, letters, monkeypatch
):
    pub, issue, _ = letters
    for n in range(8):
        factories.subscriber(pub, email=f"reader{n}@example.org")
    jobs = _capture_jobs(monkeypatch)
    monkeypatch.setattr(send_upkeep, "BATCH_SIZE", 3)
    _send_now(client, pub, issue)
    with app.app_context():
        send_batches.fan_out(jobs[0][1][0])
    ids = sorted(row.id for row in _deliveries(app, pub).values())
    assert len(ids) == 10
    jobs.clear()
    # A job for the third to the fifth is still waiting in the queue.
    monkeypatch.setattr(send_upkeep, "held_ranges", lambda send_id: [(ids[2], ids[4])])
    with app.app_context(), bound_to(pub.id):
        send_upkeep.enqueue_orphans(
            db.session.get(Publication, pub.id), db.session.scalar(select(Send))
        )
    ranges = [(args[1], args[2]) for path, args in jobs if path == "worker.jobs.send_batch"]
    assert ranges == [(ids[0], ids[1]), (ids[5], ids[7]), (ids[8], ids[9])]
