"""Optional two-factor sign-in for practitioners: TOTP (RFC 6238) plus one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from flask import current_app
from redis.exceptions import RedisError

from saas.accounts import throttle
from saas.accounts.models import User
from saas.accounts.passwords import verify_password
from saas.core.crypto import decrypt_text, encrypt_text
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import get_connection

ISSUER = "Tend"
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    """A fresh base32 TOTP secret (kept in the session until confirmed)."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """otpauth:// URI for authenticator apps."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)  # 40 random bits per code
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def _code_ok(secret: str, code: str) -> bool:
    code = "".join(ch for ch in code if ch.isdigit())
    return len(code) == 6 and pyotp.TOTP(secret).verify(code, valid_window=1)


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Turn two-factor on if `code` matches `secret`; returns the recovery codes, shown once.

    Every other session of the account ends (the caller signs the current one in again).
    """
    if not _code_ok(secret, code):
        return None
    codes = _new_recovery_codes()
    user.totp_secret_encrypted = encrypt_text(secret)
    user.totp_enabled_at = utcnow()
    user.recovery_code_hashes = [_hash_code(c) for c in codes]
    # Sessions signed in without a second factor end; the caller signs this one in again.
    user.session_generation = (user.session_generation or 0) + 1
    db.session.commit()
    return codes


def disable(user: User, password: str) -> bool:
    """Turn two-factor off; needs the account password. Every other session ends."""
    if not verify_password(user.password_hash, password):
        return False
    user.totp_secret_encrypted = ""  # nosec B105 (clearing the secret)
    user.totp_enabled_at = None
    user.recovery_code_hashes = []
    # Other sessions end too; the caller signs this one in again.
    user.session_generation = (user.session_generation or 0) + 1
    db.session.commit()
    return True


def verify(user: User, code: str) -> bool:
    """Check a sign-in code: a current TOTP (each usable once) or an unused recovery code.

    Raises throttle.TooManyAttempts while the account must wait after failed codes, from
    wherever they came; a right code clears the count.
    """
    throttle.check(throttle.SECOND_FACTOR, user.id)
    ok = _code_matches(user, code)
    if ok:
        throttle.clear(throttle.SECOND_FACTOR, user.id)
    else:
        throttle.record_failure(throttle.SECOND_FACTOR, user.id)
    return ok


def _code_matches(user: User, code: str) -> bool:
    if not user.two_factor_enabled:
        return False
    code = (code or "").strip()
    if _code_ok(decrypt_text(user.totp_secret_encrypted), code):
        digits = "".join(ch for ch in code if ch.isdigit())
        # A code seen once cannot be replayed inside its validity window.
        try:
            return bool(
                get_connection().set(f"tend:totp-used:{user.id}:{digits}", 1, nx=True, ex=120)
            )
        except RedisError:
            # Redis away: accept the right code (replay protection resumes with Redis).
            current_app.logger.warning("two-factor replay check unavailable: Redis unreachable")
            return True
    hashed = _hash_code(code)
    remaining = [h for h in user.recovery_code_hashes if not hmac.compare_digest(h, hashed)]
    if len(remaining) == len(user.recovery_code_hashes):
        return False
    user.recovery_code_hashes = remaining
    db.session.commit()
    return True
