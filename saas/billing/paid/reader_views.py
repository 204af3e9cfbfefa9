"""Readers paying on the public pages: upgrade through Checkout, sign in, manage in the portal.

Routes live on the public blueprint (`/p/<slug>/paid/...`), so the publication is bound the
same way as every other reader page. Like the subscribe box, the forms carry no CSRF token
(they sit on cached pages); rate limits keep them from being abused.
"""

from __future__ import annotations

import stripe
from flask import abort, flash, g, redirect, render_template, request

from saas.audience import reader_session
from saas.billing import stripe_api
from saas.billing.blueprints import public_bp
from saas.billing.paid import reader_billing
from saas.billing.paid.forms import ReaderEmailForm, UpgradeForm
from saas.billing.paid.reader_access import ACCOUNT, WrongPublication, read_access_token
from saas.core.extensions import csrf, limiter
from saas.core.tokens import InvalidToken
from saas.core.urls import public_url

_per_ip = limiter.limit("10 per minute; 60 per hour", methods=["POST"])
STRIPE_DOWN = "Payments could not be reached just now. Nothing was charged; please try again."


def _issue_or_home(issue_slug: str, anchor: str = ""):
    slug = g.publication.slug
    if issue_slug:
        return redirect(
            public_url("public.publishing.issue", pub_slug=slug, issue_slug=issue_slug) + anchor
        )
    return redirect(public_url("public.publishing.home", pub_slug=slug))


def _account():
    return redirect(public_url("public.billing.paid_account", pub_slug=g.publication.slug), 303)


@public_bp.route("/paid/upgrade", methods=["POST"])
@csrf.exempt
@_per_ip
def paid_upgrade():
    if not stripe_api.enabled():
        abort(404)
    form = UpgradeForm()
    choice = form.tier_and_interval() if form.validate() else None
    issue_slug = (form.issue.data or "").strip()
    if choice is None:
        flash("Enter your email address, then choose monthly or yearly.", "error")
        return _issue_or_home(issue_slug, "#upgrade")
    try:
        url = reader_billing.start_checkout(g.publication, *choice, form.email.data, issue_slug)
    except reader_billing.AlreadyPaid:
        next_page = f"issue:{issue_slug}" if issue_slug else ACCOUNT
        reader_billing.request_sign_in(g.publication, form.email.data, next_page)
        flash("You already have a paid subscription: we emailed you a link to sign in.", "info")
        return _issue_or_home(issue_slug, "#upgrade")
    except reader_billing.CheckoutRefused as exc:
        flash(str(exc), "error")
        return _issue_or_home(issue_slug, "#upgrade")
    except stripe.StripeError:
        flash(STRIPE_DOWN, "error")
        return _issue_or_home(issue_slug, "#upgrade")
    return redirect(url, 303)


@public_bp.route("/paid/welcome")
def paid_welcome():
    """Stripe sends the reader here after paying: sign them in and take them back."""
    if not stripe_api.enabled():
        abort(404)
    try:
        subscriber_id, issue_slug = reader_billing.finish_checkout(
            g.publication, request.args.get("session_id", "")
        )
    except (LookupError, stripe.InvalidRequestError):
        abort(404)
    except stripe.StripeError:
        flash("Thank you! Your payment went through; your access opens in a moment.", "info")
        return _issue_or_home("")
    reader_session.sign_in(g.publication, subscriber_id)
    name = g.publication.name
    flash(f"Thank you for supporting {name}! Every issue is yours to read.", "success")
    return _issue_or_home(issue_slug)


@public_bp.route("/paid/account", methods=["GET", "POST"])
@csrf.exempt
@_per_ip
def paid_account():
    """Signed in: the reader's subscription. Otherwise: ask for their email, mail a link."""
    publication = g.publication
    form = ReaderEmailForm()
    if request.method == "POST":
        if form.validate():
            reader_billing.request_sign_in(publication, form.email.data, form.next.data or ACCOUNT)
            return render_template(
                "billing/reader_check_email.html", publication=publication, email=form.email.data
            )
        return render_template(
            "billing/reader_account.html", publication=publication, form=form, standing=None
        ), 422
    subscriber_id = reader_session.reader_id(publication)
    standing = reader_billing.standing(publication, subscriber_id) if subscriber_id else None
    if form.next.data is None:
        form.next.data = request.args.get("next", ACCOUNT)[:130]
    return render_template(
        "billing/reader_account.html", publication=publication, form=form, standing=standing
    )


@public_bp.route("/paid/access/<token>")
def paid_access(token: str):
    """A mailed sign-in link: remember the reader in this browser, then go where it says."""
    try:
        link = read_access_token(g.publication, token)
    except WrongPublication:
        abort(404)
    except InvalidToken:
        return render_template("audience/link_invalid.html", publication=g.publication), 400
    if reader_billing.standing(g.publication, link.subscriber_id).subscription is None:
        abort(404)
    reader_session.sign_in(g.publication, link.subscriber_id)
    if link.next.startswith("issue:"):
        return _issue_or_home(link.next[len("issue:") :])
    if link.next == "archive":
        return redirect(public_url("public.publishing.archive", pub_slug=g.publication.slug))
    return _account()


@public_bp.route("/paid/portal", methods=["POST"])
@csrf.exempt
@_per_ip
def paid_portal():
    """The signed-in reader's Stripe Billing Portal (cards, plan, cancel)."""
    subscriber_id = reader_session.reader_id(g.publication)
    if subscriber_id is None or not stripe_api.enabled():
        return _account()
    try:
        return redirect(reader_billing.portal_url(g.publication, subscriber_id), 303)
    except LookupError:
        flash("There is no subscription to manage on this address.", "error")
    except stripe.StripeError:
        flash(STRIPE_DOWN, "error")
    return _account()


@public_bp.route("/paid/sign-out", methods=["POST"])
@csrf.exempt
def paid_sign_out():
    reader_session.sign_out(g.publication)
    flash("Signed out on this device.", "success")
    return redirect(public_url("public.publishing.home", pub_slug=g.publication.slug), 303)
