"""Guessing is slowed per account, whatever address the guesses come from.

Rotating X-Forwarded-For (or real addresses) used to give unlimited password and two-factor
guesses and reset mails, because every limit counted per IP. Each account now has its own
count: a few free tries, then a wait that doubles with every further failure, capped so an
attacker can never lock the owner out for long, and cleared by a successful sign-in or reset.
"""

from __future__ import annotations

import itertools

import pyotp
import pytest

from saas.accounts import throttle
from tests.accounts.test_two_factor import _enable
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD

_addresses = (f"10.{a}.{b}.7" for a, b in itertools.product(range(1, 200), range(1, 200)))


def _from_new_address(client):
    client.environ_base["REMOTE_ADDR"] = next(_addresses)
    return client


def _try_password(app, email: str, password: str):
    client = _from_new_address(app.test_client())
    return post_form(client, "/login", {"email": email, "password": password})


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle, "_now", fake)
    return fake


def test_wrong_passwords_from_many_addresses_slow_down_the_account(app, factories, clock):
    factories.user(email="owner@example.com")
    for _ in range(throttle.FREE_FAILURES):
        assert _try_password(app, "owner@example.com", "wrong guess").status_code == 422
    refused = _try_password(app, "owner@example.com", PASSWORD)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)

    clock.now += 2
    assert _try_password(app, "owner@example.com", "another guess").status_code == 422
    assert _try_password(app, "owner@example.com", PASSWORD).status_code == 429
    clock.now += throttle.MAX_WAIT_SECONDS
    assert _try_password(app, "owner@example.com", PASSWORD).status_code == 302


def test_the_wait_doubles_and_is_capped(app, clock):
    waits = []
    with app.app_context():
        for _ in range(throttle.FREE_FAILURES + 20):
            throttle.record_failure("sign-in", "someone@example.com")
            waits.append(throttle.wait_seconds("sign-in", "someone@example.com"))
    assert waits[: throttle.FREE_FAILURES - 1] == [0] * (throttle.FREE_FAILURES - 1)
    growing = waits[throttle.FREE_FAILURES - 1 :]
    assert growing[:4] == [1, 2, 4, 8]
    assert max(growing) == throttle.MAX_WAIT_SECONDS


def test_other_accounts_are_not_slowed(app, factories, clock):
    factories.user(email="owner@example.com")
    factories.user(email="other@example.com")
    for _ in range(throttle.FREE_FAILURES + 1):
        _try_password(app, "owner@example.com", "wrong guess")
    assert _try_password(app, "other@example.com", PASSWORD).status_code == 302


def test_unknown_addresses_are_slowed_the_same_way(app, clock):
    # The answer must not tell an account apart from no account.
    for _ in range(throttle.FREE_FAILURES):
        assert _try_password(app, "nobody@example.com", "guess").status_code == 422
    assert _try_password(app, "nobody@example.com", "guess").status_code == 429


def test_second_factor_guesses_are_slowed_per_account(app, client, factories, clock):
    factories.user(email="two@example.com")
    login(client, "two@example.com")
    secret, _ = _enable(client)
    for _ in range(throttle.FREE_FAILURES + 1):
        visitor = _from_new_address(app.test_client())
        post_form(visitor, "/login", {"email": "two@example.com", "password": PASSWORD})
        response = post_form(visitor, "/login/verify", {"code": "000000"}, "/login/verify")
    assert response.status_code == 429
    visitor = _from_new_address(app.test_client())
    post_form(visitor, "/login", {"email": "two@example.com", "password": PASSWORD})
    right = post_form(visitor, "/login/verify", {"code": pyotp.TOTP(secret).now()}, "/login/verify")
    assert right.status_code == 429


def test_reset_mails_are_slowed_per_address(app, mailbox, factories, clock):
    factories.user(email="owner@example.com")
    for _ in range(throttle.FREE_RESET_MAILS + 3):
        client = _from_new_address(app.test_client())
        token = csrf_token(client, "/password/forgot")
        client.post("/password/forgot", data={"email": "owner@example.com", "csrf_token": token})
    assert len(mailbox.messages("owner@example.com")) == throttle.FREE_RESET_MAILS
