"""A practitioner already signed in is taken to the dashboard, not to a form for strangers."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.accounts.models import User
from saas.core.extensions import db
from tests.conftest import login, post_form


def test_signed_in_practitioner_opening_signup_lands_in_the_dashboard_like_login(
    app, client, factories, mailbox
):
    factories.user(email="maya@example.com", name="Maya")
    login(client, "maya@example.com")
    for page in ("/signup", "/login"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"].endswith("/dashboard/"), page

    data = {"name": "Someone", "email": "new@example.com", "password": "a long passphrase"}
    response = post_form(client, "/signup", data, token_from="/dashboard/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert mailbox.messages() == []


def test_signed_out_visitor_still_gets_the_signup_form(client):
    page = client.get("/signup")
    assert page.status_code == 200 and "Create account" in page.get_data(as_text=True)
