"""Paid tiers in the dashboard (owners only): connect Stripe, define tiers, see paying readers."""

from __future__ import annotations

import stripe
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from saas.billing import stripe_api
from saas.billing.blueprints import dashboard_bp
from saas.billing.paid import connect_accounts, reader_billing
from saas.billing.paid import tiers as tier_service
from saas.billing.paid.forms import TierForm
from saas.billing.paid.paywall import MARKER
from saas.publishing.dashboard_parent import require_owner

STRIPE_DOWN = "Stripe could not be reached just now. Please try again in a moment."


def _back():
    return redirect(url_for("dashboard.billing.paid_tiers"), 303)


@dashboard_bp.route("/<pub_slug>/paid")
def paid_tiers():
    require_owner()
    publication = g.publication
    connection = connect_accounts.get_connection(publication)
    enabled = stripe_api.enabled()
    return render_template(
        "billing/paid.html",
        enabled=enabled,
        connection=connection,
        ready=connect_accounts.is_ready(connection),
        shareable=connect_accounts.shareable(publication, current_user.id) if enabled else [],
        tiers=tier_service.list_tiers(publication, include_archived=True),
        readers=reader_billing.paid_readers(publication),
        paid_count=reader_billing.paid_count(publication),
        price_label=tier_service.price_label,
        marker=MARKER,
    )


@dashboard_bp.route("/<pub_slug>/paid/connect", methods=["GET", "POST"])
def paid_connect():
    """POST starts onboarding; GET is Stripe's refresh_url when a link expired."""
    require_owner()
    if not stripe_api.enabled():
        abort(404)
    if request.method == "GET" and connect_accounts.get_connection(g.publication) is None:
        return _back()
    try:
        return redirect(connect_accounts.start_onboarding(g.publication, current_user.email), 303)
    except stripe.StripeError:
        flash(STRIPE_DOWN, "error")
        return _back()


@dashboard_bp.route("/<pub_slug>/paid/connect/return")
def paid_connect_return():
    require_owner()
    if not stripe_api.enabled():
        abort(404)
    try:
        connection = connect_accounts.refresh(g.publication)
    except stripe.StripeError:
        flash(STRIPE_DOWN, "error")
        return _back()
    if connect_accounts.is_ready(connection):
        flash("Stripe is connected: readers can pay you. Now add a paid tier.", "success")
    elif connection is not None:
        flash("Stripe still needs a few details before readers can pay you.", "info")
    return _back()


@dashboard_bp.route("/<pub_slug>/paid/connect/share", methods=["POST"])
def paid_connect_share():
    require_owner()
    source = request.form.get("publication_id", "")
    try:
        connect_accounts.share(g.publication, current_user.id, int(source or 0))
    except connect_accounts.ConnectError as exc:
        flash(str(exc), "error")
    except stripe.StripeError:
        flash(STRIPE_DOWN, "error")
    else:
        flash("Connected to the same Stripe account.", "success")
    return _back()


def _save_tier(form: TierForm, tier=None):
    args = (form.name.data.strip(), (form.description.data or "").strip())
    amounts = (form.cents(form.monthly), form.cents(form.yearly))
    try:
        if tier is None:
            tier_service.create_tier(g.publication, *args, form.currency.data, *amounts)
        else:
            tier_service.update_tier(g.publication, tier, *args, *amounts)
    except tier_service.TierError as exc:
        form.form_errors.append(str(exc))
        return None
    except stripe.StripeError:
        form.form_errors.append(STRIPE_DOWN)
        return None
    flash("Tier saved.", "success")
    return _back()


@dashboard_bp.route("/<pub_slug>/paid/tiers/new", methods=["GET", "POST"])
def new_tier():
    require_owner()
    form = TierForm()
    connection = connect_accounts.get_connection(g.publication)
    if request.method == "GET" and connection and connection.default_currency:
        # Readers are charged in the account's own currency unless the owner picks another.
        form.currency.data = connection.default_currency
    if form.validate_on_submit():
        done = _save_tier(form)
        if done is not None:
            return done
    status = 422 if form.errors or form.form_errors else 200
    return render_template("billing/tier_form.html", form=form, tier=None), status


@dashboard_bp.route("/<pub_slug>/paid/tiers/<int:tier_id>", methods=["GET", "POST"])
def edit_tier(tier_id: int):
    require_owner()
    tier = tier_service.get_tier(g.publication, tier_id)
    if tier is None:
        abort(404)
    form = TierForm(obj=tier)
    if request.method == "GET":
        form.monthly.data = tier.monthly_amount / 100
        form.yearly.data = tier.yearly_amount / 100
    if form.validate_on_submit():
        done = _save_tier(form, tier)
        if done is not None:
            return done
    status = 422 if form.errors or form.form_errors else 200
    return render_template("billing/tier_form.html", form=form, tier=tier), status


@dashboard_bp.route("/<pub_slug>/paid/tiers/<int:tier_id>/archive", methods=["POST"])
def archive_tier(tier_id: int):
    require_owner()
    tier = tier_service.get_tier(g.publication, tier_id)
    if tier is None:
        abort(404)
    try:
        tier_service.archive_tier(g.publication, tier)
    except (tier_service.TierError, stripe.StripeError):
        flash(STRIPE_DOWN, "error")
    else:
        flash(f"{tier.name} is no longer offered; its readers keep their subscription.", "success")
    return _back()
