"""Signing in ends only where it should: no link or cookie outlives what the account allows.

A confirmation link signs in once; a password reset never skips the second factor; signing
out ends the session on the server, not only in the browser; a browser update keeps it.
"""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from saas.accounts.models import User
from saas.core.extensions import db
from tests.accounts.test_two_factor import _enable
from tests.conftest import login, post_form
from tests.factories import PASSWORD

SIGNED_IN_PAGE = "/dashboard/"


def _signed_in(client) -> bool:
    return client.get(SIGNED_IN_PAGE).status_code == 200


def _sign_up(client, mailbox, email: str = "new@example.com") -> str:
    response = post_form(
        client,
        "/signup",
        {"name": "New Person", "email": email, "password": PASSWORD},
        token_from="/signup",
    )
    assert response.status_code == 200
    return mailbox.last_link(email, "/signup/confirm/")


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_a_confirmation_link_signs_in_once(app, mailbox):
    link = _path(_sign_up(app.test_client(), mailbox))
    first = app.test_client()
    assert first.get(link).status_code == 302
    assert _signed_in(first)

    again = app.test_client()
    assert again.get(link).status_code == 400
    assert not _signed_in(again)


def test_a_confirmation_link_is_dead_after_a_password_reset(app, mailbox):
    link = _path(_sign_up(app.test_client(), mailbox))
    visitor = app.test_client()
    post_form(
        visitor, "/password/forgot", {"email": "new@example.com"}, token_from="/password/forgot"
    )
    reset = _path(mailbox.last_link("new@example.com", "/password/reset/"))
    post_form(
        visitor,
        reset,
        {"password": "another long passphrase", "confirm": "another long passphrase"},
        token_from=reset,
    )

    stranger = app.test_client()
    assert stranger.get(link).status_code == 400
    assert not _signed_in(stranger)


def test_confirming_never_signs_in_past_a_second_factor(app, mailbox):
    link = _path(_sign_up(app.test_client(), mailbox))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.com"))
        user.totp_secret_encrypted = "set-by-test"
        from saas.core.model_base import utcnow

        user.totp_enabled_at = utcnow()
        db.session.commit()
    visitor = app.test_client()
    response = visitor.get(link)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not _signed_in(visitor)


def test_a_password_reset_asks_for_the_second_factor(app, client, factories, mailbox):
    factories.user(email="two@example.com")
    login(client, "two@example.com")
    secret, _codes = _enable(client)

    visitor = app.test_client()
    post_form(
        visitor, "/password/forgot", {"email": "two@example.com"}, token_from="/password/forgot"
    )
    reset = _path(mailbox.last_link("two@example.com", "/password/reset/"))
    response = post_form(
        visitor,
        reset,
        {"password": "another long passphrase", "confirm": "another long passphrase"},
        token_from=reset,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/verify")
    assert not _signed_in(visitor)

    verified = post_form(
        visitor, "/login/verify", {"code": pyotp.TOTP(secret).now()}, token_from="/login/verify"
    )
    assert verified.status_code == 302
    assert _signed_in(visitor)


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client, factories):
    factories.user(email="owner@example.com")
    login(client, "owner@example.com")
    copied = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value

    post_form(client, "/logout", {}, token_from="/account/security")
    assert not _signed_in(client)

    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    assert not _signed_in(thief)


def test_a_browser_update_keeps_the_session(app, client, factories):
    factories.user(email="owner@example.com")
    login(client, "owner@example.com")
    client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (a newer version)"
    assert _signed_in(client)


def test_sign_out_everywhere_ends_every_session(app, factories):
    factories.user(email="owner@example.com")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "owner@example.com")
    login(phone, "owner@example.com")

    response = post_form(laptop, "/account/sessions/end", {}, token_from="/account/security")
    assert response.status_code == 302
    assert not _signed_in(laptop)
    assert not _signed_in(phone)
    login(phone, "owner@example.com")
    assert _signed_in(phone)


def test_turning_on_two_factor_ends_other_sessions_and_keeps_this_one(app, factories):
    factories.user(email="owner@example.com")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "owner@example.com")
    login(phone, "owner@example.com")

    _enable(laptop)
    assert _signed_in(laptop)
    assert not _signed_in(phone)
