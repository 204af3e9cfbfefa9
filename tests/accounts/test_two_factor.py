"""Optional TOTP two-factor sign-in with one-time recovery codes."""

from __future__ import annotations

import re

import pyotp

from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD


def _enable(client) -> tuple[str, list[str]]:
    page = client.get("/account/security").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    wrong = post_form(
        client, "/account/security", {"enable-code": "000000"}, token_from="/account/security"
    )
    assert wrong.status_code == 422 and "did not match" in wrong.get_data(as_text=True)
    response = post_form(
        client,
        "/account/security",
        {"enable-code": pyotp.TOTP(secret).now()},
        token_from="/account/security",
    )
    assert response.status_code == 200
    codes = re.findall(
        r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", response.get_data(as_text=True)
    )
    assert len(codes) == 10
    return secret, codes


def test_enable_then_sign_in_needs_a_code(app, client, factories):
    factories.user(email="two@example.com")
    login(client, "two@example.com")
    secret, codes = _enable(client)

    fresh = app.test_client()
    response = post_form(fresh, "/login", {"email": "two@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/verify")
    assert fresh.get("/dashboard/").status_code == 302  # not signed in yet
    bad = post_form(fresh, "/login/verify", {"code": "123456"}, token_from="/login/verify")
    assert bad.status_code == 422
    code = pyotp.TOTP(secret).now()
    good = post_form(fresh, "/login/verify", {"code": code}, token_from="/login/verify")
    assert good.status_code == 302
    assert fresh.get("/dashboard/").status_code == 200

    # The same code cannot be replayed on another device.
    replay = app.test_client()
    post_form(replay, "/login", {"email": "two@example.com", "password": PASSWORD})
    again = post_form(replay, "/login/verify", {"code": code}, token_from="/login/verify")
    assert again.status_code == 422


def test_recovery_code_works_once(app, client, factories):
    factories.user(email="rec@example.com")
    login(client, "rec@example.com")
    _, codes = _enable(client)
    for attempt, expected in ((1, 302), (2, 422)):
        device = app.test_client()
        post_form(device, "/login", {"email": "rec@example.com", "password": PASSWORD})
        response = post_form(
            device, "/login/verify", {"code": codes[0].upper()}, token_from="/login/verify"
        )
        assert response.status_code == expected, attempt


def test_verify_step_is_rate_limited_and_needs_a_pending_login(app, client, factories):
    factories.user(email="rl@example.com")
    login(client, "rl@example.com")
    _enable(client)
    assert app.test_client().get("/login/verify").status_code == 302
    device = app.test_client()
    post_form(device, "/login", {"email": "rl@example.com", "password": PASSWORD})
    token = csrf_token(device, "/login/verify")
    statuses = [
        device.post("/login/verify", data={"code": "000000", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429


def test_disable_needs_the_password(app, client, factories):
    factories.user(email="off@example.com")
    login(client, "off@example.com")
    _enable(client)
    wrong = post_form(
        client, "/account/security", {"disable-password": "nope"}, token_from="/account/security"
    )
    assert wrong.status_code == 422
    right = post_form(
        client, "/account/security", {"disable-password": PASSWORD}, token_from="/account/security"
    )
    assert right.status_code == 302
    device = app.test_client()
    login(device, "off@example.com")  # straight in, no code


def test_secret_is_encrypted_at_rest(app, client, factories):
    from sqlalchemy import text

    from saas.core.extensions import db

    factories.user(email="enc@example.com")
    login(client, "enc@example.com")
    secret, _ = _enable(client)
    with app.app_context():
        stored = db.session.execute(
            text("SELECT totp_secret_encrypted FROM users WHERE email = 'enc@example.com'")
        ).scalar_one()
    assert secret not in stored and stored.startswith("gAAAA")


def test_rotate_key_keeps_two_factor_working(app, client, factories):
    factories.user(email="rot@example.com")
    login(client, "rot@example.com")
    secret, _ = _enable(client)
    result = app.test_cli_runner().invoke(args=["rotate-key"])
    assert result.exit_code == 0, result.output
    device = app.test_client()
    post_form(device, "/login", {"email": "rot@example.com", "password": PASSWORD})
    code = pyotp.TOTP(secret).now()
    response = post_form(device, "/login/verify", {"code": code}, token_from="/login/verify")
    assert response.status_code == 302
