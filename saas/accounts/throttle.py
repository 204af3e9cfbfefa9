"""Slowing guesses per account, wherever they come from: sign-in, second factor, reset mails.

Per-IP limits stop one address; an attacker with many addresses (or a proxy that passes on
any X-Forwarded-For) is stopped here, per account. A few failures are free; after that each
attempt must wait twice as long as the last, up to MAX_WAIT_SECONDS, counted from the latest
failure. The cap is what keeps an attacker from locking the owner out for long, and a
successful sign-in (or a password reset, for sign-in) clears the count.

Subjects (an address as typed, or a user id) are keyed by HMAC, so Redis never holds an
address; unknown addresses are counted exactly like known ones, so the answer reveals
nothing. Counts live in Redis (the queue connection; fakeredis in the embedded default).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import time

from flask import current_app
from redis.exceptions import RedisError

from saas.core.queue import get_connection

SIGN_IN = "sign-in"
SECOND_FACTOR = "second-factor"
RESET_MAIL = "reset-mail"

FREE_FAILURES = 5
FREE_RESET_MAILS = 3
MAX_WAIT_SECONDS = 15 * 60
# Counts are forgotten a day after the latest failure.
KEEP_SECONDS = 24 * 3600


def _now() -> float:
    return time.time()


def _key(kind: str, subject: str | int) -> str:
    value = str(subject).strip().lower().encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), value, hashlib.sha256)
    return f"tend:account-throttle:{kind}:{digest.hexdigest()[:32]}"


class TooManyAttempts(Exception):
    """The account must wait before another attempt; `seconds` says how long."""

    def __init__(self, seconds: int) -> None:
        super().__init__(wait_message(seconds))
        self.seconds = seconds


def _state(kind: str, subject: str | int) -> tuple[int, float]:
    try:
        raw = get_connection().hgetall(_key(kind, subject))
    except RedisError:
        # Redis away: sign-in keeps working, guarded by the per-IP limits alone for now.
        current_app.logger.warning("account throttle unavailable: Redis unreachable")
        return 0, 0.0
    return int(raw.get(b"count", 0)), float(raw.get(b"last", 0.0))


def wait_seconds(kind: str, subject: str | int, free: int = FREE_FAILURES) -> int:
    """How long the next attempt must still wait (0: go ahead)."""
    count, last = _state(kind, subject)
    if count < free:
        return 0
    delay = min(MAX_WAIT_SECONDS, 2 ** (count - free))
    return max(0, int(last + delay - _now() + 0.999))


def check(kind: str, subject: str | int) -> None:
    """Raise TooManyAttempts while the subject must wait."""
    seconds = wait_seconds(kind, subject)
    if seconds:
        raise TooManyAttempts(seconds)


def record_failure(kind: str, subject: str | int) -> None:
    """Count one more failure (or one more reset mail) for the subject."""
    key = _key(kind, subject)
    with contextlib.suppress(RedisError):
        pipe = get_connection().pipeline()
        pipe.hincrby(key, "count", 1)
        pipe.hset(key, "last", repr(_now()))
        pipe.expire(key, KEEP_SECONDS)
        pipe.execute()


def clear(kind: str, subject: str | int) -> None:
    """Forget the subject's failures (after a success)."""
    with contextlib.suppress(RedisError):
        get_connection().delete(_key(kind, subject))


def wait_message(seconds: int) -> str:
    """The words a person sees while their account waits."""
    if seconds >= 60:
        minutes = (seconds + 59) // 60
        when = f"{minutes} minute{'s' if minutes != 1 else ''}"
    else:
        when = f"{seconds} second{'s' if seconds != 1 else ''}"
    return (
        f"Too many attempts for this account. Try again in {when}, or reset your password by email."
    )
