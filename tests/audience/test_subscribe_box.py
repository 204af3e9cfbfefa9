"""The subscribe box asks only strangers to subscribe, and never repeats what the page says."""

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


def _main(html: str) -> str:
    """What a visitor reads: the page's <main>, not its <head> metadata."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]


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


def test_home_page_shows_the_tagline_once(app, client, factories):
    tagline = "Notes on rest, repair and the slow work of change"
    factories.publication(slug="slow", name="Slow Work", tagline=tagline)
    home = _main(client.get("/p/slow/").get_data(as_text=True))
    assert home.count(tagline) == 1
    assert PROMPT in home and "Each new issue, straight to your inbox." in home


def test_issue_page_box_still_carries_the_tagline(app, client, factories):
    tagline = "Notes on rest, repair and the slow work of change"
    pub = factories.publication(slug="slow", name="Slow Work", tagline=tagline)
    issue = factories.issue(pub, title="On rest", slug="on-rest", publish=True)
    page = _main(client.get(f"/p/slow/issues/{issue.slug}").get_data(as_text=True))
    assert f"{tagline}. Free; unsubscribe with one click." in page
