"""An empty list is not a send, and readers who join after an issue went out can still get it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from saas.audience import subscribers
from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.delivery import sending
from saas.delivery.models import Delivery, Send
from saas.publishing.models import Issue, Publication
from tests.conftest import csrf_token, drain_jobs, login, post_form


@pytest.fixture()
def practice(app, factories, client):
    """Maya's publication with a draft issue, Maya signed in; no active readers yet."""
    owner = factories.user(email="maya@example.com", name="Maya Lin")
    pub = factories.publication(owner=owner, slug="letters", name="Calm Letters")
    factories.subscriber(pub, email="pending@example.org", status="pending")
    factories.subscriber(pub, email="gone@example.org", status="unsubscribed")
    issue = factories.issue(pub, title="On slowing down", body_markdown="Breathe in.")
    login(client, "maya@example.com")
    return pub, issue


def _editor(pub, issue) -> str:
    return f"/dashboard/{pub.slug}/issues/{issue.id}"


def _send_now(client, pub, issue):
    return post_form(client, _editor(pub, issue) + "/send", {}, token_from=_editor(pub, issue))


def _send(app, pub) -> Send | None:
    drain_jobs(app)  # with Redis, the send's jobs run on workers: let them finish first
    with app.app_context(), bound_to(pub.id):
        send = db.session.scalar(select(Send))
        if send is not None:
            db.session.expunge(send)
        return send


def _to_new_readers(client, pub, send):
    page = f"/dashboard/{pub.slug}/sends/{send.id}"
    return post_form(client, page + "/new-readers", {}, token_from=page)


def _received(mailbox) -> list[str]:
    return sorted(str(m["To"]).rsplit("<", 1)[-1].strip(">") for m in mailbox.messages())


def test_send_now_is_off_while_nobody_is_on_the_list(app, client, practice, mailbox):
    pub, issue = practice
    editor = client.get(_editor(pub, issue)).get_data(as_text=True)
    assert 'disabled aria-describedby="send-now-reason"' in editor
    assert "No active readers yet, so there is nobody to send it to." in editor

    response = _send_now(client, pub, issue)
    assert response.status_code == 303 and response.headers["Location"].endswith(
        _editor(pub, issue)
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nobody to send to yet: this publication has no active readers." in page
    assert "on its way" not in page
    assert _send(app, pub) is None
    with app.app_context(), bound_to(pub.id):
        assert not db.session.get(Issue, issue.id).is_published  # nothing happened
    assert mailbox.messages() == []


def test_readers_who_join_after_a_send_get_the_issue_once(
    app, client, factories, practice, mailbox
):
    pub, issue = practice
    factories.subscriber(pub, email="ada@example.org", name="Ada")
    factories.subscriber(pub, email="grace@example.org")
    _send_now(client, pub, issue)
    assert _received(mailbox) == ["ada@example.org", "grace@example.org"]
    send = _send(app, pub)
    assert (send.status, send.total) == ("done", 2)
    status_page = f"/dashboard/{pub.slug}/sends/{send.id}"
    assert "Every active reader has had it." in client.get(status_page).get_data(as_text=True)

    factories.subscriber(pub, email="lin@example.org", name="Lin")
    editor = client.get(_editor(pub, issue)).get_data(as_text=True)
    assert "Send to 1 new reader" in editor
    response = _to_new_readers(client, pub, send)
    assert response.status_code == 303
    assert "Sending to 1 new reader." in client.get(status_page).get_data(as_text=True)
    assert _received(mailbox) == ["ada@example.org", "grace@example.org", "lin@example.org"]
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(func.count()).select_from(Send)) == 1  # the same send
    send = _send(app, pub)
    assert (send.status, send.total) == ("done", 3)
    progress = client.get(status_page + "/progress").get_json()
    assert (progress["total"], progress["sent"], progress["finished"]) == (3, 3, 3)

    # Nobody new: refused, and nobody gets a second copy.
    _to_new_readers(client, pub, send)
    page = client.get(status_page).get_data(as_text=True)
    assert "Every active reader has had this issue: nobody new to send it to." in page
    assert len(mailbox.messages()) == 3


