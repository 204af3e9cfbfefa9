"""Practitioner sign-up, email confirmation, sign-in and password reset."""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.accounts import throttle
from saas.accounts.models import User
from saas.accounts.passwords import hash_password, needs_rehash, verify_password
from saas.core.extensions import db
from saas.core.links import external_url
from saas.core.model_base import utcnow
from saas.core.queue import enqueue
from saas.core.tokens import InvalidToken, make_token, read_token
from saas.mail.compose import compose
from saas.mail.transport import send

SIGNUP_PURPOSE = "signup-confirm"
RESET_PURPOSE = "password-reset"


def normalize_email(email: str) -> str:
    """Lower-cased, trimmed address used for lookups and uniqueness."""
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account for an address, if any."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _fingerprint(user: User) -> str:
    # Changes whenever the password changes, which makes a reset link single-use.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def sign_up(name: str, email: str, password: str) -> None:
    """Hash the password and hand the rest to a mail job, whoever the address belongs to.

    The request does the same work for a new address and for one with an account (the job
    decides what to create and what to mail), and the caller shows the same answer, so
    neither the page nor its timing reveals who has an account. The job carries the argon2
    hash, never the password.
    """
    enqueue(
        "worker.jobs.finish_sign_up",
        name.strip(),
        normalize_email(email),
        hash_password(password),
        queue="mail",
    )


def finish_sign_up(name: str, email: str, password_hash: str) -> None:
    """In the mail job: create the unconfirmed account and mail its confirmation link.

    If the address already has an account, mail its owner a note instead.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        message = compose(
            "account_exists",
            to=existing.email,
            to_name=existing.name,
            name=existing.name,
            login_url=external_url("auth.login"),
            reset_url=external_url("auth.forgot_password"),
        )
        send(message)
        return
    user = User(name=name, email=email, password_hash=password_hash)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # Two sign-ups for one address raced; the first one holds it.
        db.session.rollback()
        return
    token = make_token(SIGNUP_PURPOSE, {"uid": user.id})
    message = compose(
        "confirm_account",
        to=user.email,
        to_name=user.name,
        name=user.name,
        confirm_url=external_url("auth.confirm_account", token=token),
    )
    send(message)


def confirm_account(token: str) -> User:
    """Confirm the account behind a confirmation link, once, and return it.

    The link is single-use: it is good only while the account is unconfirmed, so it dies
    when it is first followed, or when a password reset (which also proves the address)
    confirms the account.
    """
    payload = read_token(SIGNUP_PURPOSE, token, current_app.config["SIGNUP_CONFIRM_MAX_AGE"])
    user = db.session.get(User, int(payload.get("uid", 0))) if isinstance(payload, dict) else None
    if user is None:
        raise InvalidToken("no such account")
    if user.email_confirmed:
        raise InvalidToken("already used")
    user.email_confirmed = True
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """End every session of the account on the server (sign-out, sign out everywhere)."""
    user.session_generation = (user.session_generation or 0) + 1
    db.session.commit()


def authenticate(email: str, password: str) -> User | None:
    """The confirmed account matching the credentials, or None (same work either way).

    Raises throttle.TooManyAttempts while the address typed must wait: failures are counted
    per address, from wherever they come, and a success clears them.
    """
    typed = normalize_email(email)
    throttle.check(throttle.SIGN_IN, typed)
    user = find_user_by_email(typed)
    if not verify_password(user.password_hash if user else None, password):
        throttle.record_failure(throttle.SIGN_IN, typed)
        return None
    if not user.email_confirmed:
        throttle.record_failure(throttle.SIGN_IN, typed)
        return None
    throttle.clear(throttle.SIGN_IN, typed)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def request_password_reset(email: str) -> None:
    """Queue the reset mail job for any address: the job decides, so timing tells nothing.

    A few requests per address are free; past them, further ones within the growing wait are
    dropped silently (for known and unknown addresses alike), so nobody can flood an inbox.
    """
    typed = normalize_email(email)
    if throttle.wait_seconds(throttle.RESET_MAIL, typed, free=throttle.FREE_RESET_MAILS):
        return
    throttle.record_failure(throttle.RESET_MAIL, typed)
    enqueue("worker.jobs.mail_password_reset", typed, queue="mail")


def mail_password_reset(email: str) -> None:
    """In the mail job: mail a reset link if the address has an account; else do nothing."""
    user = find_user_by_email(email)
    if user is None:
        return
    token = make_token(RESET_PURPOSE, {"uid": user.id, "fp": _fingerprint(user)})
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    message = compose(
        "password_reset",
        to=user.email,
        to_name=user.name,
        name=user.name,
        reset_url=external_url("auth.reset_password", token=token),
        minutes=minutes,
    )
    send(message)


def user_for_reset_token(token: str) -> User:
    """The account a still-valid, unused reset link belongs to."""
    payload = read_token(RESET_PURPOSE, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if not isinstance(payload, dict):
        raise InvalidToken("malformed")
    user = db.session.get(User, int(payload.get("uid", 0)))
    if user is None or payload.get("fp") != _fingerprint(user):
        raise InvalidToken("used or unknown")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link; the link stops working afterwards."""
    user = user_for_reset_token(token)
    user.password_hash = hash_password(new_password)
    # Following the emailed link proves the address.
    user.email_confirmed = True
    # Whoever held a session before the reset holds nothing now.
    user.session_generation = (user.session_generation or 0) + 1
    db.session.commit()
    throttle.clear(throttle.SIGN_IN, user.email)
    return user
