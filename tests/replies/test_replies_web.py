"""Signed-in readers reply on the web: posting, threads, editing, deleting, limits, erasure."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from datetime import timedelta

import pytest

from saas.audience.models import Subscriber
from saas.core import page_holes
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.page_cache import PublicPageCache
from saas.core.tenancy import bound_to
from saas.publishing.models import Issue, Publication
from saas.replies import posting as reply_service
from tests.conftest import csrf_token
from tests.reply_helpers import (  # noqa: F401  (fixtures)
    READER,
    issue_page,
    post_reply,
    replies_of,
    request_link,
    setup,
    sign_in_reader,
)


def _page_cache(app):
    layer = app.wsgi_app
    while not isinstance(layer, PublicPageCache):
        layer = layer.wsgi_app if hasattr(layer, "wsgi_app") else layer.app
    return layer


def test_reader_signs_in_by_emailed_link_and_replies(app, client, setup, mailbox):
    pub, issue, _ = setup
    html = issue_page(client, pub, issue)
    assert "Sign in or subscribe to participate" in html
    sign_in_reader(client, mailbox, pub, issue, READER)
    html = issue_page(client, pub, issue)
    assert "Signed in as Ada" in html and "Post reply" in html
    response = post_reply(client, pub, issue, "This *helped* me. See https://example.com/rest")
    assert response.status_code == 303 and "#reply-" in response.headers["Location"]
    html = issue_page(client, pub, issue)
    assert "<em>helped</em>" in html
    assert 'href="https://example.com/rest" rel="nofollow ugc noopener noreferrer"' in html
    assert "Your reply is up." in html
    assert '<span class="reply-count" aria-label="1 reply">1</span>' in html
    [reply] = replies_of(app, pub)
    assert (reply.status, reply.channel, reply.author_name) == ("public", "web", "Ada")
    # The owner heard about it at once (the default), with the text.
    [note] = mailbox.messages("maya@example.com")
    assert note["Subject"] == "Ada replied to “On rest”"
    assert "This *helped* me." in note.get_body(preferencelist=("plain",)).get_content()


def test_anonymous_issue_page_sets_no_cookie_and_stays_cacheable(app, setup, factories):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, "A public reply")
    app.config["PUBLIC_CACHE_SECONDS"] = 30
    try:
        anonymous = app.test_client()
        first = anonymous.get(f"/p/{pub.slug}/issues/{issue.slug}")
        second = anonymous.get(f"/p/{pub.slug}/issues/{issue.slug}")
    finally:
        app.config["PUBLIC_CACHE_SECONDS"] = 0
        _page_cache(app).clear()
    html = first.get_data(as_text=True)
    assert "A public reply" in html and "Sign in or subscribe to participate" in html
    assert "csrf_token" not in html
    assert "Set-Cookie" not in first.headers
    assert first.headers["X-Cache"] == "MISS" and second.headers["X-Cache"] == "HIT"


def test_reply_to_a_reply_joins_the_top_level_thread(app, client, setup, factories, mailbox):
    pub, issue, reader = setup
    bea = factories.subscriber(pub, email="bea@example.org", name="Bea")
    root = factories.reply(pub, issue, bea, "Top-level thought")
    child = factories.reply(pub, issue, reader, "First answer", parent_id=root.id)
    sign_in_reader(client, mailbox, pub, issue, READER)
    post_reply(client, pub, issue, "Answering the answer", parent_id=str(child.id))
    newest = replies_of(app, pub)[-1]
    assert newest.parent_id == root.id and newest.answer_to_id == child.id
    assert child.parent_id == root.id
    html = issue_page(client, pub, issue)
    thread = html[html.index(f'id="reply-{root.id}"') :]
    assert thread.index("First answer") < thread.index("Answering the answer")
    assert html.count('class="reply-children"') == 1


def test_reader_edits_within_fifteen_minutes_only(app, client, setup, mailbox, monkeypatch):
    pub, issue, _ = setup
    sign_in_reader(client, mailbox, pub, issue, READER)
    post_reply(client, pub, issue, "Frist draft")
    [reply] = replies_of(app, pub)
    edit = f"/p/{pub.slug}/replies/{reply.id}/edit"
    assert "Frist draft" in client.get(edit).get_data(as_text=True)
    response = client.post(
        edit, data={"body": "First draft", "csrf_token": csrf_token(client, edit)}
    )
    assert response.status_code == 303
    [reply] = replies_of(app, pub)
    assert reply.body_text == "First draft" and reply.edited_at is not None
    assert "edited" in issue_page(client, pub, issue)
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(reply_service, "utcnow", lambda: later)
    monkeypatch.setattr(page_holes, "clock", later.timestamp)  # the page's Edit link
    response = client.post(edit, data={"body": "Sneaky change", "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert replies_of(app, pub)[0].body_text == "First draft"
    assert f"/replies/{reply.id}/edit" not in issue_page(client, pub, issue)


def test_reader_deletes_a_reply_and_answers_under_it_stay(app, client, setup, factories, mailbox):
    pub, issue, reader = setup
    sign_in_reader(client, mailbox, pub, issue, READER)
    post_reply(client, pub, issue, "Something I regret")
    [mine] = replies_of(app, pub)
    bea = factories.subscriber(pub, email="bea@example.org", name="Bea")
    factories.reply(pub, issue, bea, "Bea's kind answer", parent_id=mine.id)
    url = f"/p/{pub.slug}/replies/{mine.id}/delete"
    token = csrf_token(client)
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    html = issue_page(client, pub, issue)
    assert "Something I regret" not in html
    assert "This reply was deleted." in html and "Bea's kind answer" in html
    assert replies_of(app, pub)[0].body_text == ""
    # Someone else's reply cannot be deleted or edited by this reader.
    theirs = replies_of(app, pub)[1]
    delete_theirs = f"/p/{pub.slug}/replies/{theirs.id}/delete"
    assert client.post(delete_theirs, data={"csrf_token": token}).status_code == 404
    assert client.get(f"/p/{pub.slug}/replies/{theirs.id}/edit").status_code == 404


def test_reply_to_an_unpublished_issue_is_refused(app, client, setup, factories, mailbox):
    pub, issue, reader = setup
    draft = factories.issue(pub, title="Draft", slug="draft")
    sign_in_reader(client, mailbox, pub, issue, READER)
    assert post_reply(client, pub, draft, "Sneaking in").status_code == 404
    with app.app_context(), bound_to(pub.id), pytest.raises(reply_service.ReplyRefused):
        reply_service.post_reply(
            db.session.get(Publication, pub.id),
            db.session.get(Issue, draft.id),
            db.session.get(Subscriber, reader.id),
            "Sneaking in",
        )
    assert replies_of(app, pub) == []


def test_xss_in_replies_and_names_is_inert(app, client, setup, factories, mailbox):
    pub, issue, _ = setup
    evil = factories.subscriber(
        pub, email="evil@example.org", name='<img src=x onerror="alert(1)">'
    )
    factories.reply(pub, issue, evil, '<script>alert("x")</script> [click](javascript:alert(1))')
    html = issue_page(client, pub, issue)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
    note = mailbox.messages("maya@example.com")[-1]
    body = note.get_body(preferencelist=("html",)).get_content()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in body


def test_posting_and_link_requests_are_rate_limited(app, client, setup, mailbox):
    pub, issue, _ = setup
    sign_in_reader(client, mailbox, pub, issue, READER)
    statuses = [post_reply(client, pub, issue, f"Reply {n}").status_code for n in range(7)]
    assert statuses[:6] == [303] * 6 and statuses[6] == 429
    assert len(replies_of(app, pub)) == 6
    anonymous = app.test_client()
    codes = [request_link(anonymous, pub, issue, "x@example.org").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_blocked_reader_cannot_reply(app, client, setup, mailbox):
    pub, issue, reader = setup
    from saas.replies import moderation as reply_moderation

    with app.app_context(), bound_to(pub.id):
        reply_moderation.set_blocked(db.session.get(Publication, pub.id), reader.id, True)
    sign_in_reader(client, mailbox, pub, issue, READER)
    assert "You can no longer reply" in issue_page(client, pub, issue)
    post_reply(client, pub, issue, "Let me in")
    assert replies_of(app, pub) == []


def test_free_reader_cannot_reply_to_a_paid_issue(app, client, setup, factories, mailbox):
    pub, _, reader = setup
    paid = factories.issue(pub, title="For members", slug="members", publish=True, audience="paid")
    before = app.config.get("STRIPE_SECRET_KEY")
    app.config["STRIPE_SECRET_KEY"] = "sk_test_replies"  # billing on: the paywall holds
    try:
        sign_in_reader(client, mailbox, pub, paid, READER)
        assert "Replies to this issue are for its paying subscribers." in issue_page(
            client, pub, paid
        )
        post_reply(client, pub, paid, "Let me in")
        with app.app_context(), bound_to(pub.id), pytest.raises(reply_service.ReplyRefused):
            reply_service.post_reply(
                db.session.get(Publication, pub.id),
                db.session.get(Issue, paid.id),
                db.session.get(Subscriber, reader.id),
                "Let me in",
            )
    finally:
        app.config["STRIPE_SECRET_KEY"] = before
    assert replies_of(app, pub) == []


def test_erasing_a_reader_removes_their_words_but_keeps_others_answers(
    app, client, setup, factories
):
    pub, issue, reader = setup
    mine = factories.reply(pub, issue, reader, "Ada's words, to be forgotten")
    bea = factories.subscriber(pub, email="bea@example.org", name="Bea")
    factories.reply(pub, issue, bea, "Bea answers Ada", parent_id=mine.id)
    from saas.audience import subscribers

    with app.app_context(), bound_to(pub.id):
        subscribers.erase(
            db.session.get(Publication, pub.id), db.session.get(Subscriber, reader.id)
        )
    erased, kept = replies_of(app, pub)
    assert (erased.subscriber_id, erased.body_text, erased.author_name) == (None, "", "")
    assert erased.deleted_at is not None and kept.body_text == "Bea answers Ada"
    html = issue_page(client, pub, issue)
    assert "to be forgotten" not in html and "Ada" not in html.replace("Bea answers Ada", "")
    assert "This reply was deleted." in html and "Bea answers Ada" in html


def test_a_refused_reply_keeps_the_readers_text(app, client, setup, factories, mailbox):
    pub, issue, reader = setup
    hidden = factories.reply(pub, issue, reader, "Gone from view", status="hidden")
    sign_in_reader(client, mailbox, pub, issue, READER)
    response = post_reply(client, pub, issue, "My long, careful answer", parent_id=str(hidden.id))
    assert response.headers["Location"].endswith("#reply-form")
    html = issue_page(client, pub, issue)
    assert "That reply is no longer there to answer." in html
    assert ">My long, careful answer</textarea>" in html
    assert ">My long, careful answer</textarea>" not in issue_page(client, pub, issue)
