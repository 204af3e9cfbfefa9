"""Readers sign in to reply with a single-use emailed link that reveals nothing to strangers."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from tests.conftest import csrf_token
from tests.reply_helpers import (  # noqa: F401  (fixtures)
    READER,
    issue_page,
    post_reply,
    replies_of,
    request_link,
    setup,
    sign_in_link,
    sign_in_reader,
)


def test_sign_in_link_works_once(app, client, setup, mailbox):
    pub, issue, _ = setup
    request_link(client, pub, issue, READER)
    link = sign_in_link(mailbox, READER)
    # Opening the link (a mail scanner would) spends nothing; pressing Continue does.
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 303
    again = client.get(link)
    assert again.status_code == 400 and "no longer works" in again.get_data(as_text=True)


def test_a_link_used_in_two_browsers_at_once_signs_in_only_one(app, client, setup, mailbox):
    pub, issue, _ = setup
    request_link(client, pub, issue, READER)
    link = sign_in_link(mailbox, READER)
    first, second = app.test_client(), app.test_client()
    tokens = csrf_token(first, link), csrf_token(second, link)
    assert first.post(link, data={"csrf_token": tokens[0]}).status_code == 303
    assert second.post(link, data={"csrf_token": tokens[1]}).status_code == 400
    assert "Sign in or subscribe" in issue_page(second, pub, issue)


def test_sign_in_link_expires(app, client, setup, mailbox):
    pub, issue, _ = setup
    request_link(client, pub, issue, READER)
    link = sign_in_link(mailbox, READER)
    app.config["READER_LINK_MAX_AGE"] = -1
    try:
        assert client.get(link).status_code == 400
    finally:
        app.config["READER_LINK_MAX_AGE"] = 1800


def test_forged_or_foreign_sign_in_links_fail(app, client, setup, mailbox, factories):
    pub, issue, _ = setup
    factories.publication(slug="other", name="Other Letters")
    request_link(client, pub, issue, READER)
    link = sign_in_link(mailbox, READER)
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/p/other/reader/sign-in/{token}").status_code == 404
    assert client.get(link[:-3] + "abc").status_code == 400
    assert client.get(f"/p/{pub.slug}/reader/sign-in/not-a-token").status_code == 400


def test_sign_in_answer_never_reveals_who_is_subscribed(app, client, setup, factories, mailbox):
    pub, issue, _ = setup
    factories.subscriber(pub, email="pending@example.org", status="pending")
    factories.subscriber(pub, email="gone@example.org", status="unsubscribed")
    pages = {}
    for email in (READER, "pending@example.org", "gone@example.org", "stranger@example.org"):
        response = request_link(client, pub, issue, email)
        assert response.status_code == 200
        pages[email] = response.get_data(as_text=True).replace(email, "x")
        assert "Set-Cookie" not in response.headers
    assert len(set(pages.values())) == 1
    assert len(mailbox.messages(READER)) == 1
    for email in ("pending@example.org", "gone@example.org", "stranger@example.org"):
        assert mailbox.messages(email) == []


def test_honeypot_mails_nothing(app, client, setup, mailbox):
    pub, issue, _ = setup
    response = client.post(
        f"/p/{pub.slug}/issues/{issue.slug}/replies/sign-in",
        data={"email": READER, "website": "http://spam.example"},
    )
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert mailbox.messages(READER) == []


def test_unsubscribed_reader_is_signed_out_in_effect(app, client, setup, mailbox):
    pub, issue, reader = setup
    sign_in_reader(client, mailbox, pub, issue, READER)
    with app.app_context(), bound_to(pub.id):
        db.session.get(Subscriber, reader.id).status = "unsubscribed"
        db.session.commit()
    assert "Sign in or subscribe" in issue_page(client, pub, issue)
    assert post_reply(client, pub, issue, "Still here?").status_code == 403
    assert replies_of(app, pub) == []


def test_reader_signs_out(app, client, setup, mailbox):
    pub, issue, _ = setup
    sign_in_reader(client, mailbox, pub, issue, READER)
    response = client.post(
        f"/p/{pub.slug}/reader/sign-out", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303
    assert "Sign in or subscribe" in issue_page(client, pub, issue)
