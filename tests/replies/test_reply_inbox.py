"""The practitioner's inbox: every reply in one place, filters, conversations, answers,
blocking, counts, and notifications (at once or as a daily digest)."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from saas.audience.reader_links import reply_address
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from saas.replies import digest as reply_digest
from saas.replies.models import Reply
from tests.conftest import csrf_token, login
from tests.reply_helpers import READER, issue_page, owner, replies_of, setup  # noqa: F401  (fixtures)


def _email_reply(app, pub, issue, reader, text: str, message_id: str) -> Reply:
    from saas.replies.inbound import receive_inbound

    with app.app_context():
        to = reply_address(pub, issue.id, reader.id)
        raw = (
            f"From: {reader.email}\r\nTo: {to}\r\nSubject: Re: {issue.title}\r\n"
            f"Message-ID: {message_id}\r\n"
            f"References: <issue-{issue.id}.sub-{reader.id}.calm@tend.localhost>\r\n"
            f"\r\n{text}\r\n"
        ).encode()
        result = receive_inbound(raw)
    assert result.outcome == "stored", result
    return next(r for r in replies_of(app, pub) if r.id == result.reply_id)


def _answer(owner, pub, reply_id: int, body: str, how: str):
    url = f"/dashboard/{pub.slug}/inbox/replies/{reply_id}/answer"
    token = csrf_token(owner, f"/dashboard/{pub.slug}/inbox")
    return owner.post(url, data={"body": body, "how": how, "csrf_token": token})


def test_inbox_shows_web_and_email_replies_with_the_unread_count(
    app, owner, setup, factories, mailbox
):
    pub, issue, reader = setup
    second = factories.issue(pub, title="On breath", slug="on-breath", publish=True)
    bea = factories.subscriber(pub, email="bea@example.org", name="Bea")
    factories.reply(pub, issue, reader, "A web reply about rest")
    factories.reply(pub, second, bea, "Breathing is hard", status="pending")
    _email_reply(app, pub, second, reader, "Written in my mail client", "<m1@example.org>")
    html = owner.get(f"/dashboard/{pub.slug}/inbox").get_data(as_text=True)
    for words in ("A web reply about rest", "Breathing is hard", "Written in my mail client"):
        assert words in html
    assert '<span class="inbox-count">3<span class="sr-only"> unread</span></span>' in html
    assert "1 awaiting approval" in html
    # The issue list counts replies per issue, with the new ones.
    issues = owner.get(f"/dashboard/{pub.slug}/issues").get_data(as_text=True)
    assert '2 replies</a> <span class="badge new-badge">2 new</span>' in issues
    assert "1 reply</a>" in issues


def test_inbox_filters_and_search(app, owner, setup, factories):
    pub, issue, reader = setup
    second = factories.issue(pub, title="On breath", slug="on-breath", publish=True)
    bea = factories.subscriber(pub, email="bea@example.org", name="Bea")
    factories.reply(pub, issue, reader, "Alpha words")
    factories.reply(pub, second, bea, "Bravo words", status="pending")
    _email_reply(app, pub, second, reader, "Charlie words", "<m2@example.org>")
    base = f"/dashboard/{pub.slug}/inbox"

    def shown(query: str) -> set[str]:
        html = owner.get(f"{base}?{query}").get_data(as_text=True)
        return {w for w in ("Alpha words", "Bravo words", "Charlie words") if w in html}

    assert shown(f"issue={second.id}") == {"Bravo words", "Charlie words"}
    assert shown("status=pending") == {"Bravo words"}
    assert shown("status=private") == {"Charlie words"}
    assert shown("channel=email") == {"Charlie words"}
    assert shown("channel=web") == {"Alpha words", "Bravo words"}
    assert shown("q=bravo") == {"Bravo words"}
    assert shown("q=bea%40example") == {"Bravo words"}
    assert shown("q=100%25") == set()
    owner.get(f"{base}/readers/{reader.id}")  # reading Ada's conversation
    assert shown("unread=y") == {"Bravo words"}
    assert shown("issue=999999") == {"Alpha words", "Bravo words", "Charlie words"}


def test_conversation_shows_a_readers_replies_and_marks_them_read(app, owner, setup, factories):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, "First thought")
    _email_reply(app, pub, issue, reader, "Second thought by mail", "<m3@example.org>")
    html = owner.get(f"/dashboard/{pub.slug}/inbox/readers/{reader.id}").get_data(as_text=True)
    assert html.index("First thought") < html.index("Second thought by mail")
    assert "ada@example.org" in html and "New" in html
    assert all(r.read_at is not None for r in replies_of(app, pub))
    assert "inbox-count" not in owner.get(f"/dashboard/{pub.slug}/inbox").get_data(as_text=True)


def test_answer_by_email_threads_under_the_readers_message(app, owner, setup, mailbox):
    pub, issue, reader = setup
    question = _email_reply(app, pub, issue, reader, "Can I ask you something?", "<q@example.org>")
    response = _answer(owner, pub, question.id, "Of course.\n\nWrite any time.", "email")
    assert response.status_code == 303
    sent = mailbox.messages(READER)[-1]
    assert sent["Subject"] == "Re: On rest"
    assert sent["In-Reply-To"] == "<q@example.org>"
    assert sent["References"].split() == [
        f"<issue-{issue.id}.sub-{reader.id}.calm@tend.localhost>",
        "<q@example.org>",
    ]
    with app.app_context():
        assert sent["Reply-To"] == reply_address(pub, issue.id, reader.id)
    assert "Auto-Submitted" not in sent
    text = sent.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Of course.\n\nWrite any time.")
    assert "> Can I ask you something?" in text
    answer = replies_of(app, pub)[-1]
    assert answer.is_author and answer.status == "private" and answer.sent_at is not None
    assert answer.message_id == sent["Message-ID"]
    # Safe to run the job again: nothing is sent twice.
    from worker.jobs import send_reply_answer

    with app.app_context():
        assert send_reply_answer(pub.id, answer.id) is False
    assert len(mailbox.messages(READER)) == 1


def test_answering_a_web_reply_by_email_threads_under_the_issue_email(
    app, owner, setup, factories, mailbox
):
    pub, issue, reader = setup
    reply = factories.reply(pub, issue, reader, "Web thought")
    _answer(owner, pub, reply.id, "Thanks, Ada.", "email")
    sent = mailbox.messages(READER)[-1]
    assert sent["In-Reply-To"] == f"<issue-{issue.id}.sub-{reader.id}.calm@tend.localhost>"


def test_public_answer_appears_under_the_reply_marked_as_the_authors(app, owner, setup, factories):
    pub, issue, reader = setup
    reply = factories.reply(pub, issue, reader, "Public question")
    assert _answer(owner, pub, reply.id, "Public answer", "public").status_code == 303
    html = issue_page(app.test_client(), pub, issue)
    thread = html[html.index(f'id="reply-{reply.id}"') :]
    assert "Public answer" in thread
    assert 'class="reply reply-by-author"' in thread and "Author</span>" in thread


def test_private_replies_cannot_be_answered_publicly(app, owner, setup):
    pub, issue, reader = setup
    question = _email_reply(app, pub, issue, reader, "Private words", "<p@example.org>")
    _answer(owner, pub, question.id, "Public answer?", "public")
    assert [r.is_author for r in replies_of(app, pub)] == [False]
    assert "Private words" not in issue_page(app.test_client(), pub, issue)


def test_blocking_a_reader_from_the_conversation(app, owner, setup, factories):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, "Something")
    url = f"/dashboard/{pub.slug}/inbox/readers/{reader.id}/block"
    token = csrf_token(owner, f"/dashboard/{pub.slug}/inbox")
    owner.post(url, data={"csrf_token": token, "blocked": "1"})
    from saas.replies.posting import ReplyRefused

    with pytest.raises(ReplyRefused):
        factories.reply(pub, issue, reader, "More")
    html = owner.get(f"/dashboard/{pub.slug}/inbox/readers/{reader.id}").get_data(as_text=True)
    assert "This reader is blocked" in html and "Unblock" in html
    owner.post(url, data={"csrf_token": token, "blocked": "0"})
    factories.reply(pub, issue, reader, "Allowed again")


def test_xss_is_inert_in_the_inbox_and_conversation(app, owner, setup, factories):
    pub, issue, _ = setup
    evil = factories.subscriber(pub, email="evil@example.org", name="<script>alert(1)</script>")
    factories.reply(pub, issue, evil, "<img src=x onerror=alert(2)> **bold**")
    for url in (f"/dashboard/{pub.slug}/inbox", f"/dashboard/{pub.slug}/inbox/readers/{evil.id}"):
        html = owner.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_editors_use_the_inbox_too_but_other_practitioners_do_not(app, setup, factories):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, "Hello team")
    stranger = factories.user(email="stranger@example.com")
    client = app.test_client()
    login(client, stranger.email)
    assert client.get(f"/dashboard/{pub.slug}/inbox").status_code == 404
    assert client.get(f"/dashboard/{pub.slug}/inbox/readers/{reader.id}").status_code == 404


def test_notifications_follow_the_practitioners_choice(app, setup, factories, mailbox):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, "Immediate one")
    assert len(mailbox.messages("maya@example.com")) == 1
    with app.app_context():
        db.session.get(Publication, pub.id).reply_notifications = "off"
        db.session.commit()
    factories.reply(pub, issue, reader, "Nobody is told")
    assert len(mailbox.messages("maya@example.com")) == 1


def test_daily_digest_collects_the_days_replies_once(app, setup, factories, mailbox):
    pub, issue, reader = setup
    with app.app_context():
        db.session.get(Publication, pub.id).reply_notifications = "daily"
        db.session.get(Publication, pub.id).timezone = "Europe/Stockholm"
        db.session.commit()
    factories.reply(pub, issue, reader, "Morning <b>thought</b>")
    factories.reply(pub, issue, reader, "Evening thought")
    assert mailbox.messages("maya@example.com") == []
    early = datetime.now(UTC).replace(hour=5, minute=0)  # 06:00 or 07:00 in Stockholm
    nine = early.replace(hour=8)  # 09:00 or 10:00 in Stockholm
    with app.app_context():
        assert reply_digest.send_reply_digests(early) == 0
        assert reply_digest.send_reply_digests(nine) == 1
        assert reply_digest.send_reply_digests(nine + timedelta(hours=2)) == 0
    [digest] = mailbox.messages("maya@example.com")
    assert digest["Subject"] == "2 new replies to Calm Letters"
    html = digest.get_body(preferencelist=("html",)).get_content()
    assert "Morning &lt;b&gt;thought&lt;/b&gt;" in html and "Evening thought" in html
    factories.reply(pub, issue, reader, "Next day")
    with app.app_context():
        assert reply_digest.send_reply_digests(nine + timedelta(days=1)) == 1
    assert "1 new reply" in mailbox.messages("maya@example.com")[-1]["Subject"]
    with app.app_context(), bound_to(pub.id):
        assert all(r.notified_at for r in db.session.query(Reply).all())


def test_the_digest_job_keeps_its_hourly_chain_going(app):
    from tests.conftest import USING_REDIS
    from worker.jobs import send_reply_digests

    with app.app_context():
        assert send_reply_digests() == 0
        job_id = reply_digest.schedule_next_run()
        if USING_REDIS:
            from saas.core.queue import get_queue

            assert job_id.startswith(reply_digest.DIGEST_JOB_ID_PREFIX)
            assert job_id in get_queue("default").scheduled_job_registry.get_job_ids()
        else:
            assert job_id is None  # the embedded scheduler thread runs it instead
