"""Accounts: the practitioner as a person: sign-up, email confirmation, sign-in, two-factor.

Models: User (models). Services: users (sign-up, confirmation, sign-in, password reset),
passwords (argon2id), two_factor (TOTP and recovery codes). Routes: the `auth` blueprint
(`/signup`, `/login`, `/login/verify`, `/logout`, `/password/...`, `/account/security`).

May import: saas.core, saas.mail. The lowest feature: it imports no other.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes and the session's user loader."""
    from saas.accounts import two_factor_views  # noqa: F401  (adds routes to auth)
    from saas.accounts.loader import load_user
    from saas.accounts.views import bp
    from saas.core.extensions import login_manager

    app.register_blueprint(bp)
    login_manager.user_loader(load_user)