def test_an_issue_scheduled_for_an_empty_list_reaches_the_first_readers_later(
    app, client, factories, practice, mailbox
):
    pub, issue = practice
    when = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    with app.app_context(), bound_to(pub.id):
        sending.schedule_send(pub, db.session.get(Issue, issue.id), when)
    with app.app_context():
        assert sending.start_due_sends(now=when + timedelta(minutes=1)) == 1
    send = _send(app, pub)
    assert (send.status, send.total) == ("done", 0)

    factories.subscriber(pub, email="first@example.org")
    _to_new_readers(client, pub, send)
    assert _received(mailbox) == ["first@example.org"]
    assert _send(app, pub).total == 1


def test_new_readers_wait_until_a_send_in_progress_is_over(
    app, client, factories, practice, mailbox
):
    pub, issue = practice
    factories.subscriber(pub, email="ada@example.org")
    _send_now(client, pub, issue)
    drain_jobs(app)
    factories.subscriber(pub, email="lin@example.org")
    with app.app_context(), bound_to(pub.id):
        db.session.execute(update(Send).values(status="paused"))
        db.session.commit()
    send = _send(app, pub)
    _to_new_readers(client, pub, send)
    page = client.get(f"/dashboard/{pub.slug}/sends/{send.id}").get_data(as_text=True)
    assert "Wait until this send has finished, then send it to new readers." in page
    assert _received(mailbox) == ["ada@example.org"]
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 1


def test_new_readers_are_whoever_turned_active_since_the_send_however_they_did(
    app, client, factories, practice, mailbox
):
    """Confirming late, coming back after unsubscribing, or an import with old dates: the
    count looks only at readers activated since the send, and finds each of them."""
    pub, issue = practice  # pending@ and gone@ were on the list before the send
    factories.subscriber(pub, email="ada@example.org")
    factories.subscriber(pub, email="back@example.org")
    _send_now(client, pub, issue)
    send = _send(app, pub)
    assert send.total == 2 and send.final_counts == {"sent": 2}
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        for email, status in (("pending@example.org", "active"), ("back@example.org", "gone")):
            reader = subscribers.find_by_email(publication, email)
            if status == "gone":
                subscribers.unsubscribe(publication, reader.id, "test")
                reader.status = "active"  # and back again: they had the issue already
            else:
                reader.status = status
            db.session.commit()
    url = f"/dashboard/{pub.slug}/subscribers/import"
    csv = b"email,status,created_at,confirmed_at\nold@example.org,active,2019-01-01,2019-01-02\n"
    data = {"csrf_token": csrf_token(client, url), "file": (io.BytesIO(csv), "list.csv")}
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 303
    drain_jobs(app)
    with app.app_context(), bound_to(pub.id):
        assert sending.new_reader_count(db.session.get(Publication, pub.id), send) == 2
    _to_new_readers(client, pub, send)
    assert _received(mailbox) == sorted(
        ["ada@example.org", "back@example.org", "old@example.org", "pending@example.org"]
    )
    send = _send(app, pub)
    assert (send.total, send.final_counts) == (4, {"sent": 4})
    with app.app_context(), bound_to(pub.id):
        assert sending.new_reader_count(db.session.get(Publication, pub.id), send) == 0


def test_readers_activated_long_before_the_send_are_not_looked_at(app, client, factories, practice):
    pub, issue = practice
    factories.subscriber(pub, email="ada@example.org")
    _send_now(client, pub, issue)
    send = _send(app, pub)
    with app.app_context(), bound_to(pub.id):
        # A reader without the issue but active since before the send cannot exist; make one
        # (by removing Ada's delivery) to show the count does not read that far back.
        db.session.execute(
            update(Subscriber).values(activated_at=send.started_at - timedelta(hours=1))
        )
        db.session.execute(delete(Delivery))
        db.session.commit()
        assert sending.new_reader_count(db.session.get(Publication, pub.id), send) == 0
