"""Practitioner accounts: sign-up with confirmation, sign-in, sign-out, password reset."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.accounts.models import User
from saas.core.extensions import db
from tests.conftest import csrf_token, drain_jobs, login, post_form
from tests.factories import PASSWORD


def _signup(client, name="Ada Reader", email="ada@example.com", password="a long passphrase"):
    return post_form(client, "/signup", {"name": name, "email": email, "password": password})


def test_practitioner_signs_up_confirms_by_email_and_lands_in_dashboard(app, client, mailbox):
    response = _signup(client, email="Ada@Example.com")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    drain_jobs(app)  # the mail job creates the account (the request can't tell it apart)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ada@example.com"))
        assert user is not None and not user.email_confirmed
        assert user.password_hash.startswith("$argon2id$")
        assert "m=19456,t=2,p=1" in user.password_hash
    # Not confirmed yet: cannot sign in.
    response = post_form(
        client, "/login", {"email": "ada@example.com", "password": "a long passphrase"}
    )
    assert response.status_code == 422
    link = mailbox.last_link("ada@example.com", "/signup/confirm/")
    response = client.get(link.replace("http://localhost", ""))
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/")
    assert client.get("/dashboard/").status_code == 200


def test_signup_answers_the_same_whether_or_not_the_email_exists(app, client, factories, mailbox):
    factories.user(email="taken@example.com", name="Existing")
    fresh = _signup(client, email="fresh@example.com")
    taken = _signup(client, email="taken@example.com")
    assert fresh.status_code == taken.status_code == 200
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "EMAIL")  # noqa: E731
    assert strip(fresh, "fresh@example.com") == strip(taken, "taken@example.com")
    drain_jobs(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 2
    subjects = [m["Subject"] for m in mailbox.messages("taken@example.com")]
    assert subjects == ["Someone tried to sign up with your email"]


def test_signup_rejects_bad_input_without_saving_anything(app, client):
    cases = [
        {"name": "", "email": "", "password": ""},
        {"name": "x" * 121, "email": "a@example.com", "password": "a long passphrase"},
        {"name": "Ok", "email": "not-an-email", "password": "a long passphrase"},
        {"name": "Ok", "email": "ok@example.com", "password": "short"},
        {"name": "Ok", "email": "ok@example.com", "password": "p" * 129},
        {"name": "Ok", "email": "<script>@x.com", "password": "a long passphrase"},
    ]
    for data in cases:
        response = post_form(client, "/signup", data)
        assert response.status_code == 422, data
        assert "Please fix the highlighted" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_script_in_name_is_escaped_in_pages(app, client, factories):
    factories.user(email="x@example.com", name="<script>alert(1)</script>")
    login(client, "x@example.com")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_login_with_wrong_password_is_refused(client, factories):
    factories.user(email="p@example.com")
    response = post_form(client, "/login", {"email": "p@example.com", "password": "wrong password"})
    assert response.status_code == 422
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302


def test_logout_ends_the_session(client, factories):
    factories.user(email="p@example.com")
    login(client, "p@example.com")
    assert client.get("/dashboard/").status_code == 200
    response = post_form(client, "/logout", {}, token_from="/dashboard/")
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_forms_without_csrf_token_are_refused(client, factories):
    factories.user(email="p@example.com")
    response = client.post("/login", data={"email": "p@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_address(client, factories):
    # Different accounts each time: the per-IP limit, not the per-account one, stops this.
    factories.user(email="p@example.com")
    token = csrf_token(client)
    statuses = [
        client.post(
            "/login",
            data={"email": f"p{n}@example.com", "password": "nope nope nope", "csrf_token": token},
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429


def test_password_reset_link_works_once_and_ends_old_sessions(app, client, factories, mailbox):
    factories.user(email="r@example.com")
    other_device = app.test_client()
    login(other_device, "r@example.com")
    response = post_form(client, "/password/forgot", {"email": "r@example.com"})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    link = mailbox.last_link("r@example.com", "/password/reset/").replace("http://localhost", "")
    assert client.get(link).status_code == 200
    response = post_form(
        client,
        link,
        {"password": "brand new passphrase", "confirm": "brand new passphrase"},
        token_from=link,
    )
    assert response.status_code == 302
    # The same link is dead now, and the other device was signed out.
    assert client.get(link).status_code == 400
    assert other_device.get("/dashboard/").status_code == 302
    fresh = app.test_client()
    login(fresh, "r@example.com", "brand new passphrase")


def test_password_reset_answers_the_same_for_unknown_email(client, factories, mailbox):
    factories.user(email="known@example.com")
    known = post_form(client, "/password/forgot", {"email": "known@example.com"})
    unknown = post_form(client, "/password/forgot", {"email": "unknown@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).replace("known@", "X@") == unknown.get_data(
        as_text=True
    ).replace("unknown@", "X@")
    assert mailbox.messages("unknown@example.com") == []
    assert len(mailbox.messages("known@example.com")) == 1


def test_expired_or_forged_reset_links_are_refused(app, client, factories):
    factories.user(email="r@example.com")
    assert client.get("/password/reset/forged-token").status_code == 400
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        with app.test_request_context():
            from saas.accounts.users import RESET_PURPOSE
            from saas.core.tokens import make_token

            token = make_token(RESET_PURPOSE, {"uid": 1, "fp": "x"})
        assert client.get(f"/password/reset/{token}").status_code == 400
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600


def test_reset_mismatched_passwords_show_an_error(client, factories, mailbox):
    factories.user(email="r@example.com")
    post_form(client, "/password/forgot", {"email": "r@example.com"})
    link = mailbox.last_link("r@example.com", "/password/reset/").replace("http://localhost", "")
    response = post_form(
        client, link, {"password": "one long passphrase", "confirm": "another one"}, token_from=link
    )
    assert response.status_code == 422
    assert "The passwords differ." in response.get_data(as_text=True)


def test_open_redirect_after_login_is_ignored(client, factories):
    factories.user(email="p@example.com")
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "p@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/dashboard/"
