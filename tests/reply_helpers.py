"""Helpers for the reply tests: a reader signing in the real way, reading rows back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.replies.models import Reply
from tests.conftest import csrf_token, login

READER = "ada@example.org"


@pytest.fixture()
def setup(factories):
    """Maya's "Calm Letters", its published issue "On rest", and Ada, an active reader."""
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="calm", name="Calm Letters", author_name="Maya")
    issue = factories.issue(pub, title="On rest", slug="on-rest", publish=True)
    reader = factories.subscriber(pub, email=READER, name="Ada")
    return pub, issue, reader


@pytest.fixture()
def owner(app, setup):
    """A client signed in as Maya, the publication's owner."""
    client = app.test_client()
    login(client, "maya@example.com")
    return client


def request_link(client, pub, issue, email: str):
    """Ask for a sign-in link from the issue page's form."""
    return client.post(f"/p/{pub.slug}/issues/{issue.slug}/replies/sign-in", data={"email": email})


def sign_in_link(mailbox, email: str) -> str:
    """The newest sign-in link mailed to `email`, as a local path."""
    return mailbox.last_link(email, "/reader/sign-in/").replace("http://localhost", "")


def sign_in_reader(client, mailbox, pub, issue, email: str) -> None:
    """Ask for a link, open it, press Continue: the client is now that reader."""
    assert request_link(client, pub, issue, email).status_code == 200
    link = sign_in_link(mailbox, email)
    response = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def post_reply(client, pub, issue, body: str, **extra):
    """Post a reply as the signed-in reader of `client`."""
    url = f"/p/{pub.slug}/issues/{issue.slug}/replies"
    return client.post(url, data={"body": body, "csrf_token": csrf_token(client), **extra})


def replies_of(app, pub) -> list[Reply]:
    """Every reply of the publication, oldest first (detached)."""
    with app.app_context(), bound_to(pub.id):
        rows = list(db.session.scalars(select(Reply).order_by(Reply.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def issue_page(client, pub, issue) -> str:
    """The issue's public page as text."""
    response = client.get(f"/p/{pub.slug}/issues/{issue.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)
