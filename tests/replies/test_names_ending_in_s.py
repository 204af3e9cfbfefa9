"""A publication or author whose name ends in s is written "Calm Waters’ page", never
"Calm Waters’s page", in mail and on pages alike."""

from __future__ import annotations

import re

import pytest

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.conftest import csrf_token, login
from tests.reply_helpers import READER, issue_page, post_reply, replies_of, sign_in_reader


@pytest.fixture()
def calm_waters(app, factories):
    """Thomas's "Calm Waters", a published issue, Ada reading it, Thomas signed in."""
    owner = factories.user(email="thomas@example.com", name="Thomas")
    pub = factories.publication(
        owner=owner, slug="waters", name="Calm Waters", author_name="Thomas Andreas"
    )
    issue = factories.issue(pub, title="On rest", slug="on-rest", publish=True)
    reader = factories.subscriber(pub, email=READER, name="Ada")
    client = app.test_client()
    login(client, "thomas@example.com")
    return pub, issue, reader, client


def test_answer_notice_says_calm_waters_page(app, calm_waters, factories, mailbox):
    pub, issue, reader, owner = calm_waters
    reply = factories.reply(pub, issue, reader, "Thank you for this one.")
    url = f"/dashboard/{pub.slug}/inbox/replies/{reply.id}/answer"
    token = csrf_token(owner, f"/dashboard/{pub.slug}/inbox")
    owner.post(url, data={"body": "Thank you, Ada.", "how": "public", "csrf_token": token})
    [notice] = mailbox.messages(READER)
    text = notice.get_body(preferencelist=("plain",)).get_content()
    html = notice.get_body(preferencelist=("html",)).get_content()
    assert "on Calm Waters’ page." in text and "on Calm Waters’ page." in html
    assert "Waters’s" not in text + html and "Waters's" not in text + html

    settings = re.search(r"<(http[^>]+/answer-emails\?[^>]+)>", str(notice["List-Unsubscribe"]))
    page = app.test_client().get(settings.group(1).replace("http://localhost", ""))
    assert "on Calm Waters’ pages" in page.get_data(as_text=True)


def test_reply_awaiting_approval_names_the_author_right(app, calm_waters, mailbox):
    pub, issue, _, _ = calm_waters
    with app.app_context(), bound_to(pub.id):
        db.session.get(Publication, pub.id).reply_mode = "approve_first"
        db.session.commit()
    reader = app.test_client()
    sign_in_reader(reader, mailbox, pub, issue, READER)
    post_reply(reader, pub, issue, "A question for later.")
    assert [r.status for r in replies_of(app, pub)] == ["pending"]
    page = issue_page(reader, pub, issue)
    assert "Awaiting Thomas Andreas’ approval" in page and "Andreas’s" not in page
