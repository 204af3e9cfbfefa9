"""When the author answers a reader's reply on the issue's page, the reader hears about it by
email, with a link to the answer, unless they turned that off, left or were erased."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import re

from saas.audience import subscribers
from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.conftest import csrf_token
from tests.reply_helpers import READER, owner, replies_of, setup  # noqa: F401  (fixtures)

QUESTION = "Is it normal to feel this anxious after the session?"
ANSWER = "Very normal. Be gentle with yourself this week."


def _answer(owner, pub, reply_id: int, how: str = "public", body: str = ANSWER):
    url = f"/dashboard/{pub.slug}/inbox/replies/{reply_id}/answer"
    token = csrf_token(owner, f"/dashboard/{pub.slug}/inbox")
    return owner.post(url, data={"body": body, "how": how, "csrf_token": token})


def _links(message) -> list[str]:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https?://\S+", body)


def test_reader_is_emailed_a_link_to_the_authors_public_answer(
    app, owner, setup, factories, mailbox
):
    pub, issue, reader = setup
    reply = factories.reply(pub, issue, reader, QUESTION)
    assert _answer(owner, pub, reply.id).status_code == 303
    [notice] = mailbox.messages(READER)
    assert notice["Subject"] == "Maya answered your reply to “On rest”"
    assert "Maya" in notice["From"]
    text = notice.get_body(preferencelist=("plain",)).get_content()
    html = notice.get_body(preferencelist=("html",)).get_content()
    # Replies can hold health information: neither the question nor the answer is in it.
    for words in (QUESTION, ANSWER):
        assert words not in text and words not in html
    answer = replies_of(app, pub)[-1]
    thread_link = next(link for link in _links(notice) if "/issues/on-rest" in link)
    assert thread_link.endswith(f"#reply-{answer.id}")
    page = app.test_client().get(thread_link.replace("http://localhost", ""))
    assert page.status_code == 200 and ANSWER in page.get_data(as_text=True)
    assert f'id="reply-{answer.id}"' in page.get_data(as_text=True)
    assert (
        str(notice["List-Unsubscribe"])
        .strip()
        .startswith("<http://localhost/p/calm/replies/answer-emails?")
    )
    assert answer.sent_at is not None
    # The job is safe to run twice: one email.
    from worker.jobs import send_reply_answer_notice

    with app.app_context():
        assert send_reply_answer_notice(pub.id, answer.id) is False
    assert len(mailbox.messages(READER)) == 1


def test_an_emailed_answer_is_the_only_mail_the_reader_gets(app, owner, setup, factories, mailbox):
    pub, issue, reader = setup
    reply = factories.reply(pub, issue, reader, QUESTION)
    _answer(owner, pub, reply.id, how="email")
    [sent] = mailbox.messages(READER)
    assert sent["Subject"] == "Re: On rest" and ANSWER in _plain(sent)


def _plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_reader_turns_answer_emails_off_from_the_link_and_on_again(
    app, owner, setup, factories, mailbox
):
    pub, issue, reader = setup
    first = factories.reply(pub, issue, reader, QUESTION)
    _answer(owner, pub, first.id)
    [notice] = mailbox.messages(READER)
    opt_out = next(link for link in _links(notice) if "answer-emails" in link)
    path = opt_out.replace("http://localhost", "")
    reader_client = app.test_client()
    page = reader_client.get(path).get_data(as_text=True)
    assert "Stop answer emails?" in page
    response = reader_client.post(path, data={"wanted": "0"})
    assert response.status_code == 200
    assert "Answer emails are off" in response.get_data(as_text=True)
    second = factories.reply(pub, issue, reader, "Another question")
    _answer(owner, pub, second.id, body="Another answer")
    assert len(mailbox.messages(READER)) == 1  # nothing new
    # Still subscribed to the newsletter itself.
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Subscriber, reader.id).status == "active"
    reader_client.post(path, data={"wanted": "1"})
    third = factories.reply(pub, issue, reader, "A third question")
    _answer(owner, pub, third.id, body="A third answer")
    assert len(mailbox.messages(READER)) == 2


def test_one_click_list_unsubscribe_turns_answer_emails_off(app, owner, setup, factories, mailbox):
    pub, issue, reader = setup
    _answer(owner, pub, factories.reply(pub, issue, reader, QUESTION).id)
    [notice] = mailbox.messages(READER)
    url = str(notice["List-Unsubscribe"]).strip().strip("<>").replace("http://localhost", "")
    # A mail provider's one-click POST carries no cookie and no CSRF token.
    response = app.test_client().post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    _answer(owner, pub, factories.reply(pub, issue, reader, "Again").id, body="Again yes")
    assert len(mailbox.messages(READER)) == 1


def test_forged_or_foreign_opt_out_links_are_not_found(app, setup, factories):
    pub, _, reader = setup
    other = factories.publication(slug="other", name="Other Letters")
    from saas.replies.notices import notices_token

    with app.app_context():
        token = notices_token(pub.id, reader.id)
    client = app.test_client()
    assert client.get("/p/calm/replies/answer-emails").status_code == 404
    assert client.get("/p/calm/replies/answer-emails?t=1-1-forged").status_code == 404
    assert client.post(f"/p/{other.slug}/replies/answer-emails?t={token}").status_code == 404
    assert client.get(f"/p/calm/replies/answer-emails?t={token}").status_code == 200


def test_unsubscribed_reader_hears_nothing(app, owner, setup, factories, mailbox):
    pub, issue, reader = setup
    reply = factories.reply(pub, issue, reader, QUESTION)
    with app.app_context(), bound_to(pub.id):
        subscribers.unsubscribe(db.session.get(Publication, pub.id), reader.id, "test")
    assert _answer(owner, pub, reply.id).status_code == 303
    assert mailbox.messages(READER) == []
    assert replies_of(app, pub)[-1].sent_at is None


def test_erased_reader_hears_nothing(app, owner, setup, factories, mailbox, monkeypatch):
    pub, issue, reader = setup
    bea = factories.subscriber(pub, email="bea@example.org", name="Bea")
    reply = factories.reply(pub, issue, reader, QUESTION)
    factories.reply(pub, issue, bea, "Me too", parent_id=reply.id)
    beas = replies_of(app, pub)[-1]
    # Maya answers Ada; Ada is erased before the mail job runs.
    from saas.replies import moderation as reply_moderation

    queued = []
    monkeypatch.setattr(reply_moderation, "enqueue", lambda *args, **kw: queued.append(args))
    assert _answer(owner, pub, reply.id).status_code == 303
    [(job, publication_id, answer_id)] = queued
    assert job == "worker.jobs.send_reply_answer_notice"
    with app.app_context(), bound_to(pub.id):
        subscribers.erase(
            db.session.get(Publication, pub.id), db.session.get(Subscriber, reader.id)
        )
    from worker.jobs import send_reply_answer_notice

    with app.app_context():
        assert send_reply_answer_notice(publication_id, answer_id) is False
    assert mailbox.messages(READER) == []
    # Bea, answered in the same thread, is told.
    monkeypatch.undo()
    _answer(owner, pub, beas.id, body="Welcome, Bea")
    assert len(mailbox.messages("bea@example.org")) == 1
