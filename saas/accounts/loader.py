"""Flask-Login's user loader: the session id carries a password fingerprint."""

from __future__ import annotations

from saas.accounts.models import User
from saas.core.extensions import db


def load_user(session_id: str) -> User | None:
    """Return the user for a session id, or None once their password has changed."""
    user_id, _, fingerprint = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not fingerprint or user.password_hash[-12:] != fingerprint:
        return None
    return user
