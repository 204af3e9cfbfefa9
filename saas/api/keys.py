"""API keys: made (the key shown once), stored as a keyed hash, found from a request, revoked.

A key is `tend_` and 40 random URL-safe characters (240 bits from `secrets`). What is stored
is HMAC-SHA256 of the key under a key derived from SECRET_KEY, looked up by equality on a
unique index. A slow password hash (argon2, as for passwords) buys nothing here: it slows
guessing of low-entropy secrets, and nobody guesses 240 random bits; it would cost every API
call tens of milliseconds of CPU (a gift to anyone flooding the API), and its per-hash salt
would rule out finding a key by its hash. The HMAC key also means a copy of the database
alone cannot confirm a guessed key. Changing SECRET_KEY therefore retires every API key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from saas.accounts.models import User
from saas.api import scopes as api_scopes
from saas.api.models import ApiKey
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import cross_tenant
from saas.publishing.models import Publication

KEY_PREFIX = "tend_"
SECRET_BYTES = 30
VISIBLE_CHARACTERS = 12
KEY_LENGTH = len(KEY_PREFIX) + 40
# Last-used times are kept to the minute: no write on every call.
USE_PRECISION = timedelta(minutes=1)


class KeyRefused(ValueError):
    """The key cannot be made as asked; the message says why, for the practitioner."""


@dataclass(frozen=True)
class NewKey:
    """A key just made: its row, and the key itself (shown once, never stored)."""

    row: ApiKey
    secret: str


def hash_key(secret: str) -> str:
    """The stored form of a key: hex HMAC-SHA256 under a key derived from SECRET_KEY."""
    app_secret = current_app.config["SECRET_KEY"].encode()
    hashing_key = hmac.new(app_secret, b"tend.api-key.v1", hashlib.sha256).digest()
    return hmac.new(hashing_key, secret.encode(), hashlib.sha256).hexdigest()


def create_key(
    publication: Publication,
    name: str,
    scopes: list[str],
    *,
    support_when_confidential: bool = False,
    created_by: User | None = None,
) -> NewKey:
    """Make a key with these scopes; the owner's yes to confidential support is kept with it."""
    chosen = api_scopes.known(scopes)
    if not chosen:
        raise KeyRefused("Choose at least one thing this key may do.")
    secret = KEY_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    row = ApiKey(
        publication_id=publication.id,
        name=" ".join(name.split())[:80] or "API key",
        prefix=secret[:VISIBLE_CHARACTERS],
        key_hash=hash_key(secret),
        scopes=chosen,
        support_when_confidential=support_when_confidential
        and any(scope in chosen for scope in api_scopes.SUPPORT_SCOPES),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(row)
    db.session.commit()
    return NewKey(row, secret)


def list_keys(publication: Publication) -> list[ApiKey]:
    """The publication's keys: those in use first, newest first."""
    rows = db.session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc()))
    return sorted(rows, key=lambda row: not row.is_active)


def get_key(publication: Publication, key_id: int) -> ApiKey | None:
    """One of the publication's keys by id."""
    return db.session.scalar(select(ApiKey).where(ApiKey.id == key_id))


def revoke(publication: Publication, key: ApiKey) -> None:
    """Stop the key from opening the API, at once and for good."""
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()


def find_by_secret(secret: str) -> ApiKey | None:
    """The active key a caller presented, whichever publication it belongs to.

    Runs before any tenant is bound (the key is what names the tenant), so it reads across
    tenants, and only by the hash's unique index.
    """
    if not secret.startswith(KEY_PREFIX) or len(secret) != KEY_LENGTH:
        return None
    digest = hash_key(secret)
    with cross_tenant():
        key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if key is None or not key.is_active:
        return None
    return key


def record_use(key: ApiKey, now: datetime | None = None) -> None:
    """Note that the key was used (at most one write a minute per key)."""
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at >= USE_PRECISION:
        key.last_used_at = now
        db.session.commit()
