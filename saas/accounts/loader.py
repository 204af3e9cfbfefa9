"""Flask-Login's user loader: a session id is only good for the account's current generation."""

from __future__ import annotations

from saas.accounts.models import User
from saas.core.extensions import db


def load_user(session_id: str) -> User | None:
    """The user a session id names, or None once it has been ended on the server.

    The id is `<user id>:<session generation>:<password fingerprint>` (User.get_id): a
    sign-out, a reset or a two-factor change bumps the generation, a new password changes
    the fingerprint, and either makes every older id worthless.
    """
    user_id, generation, fingerprint = ((session_id or "").split(":") + ["", "", ""])[:3]
    if not user_id.isdigit() or not generation.isdigit() or not fingerprint:
        return None
    user = db.session.get(User, int(user_id))
    if user is None:
        return None
    if int(generation) != user.session_generation or user.password_hash[-12:] != fingerprint:
        return None
    return user
