"""The practitioner's plan: what they are on, what it allows, upgrade, manage, waiting readers."""

from __future__ import annotations

import stripe
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from saas.billing import limits as billing_limits
from saas.billing import plan_billing, stripe_api
from saas.billing import plans as billing_plans
from saas.billing.blueprints import platform_bp
from saas.billing.stripe_api import BillingDisabled
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from saas.publishing.publications import publications_for

STRIPE_DOWN = "Stripe could not be reached just now. Nothing was charged; please try again."


def _publication_rows() -> list[dict]:
    rows = []
    for publication, role in publications_for(current_user):
        if role != "owner":
            continue
        with bound_to(publication.id):
            rows.append(
                {
                    "publication": publication,
                    "waiting": billing_limits.held_count(publication),
                    "room": billing_limits.reader_room(publication),
                }
            )
    return rows


@platform_bp.route("/")
@login_required
def plan():
    enabled = stripe_api.enabled()
    standing = billing_plans.standing(current_user.id)
    return render_template(
        "billing/plan.html",
        enabled=enabled,
        standing=standing,
        plans=billing_plans.plans(),
        prices=plan_billing.price_labels() if enabled else {},
        owned=len(billing_plans.owned_publication_ids(current_user.id)),
        publications=_publication_rows() if enabled else [],
    )


def _stripe_redirect(make_url):
    if not stripe_api.enabled():
        abort(404)
    try:
        return redirect(make_url(), 303)
    except BillingDisabled:
        abort(404)
    except plan_billing.ManageInPortal:
        flash("You already have a paid plan: change it in the billing portal.", "info")
    except plan_billing.PlanUnavailable:
        flash("That plan is not available.", "error")
    except stripe.StripeError:
        flash(STRIPE_DOWN, "error")
    return redirect(url_for("billing.plan"), 303)


@platform_bp.route("/checkout", methods=["POST"])
@login_required
def checkout():
    plan_key = request.form.get("plan", "")
    interval = request.form.get("interval", "month")
    return _stripe_redirect(lambda: plan_billing.start_checkout(current_user, plan_key, interval))


@platform_bp.route("/portal", methods=["POST"])
@login_required
def portal():
    return _stripe_redirect(lambda: plan_billing.portal_url(current_user))


@platform_bp.route("/return")
@login_required
def checkout_return():
    session_id = request.args.get("session_id", "")
    try:
        standing = plan_billing.finish_checkout(current_user, session_id)
    except BillingDisabled:
        abort(404)
    except (LookupError, stripe.InvalidRequestError):
        abort(404)
    except stripe.StripeError:
        flash("Your payment went through; your plan updates in a moment.", "info")
        return redirect(url_for("billing.plan"))
    flash(f"You are on the {standing.plan.name} plan. Thank you!", "success")
    return redirect(url_for("billing.plan"))


@platform_bp.route("/waiting/<int:publication_id>", methods=["POST"])
@login_required
def release_waiting(publication_id: int):
    if publication_id not in billing_plans.owned_publication_ids(current_user.id):
        abort(404)
    with bound_to(publication_id):
        released = billing_limits.release_holds(db.session.get(Publication, publication_id))
    plural = "" if released == 1 else "s"
    flash(f"{released:,} waiting reader{plural} added to your list.", "success")
    return redirect(url_for("billing.plan"))
