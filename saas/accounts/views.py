"""Auth views: thin wrappers from forms to saas.accounts.users."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from saas.accounts import users as accounts
from saas.accounts.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from saas.accounts.throttle import TooManyAttempts
from saas.core.extensions import limiter
from saas.core.tokens import InvalidToken
from saas.core.urls import safe_next_url

bp = Blueprint("auth", __name__)

# The half-signed-in state between a password (or a reset link) and the second factor.
PENDING_KEY = "2fa_pending_user"
NEXT_KEY = "2fa_next"

_limit_post = limiter.limit("10 per minute; 50 per hour", methods=["POST"])


@bp.route("/signup", methods=["GET", "POST"])
@_limit_post
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.publishing.home"))
    form = SignupForm()
    if form.validate_on_submit():
        accounts.sign_up(form.name.data, form.email.data, form.password.data)
        return render_template("accounts/check_email.html", email=form.email.data, purpose="signup")
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


@bp.route("/signup/confirm/<token>")
def confirm_account(token: str):
    try:
        user = accounts.confirm_account(token)
    except InvalidToken:
        return render_template("accounts/link_invalid.html"), 400
    if user.two_factor_enabled:
        # A link is one factor: an account with a second one signs in the full way.
        flash("Your email is confirmed. Sign in to continue.", "success")
        return redirect(url_for("auth.login"))
    login_user(user)
    flash("Your email is confirmed. Welcome to Tend.", "success")
    return redirect(url_for("dashboard.publishing.home"))


@bp.route("/login", methods=["GET", "POST"])
@_limit_post
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.publishing.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except TooManyAttempts as exc:
            form.password.errors.append(str(exc))
            return render_template("accounts/login.html", form=form), 429
        if user is not None and user.two_factor_enabled:
            session[PENDING_KEY] = user.get_id()
            session[NEXT_KEY] = safe_next_url(request.args.get("next"))
            return redirect(url_for("auth.verify_login"))
        if user is not None:
            login_user(user)
            return redirect(
                safe_next_url(request.args.get("next")) or url_for("dashboard.publishing.home")
            )
        form.password.errors.append("That email and password do not match a confirmed account.")
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Ends the session on the server: a copy of the cookie is worthless from now on.
        accounts.end_sessions(current_user._get_current_object())
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render_template("accounts/check_email.html", email=form.email.data, purpose="reset")
    return render_template("accounts/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@_limit_post
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except InvalidToken:
        return render_template("accounts/link_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data)
        if user.two_factor_enabled:
            # The link proves the address, not the second factor: ask for the code.
            session[PENDING_KEY] = user.get_id()
            session.pop(NEXT_KEY, None)
            flash("Your password is changed. Enter a code to finish signing in.", "success")
            return redirect(url_for("auth.verify_login"))
        login_user(user)
        flash("Your password is changed.", "success")
        return redirect(url_for("dashboard.publishing.home"))
    return render_template("accounts/reset.html", form=form), 422 if form.errors else 200
