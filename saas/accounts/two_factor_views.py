"""Two-factor sign-in: the second step of login, and the account security page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from saas.accounts import two_factor
from saas.accounts.forms import CodeForm, DisableTwoFactorForm
from saas.accounts.loader import load_user
from saas.accounts.throttle import TooManyAttempts
from saas.accounts.users import end_sessions
from saas.accounts.views import NEXT_KEY, PENDING_KEY, bp
from saas.core.extensions import limiter
from saas.core.urls import safe_next_url

SETUP_KEY = "2fa_setup_secret"


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit("5 per minute; 30 per hour", methods=["POST"])
def verify_login():
    user = load_user(session.get(PENDING_KEY, ""))
    if user is None:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            verified = two_factor.verify(user, form.code.data)
        except TooManyAttempts as exc:
            form.code.errors.append(str(exc))
            return render_template("accounts/verify_login.html", form=form), 429
        if verified:
            next_url = session.pop(NEXT_KEY, None)
            session.pop(PENDING_KEY, None)
            login_user(user)
            return redirect(safe_next_url(next_url) or url_for("dashboard.publishing.home"))
        form.code.errors.append("That code is not valid. Try the current one, or a recovery code.")
    return render_template("accounts/verify_login.html", form=form), 422 if form.errors else 200


@bp.route("/account/security", methods=["GET", "POST"])
@login_required
def security():
    user = current_user._get_current_object()
    enable_form, disable_form = CodeForm(prefix="enable"), DisableTwoFactorForm(prefix="disable")
    recovery_codes = None
    if request.method == "POST" and not user.two_factor_enabled and enable_form.validate():
        secret = session.get(SETUP_KEY) or ""
        recovery_codes = two_factor.enable(user, secret, enable_form.code.data) if secret else None
        if recovery_codes is None:
            enable_form.code.errors.append("That code did not match. Check your phone's clock.")
        else:
            session.pop(SETUP_KEY, None)
            login_user(user)  # other sessions ended; this one carries on
    elif request.method == "POST" and user.two_factor_enabled and disable_form.validate():
        if two_factor.disable(user, disable_form.password.data):
            login_user(user)  # other sessions ended; this one carries on
            flash("Two-factor sign-in is off.", "success")
            return redirect(url_for("auth.security"))
        disable_form.password.errors.append("That password is not right.")
    secret = None
    if not user.two_factor_enabled:
        secret = session.get(SETUP_KEY) or two_factor.new_secret()
        session[SETUP_KEY] = secret
    errors = enable_form.errors or disable_form.errors
    return render_template(
        "accounts/security.html",
        enable_form=enable_form,
        disable_form=disable_form,
        secret=secret,
        uri=two_factor.provisioning_uri(user, secret) if secret else None,
        recovery_codes=recovery_codes,
    ), (422 if errors else 200)


@bp.route("/account/sessions/end", methods=["POST"])
@login_required
def end_all_sessions():
    """Sign out everywhere: every browser signed in to this account, this one included."""
    end_sessions(current_user._get_current_object())
    logout_user()
    flash("You are signed out everywhere. Sign in again on the devices you use.", "info")
    return redirect(url_for("auth.login"))
