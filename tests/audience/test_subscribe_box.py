"""The subscribe box asks only strangers to subscribe."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from sqlalchemy import update

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from tests.reply_helpers import (  # noqa: F401  (fixtures)
    READER,
    issue_page,
    setup,
    sign_in_reader,
)

PROMPT = "Get new issues by email"


def test_signed_in_reader_is_told_they_are_subscribed_instead_of_asked(app, client, setup, mailbox):
    pub, issue, _ = setup
    sign_in_reader(client, mailbox, pub, issue, READER)
    home = client.get(f"/p/{pub.slug}/").get_data(as_text=True)
    for html in (issue_page(client, pub, issue), home):
        assert PROMPT not in html and 'id="subscribe-email-main"' not in html
        assert "You’re subscribed" in html and READER in html

    stranger = app.test_client()
    assert PROMPT in issue_page(stranger, pub, issue)
    assert "You’re subscribed" not in issue_page(stranger, pub, issue)


def test_signed_in_reader_who_left_the_list_is_asked_again(app, client, setup, mailbox):
    pub, issue, reader = setup
    sign_in_reader(client, mailbox, pub, issue, READER)
    with app.app_context(), bound_to(pub.id):
        db.session.execute(
            update(Subscriber).where(Subscriber.id == reader.id).values(status="unsubscribed")
        )
        db.session.commit()
    html = issue_page(client, pub, issue)
    assert PROMPT in html and "You’re subscribed" not in html
